// The error of the wasm sigmoid and tanh (asm/math.ts) against float64, over every float32 input
// (all 2^32 bit patterns; NaN in must give NaN out), in both builds. Prints the largest error in
// ulp of the float32 result (the spacing above |f32(reference)|, as test/kernels-parity.test.ts
// counts it), where it occurs, and the mean. Takes a few minutes of one core.
// Usage, after a build: node scripts/approx-error.mjs [--step N] (N > 1 samples every N-th pattern)

import { createWasmKernels } from '../dist/src/kernels/wasm.js';

const args = process.argv.slice(2);
const step = Number(args[args.indexOf('--step') + 1]) || 1;
const CHUNK = 1 << 20;
const sigmoid = (v) => 1 / (1 + Math.exp(-v));
const REFS = [['tanh', Math.tanh], ['sigmoid', sigmoid]];

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** Spacing of float32 just above |fround(v)| (the smallest subnormal at 0). */
function ulp(v) {
  f32[0] = Math.abs(v);
  if (f32[0] === 0) return 2 ** -149;
  const f = f32[0];
  if (f === Infinity) return Infinity;
  u32[0] += 1;
  return f32[0] - f;
}

for (const relaxed of [true, false]) {
  const k = await createWasmKernels({ threads: 1, relaxed });
  const build = k.relaxed ? 'relaxed SIMD' : 'plain SIMD';
  if (relaxed && !k.relaxed) { k.close(); continue; }
  const x = k.alloc(CHUNK), y = k.alloc(CHUNK);
  const bits = new Uint32Array(x.buffer, x.byteOffset, CHUNK);
  for (const [name, ref] of REFS) {
    let worst = 0, at = 0, sum = 0, count = 0, nanBad = 0;
    for (let base = 0; base < 2 ** 32; base += CHUNK * step) {
      const n = Math.min(CHUNK, Math.ceil((2 ** 32 - base) / step));
      for (let i = 0; i < n; i++) bits[i] = base + i * step;
      k.activationForward(name, 0, n, x, 0, y, 0);
      for (let i = 0; i < n; i++) {
        const xi = x[i], yi = y[i];
        if (Number.isNaN(xi)) { if (!Number.isNaN(yi)) nanBad++; continue; }
        const r = ref(xi);
        const e = r === yi ? 0 : Math.abs(yi - r) / ulp(r);
        sum += e; count++;
        if (!(e <= worst)) { worst = e; at = xi; }
      }
    }
    console.log(`${build.padEnd(12)} ${name.padEnd(8)} max ${worst.toFixed(3)} ulp at x = ${at}, mean ${(sum / count).toFixed(4)} ulp over ${count} inputs` +
      (nanBad ? `; ${nanBad} NaN inputs gave a number` : ''));
  }
  k.close();
}
