// npm run bench:browser: workload A (bench-spec: LSTM, I 32, H 128, B 32, T 100, Adam, MSE) in
// Debian's chromium, one browser session: recur (its bundle, dist/web/, in a Web Worker, 1 and 2
// kernel threads, the page cross-origin isolated) and TF.js 4.22 (wasm backend, single-threaded
// SIMD as in bench-spec; WebGL where headless chromium offers it). For each: ms per step (median,
// min, max), the ratio to recur, the time from page load to the end of the first training step,
// and the gzipped bytes of everything the page loaded. The startTraining rows train workload A
// through the library's worker API (data as labelled sequences, vital signs and gradient flow on)
// and say where the time to the first step went. Not a test: figures for bench/README.md.
// BENCH_ONLY=recur skips the TF.js rows; BENCH_FIRST_REPS (default 5) is how many loads time the first step.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { StaticServer } from '../../src/node/static-server.js';
import { chromiumMissing, launch } from '../../test/helpers/browser.js';
import { WORKLOADS } from '../workloads.js';
import { RECUR_PAGE, RECUR_WORKER, TFJS_PAGE, TIMING, TRAINING_PAGE, html } from './pages.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const MIN_MS = Number(process.env.BENCH_MS ?? 5000);
const FIRST_REPS = Math.max(1, Number(process.env.BENCH_FIRST_REPS ?? 5));

interface Row { system: string; ms: number[]; firstStepMs: number[]; fromCallMs: number[]; gzBytes: number; files: number; notes: string; error?: string }

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) { console.log(`bench:browser skipped: ${missing}`); return; }
  const w = WORKLOADS.find((x) => x.id === 'A')!;
  const dir = mkdtempSync(join(tmpdir(), 'recur-bench-browser-'));
  writeFileSync(join(dir, 'timing.js'), TIMING);
  writeFileSync(join(dir, 'recur-worker.js'), RECUR_WORKER);
  writeFileSync(join(dir, 'recur.js'), RECUR_PAGE);
  writeFileSync(join(dir, 'recur.html'), html('<script type="module" src="./recur.js"></script>'));
  writeFileSync(join(dir, 'training.js'), TRAINING_PAGE);
  writeFileSync(join(dir, 'data.json'), dataJson(w.batch * 2, w.length, w.inputSize));
  writeFileSync(join(dir, 'training.html'), html('<script type="module" src="./training.js"></script>'));
  writeFileSync(join(dir, 'tfjs.js'), TFJS_PAGE);
  writeFileSync(join(dir, 'tfjs.html'), html('<script src="/tfjs/tf.min.js"></script><script src="/tfjs-wasm/tf-backend-wasm.min.js"></script><script type="module" src="./tfjs.js"></script>'));
  const nm = join(ROOT, 'node_modules', '@tensorflow');
  const mounts = { '/': dir, '/lib/': join(ROOT, 'dist', 'web'), '/tfjs/': join(nm, 'tfjs', 'dist'), '/tfjs-wasm/': join(nm, 'tfjs-backend-wasm', 'dist') };
  // TF.js evaluates generated code in places; this page is the bench's own, on 127.0.0.1
  const csp = "default-src 'self'; script-src 'self' 'unsafe-eval' 'wasm-unsafe-eval'; worker-src 'self' blob:; img-src data:";
  const server = await StaticServer.start({ port: 0, mounts, csp });
  // the same files without COOP/COEP: a page that is not cross-origin isolated (one kernel thread;
  // chromium then need not move the page to a new process when it commits)
  const plain = await StaticServer.start({ port: 0, isolate: false, mounts, csp });
  const { browser, close } = await launch();
  const spec = { inputSize: w.inputSize, hiddenSize: w.hiddenSize, batch: w.batch, length: w.length };
  const rows: Row[] = [];
  try {
    const runs: [string, string][] = [
      ['recur wasm, 1 thread', `recur.html?threads=1`],
      ['recur wasm, 2 threads', `recur.html?threads=2`],
      ['recur startTraining, 2 threads', `training.html?threads=2`],
      ['recur startTraining, 1 thread', `training.html?threads=1`],
      ['recur startTraining, 1 thread, page not cross-origin isolated', `plain:training.html?threads=1`],
      ['recur preloadTraining at load, startTraining 1.5 s later, 2 threads', `training.html?threads=2&preload=1&idle=1500`],
      ['recur startTraining 1.5 s after load (no preload), 2 threads', `training.html?threads=2&idle=1500`],
      ['recur preloadTraining at load, data fetched as JSON, 2 threads', `training.html?threads=2&preload=1&fetch=1`],
      ['recur data fetched as JSON, then startTraining (no preload), 2 threads', `training.html?threads=2&fetch=1`],
      ['recur startTraining, adding T 100, 2 threads', `training.html?threads=2&task=adding`],
      ['TF.js 4.22 wasm', `tfjs.html?backend=wasm`],
      ['TF.js 4.22 WebGL', `tfjs.html?backend=webgl`],
    ];
    for (const [system, path] of runs) {
      if (process.env.BENCH_ONLY === 'recur' && !system.startsWith('recur')) continue;
      process.stderr.write(`bench:browser: ${system}…\n`);
      // the time to the first step varies from load to load: the startTraining pages load FIRST_REPS
      // times (steps timed on the first), and the row gives the median with the range
      const on = path.startsWith('plain:') ? plain : server;
      const page0 = path.replace(/^plain:/, '');
      const reps = page0.startsWith('training.html') ? FIRST_REPS : 1;
      const firsts: number[] = [], fromCalls: number[] = [];
      let row: Row | null = null;
      for (let k = 0; k < reps; k++) {
        const page = await browser.newPage();
        const loaded: string[] = [];
        page.on('response', (r) => loaded.push(r.url()));
        await page.goto(`${on.url}${page0}&ms=${k === 0 ? MIN_MS : 300}&w=${encodeURIComponent(JSON.stringify(spec))}`);
        const r = await page.evaluate(() => (window as unknown as { benchResult: Promise<{ ms?: number[]; first?: number; origin?: number; fromCall?: number; notes?: string; error?: string }> }).benchResult);
        await page.close();
        if (r.first !== undefined) firsts.push(r.first - r.origin!);
        if (r.fromCall !== undefined) fromCalls.push(r.fromCall);
        if (row) continue;
        const files = [...new Set(loaded)].map((u) => new URL(u).pathname);
        const gz = files.filter((p) => p !== '/data.json').reduce((s, p) => s + gzipped(on, p), 0); // the library's bytes, not the page's data
        row = { system, ms: r.ms ?? [], firstStepMs: [], fromCallMs: [], gzBytes: gz, files: files.length, notes: r.notes ?? '', error: r.error };
        if (r.error) break;
      }
      row!.firstStepMs = firsts;
      row!.fromCallMs = fromCalls;
      rows.push(row!);
    }
  } finally {
    await close();
    await server.close();
    await plain.close();
  }
  print(rows);
}

