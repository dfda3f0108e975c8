// The wasm kernels against the js reference (float32): every kernel on odd sizes, offsets and
// leading dimensions wider than the rows; elements outside what a kernel writes must come back
// untouched, bit for bit. Tolerance: 1e-5 of the largest magnitude in the reference result.
// The wasm transcendental functions are also held to a few ulp of float64, with exact special
// values. And with 2 threads the gemm must give the very same bits as with 1.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { JsKernels } from '../src/kernels/js.js';
import { readFileSync } from 'node:fs';
import { RecurError } from '../src/errors.js';
import { createKernels as createCoreKernels, describeKernels, kernelsText, loadKernels } from '../src/kernels/index.js';
import { createKernels, createWasmKernels, createWasmKernelsSync, startNodeWorker } from '../src/node/kernels.js';
import type { Activation, Kernels } from '../src/kernels/types.js';
import { Rng } from '../src/tensor/rng.js';
import type { WasmKernels } from '../src/kernels/wasm.js';

const TOL = 1e-5;
const js = new JsKernels('float32');
const wasm = createWasmKernelsSync();
const wasm2 = await createWasmKernels({ threads: 2, parallelMinMacs: 1, parallelMinElements: 1, adaptive: false });
const plain = createWasmKernelsSync({ relaxed: false });
after(() => { wasm.close(); wasm2.close(); plain.close(); });

/** Uniform [0, 1) numbers from the project's seeded generator, so failures reproduce. */
function rng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.uniform();
}

/** The same values in a js array and in a fresh array of kernel set k. */
function pair(k: Kernels, n: number, fill: (i: number) => number): [Float32Array, Float32Array] {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = fill(i);
  const b = k.alloc(n) as Float32Array;
  b.set(a);
  return [a, b];
}

/**
 * Inside `written`, |got − ref| ≤ TOL · max|ref over written| (NaN only where ref is NaN);
 * outside it, got must equal ref bit for bit.
 */
function expectClose(what: string, ref: Float32Array, got: Float32Array, written: (i: number) => boolean): void {
  assert.equal(got.length, ref.length);
  let scale = 0;
  for (let i = 0; i < ref.length; i++) if (written(i) && Number.isFinite(ref[i]!)) scale = Math.max(scale, Math.abs(ref[i]!));
  const tol = TOL * Math.max(scale, 1e-30);
  for (let i = 0; i < ref.length; i++) {
    const r = ref[i]!, g = got[i]!;
    if (!written(i)) {
      if (!Object.is(r, g)) assert.fail(`${what}: element ${i} outside the output changed: ${r} → ${g}`);
    } else if (Object.is(r, g)) {
      continue;
    } else if (Number.isNaN(r) || Number.isNaN(g)) {
      if (!(Number.isNaN(r) && Number.isNaN(g))) assert.fail(`${what}: element ${i}: reference ${r}, wasm ${g}`);
    } else if (!(Math.abs(r - g) <= tol)) {
      assert.fail(`${what}: element ${i}: reference ${r}, wasm ${g} (tolerance ${tol})`);
    }
  }
}

function freeAll(k: Kernels, ...arrays: Float32Array[]): void {
  for (const a of arrays) k.free(a);
}

// ---- gemm ----

const SIZES = [1, 3, 5, 17, 127];
const TRANS: [boolean, boolean][] = [[false, false], [false, true], [true, false], [true, true]];

interface GemmCase {
  ta: boolean; tb: boolean; m: number; n: number; k: number; alpha: number; beta: number;
  aOff: number; lda: number; bOff: number; ldb: number; cOff: number; ldc: number; nanC: boolean;
}

function gemmCase(r: () => number, ta: boolean, tb: boolean, m: number, n: number, k: number): GemmCase {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const beta = pick([0, 0, 1, 0.7, -1.5]);
  return {
    ta, tb, m, n, k, alpha: pick([1, 1, -0.5, 2.25]), beta,
    aOff: Math.floor(r() * 6), lda: (ta ? m : k) + pick([0, 0, 1, 3, 8]),
    bOff: Math.floor(r() * 6), ldb: (tb ? k : n) + pick([0, 0, 2, 5]),
    cOff: Math.floor(r() * 6), ldc: n + pick([0, 0, 1, 4, 9]),
    nanC: beta === 0 && r() < 0.7,
  };
}

