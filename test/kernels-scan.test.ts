// The kernels of the elementwise recurrences (src/kernels/scan-types.ts): IndRNN, the linear scan
// h_t = a_t ⊙ h_{t−1} + v_t (sequential and chunked), the minGRU / minLSTM gate kernels and the
// column sums of products. Float64 central-difference gradient checks of every backward on the js
// kernels; the chunked scan against the sequential one; wasm (1 and 2 threads) against the js
// reference on odd sizes, and 2 threads bit for bit equal to 1.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { gradCheck } from '../src/diagnostics/gradcheck.js';
import { JsKernels } from '../src/kernels/js.js';
import { scanChunkLength, scanScratchSize } from '../src/kernels/scan-types.js';
import type { Float, Kernels } from '../src/kernels/types.js';
import { createWasmKernels } from '../src/node/kernels.js';
import { Rng } from '../src/tensor/rng.js';
import { maxRelError } from './helpers/compare.js';

const js64 = new JsKernels('float64');
const js32 = new JsKernels('float32');
const one = await createWasmKernels({ threads: 1 });
const two = await createWasmKernels({ threads: 2, parallelMinMacs: 1, parallelMinElements: 1, adaptive: false });
after(() => { one.close(); two.close(); });

type Kind = 'indrnn' | 'scan' | 'mingru' | 'minlstm';
const GATES = { mingru: 2, minlstm: 3 } as const;

interface Problem { kind: Kind; t: number; b: number; h: number; reverse: boolean; withDy: boolean; chunk: number; seed: number }

/** The problem's inputs as float64 numbers (the same values for every kernel set). */
function inputs(pr: Problem): Record<string, Float64Array> {
  const rng = new Rng(pr.seed);
  const n = pr.b * pr.h;
  const fill = (len: number, lo: number, hi: number): Float64Array => Float64Array.from({ length: len }, () => rng.range(lo, hi));
  const width = pr.kind === 'mingru' || pr.kind === 'minlstm' ? GATES[pr.kind] * pr.h : pr.h;
  return {
    p: fill(pr.t * pr.b * width, -2.5, 2.5), // IndRNN's p, the min cells' input projection
    u: fill(pr.h, -1.1, 1.1),
    a: fill(pr.t * n, 0.2, 1.1),
    v: fill(pr.t * n, -1, 1),
    h0: fill(n, -0.5, 1),
    dy: pr.withDy ? fill(3 + pr.t * pr.b * 2 * pr.h, -1, 1) : new Float64Array(0), // offset 3, ld 2H
    dhN: fill(n, -1, 1),
  };
}

interface Result { pre: Float64Array; hs: Float64Array; a: Float64Array; v: Float64Array; dP: Float64Array; dA: Float64Array; dV: Float64Array; du: Float64Array; dh0: Float64Array }

/** Forward and backward of the problem on kernel set k; every result copied out as float64. */
function run(k: Kernels, pr: Problem, given = inputs(pr)): Result {
  const { t, b, h, reverse } = pr;
  const n = b * h;
  const buf = (src: Float64Array | number): Float => {
    const a = k.alloc(typeof src === 'number' ? src : src.length);
    if (typeof src !== 'number') a.set(src);
    return a;
  };
  const width = pr.kind === 'mingru' || pr.kind === 'minlstm' ? GATES[pr.kind] * h : h;
  const p = buf(given.p), u = buf(given.u), hs = buf((t + 1) * n);
  const a = pr.kind === 'scan' ? buf(given.a) : buf(t * n), v = pr.kind === 'scan' ? buf(given.v) : buf(t * n);
  const dy = pr.withDy ? buf(given.dy) : null, dh = buf(given.dhN);
  const dP = buf(t * b * width), dA = buf(t * n), dV = buf(t * n), du = buf(h);
  const scratch = buf(Math.max(1, scanScratchSize(t, n, pr.chunk)));
  hs.set(given.h0, reverse ? t * n : 0);
  if (pr.kind === 'indrnn') {
    k.indrnnForward(t, b, h, reverse, p, 0, u, 0, hs, 0, n);
    k.indrnnBackward(t, b, h, reverse, hs, 0, n, u, 0, dy, 3 + (reverse ? h : 0), 2 * h, dh, 0, dP, 0);
    k.addColumnProductSums(t * b, h, dP, 0, h, hs, reverse ? n : 0, h, du, 0);
  } else {
    if (pr.kind === 'mingru') k.minGruGates(t * b, h, p, 0, a, 0, v, 0, dP, 0);
    if (pr.kind === 'minlstm') k.minLstmGates(t * b, h, p, 0, a, 0, v, 0, dP, 0);
    k.scanForward(t, b, h, reverse, a, 0, v, 0, hs, 0, n, pr.chunk, scratch);
    k.scanBackward(t, b, h, reverse, a, 0, hs, 0, n, dy, 3 + (reverse ? h : 0), 2 * h, dh, 0, dA, 0, dV, 0, pr.chunk, scratch);
    if (pr.kind === 'mingru') k.minGruGatesBackward(t * b, h, dP, 0, a, 0, dA, 0, dV, 0, dP, 0);
    if (pr.kind === 'minlstm') k.minLstmGatesBackward(t * b, h, dP, 0, v, 0, dA, 0, dV, 0, dP, 0);
  }
  const out = (x: Float): Float64Array => Float64Array.from(x);
  return { pre: out(p), hs: out(hs), a: out(a), v: out(v), dP: out(dP), dA: out(dA), dV: out(dV), du: out(du), dh0: out(dh) };
}