/** Workload A's data as a server would send it: { x: n × t × f, y: n } in JSON, 6 significant digits (about 2 MB). */
function dataJson(n: number, t: number, f: number): string {
  let s = 12345;
  const u = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return Number((s / 2 ** 31 - 1).toPrecision(6)); };
  const x = Array.from({ length: n }, () => Array.from({ length: t }, () => Array.from({ length: f }, u)));
  return JSON.stringify({ x, y: Array.from({ length: n }, u) });
}

function gzipped(server: StaticServer, path: string): number {
  const file = server.fileOf(path);
  return file ? gzipSync(readFileSync(file), { level: 9 }).length : 0;
}

const median = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN; };

/** ms as the median, with the range when there are several: "983 ms" or "983 ms (941–1040, 5 loads)". */
function spread(a: number[]): string {
  if (!a.length) return '–';
  return a.length === 1 ? `${a[0]!.toFixed(0)} ms` : `${median(a).toFixed(0)} ms (${Math.min(...a).toFixed(0)}–${Math.max(...a).toFixed(0)}, ${a.length} loads)`;
}

function print(rows: Row[]): void {
  const recur = rows.find((r) => r.system.startsWith('recur') && r.ms.length)?.ms;
  // the ratio is on workload A: the adding row (another input size) is not a candidate for the best
  const best = Math.min(...rows.filter((r) => r.system.startsWith('recur') && !r.system.includes('adding') && r.ms.length).map((r) => median(r.ms)));
  console.log(`\nWorkload A in ${process.env.CHROMIUM_VERSION ?? 'Debian chromium'} (LSTM I 32, H 128, B 32, T 100; Adam; MSE), ${new Date().toISOString().slice(0, 16)}Z`);
  console.log(`${cpus().length} cores, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} at the end (other work on the machine slows every row)`);
  console.log('| system | ms/step median (min–max) | steps timed | × recur (best) | load → first step | startTraining → first step | gzipped bytes loaded | notes |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) {
    if (r.error || !r.ms.length) { console.log(`| ${r.system} | – | – | – | – | – | – | ${r.error ?? 'no steps'} |`); continue; }
    const m = median(r.ms);
    console.log(`| ${r.system} | ${m.toFixed(1)} (${Math.min(...r.ms).toFixed(1)}–${Math.max(...r.ms).toFixed(1)}) | ${r.ms.length} | ${(m / best).toFixed(1)} | ${spread(r.firstStepMs)} | ${spread(r.fromCallMs)} | ${(r.gzBytes / 1024).toFixed(1)} kB (${r.files} files) | ${r.notes} |`);
  }
  if (recur) console.log('\nTargets: recur ≥ 20× TF.js wasm; recur library < 150 kB gzipped with its wasm; first step < 1 s after load.');
}

await main();
