// recur/web in Chromium (dist/web/, bundled by esbuild): training in a Web Worker on the adding
// problem and on names, with threads under COOP/COEP and one thread without (the same losses, bit
// for bit), the main thread responsive while it trains (longest gap between animation frames),
// no console errors and no request outside the page's origin; a model file the CLI reads; and the
// bad inputs (a wasm file that fails to load, a CSV without numbers, a run too large for a page)
// answered with messages. Skipped, saying why, where chromium is absent.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { StaticServer } from '../src/node/static-server.js';
import { chromiumMissing, launch, watchedPage, type Watched } from './helpers/browser.js';
import { PAGE_HTML, PAGE_JS } from './helpers/web-page.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const missing = chromiumMissing();
const dir = mkdtempSync(join(tmpdir(), 'recur-web-'));
writeFileSync(join(dir, 'index.html'), PAGE_HTML);
writeFileSync(join(dir, 'page.js'), PAGE_JS);
const mounts = { '/': dir, '/lib/': join(ROOT, 'dist', 'web') };

let browser: Browser, closeBrowser: () => Promise<void>;
let isolated: StaticServer, plain: StaticServer;
before(async () => {
  if (missing) return;
  ({ browser, close: closeBrowser } = await launch());
  isolated = await StaticServer.start({ mounts, port: 0 });
  plain = await StaticServer.start({ mounts, port: 0, isolate: false });
});
after(async () => {
  if (missing) return;
  await closeBrowser();
  await isolated.close();
  await plain.close();
});

async function open(server: StaticServer): Promise<Watched> {
  const w = await watchedPage(browser);
  await w.page.goto(server.url);
  await w.page.waitForFunction(() => document.getElementById('status')?.textContent === 'ready');
  return w;
}

function sameOrigin(w: Watched, server: StaticServer): void {
  assert.ok(w.requests.length > 0);
  const outside = w.requests.filter((u) => !u.startsWith(server.url));
  assert.deepEqual(outside, [], 'no request outside the page origin');
}

const adding = (threads: number | 'auto') => ({
  task: { kind: 'adding', length: 20 }, model: { cell: 'lstm', hiddenSize: 32 }, threads,
  train: { steps: 400, batchSize: 32, seed: 7, optimizer: { kind: 'adam', lr: 1e-2 }, clip: { kind: 'norm', maxNorm: 1 }, evalEvery: 200 },
});

/** Steps of the runs that only compare losses with the first (which shows the task learnt). */
const SHORT = 100;

interface Trained {
  info: { kernels: { kind: string; threads: number; relaxed: boolean }; kernelsText: string; params: number; preloaded: boolean };
  losses: number[]; result: { valLoss: number; baselineLoss: number; steps: number; threadStats: { splitCalls: number; chunks: number; workerChunks: number } | null }; model: number | number[];
  firstStepMs: number; events: string[]; samples: string[] | null; maxGap: number; frames: number; isolated: boolean; errors: string[]; error?: string;
}