/** Runs one case on js and on wasm kernel set w; returns both C arrays (wasm one still allocated). */
function runGemm(w: Kernels, c: GemmCase, seed: number) {
  const r = rng(seed);
  const aRows = c.ta ? c.k : c.m, bRows = c.tb ? c.n : c.k;
  const [aJ, aW] = pair(w, c.aOff + aRows * c.lda + 3, () => r() * 2 - 1);
  const [bJ, bW] = pair(w, c.bOff + bRows * c.ldb + 2, () => r() * 2 - 1);
  const cLen = c.cOff + c.m * c.ldc + 5;
  const inC = (i: number): boolean => {
    const j = i - c.cOff;
    return j >= 0 && j < c.m * c.ldc && j % c.ldc < c.n;
  };
  const [cJ, cW] = pair(w, cLen, (i) => (c.nanC && inC(i) ? NaN : r() * 2 - 1));
  js.gemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, aJ, c.aOff, c.lda, bJ, c.bOff, c.ldb, c.beta, cJ, c.cOff, c.ldc);
  w.gemm(c.ta, c.tb, c.m, c.n, c.k, c.alpha, aW, c.aOff, c.lda, bW, c.bOff, c.ldb, c.beta, cW, c.cOff, c.ldc);
  freeAll(w, aW, bW);
  return { cJ, cW, inC };
}

for (const [label, w] of [['relaxed SIMD where available', wasm], ['plain SIMD', plain]] as const) {
  test(`gemm (${label}) matches the reference: all transposes, m, n, k in {1, 3, 5, 17, 127}, offsets, wide leading dims`, () => {
    const r = rng(1);
    let seed = 100;
    for (const [ta, tb] of TRANS) {
      for (const m of SIZES) for (const n of SIZES) for (const k of SIZES) {
        const c = gemmCase(r, ta, tb, m, n, k);
        const { cJ, cW, inC } = runGemm(w, c, seed++);
        expectClose(`gemm ${JSON.stringify(c)}`, cJ, cW, inC);
        w.free(cW);
      }
    }
  });
}

test('gemm: alpha and beta variants, beta = 0 over NaN, alpha = 0, k = 0, sizes across block edges', () => {
  const r = rng(2);
  let seed = 5000;
  // Past the blocking of asm/gemm.ts too (MC = 64, KC = 256, NC = 512), with fewer variants.
  const shapes: [number, number, number][] = [
    [65, 513, 257], [4, 8, 1], [131, 9, 300], [1, 600, 40], [33, 1, 700], [7, 7, 0], [3, 5, 9],
  ];
  const variants = [[1, 0, true], [0.5, 1, false], [-2, 0.25, false], [0, 0, true], [0, 3, false], [1.5, -1, false]] as const;
  for (const [ta, tb] of TRANS) {
    for (const [m, n, k] of shapes) {
      for (const [alpha, beta, nanC] of m * n * k > 1e6 ? variants.slice(0, 3) : variants) {
        const c = { ...gemmCase(r, ta, tb, m, n, k), alpha, beta, nanC };
        const { cJ, cW, inC } = runGemm(wasm, c, seed++);
        expectClose(`gemm ${JSON.stringify(c)}`, cJ, cW, inC);
        if (beta === 0) for (let i = 0; i < cW.length; i++) if (inC(i)) assert.ok(!Number.isNaN(cW[i]!), 'NaN leaked through beta = 0');
        wasm.free(cW);
      }
    }
  }
});

test('gemm with 2 threads gives the same bits as with 1 thread', (t) => {
  const r = rng(3);
  let seed = 9000;
  // [300, 130, 200] and [400, 70, 300] split by rows with B packed once for all chunks (k·n ≥ 2^14)
  const shapes: [number, number, number][] = [[32, 512, 128], [300, 40, 70], [5, 127, 17], [127, 5, 300], [64, 17, 3], [1, 9, 5],
    [300, 130, 200], [400, 70, 300]];
  for (const [ta, tb] of TRANS) {
    for (const [m, n, k] of shapes) {
      const c = gemmCase(r, ta, tb, m, n, k);
      const one = runGemm(wasm, c, seed);
      const two = runGemm(wasm2, c, seed++);
      expectClose(`gemm 2 threads ${JSON.stringify(c)}`, two.cJ, two.cW, two.inC);
      if (wasm.relaxed === wasm2.relaxed) {
        for (let i = 0; i < one.cW.length; i++) {
          if (!Object.is(one.cW[i], two.cW[i])) assert.fail(`2 threads differ from 1 at ${i}: ${one.cW[i]} vs ${two.cW[i]} (${JSON.stringify(c)})`);
        }
      }
      wasm.free(one.cW);
      wasm2.free(two.cW);
    }
  }
  const st = wasm2.threadStats();
  assert.ok(st.splitCalls > 0, 'the threaded path ran');
  t.diagnostic(`split calls ${st.splitCalls}, chunks ${st.chunks}, run by the worker ${st.workerChunks}`);
});

