// Where a training step's time goes, by kernel: wraps every method of one kernel set with a timer
// and runs a workload of bench-spec.md through the benchmark's own step (bench/recur-adapter.ts).
// The whole-loop kernels (loopForward/loopBackward) hold the per-step recurrent gemms and gate
// kernels; "outside kernels" is JavaScript between calls (loss, optimizer, copies).
// Usage, after a build: node scripts/profile-step.mjs [WORKLOAD=A] [--threads N] [--steps N] [--cpu]
// --cpu times with the process's CPU time (process.cpuUsage, every thread of it) instead of the
// wall clock: on a machine shared with other jobs, time spent descheduled then does not count.
// With threads, a split call then counts the work of all its threads.
// GFLOP/s is given for the matrix products (the gemms, and the loops' per-step products: forward
// 2·T·B·(I+H)·G·H with the input projection, backward 2·T·B·G·H·H), against the ceiling: the
// same kernel set's packed gemm on the per-step recurrent shape of one thread's rows, by the same
// clock, the best of 30 batches (with --cpu and threads, GFLOP/s are per CPU-second: per thread).

import { gateCount, getWorkload } from '../dist/bench/workloads.js';
import { recurStep } from '../dist/bench/recur-adapter.js';
import { createWasmKernelsSync } from '../dist/src/node/kernels.js';

const args = process.argv.slice(2);
const flag = (name, d) => { const i = args.indexOf(name); return i >= 0 ? Number(args[i + 1]) : d; };
const id = args.find((a) => /^[A-F]$/.test(a)) ?? 'A';
const threads = flag('--threads', 1);
const steps = flag('--steps', 30);
const useCpu = args.includes('--cpu');
const now = useCpu ? () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : () => performance.now();

// Wrap the kernel set the adapter creates: createKernels is looked up on the module at call time.
// The Kernels interface (src/kernels/types.ts) and the loop kernels; private helpers are not timed.
const KERNEL_METHODS = ['gemm', 'packB', 'gemmPackedB', 'freePackedB', 'fillRows', 'addColumnSums', 'activationForward',
  'activationBackward', 'lstmForward', 'lstmBackward', 'gruForward', 'gruBackward', 'loopForward', 'loopBackward'];
const times = new Map();
const counts = new Map();
let wrapped = null;
function wrap(k) {
  for (const name of KERNEL_METHODS) {
    if (typeof k[name] !== 'function') continue;
    const f = k[name].bind(k);
    k[name] = (...a) => {
      const t0 = now();
      try { return f(...a); } finally {
        // an input-projection gemm (before the loop) and the weight-gradient gemms (after it) differ in their transposes
        const key = name === 'gemm' ? `gemm ${a[0] ? 'Aᵀ' : 'A'}·${a[1] ? 'Bᵀ' : 'B'} ${a[2]}×${a[3]}×${a[4]}` : name;
        times.set(key, (times.get(key) ?? 0) + now() - t0);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    };
  }
  return k;
}
const w = getWorkload(id);
// RECUR_PROFILE_WASM='{"adaptive":false,"spinMs":10}' passes options to the wasm kernel set
const extra = JSON.parse(process.env.RECUR_PROFILE_WASM ?? '{}');
const kernels = wrap(createWasmKernelsSync({ threads, ...extra }));
if (kernels.ready) await kernels.ready();
const step = await recurStep(w, { kernels: 'wasm', threads, kernelSet: kernels });
for (let i = 0; i < 5; i++) step.step();
times.clear(); counts.clear();
const t0 = now();
for (let i = 0; i < steps; i++) step.step();
const total = (now() - t0) / steps;
console.log(`workload ${id} (${w.cell}, H ${w.hiddenSize}, B ${w.batch}, T ${w.length}, ${w.mode}), wasm, ${threads} thread(s): ${total.toFixed(2)} ms ${useCpu ? 'of CPU' : ''} per step`);
// FLOPs of one call of a key: gemm keys carry m×n×k; the loops' products follow from the workload.
const g = gateCount(w.cell) * w.hiddenSize, rowsT = w.batch * w.length;
const matrix = (key) => {
  const m = /^gemm .* (\d+)×(\d+)×(\d+)$/.exec(key);
  if (m) return 2 * m[1] * m[2] * m[3];
  if (key === 'loopForward') return 2 * rowsT * (w.inputSize + w.hiddenSize) * g;
  if (key === 'loopBackward') return 2 * rowsT * g * w.hiddenSize;
  return 0;
};
const gflops = (flops, ms) => (flops / (ms * 1e6)).toFixed(1);
let inKernels = 0, matrixMs = 0, matrixFlops = 0;
for (const [key, ms] of [...times].sort((a, b) => b[1] - a[1])) {
  inKernels += ms;
  const f = matrix(key) * counts.get(key);
  if (f > 0) { matrixMs += ms; matrixFlops += f; }
  console.log(`  ${key.padEnd(34)} ${(ms / steps).toFixed(3).padStart(8)} ms  ${(100 * ms / steps / total).toFixed(1).padStart(5)}%  (${counts.get(key) / steps} calls)${f > 0 ? `  ${gflops(f, ms).padStart(5)} GFLOP/s` : ''}`);
}
console.log(`  ${'outside kernels'.padEnd(34)} ${(total - inKernels / steps).toFixed(3).padStart(8)} ms  ${(100 * (1 - inKernels / steps / total)).toFixed(1).padStart(5)}%`);
// The ceiling: one thread's per-step recurrent product, B packed once, alone on this kernel set.
const rows = Math.max(4, Math.ceil(w.batch / threads)), hid = w.hiddenSize;
const A = kernels.alloc(rows * hid).fill(0.01), Bm = kernels.alloc(g * hid).fill(0.02), C = kernels.alloc(rows * g);
const packed = kernels.packB(true, hid, g, Bm, 0, hid);
// the best of 30 batches of 20 calls: on a shared machine, the speed when nothing interferes
let ceilingMs = Infinity;
for (let b = 0; b < 30; b++) {
  const c0 = now();
  for (let r = 0; r < 20; r++) kernels.gemmPackedB(false, rows, g, hid, 1, A, 0, hid, packed, 0, C, 0, g);
  ceilingMs = Math.min(ceilingMs, (now() - c0) / 20);
}
const ceiling = 2 * rows * hid * g / (ceilingMs * 1e6);
console.log(`  matrix products (the loops with their gate kernels): ${(100 * matrixMs / steps / total).toFixed(1)}% of the step at ${gflops(matrixFlops, matrixMs)} GFLOP/s`
  + `${useCpu ? ' of CPU time' : ''}; the ceiling, a ${rows}×${hid}×${g} packed gemm alone (best of 30 × 20 calls): ${ceiling.toFixed(1)} GFLOP/s`
  + ` (at the ceiling they would take ${(matrixFlops / steps / (ceiling * 1e6)).toFixed(2)} ms a step)`);
kernels.freePackedB(packed);
if (kernels.threadStats) console.log('  threads:', JSON.stringify(kernels.threadStats()));
step.close();
kernels.close?.();
