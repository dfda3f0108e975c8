// Float64 central-difference gradient checks of every hand-written backward pass: each cell and
// activation, stacked layers with dropout, bidirectional, variable lengths, the last-step output,
// initial states, truncated BPTT, Dense, Embedding and every loss. The loss is a random projection
// of the outputs (and final states): Σ y ⊙ R. Largest relative error must stay under 1e-6.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { gradCheck } from '../src/diagnostics/gradcheck.js';
import type { Seq } from '../src/layers/layer.js';
import type { ModelConfig } from '../src/model/config.js';
import { Sequential } from '../src/model/sequential.js';
import { truncatedBptt } from '../src/model/truncated.js';
import { Rng } from '../src/tensor/rng.js';
import { checkModelGradients, randn } from './helpers/model-gradcheck.js';
import { computeLoss, paddingMask, type LossKind } from '../src/train/losses.js';

const TOL = 1e-6;

interface Case {
  name: string;
  config: Partial<ModelConfig> & Pick<ModelConfig, 'cell'>;
  t?: number; b?: number;
  lengths?: number[];
  withState?: boolean;
  training?: boolean;
}

function checkCase(c: Case): number {
  const t = c.t ?? 5, b = c.b ?? 3, inSize = 2;
  const config: ModelConfig = { input: { kind: 'features', size: inSize }, hiddenSize: 3, outputMode: 'every', outputSize: 2, ...c.config, dtype: 'float64' };
  const model = new Sequential(config, { seed: 7 });
  const rng = new Rng(99);
  let x: Float64Array = new Float64Array(0);
  // larger weights than the default init, so saturation and cross-step terms are exercised; for
  // relu cells, redrawn until every pre-activation is at least 2e-3 from the kink (the narrow stencil moves a pre-activation by less than that)
  for (let attempt = 0; ; attempt++) {
    for (const p of model.params) for (let i = 0; i < p.value.length; i++) p.value[i] = rng.normal() * 0.6;
    x = randn(t * b * inSize, rng);
    if (config.cell !== 'rnn' || config.activation === 'tanh' || config.activation === 'sigmoid') break;
    model.forward(x, t, b, { lengths: c.lengths });
    const pre = model.rnn.layers.flatMap((l) => Array.from({ length: l.directions }, (_, d) => l.gateValues(d)));
    if (pre.every((a) => a.every((v) => Math.abs(v) > 2e-3))) break;
    assert.ok(attempt < 50, `${c.name}: no draw away from relu kinks`);
  }
  const per = (config.numLayers ?? 1) * (config.bidirectional ? 2 : 1) * b * config.hiddenSize;
  const state = c.withState ? { h: randn(per, rng, 0.5), c: config.cell === 'lstm' ? randn(per, rng, 0.5) : null } : null;
  return checkModelGradients({ name: c.name, model, x, t, b, lengths: c.lengths, state, training: c.training }, rng);
}

const cells: Case['config'][] = [
  { cell: 'rnn', activation: 'tanh' }, { cell: 'rnn', activation: 'sigmoid' }, { cell: 'rnn', activation: 'relu' },
  { cell: 'rnn', activation: 'leaky_relu', leak: 0.2 }, { cell: 'lstm' }, { cell: 'gru' },
];
const label = (c: Case['config']) => (c.cell === 'rnn' ? `rnn ${c.activation}` : c.cell);

/** Runs each case as its own subtest, named by the case, so that the first failure hides none of the others. */
async function checkCases(t: TestContext, list: Case[]): Promise<void> {
  for (const c of list) await t.test(c.name, () => { checkCase(c); });
}

test('gradient check: every cell and activation, with initial state and input gradients', (t) =>
  checkCases(t, cells.map((cfg) => ({ name: label(cfg), config: cfg, withState: true }))));

test('gradient check: two stacked layers with dropout between them', (t) =>
  checkCases(t, cells.map((cfg) => ({ name: `${label(cfg)} stacked`, config: { ...cfg, numLayers: 2, dropout: 0.3 }, training: true, withState: true }))));

