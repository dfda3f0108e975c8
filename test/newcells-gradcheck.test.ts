// Float64 central-difference gradient checks of IndRNN, minGRU and minLSTM under every option of
// the other cells: initial states, stacked layers with dropout, bidirectional, variable lengths,
// last-step output, residual stacks, dilations, Skip RNN around them, truncated BPTT, and long
// sequences whose scan runs chunked by time (against the same model's sequential scan too).

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { CellKind } from '../src/cells/table.js';
import { gradCheck } from '../src/diagnostics/gradcheck.js';
import { scanChunkLength } from '../src/kernels/scan-types.js';
import type { Seq } from '../src/layers/layer.js';
import { SkipLayer } from '../src/layers/skip.js';
import type { ModelConfig } from '../src/model/config.js';
import { Sequential } from '../src/model/sequential.js';
import { truncatedBptt } from '../src/model/truncated.js';
import { Rng } from '../src/tensor/rng.js';
import { checkModelGradients, GRADCHECK_TOL, randn } from './helpers/model-gradcheck.js';

const CELLS: CellKind[] = ['indrnn', 'mingru', 'minlstm'];

interface Case {
  name: string;
  config: Partial<ModelConfig>;
  t?: number; b?: number;
  lengths?: number[];
  withState?: boolean;
  training?: boolean;
  skipRelaxed?: boolean;
}

/**
 * A float64 model of `cell` with weights drawn larger than the default init, redrawn until every
 * value the gate buffers keep is at least 2e-3 from 0: IndRNN's pre-activations (relu's kink) and
 * the min cells' projections (g's kink), so the stencil never crosses a kink.
 */
function build(cell: CellKind, c: Case): { model: Sequential; x: Float64Array; t: number; b: number } {
  const t = c.t ?? 5, b = c.b ?? 3, inSize = 2;
  const config: ModelConfig = { input: { kind: 'features', size: inSize }, cell, hiddenSize: 3, outputMode: 'every', outputSize: 2, ...c.config, dtype: 'float64' };
  const model = new Sequential(config, { seed: 7 });
  if (c.skipRelaxed) for (const l of model.rnn.layers) if (l instanceof SkipLayer) l.relax = true;
  const rng = new Rng(99);
  for (let attempt = 0; ; attempt++) {
    for (const p of model.params) for (let i = 0; i < p.value.length; i++) p.value[i] = rng.normal() * 0.6;
    const x = randn(t * b * inSize, rng);
    model.forward(x, t, b, { lengths: c.lengths, training: c.training });
    const gates = model.rnn.layers.flatMap((l) => Array.from({ length: l.directions }, (_, d) => l.gateValues(d)));
    if (gates.every((a) => a.every((v) => Math.abs(v) > 2e-3))) return { model, x, t, b };
    assert.ok(attempt < 100, `${c.name}: no draw away from the kinks`);
  }
}

async function checkCases(tc: TestContext, list: Case[]): Promise<void> {
  let worst = 0;
  for (const cell of CELLS) {
    for (const c of list) await tc.test(`${cell} ${c.name}`, () => {
      const { model, x, t, b } = build(cell, c);
      const rng = new Rng(5);
      const per = (model.config.numLayers ?? 1) * (model.config.bidirectional ? 2 : 1) * b * model.config.hiddenSize;
      const state = c.withState ? { h: randn(per, rng, 0.5), c: null } : null;
      worst = Math.max(worst, checkModelGradients({ name: `${cell} ${c.name}`, model, x, t, b, lengths: c.lengths, state, training: c.training }, rng));
    });
  }
  tc.diagnostic(`largest relative error against central differences: ${worst.toExponential(2)}`);
}

test('gradient check: the new cells alone, stacked with dropout, bidirectional', (tc) => checkCases(tc, [
  { name: 'base', config: {}, withState: true },
  { name: 'stacked dropout', config: { numLayers: 2, dropout: 0.3 }, training: true, withState: true },
  { name: 'bi', config: { bidirectional: true }, withState: true },
  { name: 'bi 2 layers', config: { bidirectional: true, numLayers: 2 } },
]));

test('gradient check: variable lengths and the last-step output', (tc) => checkCases(tc, [
  { name: 'varlen bi 2 layers', config: { numLayers: 2, bidirectional: true }, lengths: [3, 5, 1], withState: true },
  { name: 'varlen last bi', config: { bidirectional: true, outputMode: 'last' }, lengths: [4, 2, 5] },
  { name: 'last', config: { outputMode: 'last' }, withState: true },
]));

