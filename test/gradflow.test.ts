// Gradient flow over time (diagnostics/gradflow.ts) and spectral sizes (diagnostics/spectral.ts).
// Float64 js kernels, T = 100, a loss on the last step only (the sum of the head's outputs), so
// ∂L/∂h_{T−1} is the head's weight and every earlier step sees it through T−1−t recurrent Jacobians.

import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { gradFlow, recordGradFlow, verdict } from '../src/diagnostics/gradflow.js';
import { largestSingularValue, spectralRadius } from '../src/diagnostics/spectral.js';
import { remedies } from '../src/diagnostics/measure.js';
import { JsKernels } from '../src/kernels/js.js';
import { createWasmKernels } from '../src/node/kernels.js';
import type { ModelConfig } from '../src/model/config.js';
import { Sequential } from '../src/model/sequential.js';
import { Rng } from '../src/tensor/rng.js';

const T = 100, B = 4, H = 8;

function makeModel(config: Partial<ModelConfig> & Pick<ModelConfig, 'cell'>): Sequential {
  const full: ModelConfig = { input: { kind: 'features', size: 1 }, hiddenSize: H, outputMode: 'last', outputSize: 1, ...config, dtype: 'float64' };
  return new Sequential(full, { kernels: new JsKernels('float64'), seed: 3 });
}

/** W_hh = s·I (every gate block), W_ih = win, biases 0. */
function setRnnWeights(m: Sequential, s: number, win: number, suffix = '_l0'): void {
  const whh = m.param(`rnn.weight_hh${suffix}`).value;
  whh.fill(0);
  for (let j = 0; j < H; j++) whh[j * H + j] = s;
  m.param(`rnn.weight_ih${suffix}`).value.fill(win);
  m.param(`rnn.bias_ih${suffix}`).value.fill(0);
  m.param(`rnn.bias_hh${suffix}`).value.fill(0);
}

/** Forward and backward of L = Σ outputs of the last step; returns the recorded curves. */
function runLastStepLoss(m: Sequential, x: Float64Array): void {
  m.zeroGrad();
  const y = m.forward(x, T, B);
  m.backward({ data: new Float64Array(y.data.length).fill(1), t: 1, b: B, f: 1 });
}

function inputs(seed: number, f: (r: Rng) => number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: T * B }, () => f(rng));
}

/** Least-squares slope of log(norms[t]) against t. */
function logSlope(norms: number[]): number {
  const n = norms.length;
  const mt = (n - 1) / 2;
  const ml = norms.reduce((s, v) => s + Math.log(v), 0) / n;
  let num = 0, den = 0;
  for (let t = 0; t < n; t++) { num += (t - mt) * (Math.log(norms[t]) - ml); den += (t - mt) ** 2; }
  return num / den;
}

test('tanh RNN with W_hh = 0.5·I: the norm decays geometrically at the rate W_hh predicts, vanishing', () => {
  const m = makeModel({ cell: 'rnn', activation: 'tanh' });
  setRnnWeights(m, 0.5, 0.1);
  recordGradFlow(m, true);
  runLastStepLoss(m, inputs(11, (r) => 0.01 * r.normal()));
  const curves = gradFlow(m);
  assert.equal(curves.length, 1);
  const { norms } = curves[0];
  assert.equal(norms.length, T);
  // dh_t = W_hhᵀ (dh_{t+1} ⊙ (1 − h_{t+1}²)) = 0.5·(dh_{t+1} ⊙ (1 − h²)): every step back multiplies
  // the norm by a factor in [0.5·(1 − max h²), 0.5], so the slope of log‖dh_t‖ against t lies in
  // [log 2, log 2 − log(1 − max h²)]; with inputs ~1e-2 the states stay ~1e-3 and the band is ~1e-6 wide.
  const h = m.rnn.layers[0].y.data;
  let maxH2 = 0;
  for (let i = 0; i < h.length; i++) maxH2 = Math.max(maxH2, h[i] * h[i]);
  assert.ok(maxH2 < 1e-4, `states should stay near 0 (max h² ${maxH2})`);
  const fitted = logSlope(norms);
  const predicted = Math.log(2);
  assert.ok(fitted >= predicted - 1e-12 && fitted <= predicted - Math.log(1 - maxH2) + 1e-12,
    `fitted log-slope ${fitted} outside [${predicted}, ${predicted - Math.log(1 - maxH2)}]`);
  // each single step too, not only the fit
  for (let t = 0; t < T - 1; t++) {
    const r = norms[t] / norms[t + 1];
    assert.ok(r <= 0.5 * (1 + 1e-12) && r >= 0.5 * (1 - maxH2) * (1 - 1e-12), `step ${t}: factor ${r}`);
  }
  const v = verdict(norms);
  assert.equal(v.verdict, 'vanishing');
  assert.ok(Math.abs(Math.log(v.ratioFirstToLast) - (T - 1) * Math.log(0.5)) < (T - 1) * -Math.log(1 - maxH2) + 1e-9);
  // the spectral radius of W_hh is the 0.5 the decay came from
  assert.ok(Math.abs(spectralRadius(m.param('rnn.weight_hh_l0').value, H) - 0.5) < 1e-12);
});