test('gemmPackedB gives the same bits as gemm, 1 and 2 threads, repacking in place', () => {
  const r = rng(10);
  const shapes: [number, number, number][] = [[32, 512, 128], [5, 17, 3], [1, 513, 257], [70, 9, 300], [3, 1, 1], [127, 127, 127]];
  for (const w of [wasm, wasm2]) {
    for (const [ta, tb] of TRANS) {
      for (const [m, n, k] of shapes) {
        const c = gemmCase(r, ta, tb, m, n, k);
        const aRows = ta ? k : m, bRows = tb ? n : k;
        const a = w.alloc(c.aOff + aRows * c.lda) as Float32Array, b = w.alloc(c.bOff + bRows * c.ldb) as Float32Array;
        const c1 = w.alloc(c.cOff + m * c.ldc) as Float32Array, c2 = w.alloc(c.cOff + m * c.ldc) as Float32Array;
        for (let i = 0; i < a.length; i++) a[i] = r() - 0.5;
        for (let i = 0; i < b.length; i++) b[i] = r() - 0.5;
        for (let i = 0; i < c1.length; i++) c1[i] = c2[i] = c.nanC ? NaN : r();
        w.gemm(ta, tb, m, n, k, c.alpha, a, c.aOff, c.lda, b, c.bOff, c.ldb, c.beta, c1, c.cOff, c.ldc);
        const p = w.packB(tb, k, n, b, c.bOff, c.ldb);
        w.gemmPackedB(ta, m, n, k, c.alpha, a, c.aOff, c.lda, p, c.beta, c2, c.cOff, c.ldc);
        for (let i = 0; i < c1.length; i++) {
          if (!Object.is(c1[i], c2[i])) assert.fail(`gemmPackedB differs from gemm at ${i}: ${c1[i]} vs ${c2[i]} (${JSON.stringify(c)})`);
        }
        // New weights, packed into the same buffer.
        for (let i = 0; i < b.length; i++) b[i] = r() - 0.5;
        w.packB(tb, k, n, b, c.bOff, c.ldb, p);
        w.gemm(ta, tb, m, n, k, 1, a, c.aOff, c.lda, b, c.bOff, c.ldb, 0, c1, c.cOff, c.ldc);
        w.gemmPackedB(ta, m, n, k, 1, a, c.aOff, c.lda, p, 0, c2, c.cOff, c.ldc);
        for (let i = 0; i < c1.length; i++) {
          if (!Object.is(c1[i], c2[i])) assert.fail(`gemmPackedB after repacking differs at ${i}`);
        }
        assert.throws(() => w.gemmPackedB(ta, m, n + 1, k, 1, a, c.aOff, c.lda, p, 0, c2, c.cOff, c.ldc), /pack/);
        w.freePackedB(p);
        freeAll(w, a, b, c1, c2);
      }
    }
  }
});

// ---- rows and columns ----

test('fillRows and addColumnSums match the reference', () => {
  const r = rng(4);
  for (const m of [1, 3, 5, 17]) for (const n of [1, 3, 5, 17, 33]) {
    const ld = n + Math.floor(r() * 4), off = Math.floor(r() * 5);
    const [vJ, vW] = pair(wasm, n + 3, () => r() - 0.5);
    const [cJ, cW] = pair(wasm, off + m * ld + 2, () => r());
    js.fillRows(m, n, vJ, 2, cJ, off, ld);
    wasm.fillRows(m, n, vW, 2, cW, off, ld);
    const inC = (i: number): boolean => i >= off && i < off + m * ld && (i - off) % ld < n;
    expectClose(`fillRows ${m}×${n}`, cJ, cW, inC);
    const [oJ, oW] = pair(wasm, n + 4, () => r() - 0.5);
    js.addColumnSums(m, n, cJ, off, ld, oJ, 1);
    wasm.addColumnSums(m, n, cW, off, ld, oW, 1);
    expectClose(`addColumnSums ${m}×${n}`, oJ, oW, (i) => i >= 1 && i < 1 + n);
    freeAll(wasm, vW, cW, oW);
  }
});