test('recur/web trains the adding problem in a worker: 2 threads under COOP/COEP, 1 without, the same losses; the page stays responsive', async (t) => {
  if (missing) { t.skip(missing); return; }
  const w = await open(isolated);
  const two = await w.page.evaluate((s) => (window as unknown as { train(s: unknown): Promise<Trained> }).train(s), adding(2)) as Trained;
  assert.equal(two.error, undefined, two.error);
  assert.equal(two.isolated, true);
  assert.equal(two.info.kernels.kind, 'wasm');
  assert.equal(two.info.kernels.threads, 2, two.info.kernelsText);
  // the thread the page started with the run (training.ts) took its share of the calls
  assert.ok(two.result.threadStats && two.result.threadStats.workerChunks > 0, JSON.stringify(two.result.threadStats));
  assert.equal(two.losses.length, 400);
  assert.ok(two.result.valLoss < 0.3 * two.result.baselineLoss, `val ${two.result.valLoss} against the baseline ${two.result.baselineLoss}`);
  assert.deepEqual(two.events, ['eval', 'gradflow', 'vitals']);
  assert.ok(typeof two.model === 'number' && two.model > 1000);
  assert.ok(two.frames > 5 && two.maxGap < 100, `longest gap between animation frames ${two.maxGap.toFixed(1)} ms over ${two.frames} frames`);
  // the same run, shorter (its first steps are the same), on one thread
  const short = (threads: number | 'auto') => ({ ...adding(threads), train: { ...adding(threads).train, steps: SHORT } });
  const one = await w.page.evaluate((s) => (window as unknown as { train(s: unknown): Promise<Trained> }).train(s), short(1)) as Trained;
  assert.equal(one.info.kernels.threads, 1);
  assert.equal(one.result.threadStats?.workerChunks, 0);
  assert.deepEqual(one.losses, two.losses.slice(0, SHORT), '1 and 2 threads give the same bits');
  // a worker started ahead (preloadTraining) and warmed while the page waited: the same bits
  const pre = await w.page.evaluate((s) => (window as unknown as { train(s: unknown, o: unknown): Promise<Trained> }).train(s, { preload: 1500 }), short(2)) as Trained;
  assert.equal(pre.error, undefined, pre.error);
  assert.equal(pre.info.preloaded, true);
  assert.equal(pre.info.kernels.threads, 2, pre.info.kernelsText);
  assert.deepEqual(pre.losses, two.losses.slice(0, SHORT), 'a preloaded worker gives the same bits');
  // the main thread cannot wait on threads: loadWebKernels there gives one, and says why
  assert.match(await w.page.evaluate(() => (window as unknown as { kernelsOnMainThread(o: unknown): Promise<string> }).kernelsOnMainThread({ threads: 2 })), /^wasm \(relaxed SIMD, 1 thread\); one thread: the page's main thread/);
  assert.deepEqual(w.errors, []);
  sameOrigin(w, isolated);

  const p = await open(plain);
  const noIso = await p.page.evaluate((s) => (window as unknown as { train(s: unknown): Promise<Trained> }).train(s), short('auto')) as Trained;
  assert.equal(noIso.isolated, false);
  assert.equal(noIso.info.kernels.threads, 1);
  assert.match(noIso.info.kernelsText, /not cross-origin isolated/);
  assert.deepEqual(noIso.losses, two.losses.slice(0, SHORT), 'without isolation: one thread, the same losses');
  assert.deepEqual(p.errors, []);
  sameOrigin(p, plain);
  await w.page.close();
  await p.page.close();
});

test('recur/web trains on arrays: x packed on the page gives the losses of x as it is, and a NaN in x is named', async (t) => {
  if (missing) { t.skip(missing); return; }
  const w = await open(isolated);
  const regress = (bad = false) => {
    let s = 7;
    const u = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296 - 0.5; };
    const x = Array.from({ length: 40 }, (_, i) => Array.from({ length: 10 + (i % 5) }, (_, t) => [u(), bad && i === 33 && t === 4 ? NaN : u(), u()]));
    return { task: { kind: 'regress', x, y: x.map((q) => q.reduce((a, r) => a + r[0]!, 0)), validationSplit: 0.2 }, model: { cell: 'gru', hiddenSize: 16 }, threads: 1,
      train: { steps: 30, batchSize: 8, seed: 3, optimizer: { kind: 'adam', lr: 1e-2 }, evalEvery: 10 } };
  };
  const train = (s: unknown, o: unknown) => w.page.evaluate(([s, o]) => (window as unknown as { train(s: unknown, o: unknown): Promise<Trained> }).train(s, o), [s, o] as const) as Promise<Trained>;
  const packed = await train(regress(), {});
  const asIs = await train(regress(), { unpacked: true });
  assert.equal(packed.error, undefined, packed.error);
  assert.equal(asIs.error, undefined, asIs.error);
  assert.equal(packed.losses.length, 30);
  assert.deepEqual(packed.losses, asIs.losses);
  const nan = await train(regress(true), {});
  assert.match(nan.error ?? '', /^regress task x\[33\]\[4\]\[1\]: expected a finite number, received NaN/);
  assert.deepEqual(w.errors, []);
  await w.page.close();
});