/** L = Σ dy ⊙ (each step's state) + Σ dhN ⊙ (final state), from a forward pass on js64. */
function loss(pr: Problem, given: Record<string, Float64Array>): number {
  const r = run(js64, { ...pr, withDy: false }, { ...given, dy: new Float64Array(0) });
  const { t, b, h, reverse } = pr;
  const n = b * h;
  let l = 0;
  const fin = reverse ? 0 : t;
  for (let e = 0; e < n; e++) l += given.dhN[e] * r.hs[fin * n + e];
  if (pr.withDy) {
    for (let step = 0; step < t; step++) {
      const cur = reverse ? step : step + 1;
      for (let rr = 0; rr < b; rr++) {
        for (let j = 0; j < h; j++) l += given.dy[3 + (reverse ? h : 0) + (step * b + rr) * 2 * h + j] * r.hs[cur * n + rr * h + j];
      }
    }
  }
  return l;
}

const KINDS: Kind[] = ['indrnn', 'scan', 'mingru', 'minlstm'];

test('float64 gradient checks of every backward (both directions, with and without output gradients, chunked scans)', async (t) => {
  for (const kind of KINDS) {
    for (const reverse of [false, true]) {
      for (const chunk of kind === 'indrnn' ? [0] : [0, 3]) {
        const pr: Problem = { kind, t: 10, b: 2, h: 3, reverse, withDy: !reverse, chunk, seed: 5 };
        await t.test(`${kind} ${reverse ? 'reverse' : 'forward'} chunk ${chunk}`, () => {
          const given = inputs(pr);
          const r = run(js64, pr, given);
          const targets = [{ name: 'h0', value: given.h0, grad: r.dh0 }];
          if (kind === 'indrnn') targets.push({ name: 'p', value: given.p, grad: r.dP }, { name: 'u', value: given.u, grad: r.du });
          else if (kind === 'scan') targets.push({ name: 'a', value: given.a, grad: r.dA }, { name: 'v', value: given.v, grad: r.dV });
          else targets.push({ name: 'p', value: given.p, grad: r.dP });
          // relu and g have kinks at 0: a narrow stencil keeps every probe on one side of them;
          // its rounding (~1e-11) is compared absolutely on gradients below 1e-4
          const res = gradCheck(() => loss(pr, given), targets, { eps: 1e-5, tolerance: 1e-6, floor: 1e-4 });
          assert.ok(res.checked > 20, 'checked too few elements');
          assert.ok(res.maxRelError < 1e-6, `${kind}: max relative error ${res.maxRelError.toExponential(2)} at ${JSON.stringify(res.worst)}`);
          t.diagnostic(`${kind} ${reverse ? 'reverse' : 'forward'} chunk ${chunk}: largest relative error ${res.maxRelError.toExponential(2)}`);
        });
      }
    }
  }
});

test('the chunked scan equals the sequential one (float64), forward and backward, any chunk length', (t) => {
  let worst = 0;
  for (const steps of [1, 5, 64, 65, 300]) {
    for (const chunk of [1, 7, 64]) {
      for (const reverse of [false, true]) {
        const base: Problem = { kind: 'scan', t: steps, b: 2, h: 3, reverse, withDy: true, chunk: 0, seed: steps + chunk };
        const given = inputs(base);
        const seq = run(js64, base, given), par = run(js64, { ...base, chunk }, given);
        for (const key of ['hs', 'dA', 'dV', 'dh0'] as const) {
          const e = maxRelError(par[key], seq[key]);
          worst = Math.max(worst, e);
          assert.ok(e < 1e-12, `T ${steps} chunk ${chunk} ${key}: ${e}`);
        }
      }
    }
  }
  assert.ok(worst > 0, 'the chunked scan should differ from the sequential one in rounding, or it did not run');
  t.diagnostic(`chunked against sequential, float64: largest relative difference ${worst.toExponential(2)}`);
});