test('gradient check: bidirectional, one and two layers', (t) => checkCases(t, cells.flatMap((cfg): Case[] => [
  { name: `${label(cfg)} bi`, config: { ...cfg, bidirectional: true }, withState: true },
  { name: `${label(cfg)} bi 2 layers`, config: { ...cfg, bidirectional: true, numLayers: 2 } },
])));

test('gradient check: variable lengths, every-step and last-step outputs', (t) => checkCases(t, cells.flatMap((cfg): Case[] => [
  { name: `${label(cfg)} varlen`, config: { ...cfg, numLayers: 2, bidirectional: true }, lengths: [3, 5, 1], withState: true },
  { name: `${label(cfg)} varlen last`, config: { ...cfg, bidirectional: true, outputMode: 'last' }, lengths: [4, 2, 5] },
  { name: `${label(cfg)} last`, config: { ...cfg, outputMode: 'last' }, withState: true },
])));

test('gradient check: token inputs through an Embedding', () => {
  const model = new Sequential({ input: { kind: 'tokens', vocabSize: 5, embedDim: 3 }, cell: 'gru', hiddenSize: 3, outputMode: 'every', outputSize: 5, dtype: 'float64' }, { seed: 3 });
  const ids = [0, 4, 2, 2, 1, 3, 4, 0, 1, 2];
  const rng = new Rng(5);
  const R = randn(5 * 2 * 5, rng);
  const loss = (): number => { const y = model.forward(ids, 5, 2); let s = 0; for (let i = 0; i < R.length; i++) s += y.data[i] * R[i]; return s; };
  model.zeroGrad();
  const y = model.forward(ids, 5, 2);
  model.backward({ data: R, t: y.t, b: y.b, f: y.f });
  const r = gradCheck(loss, model.params.map((p) => ({ name: p.name, value: p.value, grad: Float64Array.from(p.grad) })));
  assert.ok(r.maxRelError < TOL, `embedding model: ${r.maxRelError} at ${JSON.stringify(r.worst)}`);
  const emb = model.param('embed.weight');
  assert.ok(emb.grad.some((v) => v !== 0) && emb.grad.slice(0, 3).every((v) => v !== 0), 'embedding rows that were used get gradient');
});

test('gradient check: truncated BPTT equals the gradient with chunk-border states held fixed', async (tc) => {
  for (const cfg of [{ cell: 'lstm' as const }, { cell: 'gru' as const }, { cell: 'rnn' as const, activation: 'tanh' as const }]) await tc.test(cfg.cell, () => {
    const t = 7, b = 2, chunk = 3;
    const model = new Sequential({ input: { kind: 'features', size: 2 }, hiddenSize: 3, numLayers: 2, outputMode: 'every', outputSize: 2, ...cfg, dtype: 'float64' }, { seed: 11 });
    const rng = new Rng(4);
    const x = randn(t * b * 2, rng);
    const R = randn(t * b * 2, rng);
    const lengths = [7, 5];
    const chunkLoss = (y: Seq, t0: number) => {
      let loss = 0;
      const g = new Float64Array(y.data.length);
      for (let i = 0; i < y.data.length; i++) { loss += y.data[i] * R[t0 * b * 2 + i]; g[i] = R[t0 * b * 2 + i]; }
      return { loss, dOut: { data: g, t: y.t, b: y.b, f: y.f } };
    };
    model.zeroGrad();
    const res = truncatedBptt(model, x, t, b, chunk, chunkLoss, { lengths });
    assert.equal(res.chunkStates.length, 3);
    // the objective whose gradient TBPTT computes: each chunk's loss from its recorded start state
    const fixedLoss = (): number => {
      let s = 0;
      for (let k = 0, t0 = 0; t0 < t; k++, t0 += chunk) {
        const tc = Math.min(chunk, t - t0);
        const y = model.forward(Array.from(x.subarray(t0 * b * 2, (t0 + tc) * b * 2)), tc, b, { state: res.chunkStates[k], lengths: lengths.map((l) => Math.max(0, Math.min(tc, l - t0))) });
        s += chunkLoss(y, t0).loss;
      }
      return s;
    };
    const r = gradCheck(fixedLoss, model.params.map((p) => ({ name: p.name, value: p.value, grad: Float64Array.from(p.grad) })));
    assert.ok(r.maxRelError < TOL, `${cfg.cell} truncated: ${r.maxRelError} at ${JSON.stringify(r.worst)}`);
    // and it differs from full BPTT (the cut matters), so the check above is not vacuous
    model.zeroGrad();
    model.forward(x, t, b, { lengths });
    model.backward({ data: R, t, b, f: 2 });
    const full = Float64Array.from(model.param('rnn.weight_hh_l0').grad);
    model.zeroGrad();
    truncatedBptt(model, x, t, b, chunk, chunkLoss, { lengths });
    const cut = model.param('rnn.weight_hh_l0').grad;
    assert.ok(full.some((v, i) => Math.abs(v - cut[i]) > 1e-6), `${cfg.cell}: truncated and full gradients should differ`);
  });
});