// ---- activations ----

const SPECIAL = [0, -0, 1e-30, -1e-30, 1e-8, -1e-8, 1e-4, 0.1, -0.3, 0.6249, 0.625, -0.625, 0.7, 1, -1, 2.5, 5, -9,
  9.1, 15, -17, 20, 44, 50, -88, 88.7, 89, -89, 100, -104, 200, 1e10, -1e10, 3.4e38, -3.4e38, Infinity, -Infinity, NaN];
const ACTS: Activation[] = ['tanh', 'sigmoid', 'relu', 'leaky_relu'];

test('activationForward and activationBackward match the reference, special values included', () => {
  const r = rng(5);
  const n = SPECIAL.length * 2 + 101; // odd: exercises the scalar tail
  const vals = (i: number): number => (i < SPECIAL.length ? SPECIAL[i]! : i < 2 * SPECIAL.length ? -SPECIAL[i - SPECIAL.length]! : (r() - 0.5) * 20);
  for (const act of ACTS) {
    const [xJ, xW] = pair(wasm, n + 3, vals);
    const [yJ, yW] = pair(wasm, n + 5, () => 7);
    js.activationForward(act, 0.01, n, xJ, 3, yJ, 2);
    wasm.activationForward(act, 0.01, n, xW, 3, yW, 2);
    // Elementwise here: every output is compared with its own magnitude.
    for (let i = 0; i < yJ.length; i++) {
      const rr = yJ[i]!, g = yW[i]!;
      if (i < 2 || i >= 2 + n) assert.ok(Object.is(rr, g), `${act}: padding changed at ${i}`);
      else if (Number.isNaN(rr)) assert.ok(Number.isNaN(g), `${act}(${xJ[i + 1]}) = ${g}, expected NaN`);
      else assert.ok(Object.is(rr, g) || Math.abs(rr - g) <= 4e-7 * Math.abs(rr) + 1e-38, `${act}(${xJ[i + 1]}): reference ${rr}, wasm ${g}`);
    }
    // In place: x and y the same buffer at the same offset.
    wasm.activationForward(act, 0.01, n, xW, 3, xW, 3);
    expectClose(`${act} in place`, yJ.subarray(2, 2 + n), xW.subarray(3, 3 + n), () => true);
    const [dyJ, dyW] = pair(wasm, n + 1, () => r() - 0.5);
    const [dxJ, dxW] = pair(wasm, n + 2, () => 3);
    js.activationBackward(act, 0.01, n, yJ, 2, dyJ, 1, dxJ, 0);
    wasm.activationBackward(act, 0.01, n, yW, 2, dyW, 1, dxW, 0);
    expectClose(`${act} backward`, dxJ, dxW, (i) => i < n);
    freeAll(wasm, xW, yW, dyW, dxW);
  }
});

for (const [label, w] of [['relaxed SIMD where available', wasm], ['plain SIMD', plain]] as const) {
  test(`tanh and sigmoid (${label}): within 2.5 ulp of float64 over a sweep, exact at ±0, ±Infinity and saturation`, () => {
    const n = 100003;
    const x = w.alloc(n) as Float32Array, y = w.alloc(n) as Float32Array;
    const r = rng(6);
    for (let i = 0; i < n; i++) {
      // Log-uniform magnitudes from 1e-12 to 1e2, both signs, plus a dense linear band near the
      // polynomial/exp switch of tanh.
      x[i] = i % 3 === 0 ? (r() - 0.5) * 2 : (r() < 0.5 ? -1 : 1) * Math.pow(10, -12 + 14 * r());
    }
    const ulp = (v: number): number => {
      const f = Math.fround(Math.abs(v));
      if (f === 0) return 1.4e-45;
      const buf = new Float32Array([f]);
      const u = new Uint32Array(buf.buffer);
      u[0] = u[0]! + 1;
      return buf[0]! - f;
    };
    for (const [act, f] of [['tanh', Math.tanh], ['sigmoid', (v: number) => 1 / (1 + Math.exp(-v))]] as const) {
      w.activationForward(act, 0, n, x, 0, y, 0);
      let worst = 0, at = 0;
      for (let i = 0; i < n; i++) {
        const ref = f(x[i]!);
        const e = Math.abs(y[i]! - ref) / ulp(ref);
        if (e > worst) { worst = e; at = x[i]!; }
      }
      assert.ok(worst <= 2.5, `${act}: worst error ${worst.toFixed(2)} ulp at x = ${at}`);
    }
    const s = w.alloc(8) as Float32Array, o = w.alloc(8) as Float32Array;
    s.set([0, -0, Infinity, -Infinity, 1e30, -1e30, 3.4e38, -3.4e38]);
    w.activationForward('tanh', 0, 8, s, 0, o, 0);
    assert.deepEqual([...o], [0, -0, 1, -1, 1, -1, 1, -1]);
    assert.ok(Object.is(o[1], -0), 'tanh(-0) is -0');
    w.activationForward('sigmoid', 0, 8, s, 0, o, 0);
    assert.deepEqual([...o], [0.5, 0.5, 1, 0, 1, 0, 1, 0]);
    freeAll(w, x, y, s, o);
  });
}

