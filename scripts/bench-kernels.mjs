// Micro-benchmark of the kernels on the shapes of docs' design table: GFLOP/s of the wasm gemm
// (1 and 2 threads) against the js reference, and the time of the fused LSTM gate kernels.
// Runs on the build: `npm run build && node scripts/bench-kernels.mjs [--rounds N] [--quick]`.
// Systems alternate within each round and the median over rounds is printed, because neighbours
// on a shared machine take 30–50% of the throughput for seconds at a time.

import { JsKernels } from '../dist/src/kernels/js.js';
import { createWasmKernels } from '../dist/src/node/kernels.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const rounds = Number(args[args.indexOf('--rounds') + 1]) || (quick ? 3 : 7);
const minMs = quick ? 40 : 150;

// M×K×N with the transposes the recurrent layer uses them with.
const shapes = [
  { label: '32×128×512 (per-step recurrent, h·W_hhᵀ)', m: 32, k: 128, n: 512, ta: false, tb: true },
  { label: '3200×32×512 (input projection, X·W_ihᵀ)', m: 3200, k: 32, n: 512, ta: false, tb: true },
  { label: '512×3200×128 (weight gradient, dGᵀ·X)', m: 512, k: 3200, n: 128, ta: true, tb: false },
];

const js = new JsKernels('float32');
const w1 = await createWasmKernels({ threads: 1 });
const w2 = await createWasmKernels({ threads: 2 });
const w1plain = await createWasmKernels({ threads: 1, relaxed: false });
const systems = [
  { name: 'js', k: js },
  { name: 'wasm simd 1t', k: w1plain },
  { name: `wasm ${w1.relaxed ? 'relaxed' : 'simd'} 1t`, k: w1 },
  { name: `wasm ${w2.relaxed ? 'relaxed' : 'simd'} 2t`, k: w2 },
];

function fill(a, seed) {
  for (let i = 0; i < a.length; i++) a[i] = Math.sin(seed + i * 0.37) * 0.5;
}

/** Seconds per call: repeats fn until minMs have passed (at least once). */
function time(fn, ms) {
  let reps = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    fn();
    reps++;
    t = performance.now();
  } while (t - t0 < ms);
  return (t - t0) / 1000 / reps;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`node ${process.version}, rounds ${rounds}, relaxed SIMD ${w1.relaxed ? 'on' : 'unavailable'}`);
console.log('\ngemm, GFLOP/s (median)');
for (const s of shapes) {
  const flops = 2 * s.m * s.n * s.k;
  const bufs = systems.map(({ k }) => {
    const a = k.alloc(s.m * s.k), b = k.alloc(s.k * s.n), c = k.alloc(s.m * s.n);
    fill(a, 1); fill(b, 2);
    return { a, b, c };
  });
  const lda = s.ta ? s.m : s.k, ldb = s.tb ? s.k : s.n;
  const runs = systems.map(({ k }, i) => () =>
    k.gemm(s.ta, s.tb, s.m, s.n, s.k, 1, bufs[i].a, 0, lda, bufs[i].b, 0, ldb, 0, bufs[i].c, 0, s.n));
  for (const r of runs) { r(); r(); } // warm-up: lets V8 tier the wasm up
  const results = systems.map(() => []);
  for (let r = 0; r < rounds; r++) {
    systems.forEach((sys, i) => {
      const ms = sys.name === 'js' ? Math.max(minMs, 1) : minMs;
      results[i].push(flops / time(runs[i], ms) / 1e9);
    });
  }
  console.log(`  ${s.label}`);
  systems.forEach((sys, i) => console.log(`    ${sys.name.padEnd(18)} ${median(results[i]).toFixed(1).padStart(7)}`));
  systems.forEach(({ k }, i) => { k.free(bufs[i].a); k.free(bufs[i].b); k.free(bufs[i].c); });
}

console.log('\n32×128×512 with W_hh packed once (gemmPackedB), GFLOP/s (median)');
{
  const m = 32, k = 128, n = 512;
  const ws = [w1, w2];
  const bufs = ws.map((w) => {
    const a = w.alloc(m * k), b = w.alloc(n * k), c = w.alloc(m * n);
    fill(a, 1); fill(b, 2);
    return { a, c, p: w.packB(true, k, n, b, 0, k) };
  });
  const runs = ws.map((w, i) => () => w.gemmPackedB(false, m, n, k, 1, bufs[i].a, 0, k, bufs[i].p, 0, bufs[i].c, 0, n));
  for (const r of runs) { r(); r(); }
  const res = ws.map(() => []);
  for (let r = 0; r < rounds; r++) ws.forEach((_, i) => res[i].push(2 * m * n * k / time(runs[i], minMs) / 1e9));
  ws.forEach((w, i) => console.log(`    ${`wasm ${w.relaxed ? 'relaxed' : 'simd'} ${w.threads}t`.padEnd(18)} ${median(res[i]).toFixed(1).padStart(7)}`));
}

console.log('\nLSTM gates, B=32 H=128, µs per call (median)');
{
  const B = 32, H = 128;
  const kinds = systems;
  const bufs = kinds.map(({ k }) => {
    const g = k.alloc(4 * B * H), g0 = k.alloc(4 * B * H), cp = k.alloc(B * H), c = k.alloc(B * H), h = k.alloc(B * H);
    const dh = k.alloc(B * H), dc = k.alloc(B * H), dg = k.alloc(4 * B * H);
    fill(g0, 3); fill(cp, 4); fill(dh, 5); fill(dc, 6);
    return { g, g0, cp, c, h, dh, dc, dg };
  });
  const fwd = kinds.map(({ k }, i) => () => {
    const b = bufs[i];
    b.g.set(b.g0);
    k.lstmForward(B, H, b.g, 0, b.cp, 0, b.c, 0, b.h, 0);
  });
  const copy = kinds.map((_, i) => () => { bufs[i].g.set(bufs[i].g0); });
  const bwd = kinds.map(({ k }, i) => () => {
    const b = bufs[i];
    k.lstmBackward(B, H, b.g, 0, b.cp, 0, b.c, 0, b.dh, 0, b.dc, 0, b.dg, 0);
  });
  for (const f of [...fwd, ...bwd]) { f(); f(); }
  const rf = kinds.map(() => []), rb = kinds.map(() => []), rc = kinds.map(() => []);
  for (let r = 0; r < rounds; r++) {
    kinds.forEach((_, i) => {
      rc[i].push(time(copy[i], minMs / 3) * 1e6);
      rf[i].push(time(fwd[i], minMs / 3) * 1e6);
      rb[i].push(time(bwd[i], minMs / 3) * 1e6);
    });
  }
  kinds.forEach((sys, i) => {
    const f = median(rf[i]) - median(rc[i]);
    console.log(`    ${sys.name.padEnd(18)} forward ${f.toFixed(1).padStart(7)}   backward ${median(rb[i]).toFixed(1).padStart(7)}`);
  });
}

const st = w2.threadStats();
console.log(`\n2-thread set: ${st.splitCalls} calls split, workers ran ${st.workerChunks} of ${st.chunks} chunks` +
  (st.workerChunks < st.chunks / 4 ? ' (few: the machine was busy, and the set ran alone part of the time)' : ''));
w1.close(); w2.close(); w1plain.close();