test('recur/web trains a names model in a worker; it samples names and the CLI reads its file', async (t) => {
  if (missing) { t.skip(missing); return; }
  const w = await open(isolated);
  const names = readFileSync(join(ROOT, 'data', 'names.txt'), 'utf8').split('\n').slice(0, 4000).join('\n');
  const spec = {
    task: { kind: 'text', text: names, seq: 16, shuffleLines: true, name: 'names.txt' }, model: { cell: 'gru', hiddenSize: 64, embedDim: 16 },
    train: { steps: 250, batchSize: 32, seed: 3, optimizer: { kind: 'adam', lr: 1e-2 }, clip: { kind: 'norm', maxNorm: 1 }, evalEvery: 125 },
  };
  const r = await w.page.evaluate(([s, o]) => (window as unknown as { train(s: unknown, o: unknown): Promise<Trained> }).train(s, o), [spec, { model: true }] as const) as Trained;
  assert.equal(r.error, undefined, r.error);
  assert.ok(r.result.valLoss < 0.9 * r.result.baselineLoss, `val ${r.result.valLoss} against the unigram entropy ${r.result.baselineLoss}`);
  assert.equal(r.samples!.length, 5);
  for (const s of r.samples!) assert.match(s, /^[a-z]*$/, `a sampled name: ${JSON.stringify(s)}`);
  const file = join(dir, 'names.safetensors');
  writeFileSync(file, Uint8Array.from(r.model as number[]));
  const out = execFileSync(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'sample', '--model', file, '--count', '3', '--seed', '1'], { encoding: 'utf8' });
  assert.ok(out.trim().split('\n').length >= 3, `recur sample read the page's model: ${out}`);
  assert.deepEqual(w.errors, []);
  sameOrigin(w, isolated);
  await w.page.close();
});

test('recur/web bad input: a wasm file that fails to load, a CSV without numbers, a run too large for a page: messages, a live page', async (t) => {
  if (missing) { t.skip(missing); return; }
  const w = await open(isolated);
  const call = (name: string, arg: unknown) => w.page.evaluate(([n, a]) => (window as unknown as Record<string, (a: unknown) => Promise<unknown>>)[n as string]!(a), [name, arg] as const);
  const fallback = await call('loadFrom', { wasm: '/lib/wasm/missing.wasm' }) as { kind: string; reason: string };
  assert.equal(fallback.kind, 'js');
  assert.match(fallback.reason, /missing\.wasm to load, received HTTP 404/);
  const refused = await call('loadFrom', { wasm: '/index.html', kind: 'wasm' }) as { error: string };
  assert.match(refused.error, /expected a WebAssembly module at \/index\.html/);
  const csv = await call('train', { task: { kind: 'csv', text: 'date,name\n2020,a\n2021,b\n', column: 'name' }, model: { cell: 'gru', hiddenSize: 8 },
    train: { steps: 10, batchSize: 4, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 } } }) as Trained;
  assert.match(csv.error ?? '', /column "name"/);
  assert.deepEqual(csv.errors, [csv.error], 'the error came as an event');
  const huge = await call('train', { task: { kind: 'adding', length: 100000 }, model: { cell: 'lstm', hiddenSize: 512 },
    train: { steps: 10, batchSize: 256, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 } } }) as Trained;
  assert.match(huge.error ?? '', /run size: expected training buffers under 1024 MB for a page, received \d+ MB/);
  // still alive: a short run after the refusals
  const ok = await call('train', { ...adding(1), train: { ...adding(1).train, steps: 20 } }) as Trained;
  assert.equal(ok.losses.length, 20);
  assert.deepEqual(w.errors.filter((e) => !/404/.test(e)), [], 'no console error besides the missing file');
  await w.page.close();
});