// ---- gate kernels ----

test('lstmForward and lstmBackward match the reference on odd B and H', () => {
  const r = rng(7);
  for (const b of [1, 3, 5]) for (const h of [1, 3, 5, 17]) {
    const n = b * h;
    const o = [1, 2, 3, 4, 5, 6, 7].map(() => Math.floor(r() * 4));
    const [gJ, gW] = pair(wasm, o[0]! + 4 * n + 1, () => (r() - 0.5) * 12);
    const [cpJ, cpW] = pair(wasm, o[1]! + n, () => (r() - 0.5) * 4);
    const [cJ, cW] = pair(wasm, o[2]! + n + 2, () => 9);
    const [hJ, hW] = pair(wasm, o[3]! + n + 1, () => 9);
    js.lstmForward(b, h, gJ, o[0]!, cpJ, o[1]!, cJ, o[2]!, hJ, o[3]!);
    wasm.lstmForward(b, h, gW, o[0]!, cpW, o[1]!, cW, o[2]!, hW, o[3]!);
    const tag = `lstm B=${b} H=${h}`;
    expectClose(`${tag} gates`, gJ, gW, (i) => i >= o[0]! && i < o[0]! + 4 * n);
    expectClose(`${tag} c`, cJ, cW, (i) => i >= o[2]! && i < o[2]! + n);
    expectClose(`${tag} h`, hJ, hW, (i) => i >= o[3]! && i < o[3]! + n);
    // Backward from the reference's cache, so both see the same inputs.
    gW.set(gJ); cW.set(cJ);
    const [dhJ, dhW] = pair(wasm, o[4]! + n, () => r() - 0.5);
    const [dcJ, dcW] = pair(wasm, o[5]! + n + 1, () => r() - 0.5);
    const [dgJ, dgW] = pair(wasm, o[6]! + 4 * n + 3, () => 5);
    js.lstmBackward(b, h, gJ, o[0]!, cpJ, o[1]!, cJ, o[2]!, dhJ, o[4]!, dcJ, o[5]!, dgJ, o[6]!);
    wasm.lstmBackward(b, h, gW, o[0]!, cpW, o[1]!, cW, o[2]!, dhW, o[4]!, dcW, o[5]!, dgW, o[6]!);
    expectClose(`${tag} dGates`, dgJ, dgW, (i) => i >= o[6]! && i < o[6]! + 4 * n);
    expectClose(`${tag} dc`, dcJ, dcW, (i) => i >= o[5]! && i < o[5]! + n);
    freeAll(wasm, gW, cpW, cW, hW, dhW, dcW, dgW);
  }
});

