// recur/web as a Vite user meets it: a tiny page that imports `recur/web` (the package, linked
// into the page's node_modules as npm links a local dependency), built by Vite (a devDependency),
// served as static files with COOP/COEP, trains the adding problem in Chromium. Vite must find
// the wasm builds (assets) and the two worker modules (bundled as workers of their own) from the
// package's `new URL('…', import.meta.url)` forms, with no plugin and no configuration.
// Skipped, saying why, where chromium is absent.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { StaticServer } from '../src/node/static-server.js';
import { chromiumMissing, launch, watchedPage } from './helpers/browser.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const MAIN_JS = `import { startTraining } from 'recur/web';
window.train = async (spec) => {
  const run = startTraining(spec);
  let info = null;
  const losses = [];
  run.on('ready', (e) => { info = e.info; });
  run.on('progress', (e) => { for (const s of e.steps) losses.push(s.loss); });
  try { const d = await run.done; return { info, losses, bytes: d.model.length }; }
  catch (e) { return { error: e.message }; }
  finally { run.terminate(); }
};
document.getElementById('status').textContent = 'ready';
`;

test('Vite bundles a page that imports recur/web: the wasm as assets, the workers bundled; it trains in Chromium with threads', async (t) => {
  const missing = chromiumMissing();
  if (missing) { t.skip(missing); return; }
  const dir = mkdtempSync(join(tmpdir(), 'recur-vite-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules', 'recur'), 'dir');
  writeFileSync(join(dir, 'index.html'), '<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./main.js"></script></head><body><p id="status">loading</p></body></html>');
  writeFileSync(join(dir, 'main.js'), MAIN_JS);
  const { build } = await import('vite' as string) as { build(o: unknown): Promise<unknown> };
  const out = join(dir, 'dist');
  await build({ root: dir, configFile: false, logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
  const assets = readdirSync(join(out, 'assets'));
  for (const f of [/^kernels-simd-.*\.wasm$/, /^kernels-relaxed-.*\.wasm$/, /^train-worker-.*\.js$/, /^wasm-thread-.*\.js$/]) {
    assert.ok(assets.some((a) => f.test(a)), `${f} among Vite's assets: ${assets.join(', ')}`);
  }

  const server = await StaticServer.start({ mounts: { '/': out }, port: 0 });
  const { browser, close } = await launch();
  try {
    const w = await watchedPage(browser);
    await w.page.goto(server.url);
    await w.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
    const spec = {
      task: { kind: 'adding', length: 12 }, model: { cell: 'gru', hiddenSize: 16 }, threads: 2,
      train: { steps: 30, batchSize: 16, seed: 2, optimizer: { kind: 'adam', lr: 1e-2 }, evalEvery: 30 },
    };
    const r = await w.page.evaluate((s) => (window as unknown as { train(s: unknown): Promise<{ error?: string; losses: number[]; bytes: number; info: { kernels: { kind: string; threads: number }; kernelsText: string } }> }).train(s), spec);
    assert.equal(r.error, undefined, r.error);
    assert.equal(r.info.kernels.kind, 'wasm', r.info.kernelsText);
    assert.equal(r.info.kernels.threads, 2, r.info.kernelsText);
    assert.equal(r.losses.length, 30);
    assert.ok(r.losses.every(Number.isFinite));
    assert.ok(r.bytes > 1000);
    assert.deepEqual(w.errors, []);
    const outside = w.requests.filter((u) => !u.startsWith(server.url));
    assert.deepEqual(outside, [], 'no request outside the page origin');
    assert.ok(w.requests.some((u) => /\/assets\/kernels-relaxed-.*\.wasm$/.test(u)), `the wasm came from Vite's assets: ${w.requests.join(', ')}`);
  } finally {
    await close();
    await server.close();
  }
});