test('tanh RNN with W_hh = 0.6·Q (Q orthogonal, not diagonal): each step back shrinks the norm by the 0.6 its spectral radius gives', () => {
  const m = makeModel({ cell: 'rnn', activation: 'tanh' });
  setRnnWeights(m, 0, 0.1);
  m.param('rnn.weight_hh_l0').value.set(orthogonal(H, new Rng(17)).map((v) => 0.6 * v));
  recordGradFlow(m, true);
  runLastStepLoss(m, inputs(14, (r) => 0.01 * r.normal()));
  const { norms } = gradFlow(m)[0];
  // dh_t = Qᵀ·0.6·(dh_{t+1} ⊙ (1 − h²)) and Qᵀ keeps norms: a factor in [0.6·(1 − max h²), 0.6] per step
  const h = m.rnn.layers[0].y.data;
  let maxH2 = 0;
  for (let i = 0; i < h.length; i++) maxH2 = Math.max(maxH2, h[i] * h[i]);
  for (let t = 0; t < T - 1; t++) {
    const r = norms[t] / norms[t + 1];
    assert.ok(r <= 0.6 * (1 + 1e-12) && r >= 0.6 * (1 - maxH2) * (1 - 1e-12), `step ${t}: factor ${r}`);
  }
  const rho = spectralRadius(m.param('rnn.weight_hh_l0').value, H);
  assert.ok(Math.abs(rho - 0.6) < 1e-9, `ρ ${rho}`);
  assert.ok(Math.abs(Math.exp(-logSlope(norms)) - rho) < 1e-3, 'the fitted decay rate is the spectral radius');
  assert.equal(verdict(norms).verdict, 'vanishing');
});

test('relu RNN with W_hh = 1.5·I and positive inputs: every step back multiplies by 1.5, exploding', () => {
  const m = makeModel({ cell: 'rnn', activation: 'relu' });
  setRnnWeights(m, 1.5, 0.1);
  recordGradFlow(m, true);
  // positive inputs keep every unit active, so relu′ = 1 and dh_t = 1.5·dh_{t+1} exactly
  runLastStepLoss(m, inputs(12, (r) => 0.01 + Math.abs(r.normal())));
  const { norms } = gradFlow(m)[0];
  const v = verdict(norms);
  assert.equal(v.verdict, 'exploding');
  const expected = 1.5 ** (T - 1);
  assert.ok(Math.abs(v.ratioFirstToLast / expected - 1) < 1e-9, `ratio ${v.ratioFirstToLast}, expected ${expected}`);
  assert.ok(Math.abs(logSlope(norms) + Math.log(1.5)) < 1e-9);
});

/**
 * LSTM, forget bias 1 from the config, input 2 features. The cell path multiplies the gradient by
 * f_t per step, so keeping 100 steps within three decades needs f ≳ 0.93 on average (0.93^99 ≈
 * 1e-3). Forget bias 1 alone gives f ≈ σ(1) ≈ 0.73 and vanishes (checked below as the contrast);
 * here feature 0, held at `drive`, feeds only the forget gate (pre-activation ≈ 1 + drive, f ≈
 * 0.98 for drive 3, the regime of an LSTM that has learned to remember), and feature 1, small
 * noise, feeds only the candidate g, so the cell state stays away from tanh saturation.
 */