test('scanChunkLength: chunks only for long sequences of small blocks, and never from the thread count', () => {
  assert.equal(scanChunkLength(1000, 16 * 128), 0);
  assert.equal(scanChunkLength(100, 4), 0);
  assert.ok(scanChunkLength(1000, 4) > 0);
});

// Odd sizes (1, 3, 5, 17), offsets and leading dimensions: wasm against the float64 reference
// (float32 tolerance), js float32 as a yardstick, and 2 threads the same bits as 1.
const SIZES: [number, number, number][] = [[7, 1, 1], [9, 3, 5], [6, 5, 17], [5, 17, 3], [300, 1, 3]];

test('wasm scan kernels against the js reference on odd sizes; 2 threads bit for bit equal to 1', async (t) => {
  for (const kind of KINDS) {
    for (const [steps, b, h] of SIZES) {
      for (const reverse of [false, true]) {
        const chunk = kind === 'indrnn' ? 0 : scanChunkLength(steps, b * h);
        const pr: Problem = { kind, t: steps, b, h, reverse, withDy: true, chunk, seed: steps * 31 + b * 7 + h };
        await t.test(`${kind} T ${steps} B ${b} H ${h} ${reverse ? 'reverse' : 'forward'}${chunk ? ` chunk ${chunk}` : ''}`, () => {
          const given = inputs(pr);
          const want = run(js64, pr, given), w1 = run(one, pr, given), j32 = run(js32, pr, given);
          const before = two.threadStats().splitCalls;
          const w2 = run(two, pr, given);
          // a split needs two element groups of 4, or chunks of time
          if (chunk > 0 || b * h >= 8) assert.ok(two.threadStats().splitCalls > before, 'the 2-thread set never split a call');
          for (const key of Object.keys(want) as (keyof Result)[]) {
            const tol = 5 * Math.max(1e-6, maxRelError(j32[key], want[key]));
            const e = maxRelError(w1[key], want[key]);
            assert.ok(e <= Math.max(tol, 2e-5), `${key}: wasm vs float64 ${e.toExponential(2)} (js float32: ${tol / 5})`);
            assert.deepEqual(new Uint32Array(Float32Array.from(w2[key]).buffer), new Uint32Array(Float32Array.from(w1[key]).buffer), `${key}: 2 threads differ from 1`);
          }
        });
      }
    }
  }
});

test('min-cell gates and their gradients stay right where f + i or g underflows, and the js and wasm kernels agree there', () => {
  const h = 5;
  // the last candidate pre-activation underflows g = σ(x) too, where the backward must not divide by it
  const p = Float64Array.from([-120, -100, -90, 3, -200, -110, -130, -95, -3, -150, 0.5, -1, 2, -0.2, -200]);
  const res: Float64Array[] = [];
  for (const k of [js64, one] as Kernels[]) {
    const pp = k.alloc(3 * h), a = k.alloc(h), v = k.alloc(h), cache = k.alloc(3 * h), ones = k.alloc(h);
    pp.set(p);
    ones.fill(1);
    k.minLstmGates(1, h, pp, 0, a, 0, v, 0, cache, 0);
    for (let j = 0; j < h; j++) assert.ok(Number.isFinite(a[j]) && Number.isFinite(v[j]), `${k.name}: unit ${j} not finite`);
    k.minLstmGatesBackward(1, h, cache, 0, v, 0, ones, 0, ones, 0, cache, 0);
    assert.ok(cache.every(Number.isFinite), `${k.name}: a gradient is not finite`);
    res.push(Float64Array.from(a));
  }
  assert.ok(maxRelError(res[1]!, res[0]!) < 1e-5, 'js and wasm disagree on the guarded gates');
  // minGRU's candidate far below 0: g and g' vanish, and the cached sign must still say so
  for (const k of [js32, one] as Kernels[]) {
    const pp = k.alloc(2), a = k.alloc(1), v = k.alloc(1), cache = k.alloc(2), ones = k.alloc(1);
    pp.set([0.3, -200]);
    ones.fill(1);
    k.minGruGates(1, 1, pp, 0, a, 0, v, 0, cache, 0);
    k.minGruGatesBackward(1, 1, cache, 0, a, 0, ones, 0, ones, 0, cache, 0);
    assert.equal(cache[1], 0, `${k.name}: ∂L/∂k_h where g'(x) underflows`);
  }
  // both pre-activations very negative: a = σ(k_f − k_i)
  assert.ok(Math.abs(res[0]![0]! - 1 / (1 + Math.exp(-(-120 + 110)))) < 1e-12);
});