test('gruForward and gruBackward match the reference on odd B and H', () => {
  const r = rng(8);
  for (const b of [1, 3, 5]) for (const h of [1, 3, 5, 17]) {
    const n = b * h;
    const o = [1, 2, 3, 4, 5, 6, 7, 8].map(() => Math.floor(r() * 4));
    const [gxJ, gxW] = pair(wasm, o[0]! + 3 * n + 1, () => (r() - 0.5) * 12);
    const [ghJ, ghW] = pair(wasm, o[1]! + 3 * n, () => (r() - 0.5) * 6);
    const [hpJ, hpW] = pair(wasm, o[2]! + n, () => (r() - 0.5) * 2);
    const [hJ, hW] = pair(wasm, o[3]! + n + 2, () => 9);
    js.gruForward(b, h, gxJ, o[0]!, ghJ, o[1]!, hpJ, o[2]!, hJ, o[3]!);
    wasm.gruForward(b, h, gxW, o[0]!, ghW, o[1]!, hpW, o[2]!, hW, o[3]!);
    const tag = `gru B=${b} H=${h}`;
    expectClose(`${tag} gates`, gxJ, gxW, (i) => i >= o[0]! && i < o[0]! + 3 * n);
    expectClose(`${tag} gh untouched`, ghJ, ghW, () => false);
    expectClose(`${tag} h`, hJ, hW, (i) => i >= o[3]! && i < o[3]! + n);
    gxW.set(gxJ);
    const [dhJ, dhW] = pair(wasm, o[4]! + n, () => r() - 0.5);
    const [dxJ, dxW] = pair(wasm, o[5]! + 3 * n + 1, () => 5);
    const [dyJ, dyW] = pair(wasm, o[6]! + 3 * n + 2, () => 5);
    const [dpJ, dpW] = pair(wasm, o[7]! + n + 1, () => 5);
    js.gruBackward(b, h, gxJ, o[0]!, ghJ, o[1]!, hpJ, o[2]!, dhJ, o[4]!, dxJ, o[5]!, dyJ, o[6]!, dpJ, o[7]!);
    wasm.gruBackward(b, h, gxW, o[0]!, ghW, o[1]!, hpW, o[2]!, dhW, o[4]!, dxW, o[5]!, dyW, o[6]!, dpW, o[7]!);
    expectClose(`${tag} dGx`, dxJ, dxW, (i) => i >= o[5]! && i < o[5]! + 3 * n);
    expectClose(`${tag} dGh`, dyJ, dyW, (i) => i >= o[6]! && i < o[6]! + 3 * n);
    expectClose(`${tag} dhPrev`, dpJ, dpW, (i) => i >= o[7]! && i < o[7]! + n);
    freeAll(wasm, gxW, ghW, hpW, hW, dhW, dxW, dyW, dpW);
  }
});