function lstmRatio(drive: number): { norms: number[]; v: ReturnType<typeof verdict> } {
  const m = makeModel({ cell: 'lstm', input: { kind: 'features', size: 2 }, init: { recurrent: 'default', forgetBias: 1 } });
  const wih = m.param('rnn.weight_ih_l0').value; // (4H, 2), gate blocks i f g o
  wih.fill(0);
  for (let j = 0; j < H; j++) { wih[(H + j) * 2] = 1; wih[(2 * H + j) * 2 + 1] = 1; }
  recordGradFlow(m, true);
  const rng = new Rng(13);
  const x = new Float64Array(T * B * 2);
  for (let i = 0; i < T * B; i++) { x[2 * i] = drive; x[2 * i + 1] = 0.1 * rng.normal(); }
  m.zeroGrad();
  m.forward(x, T, B);
  m.backward({ data: new Float64Array(B).fill(1), t: 1, b: B, f: 1 });
  const { norms } = gradFlow(m)[0];
  return { norms, v: verdict(norms) };
}

test('LSTM with forget bias 1 and an open forget gate keeps the norm within a few decades over 100 steps, healthy', () => {
  const { norms, v } = lstmRatio(3);
  assert.equal(v.verdict, 'healthy', `ratio ${v.ratioFirstToLast}`);
  const logs = norms.map(Math.log10);
  const span = Math.max(...logs) - Math.min(...logs);
  assert.ok(span < 3, `norms span ${span.toFixed(2)} decades`);
  // contrast: the same LSTM with the forget gate at σ(1) ≈ 0.73 loses the signal
  assert.equal(lstmRatio(0).v.verdict, 'vanishing');
});

test('recording off leaves gradFlow untouched; on, every gradient is bit-identical', () => {
  const m = makeModel({ cell: 'gru', numLayers: 2, bidirectional: true, outputMode: 'every' });
  const x = inputs(21, (r) => r.normal());
  const run = (): Float64Array[] => {
    m.zeroGrad();
    const y = m.forward(x, T, B, { lengths: [T, 60, 1, 0] });
    m.backward({ data: Float64Array.from({ length: y.data.length }, (_, i) => Math.sin(i)), t: T, b: B, f: 1 });
    return m.params.map((p) => Float64Array.from(p.grad));
  };
  const off = run();
  assert.deepEqual(gradFlow(m), []);
  for (const layer of m.rnn.layers) assert.equal(layer.gradFlow.length, 0);
  recordGradFlow(m, true);
  const on = run();
  for (let i = 0; i < off.length; i++) assert.deepEqual(on[i], off[i], m.params[i].name);
  const curves = gradFlow(m);
  assert.deepEqual(curves.map((c) => [c.layer, c.direction, c.norms.length]), [[0, 0, T], [0, 1, T], [1, 0, T], [1, 1, T]]);
  // off again: a new pass leaves the recording of the previous one as it was
  recordGradFlow(m, false);
  const before = gradFlow(m);
  m.params[0].value[0] += 0.5;
  run();
  assert.deepEqual(gradFlow(m), before);
});

const wasm2 = await createWasmKernels({ threads: 2, parallelMinMacs: 1, parallelMinElements: 1, adaptive: false });
after(() => wasm2.close());

