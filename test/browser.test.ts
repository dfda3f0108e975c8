// The report and the live dashboard in a real browser: Debian's chromium driven by playwright-core
// (which downloads no browser). The report opens from a file:// URL with no console errors and no
// requests beyond the file itself, and its charts carry the data (many points in the loss path,
// one heatmap cell per time step and recorded training step). The dashboard's charts change while
// a short `recur train --dashboard` runs. Skipped, saying why, where chromium is absent.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { chromiumMissing, launch, watchedPage } from './helpers/browser.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recur-browser-'));
const missing = chromiumMissing();

/** Runs recur; resolves with its exit code and output, calling `onErr` with each stderr chunk. */
function recur(args: string[], onErr: (s: string) => void = () => {}) {
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, RECUR_KERNELS: 'js' } });
  let out = '', err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
  child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; onErr(err); });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done };
}

// one browser for the file, launched while the first test's training runs
let launched: Promise<{ browser: Browser; close(): Promise<void> }> | null = null;
before(() => { if (!missing) { launched = launch(); launched.catch(() => {}); } });
after(async () => { if (launched) await (await launched).close(); });

async function withBrowser(t: { skip(msg: string): void }, body: (b: Browser) => Promise<void>): Promise<void> {
  if (missing) { t.skip(missing); return; }
  await body((await launched!).browser);
}

/** Cells drawn by a heatmap: its paths are runs "M c,y h w v1 h −w z"; their widths add up to the cell count. */
function heatmapCells(page: Page): Promise<number[]> {
  return page.$$eval('section#heatmap g.cells', (gs) => gs.map((g) => {
    let n = 0;
    for (const p of Array.from(g.querySelectorAll('path'))) for (const m of (p.getAttribute('d') ?? '').matchAll(/M[\d.]+,[\d.]+h([\d.]+)/g)) n += Number(m[1]);
    return n;
  }));
}

test('browser: the report opens from file:// with no errors and no requests, and its charts carry the data', async (t) => {
  const report = join(dir, 'report.html');
  // trains while the browser starts
  const trained = missing ? null : recur(['train', '--task', 'adding', '--length', '20', '--cell', 'lstm', '--hidden', '12', '--steps', '200', '--batch', '8',
    '--clip-norm', '0.5', '--no-stop', '--report', report]).done;
  await withBrowser(t, async (browser) => {
    const r = await trained!;
    assert.equal(r.code, 0, r.err);
    const url = pathToFileURL(report).href;
    const { page, errors, requests } = await watchedPage(browser);
    await page.goto(url);
    assert.deepEqual(errors, []);
    assert.deepEqual(requests, [url], 'the page loads nothing but itself');
    const ids = await page.$$eval('section', (s) => s.map((e) => e.id));
    for (const id of ['summary', 'loss', 'lr', 'grad-norm', 'grad-flow', 'heatmap', 'vitals', 'vital-series', 'config']) assert.ok(ids.includes(id), `section ${id} in ${ids}`);
    // the loss curve: a path with a point per step (200 steps, drawn raw and smoothed)
    const lossPoints = await page.$$eval('section#loss path.series', (ps) => ps.map((p) => (p.getAttribute('d') ?? '').split(/[ML]/).length - 1));
    assert.ok(Math.max(...lossPoints) >= 150, `loss paths have ${lossPoints} points`);
    // gradient flow over time: at init and at the end, 20 time steps each
    const flow = await page.$$eval('section#grad-flow path.series', (ps) => ps.map((p) => (p.getAttribute('d') ?? '').split(/[ML]/).length - 1));
    assert.deepEqual(flow, [20, 20]);
    // the heatmap: 20 time steps × the recorded training steps (1, 2, 4, …, 200: every 2nd step)
    assert.deepEqual(await heatmapCells(page), [20 * 101]);
    // clipping marks and the threshold line on the gradient-norm chart
    assert.ok(await page.$('section#grad-norm path.marker'));
    assert.match(await page.textContent('section#grad-norm') ?? '', /clip threshold 0\.5/);
    // the vital-signs table has a status mark on every line
    const vitals = await page.$$eval('section#vitals tbody tr', (rows) => rows.map((r) => r.textContent ?? ''));
    assert.ok(vitals.length >= 6);
    for (const row of vitals) assert.match(row, /[✓!✗]/);
  });
});

test('browser: the dashboard\'s charts change while a short training runs', async (t) => {
  await withBrowser(t, async (browser) => {
    let resolveUrl: (u: string) => void;
    const urlSeen = new Promise<string>((resolve) => { resolveUrl = resolve; });
    const run = recur(['train', '--task', 'adding', '--length', '30', '--cell', 'gru', '--hidden', '16', '--steps', '400', '--batch', '16',
      '--no-stop', '--eval-every', '50', '--dashboard', '--port', '0'], (err) => {
      const m = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) resolveUrl(m[1]!);
    });
    try {
      const url = await Promise.race([urlSeen, run.done.then((r) => { throw new Error(`recur ended before printing a URL: ${r.err}`); })]);
      const { page, errors, requests } = await watchedPage(browser);
      await page.goto(url);
      const state = () => page.evaluate(() => ({
        updates: Number(document.documentElement.dataset.updates ?? 0),
        loss: Array.from(document.querySelectorAll('section#loss path.series')).map((p) => p.getAttribute('d')).join('|'),
        cells: document.querySelectorAll('section#heatmap g.cells path').length,
        status: document.getElementById('live-status')?.textContent ?? '',
      }));
      await page.waitForFunction(() => Number(document.documentElement.dataset.updates ?? 0) >= 2 && document.querySelector('section#loss path.series'), null, { timeout: 30_000 });
      const first = await state();
      await page.waitForFunction((n) => Number(document.documentElement.dataset.updates ?? 0) >= n + 2, first.updates, { timeout: 30_000 });
      const later = await state();
      assert.notEqual(later.loss, first.loss, 'the loss chart was redrawn with new steps');
      assert.match(first.status, /Training: step \d+ of 400/);
      assert.ok(later.cells > 0, 'the heatmap is drawn live');
      // the rest of the run, in js on a machine the whole suite shares: a bound for a hung run, not a pace
      await page.waitForFunction(() => document.documentElement.dataset.done === 'true', null, { timeout: 90_000 });
      assert.match((await state()).status, /Finished after 400 steps/);
      const r = await run.done;
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /dashboard: stopped/);
      assert.deepEqual(errors, []);
      assert.ok(requests.every((u) => u.startsWith(url)), `only the dashboard's own origin: ${requests}`);
      assert.deepEqual([...new Set(requests.map((u) => new URL(u).pathname))].sort(), ['/', '/events']);
    } finally {
      run.child.kill();
    }
  });
});