test('gate kernels, activations and column sums with 2 threads give the same bits as with 1 thread', () => {
  const r = rng(9);
  const same = (what: string, a: Float32Array, b: Float32Array): void => {
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: 2 threads differ at ${i}: ${a[i]} vs ${b[i]}`);
  };
  for (const [b, h] of [[7, 5], [32, 17], [2, 1], [9, 33]] as const) {
    const n = b * h;
    const both = (len: number, f: () => number): [Float32Array, Float32Array] => {
      const one = wasm.alloc(len) as Float32Array, two = wasm2.alloc(len) as Float32Array;
      for (let i = 0; i < len; i++) one[i] = two[i] = f();
      return [one, two];
    };
    const tag = `B=${b} H=${h}`;
    {
      const [g1, g2] = both(4 * n, () => (r() - 0.5) * 10), [cp1, cp2] = both(n, () => r() - 0.5);
      const [c1, c2] = both(n, () => 0), [h1, h2] = both(n, () => 0);
      wasm.lstmForward(b, h, g1, 0, cp1, 0, c1, 0, h1, 0);
      wasm2.lstmForward(b, h, g2, 0, cp2, 0, c2, 0, h2, 0);
      same(`lstm forward ${tag}`, g1, g2); same(`lstm c ${tag}`, c1, c2); same(`lstm h ${tag}`, h1, h2);
      const [dh1, dh2] = both(n, () => r() - 0.5), [dc1, dc2] = both(n, () => r() - 0.5), [dg1, dg2] = both(4 * n, () => 0);
      wasm.lstmBackward(b, h, g1, 0, cp1, 0, c1, 0, dh1, 0, dc1, 0, dg1, 0);
      wasm2.lstmBackward(b, h, g2, 0, cp2, 0, c2, 0, dh2, 0, dc2, 0, dg2, 0);
      same(`lstm dGates ${tag}`, dg1, dg2); same(`lstm dc ${tag}`, dc1, dc2);
    }
    {
      const [x1, x2] = both(3 * n, () => (r() - 0.5) * 10), [y1, y2] = both(3 * n, () => (r() - 0.5) * 4);
      const [hp1, hp2] = both(n, () => r() - 0.5), [h1, h2] = both(n, () => 0);
      wasm.gruForward(b, h, x1, 0, y1, 0, hp1, 0, h1, 0);
      wasm2.gruForward(b, h, x2, 0, y2, 0, hp2, 0, h2, 0);
      same(`gru forward ${tag}`, x1, x2); same(`gru h ${tag}`, h1, h2);
      const [dh1, dh2] = both(n, () => r() - 0.5), [dx1, dx2] = both(3 * n, () => 0), [dy1, dy2] = both(3 * n, () => 0);
      const [dp1, dp2] = both(n, () => 0);
      wasm.gruBackward(b, h, x1, 0, y1, 0, hp1, 0, dh1, 0, dx1, 0, dy1, 0, dp1, 0);
      wasm2.gruBackward(b, h, x2, 0, y2, 0, hp2, 0, dh2, 0, dx2, 0, dy2, 0, dp2, 0);
      same(`gru dGx ${tag}`, dx1, dx2); same(`gru dGh ${tag}`, dy1, dy2); same(`gru dhPrev ${tag}`, dp1, dp2);
    }
    for (const act of ACTS) {
      const [x1, x2] = both(n + 3, () => (r() - 0.5) * 10), [y1, y2] = both(n + 3, () => 0);
      wasm.activationForward(act, 0.02, n, x1, 1, y1, 2);
      wasm2.activationForward(act, 0.02, n, x2, 1, y2, 2);
      same(`${act} ${tag}`, y1, y2);
    }
    {
      // column sums split by columns: rows of (b·h) × (h+2) at leading dimension h+3, onto non-zero sums
      const rows = 3 * n, cols = h + 2, ld = h + 3;
      const [a1, a2] = both(rows * ld, () => (r() - 0.5) * 10), [o1, o2] = both(cols + 2, () => r() - 0.5);
      const before = wasm2.threadStats().splitCalls;
      wasm.addColumnSums(rows, cols, a1, 0, ld, o1, 1);
      wasm2.addColumnSums(rows, cols, a2, 0, ld, o2, 1);
      same(`addColumnSums ${tag}`, o1, o2);
      if (cols >= 8) assert.ok(wasm2.threadStats().splitCalls > before, `addColumnSums ${tag} was split`);
    }
  }
});

// ---- memory ----

test('alloc returns zeroed, 16-byte aligned views; free reuses blocks; memory grows under live views', () => {
  const k = createWasmKernelsSync();
  try {
    const a = k.alloc(37) as Float32Array;
    assert.equal(a.byteOffset % 16, 0);
    assert.ok(a.every((v) => v === 0));
    a.fill(3);
    const at = a.byteOffset;
    k.free(a);
    const b = k.alloc(37) as Float32Array;
    assert.equal(b.byteOffset, at, 'a freed block of the same size is reused');
    assert.ok(b.every((v) => v === 0), 'a reused block comes back zeroed');
    const small = [1, 5, 9, 3, 100].map((n) => k.alloc(n) as Float32Array);
    for (const s of small) assert.equal(s.byteOffset % 16, 0);
    small[1]!.fill(1); small[2]!.fill(2);
    k.free(small[1]!); k.free(small[2]!); // neighbours coalesce
    const merged = k.alloc(12) as Float32Array;
    assert.equal(merged.byteOffset, small[1]!.byteOffset);
    assert.ok(merged.every((v) => v === 0));
    assert.throws(() => k.free(small[1]!), /freed already/, 'double free');
    // Growth: a 64 MiB buffer; older views stay usable.
    b.fill(2);
    const big = k.alloc(16 << 20) as Float32Array;
    big[big.length - 1] = 1;
    const out = k.alloc(1) as Float32Array;
    k.gemm(false, false, 1, 1, 37, 1, b, 0, 37, b, 0, 1, 0, out, 0, 1);
    assert.equal(out[0], 4 * 37);
    k.free(big);
    const again = k.alloc(16 << 20) as Float32Array;
    assert.equal(again[again.length - 1], 0, 'the top of memory reads as zero again');
  } finally {
    k.close();
  }
});

test('arrays that are not from this kernel set are refused with a clear error', () => {
  const other = createWasmKernelsSync();
  const mine = wasm.alloc(16), foreign = other.alloc(16), plain = new Float32Array(16);
  const f64 = new Float64Array(16);
  const call = (a: Float32Array | Float64Array) => () => wasm.gemm(false, false, 4, 4, 4, 1, a, 0, 4, mine, 0, 4, 0, mine, 0, 4);
  assert.throws(call(plain), /not a buffer from this kernel set's alloc/);
  assert.throws(call(foreign), /not a buffer from this kernel set's alloc/);
  assert.throws(call(f64), /Float32Array/);
  assert.throws(() => wasm.activationForward('tanh', 0, 16, plain, 0, mine, 0), /not a buffer/);
  assert.throws(() => wasm.free(plain), /not a buffer/);
  assert.throws(() => wasm.gemm(false, false, 4, 4, 5, 1, mine, 0, 5, mine, 0, 4, 0, mine, 0, 4), /does not fit/);
  assert.throws(() => wasm.lstmForward(2, 3, mine, 0, mine, 0, mine, 0, mine, 0), /does not fit/);
  other.close();
  wasm.free(mine);
});

test('createKernels (Node): auto picks wasm from disk, js for float64; kinds asked for are kept', () => {
  const auto = createKernels({});
  assert.equal(auto.name, 'wasm');
  assert.equal(auto.dtype, 'float32');
  assert.deepEqual(describeKernels(auto), { kind: 'wasm', requested: 'auto', dtype: 'float32', threads: 1, relaxed: (auto as WasmKernels).relaxed, reason: 'auto: the wasm module loaded' });
  (auto as WasmKernels).close();
  const f64 = createKernels({ dtype: 'float64' });
  assert.equal(f64.name, 'js');
  assert.match(describeKernels(f64).reason, /only the js kernels have float64/);
  assert.equal(createKernels({ kind: 'js' }).name, 'js');
  assert.throws(() => createKernels({ kind: 'wasm', dtype: 'float64' }), (e: unknown) => e instanceof RecurError && /expected float32/.test(e.message));
  assert.match(kernelsText(describeKernels(createKernels({ dtype: 'float64' }))), /^js float64 \(auto: only the js kernels have float64\)$/);
});

test('createKernels (core): the module comes from the caller, and auto says why it fell back', async () => {
  const fallback = createCoreKernels({});
  assert.equal(fallback.name, 'js');
  assert.equal(describeKernels(fallback).reason, 'auto: no wasm module was given');
  assert.throws(() => createCoreKernels({ kind: 'wasm' }), (e: unknown) => e instanceof RecurError && /expected the kernel module/.test(e.message));
  const bytes = new Uint8Array(readFileSync(new URL('../wasm/kernels-simd.wasm', import.meta.url)));
  const fromBytes = createCoreKernels({ wasm: bytes });
  assert.equal(fromBytes.name, 'wasm');
  assert.equal(describeKernels(fromBytes).relaxed, false);
  const junk = createCoreKernels({ wasm: new Uint8Array([0, 97, 115, 109, 9]) });
  assert.equal(junk.name, 'js');
  assert.match(describeKernels(junk).reason, /auto: the wasm kernels did not load \(wasm kernels: expected the bytes of a WebAssembly module/);
  assert.throws(() => createCoreKernels({ kind: 'wasm', wasm: new Uint8Array(8) }), RecurError);
  // threads need a way to start them: the core has none of its own
  assert.throws(() => createCoreKernels({ kind: 'wasm', wasm: bytes, threads: 2 }), /expected a startWorker function/);
  const loaded = await loadKernels({ bytes });
  assert.equal(loaded.name, 'wasm');
  const missing = await loadKernels({ url: new URL('file:///nonexistent/kernels.wasm') });
  assert.equal(missing.name, 'js');
  assert.match(describeKernels(missing).reason, /expected a wasm module from file:\/\/\/nonexistent\/kernels.wasm/);
  for (const k of [fromBytes, loaded]) (k as WasmKernels).close();
});

test('the core kernels from bytes compute what the Node ones do, on one thread and two', () => {
  const bytes = new Uint8Array(readFileSync(new URL('../wasm/kernels-simd.wasm', import.meta.url)));
  const core = createCoreKernels({ kind: 'wasm', wasm: bytes, threads: 2, startWorker: startNodeWorker, wasmOptions: { relaxed: false, parallelMinMacs: 1, adaptive: false } });
  const m = 37, n = 29, k = 41;
  const run = (w: Kernels): Float32Array => {
    const ra = rng(3), rb = rng(4);
    const a = w.alloc(m * k), b = w.alloc(k * n), c = w.alloc(m * n);
    for (let i = 0; i < a.length; i++) a[i] = ra() - 0.5;
    for (let i = 0; i < b.length; i++) b[i] = rb() - 0.5;
    w.gemm(false, true, m, n, k, 1, a, 0, k, b, 0, k, 0, c, 0, n);
    return Float32Array.from(c);
  };
  assert.deepEqual(run(core), run(plain));
  (core as WasmKernels).close();
});