test('wasm kernels: recording runs in the loop kernel (each row\'s sums of squares), the norms of the step route and the same gradients', () => {
  for (const cell of ['lstm', 'gru', 'rnn'] as const) {
    const m = new Sequential({ input: { kind: 'features', size: 3 }, cell, hiddenSize: 12, numLayers: 2, bidirectional: true, outputMode: 'every', outputSize: 2, dtype: 'float32' }, { kernels: wasm2, seed: 5 });
    const b = 9, t = 23, rng = new Rng(8);
    const x = Float64Array.from({ length: t * b * 3 }, () => rng.normal());
    const dOut = wasm2.alloc(t * b * 2);
    dOut.forEach((_, i) => { dOut[i] = Math.sin(i); });
    // lengths all t: the same sequences through the layer's step route (the loop kernels take only unpadded batches)
    const run = (lengths: number[] | null): { grads: Float32Array[]; curves: number[][] } => {
      m.zeroGrad();
      const y = m.forward(x, t, b, { lengths });
      m.backward({ data: dOut, t: y.t, b: y.b, f: y.f });
      return { grads: m.params.map((p) => Float32Array.from(p.grad)), curves: gradFlow(m).map((c) => c.norms) };
    };
    const plain = run(null);
    recordGradFlow(m, true);
    // every direction's recorded backward is one loop-kernel call with a flow buffer
    const own = wasm2.loopBackward;
    let recorded = 0;
    wasm2.loopBackward = (a) => { if (a.flow) recorded++; own.call(wasm2, a); };
    const loop = run(null);
    wasm2.loopBackward = own;
    assert.equal(recorded, 4, `${cell}: loop-kernel calls that recorded`);
    const steps = run(Array(b).fill(t));
    for (let i = 0; i < plain.grads.length; i++) {
      assert.deepEqual(loop.grads[i], plain.grads[i], `${cell} ${m.params[i].name}: recording leaves the gradient's bits`);
      assert.deepEqual(steps.grads[i], plain.grads[i], `${cell} ${m.params[i].name}: the step route's bits`);
    }
    assert.equal(loop.curves.length, 4);
    loop.curves.forEach((c, k) => {
      assert.equal(c.length, t);
      // the same norms up to the rounding of two float64 sums (rows of squares against a scaled whole block)
      for (let s = 0; s < t; s++) assert.ok(c[s] > 0 && Math.abs(c[s] / steps.curves[k][s] - 1) < 1e-12, `${cell} curve ${k} step ${s}: ${c[s]} vs ${steps.curves[k][s]}`);
    });
  }
});

test('bidirectional: the reverse direction is stored in time order (its loss at t = 0 decays toward T − 1)', () => {
  const m = makeModel({ cell: 'rnn', bidirectional: true });
  setRnnWeights(m, 0.5, 0.1);
  setRnnWeights(m, 0.5, 0.1, '_l0_reverse');
  recordGradFlow(m, true);
  runLastStepLoss(m, inputs(5, (r) => 0.01 * r.normal()));
  const [fwd, rev] = gradFlow(m);
  assert.equal(rev.direction, 1);
  assert.equal(verdict(fwd.norms).verdict, 'vanishing');
  // the reverse final state is the one after t = 0, so its gradient enters at t = 0
  assert.equal(verdict([...rev.norms].reverse()).verdict, 'vanishing');
  assert.ok(rev.norms[0] > 1e25 * rev.norms[T - 1]);
});

test('verdict: thresholds, zeros and non-finite norms', () => {
  assert.deepEqual(verdict([1e-3, 1]), { verdict: 'healthy', ratioFirstToLast: 1e-3 });
  assert.equal(verdict([0.9e-3, 1]).verdict, 'vanishing');
  assert.equal(verdict([1.1e3, 1]).verdict, 'exploding');
  assert.equal(verdict([2, 1], { explodeAbove: 1.5 }).verdict, 'exploding');
  assert.deepEqual(verdict([0, 0]), { verdict: 'vanishing', ratioFirstToLast: 0 });
  assert.equal(verdict([1, 0]).verdict, 'exploding');
  assert.equal(verdict([1, Number.NaN, 1]).verdict, 'exploding');
  assert.throws(() => verdict([]));
});

// ---- spectral sizes, against matrices whose values are known in closed form ----

/** A random orthogonal (n, n) matrix (Gram–Schmidt on Gaussian rows). */
function orthogonal(n: number, rng: Rng): Float64Array {
  const q = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) q[r * n + c] = rng.normal();
    for (let p = 0; p < r; p++) {
      let dot = 0;
      for (let c = 0; c < n; c++) dot += q[r * n + c] * q[p * n + c];
      for (let c = 0; c < n; c++) q[r * n + c] -= dot * q[p * n + c];
    }
    let s = 0;
    for (let c = 0; c < n; c++) s += q[r * n + c] ** 2;
    for (let c = 0; c < n; c++) q[r * n + c] /= Math.sqrt(s);
  }
  return q;
}