test('gradient check: residual stacks and dilations', (tc) => checkCases(tc, [
  { name: 'residual 2 layers', config: { numLayers: 2, residual: true }, withState: true },
  { name: 'residual bi varlen', config: { numLayers: 2, residual: true, bidirectional: true }, lengths: [5, 7, 2], t: 7 },
  { name: 'dilations 1,2,3', config: { numLayers: 3, dilations: [1, 2, 3] }, withState: true, t: 7 },
  { name: 'dilated varlen bi last', config: { numLayers: 2, dilations: [2, 3], bidirectional: true, outputMode: 'last' }, lengths: [7, 4, 1], t: 7 },
]));

test('gradient check: Skip RNN around the new cells (u = ũ, budget included)', (tc) => checkCases(tc, [
  { name: 'skip', config: { skip: { budget: 0.3 } }, withState: true, skipRelaxed: true, training: true, t: 7 },
  { name: 'skip 2 layers varlen last', config: { numLayers: 2, skip: { budget: 0.1 }, outputMode: 'last' }, lengths: [7, 2, 5], skipRelaxed: true, training: true, t: 7 },
]));

test('gradient check: truncated BPTT of the new cells equals the gradient with chunk-border states held fixed', async (tc) => {
  for (const cell of CELLS) await tc.test(cell, () => {
    const t = 7, b = 2, chunk = 3, lengths = [7, 5];
    const { model, x } = build(cell, { name: 'tbptt', config: { numLayers: 2 }, t, b, lengths });
    const R = randn(t * b * 2, new Rng(4));
    const chunkLoss = (y: Seq, t0: number) => {
      let loss = 0;
      const g = new Float64Array(y.data.length);
      for (let i = 0; i < y.data.length; i++) { loss += y.data[i] * R[t0 * b * 2 + i]; g[i] = R[t0 * b * 2 + i]; }
      return { loss, dOut: { data: g, t: y.t, b: y.b, f: y.f } };
    };
    model.zeroGrad();
    const res = truncatedBptt(model, x, t, b, chunk, chunkLoss, { lengths });
    const fixedLoss = (): number => {
      let s = 0;
      for (let k = 0, t0 = 0; t0 < t; k++, t0 += chunk) {
        const n = Math.min(chunk, t - t0);
        const y = model.forward(Array.from(x.subarray(t0 * b * 2, (t0 + n) * b * 2)), n, b, { state: res.chunkStates[k], lengths: lengths.map((l) => Math.max(0, Math.min(n, l - t0))) });
        s += chunkLoss(y, t0).loss;
      }
      return s;
    };
    const r = gradCheck(fixedLoss, model.params.map((p) => ({ name: p.name, value: p.value, grad: Float64Array.from(p.grad) })));
    assert.ok(r.maxRelError < GRADCHECK_TOL, `${cell} truncated: ${r.maxRelError} at ${JSON.stringify(r.worst)}`);
  });
});

test('gradient check: long sequences (T 300, B·H 3: the scan runs chunked by time), whole-direction route', async (tc) => {
  const t = 300, b = 1;
  assert.ok(scanChunkLength(t, b * 3) > 0);
  for (const cell of CELLS) await tc.test(cell, () => {
    const { model, x } = build(cell, { name: 'long', config: { outputMode: 'last' }, t, b });
    // small weights keep a sizable gradient alive over 300 steps
    for (const p of model.params) p.value.forEach((v, i) => { p.value[i] = v / 3; });
    const rng = new Rng(6);
    const R = randn(2 * b, rng), Rh = randn(b * 3, rng);
    const loss = (): number => {
      const y = model.forward(x, t, b);
      let s = 0;
      for (let i = 0; i < R.length; i++) s += y.data[i] * R[i];
      const fin = model.finalState();
      for (let i = 0; i < Rh.length; i++) s += fin.h[i] * Rh[i];
      return s;
    };
    model.zeroGrad();
    const y = model.forward(x, t, b);
    model.backward({ data: R, t: y.t, b: y.b, f: y.f }, { h: Rh, c: null });
    const targets = model.params.map((p) => ({ name: p.name, value: p.value, grad: Float64Array.from(p.grad) }));
    const r = gradCheck(loss, targets, { maxPerTarget: 12, seed: 3 });
    assert.ok(r.maxRelError < GRADCHECK_TOL, `${cell} long: ${r.maxRelError} at ${JSON.stringify(r.worst)}`);
    tc.diagnostic(`${cell} T 300 (chunked scan): largest relative error ${r.maxRelError.toExponential(2)}`);
    // the whole-direction route (chunked scan) and the step route (sequential) agree
    const whole = targets.map((q) => q.grad);
    model.zeroGrad();
    const y2 = model.forward(x, t, b, { lengths: [t] });
    model.backward({ data: R, t: y2.t, b: y2.b, f: y2.f }, { h: Rh, c: null });
    model.params.forEach((p, i) => p.grad.forEach((g, j) => assert.ok(Math.abs(g - whole[i]![j]!) <= 1e-12 * (1 + Math.abs(g)), `${p.name}[${j}]: step route ${g}, whole ${whole[i]![j]}`)));
  });
});