test('gradient check: every loss, with padded rows and ignored targets', async (t) => {
  const rng = new Rng(8);
  const rows = 6, cols = 4;
  const pred = randn(rows * cols, rng);
  const cases: { kind: LossKind; target: number[]; rowWeight?: number[] }[] = [
    { kind: 'mse', target: Array.from(randn(rows * cols, rng)) },
    { kind: 'mse', target: Array.from(randn(rows * cols, rng)), rowWeight: [1, 0, 1, 1, 0, 1] },
    { kind: 'bce_logits', target: Array.from({ length: rows * cols }, () => rng.uniform()) },
    { kind: 'bce_logits', target: Array.from({ length: rows * cols }, () => (rng.uniform() < 0.5 ? 0 : 1)), rowWeight: [0, 1, 1, 1, 1, 0] },
    { kind: 'cross_entropy', target: [0, 3, -1, 2, 1, -1] },
    { kind: 'cross_entropy', target: [0, 3, -1, 2, 1, 2], rowWeight: [1, 0, 1, 1, 1, 0] },
  ];
  for (const c of cases) await t.test(`${c.kind}${c.rowWeight ? ' with row weights' : ''}`, () => {
    const grad = new Float64Array(rows * cols);
    const scratch = new Float64Array(rows * cols);
    const input = { pred, rows, cols, target: c.target, rowWeight: c.rowWeight };
    computeLoss(c.kind, input, grad);
    const r = gradCheck(() => computeLoss(c.kind, input, scratch), [{ name: c.kind, value: pred, grad }]);
    assert.ok(r.maxRelError < TOL, `${c.kind}: ${r.maxRelError} at ${JSON.stringify(r.worst)}`);
    if (c.rowWeight) for (let j = 0; j < cols; j++) assert.equal(grad[1 * cols + j] * c.rowWeight[1], grad[1 * cols + j], 'padded rows get no gradient');
  });
  assert.deepEqual(Array.from(paddingMask([3, 1], 1, 3, 2)!), [1, 0, 1, 0, 0, 0]);
  assert.equal(paddingMask(null, 0, 3, 2), null);
  // values against hand-computed ones
  const one = new Float64Array(2);
  assert.ok(Math.abs(computeLoss('cross_entropy', { pred: Float64Array.from([0, Math.log(3)]), rows: 1, cols: 2, target: [1] }, one) - Math.log(4 / 3)) < 1e-12);
  assert.ok(Math.abs(computeLoss('bce_logits', { pred: Float64Array.from([0]), rows: 1, cols: 1, target: [1] }, one) - Math.log(2)) < 1e-12);
  assert.ok(Math.abs(computeLoss('mse', { pred: Float64Array.from([1, 3]), rows: 1, cols: 2, target: [0, 1] }, one) - 2.5) < 1e-12);
});