test('spectralRadius and largestSingularValue: diagonal, orthogonal × c, rotation', () => {
  const diag = new Float64Array(16);
  [0.3, -2, 1.5, 0.7].forEach((v, i) => { diag[i * 5] = v; });
  assert.ok(Math.abs(spectralRadius(diag, 4) - 2) < 1e-12);
  assert.ok(Math.abs(largestSingularValue(diag, 4, 4) - 2) < 1e-12);
  const q = orthogonal(6, new Rng(4)).map((v) => 1.7 * v);
  assert.ok(Math.abs(spectralRadius(q, 6) - 1.7) < 1e-12);
  assert.ok(Math.abs(largestSingularValue(q, 6, 6) - 1.7) < 1e-12);
  // 0.9 × a rotation by 0.7 rad: eigenvalues 0.9·e^{±0.7i}, complex, equal moduli
  const c = Math.cos(0.7), s = Math.sin(0.7);
  const rot = Float64Array.from([c, -s, s, c].map((v) => 0.9 * v));
  assert.ok(Math.abs(spectralRadius(rot, 2) - 0.9) < 1e-12);
  assert.ok(Math.abs(largestSingularValue(rot, 2, 2) - 0.9) < 1e-12);
  assert.equal(spectralRadius(new Float64Array(9), 3), 0);
});

test('spectralRadius: a non-normal matrix with a complex dominant pair', () => {
  // block upper triangular [[A, C], [0, diag(0.5, −0.3)]] with A = S·1.2R(θ)·S⁻¹, S = [[1, 2], [0, 1]]:
  // eigenvalues 1.2·e^{±iθ}, 0.5, −0.3 whatever C is. A itself is non-normal, so ‖W^k v‖/1.2^k
  // oscillates (a scaled rotation alone would give 1.2 exactly), and a large random C makes W far
  // from normal (σ₁ well above ρ)
  const n = 4, rng = new Rng(8);
  const w = new Float64Array(n * n);
  const c = 1.2 * Math.cos(1.1), s = 1.2 * Math.sin(1.1);
  // S·[[c, −s], [s, c]]·S⁻¹ = [[c + 2s, −5s], [s, c − 2s]]
  w.set([c + 2 * s, -5 * s], 0); w.set([s, c - 2 * s], n);
  for (let r = 0; r < 2; r++) for (let k = 2; k < 4; k++) w[r * n + k] = 3 * rng.normal();
  w[2 * n + 2] = 0.5; w[3 * n + 3] = -0.3;
  const rho = spectralRadius(w, n);
  // the header's bound log(M/m)/(K/2) with M/m ≤ cond(S)² ≈ 34 gives 7e-3 relative at the default
  // 1000 iterations; observed ~1e-5 (2.6e-2 at 100 iterations)
  assert.ok(Math.abs(rho - 1.2) < 1e-2, `ρ ${rho}`);
  assert.ok(Math.abs(spectralRadius(w, n, 100) - 1.2) > 1e-3, '100 iterations should still show the oscillation');
  assert.ok(largestSingularValue(w, n, n) > rho);
});

test('largestSingularValue: a random (3, 2) matrix against the closed form of the 2×2 WᵀW', () => {
  const rng = new Rng(6);
  const w = Float64Array.from({ length: 6 }, () => rng.normal());
  let a = 0, b = 0, d = 0;
  for (let r = 0; r < 3; r++) { a += w[r * 2] ** 2; b += w[r * 2] * w[r * 2 + 1]; d += w[r * 2 + 1] ** 2; }
  const sigma = Math.sqrt((a + d) / 2 + Math.sqrt(((a - d) / 2) ** 2 + b * b));
  assert.ok(Math.abs(largestSingularValue(w, 3, 2) - sigma) < 1e-12 * sigma);
  // and a rank-one u·vᵀ: σ₁ = ‖u‖·‖v‖
  const u = [1, -2, 2], v = [3, 4];
  const uv = Float64Array.from({ length: 6 }, (_, i) => u[Math.floor(i / 2)] * v[i % 2]);
  assert.ok(Math.abs(largestSingularValue(uv, 3, 2) - 15) < 1e-12);
});

test('remedies: an LSTM already at forget bias 1 is told to go further, not to do what it did', () => {
  assert.match(remedies('vanishing', 'lstm', undefined, 0).join('\n'), /--forget-bias 1 or more/);
  const at1 = remedies('vanishing', 'lstm', undefined, 1).join('\n');
  assert.doesNotMatch(at1, /--forget-bias 1 or more/);
  assert.match(at1, /further \(now 1; --forget-bias 2 or 3\)/);
  assert.deepEqual(remedies('healthy', 'lstm', undefined, 1), []);
});
