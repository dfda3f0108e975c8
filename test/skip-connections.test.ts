// Skip connections: dilated layers, residual stacks and the Skip RNN. Float64 central-difference
// gradient checks of each backward (loss Σ y ⊙ R + final states ⊙ R', plus the Skip RNN's budget),
// dilation against the plain layer run on each subsequence, the Skip RNN's straight-through
// gradient, its inference path against its training path, and saved models that round trip.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SkipLayer } from '../src/layers/skip.js';
import { parseModelConfig, type ModelConfig } from '../src/model/config.js';
import { RecurError } from '../src/errors.js';
import { modelFromBytes, modelToBytes } from '../src/model/io.js';
import { Sequential } from '../src/model/sequential.js';
import { Rng } from '../src/tensor/rng.js';
import { checkModelGradients, randn } from './helpers/model-gradcheck.js';

interface Case {
  name: string;
  config: Partial<ModelConfig> & Pick<ModelConfig, 'cell'>;
  t?: number; b?: number;
  lengths?: number[];
  withState?: boolean;
  /** Called on the model after the weights are drawn; false redraws. */
  prepare?: (m: Sequential, x: Float64Array) => boolean;
}

function build(c: Case, seed = 7): { model: Sequential; x: Float64Array; t: number; b: number } {
  const t = c.t ?? 7, b = c.b ?? 3, inSize = 2;
  const config: ModelConfig = { input: { kind: 'features', size: inSize }, hiddenSize: 3, outputMode: 'every', outputSize: 2, ...c.config, dtype: 'float64' };
  const model = new Sequential(config, { seed });
  const rng = new Rng(99);
  for (let attempt = 0; ; attempt++) {
    for (const p of model.params) for (let i = 0; i < p.value.length; i++) p.value[i] = rng.normal() * 0.6;
    const x = randn(t * b * inSize, rng);
    if (!c.prepare || c.prepare(model, x)) return { model, x, t, b };
    assert.ok(attempt < 200, `${c.name}: no suitable draw`);
  }
}

/** Largest relative error of the analytic gradient (params, input, initial state) against central differences. */
function checkCase(c: Case): number {
  const { model, x, t, b } = build(c);
  const config = model.config;
  const rng = new Rng(5);
  const per = (config.numLayers ?? 1) * (config.bidirectional ? 2 : 1) * b * config.hiddenSize;
  const state = c.withState ? { h: randn(per, rng, 0.5), c: config.cell === 'lstm' ? randn(per, rng, 0.5) : null } : null;
  return checkModelGradients({ name: c.name, model, x, t, b, lengths: c.lengths, state, training: true }, rng);
}

const CELLS: Case['config'][] = [{ cell: 'rnn', activation: 'tanh' }, { cell: 'lstm' }, { cell: 'gru' }, { cell: 'indrnn' }, { cell: 'mingru' }, { cell: 'minlstm' }];

test('gradient check: dilated layers (T not a multiple of d, variable lengths, bidirectional, last step)', () => {
  for (const cell of CELLS) {
    checkCase({ name: `${cell.cell} dilations 1,2,3`, config: { ...cell, numLayers: 3, dilations: [1, 2, 3] }, withState: true });
    checkCase({ name: `${cell.cell} dilated varlen bi`, config: { ...cell, numLayers: 2, dilations: [2, 4], bidirectional: true }, lengths: [7, 4, 1], withState: true });
    checkCase({ name: `${cell.cell} dilated last`, config: { ...cell, numLayers: 2, dilations: [1, 2], outputMode: 'last' }, lengths: [6, 7, 3], withState: true });
  }
});

test('a dilated layer runs the plain layer on each interleaved subsequence', () => {
  const t = 7, b = 2, d = 3;
  const cfg: ModelConfig = { input: { kind: 'features', size: 2 }, cell: 'gru', hiddenSize: 4, outputMode: 'every', outputSize: 3, dtype: 'float64' };
  const dilated = new Sequential({ ...cfg, dilations: [d] }, { seed: 3 });
  const plain = new Sequential(cfg, { seed: 3 });
  dilated.params.forEach((p, i) => plain.params[i].value.set(p.value));
  const x = randn(t * b * 2, new Rng(1));
  const y = Float64Array.from(dilated.forward(x, t, b).data);
  for (let j = 0; j < d; j++) {
    const steps = [...Array(t).keys()].filter((s) => s % d === j);
    const xs = steps.flatMap((s) => Array.from(x.subarray(s * b * 2, (s + 1) * b * 2)));
    const ys = plain.forward(xs, steps.length, b).data;
    steps.forEach((s, k) => {
      for (let i = 0; i < b * 3; i++) assert.ok(Math.abs(y[s * b * 3 + i] - ys[k * b * 3 + i]) < 1e-12, `step ${s}`);
    });
  }
});

test('gradient check: residual stacks, with a projection where the widths differ', () => {
  for (const cell of CELLS) {
    checkCase({ name: `${cell.cell} residual 2 layers`, config: { ...cell, numLayers: 2, residual: true }, withState: true });
    checkCase({ name: `${cell.cell} residual bi varlen`, config: { ...cell, numLayers: 2, residual: true, bidirectional: true }, lengths: [5, 7, 2] });
    checkCase({ name: `${cell.cell} residual dilated last`, config: { ...cell, numLayers: 2, residual: true, dilations: [1, 2], outputMode: 'last' }, lengths: [7, 3, 5] });
  }
  const m = new Sequential({ input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 3, numLayers: 2, residual: true, outputMode: 'every', outputSize: 1 });
  assert.deepEqual(m.params.filter((p) => p.name.includes('res_proj')).map((p) => [p.name, p.shape]), [['rnn.res_proj_l0.weight', [3, 2]]]);
});

const skipLayers = (m: Sequential): SkipLayer[] => m.rnn.layers.filter((l): l is SkipLayer => l instanceof SkipLayer);
const relaxed = (m: Sequential): boolean => { for (const l of skipLayers(m)) l.relax = true; return true; };

test('gradient check: Skip RNN with u = ũ (the straight-through maths made exact), budget included', () => {
  for (const cell of CELLS) {
    checkCase({ name: `${cell.cell} skip relaxed`, config: { ...cell, skip: { budget: 0.3 } }, withState: true, prepare: relaxed });
    checkCase({ name: `${cell.cell} skip relaxed 2 layers varlen`, config: { ...cell, numLayers: 2, skip: { budget: 0.1 } }, lengths: [7, 2, 5], prepare: relaxed });
    checkCase({ name: `${cell.cell} skip relaxed last`, config: { ...cell, skip: { budget: 0.2 }, outputMode: 'last' }, lengths: [4, 7, 6], prepare: relaxed });
  }
});

/** Rounded u with some steps skipped and every ũ well away from 0.5, so small nudges flip none. */
function skipsSome(m: Sequential, x: Float64Array, t: number, b: number): boolean {
  m.forward(x, t, b, { training: true });
  const layer = skipLayers(m)[0];
  const f = layer.updateFraction;
  return f > 0.2 && f < 0.9 && layer.uTilde.every((v) => Math.abs(v - 0.5) > 0.02);
}

test('gradient check: Skip RNN with rounded u, everything but the path through round', () => {
  for (const cell of CELLS) {
    checkCase({
      name: `${cell.cell} skip rounded`, config: { ...cell, skip: { budget: 0.5 } }, withState: true,
      prepare: (m, x) => { for (const l of skipLayers(m)) l.straightThrough = false; return skipsSome(m, x, 7, 3); },
    });
  }
});

test('Skip RNN: ∂L/∂ũ flows through round as if it were the identity (straight through)', () => {
  for (const cell of CELLS) {
    // b_p = 40: Δũ = σ(·) is 1 in float64, so ũ stays 1 and the rounded and relaxed models coincide
    const run = (relax: boolean, st: boolean) => {
      const { model, x, t, b } = build({ name: 'st', config: { ...cell, skip: { budget: 0.3 } } });
      model.param('rnn.skip_bias_l0').value[0] = 40;
      const layer = skipLayers(model)[0];
      layer.relax = relax; layer.straightThrough = st;
      model.zeroGrad();
      const y = model.forward(x, t, b, { training: true });
      model.backward({ data: randn(y.data.length, new Rng(2)), t: y.t, b: y.b, f: y.f });
      return { d: Float64Array.from(layer.dUTilde), grads: model.params.map((p) => Float64Array.from(p.grad)), f: layer.updateFraction };
    };
    const exact = run(true, true), st = run(false, true), none = run(false, false);
    assert.equal(st.f, 1);
    assert.ok(exact.d.some((v) => Math.abs(v) > 1e-3), `${cell.cell}: the relaxed model has a gradient at ũ`);
    exact.d.forEach((v, i) => assert.ok(Math.abs(v - st.d[i]) < 1e-12, `${cell.cell}: straight-through ∂L/∂ũ[${i}] ${st.d[i]} vs exact ${v}`));
    exact.grads.forEach((g, k) => g.forEach((v, i) => assert.ok(Math.abs(v - st.grads[k][i]) < 1e-12)));
    assert.ok(none.d.every((v) => v === 0), `${cell.cell}: without straight-through nothing reaches ũ`);
  }
});

test('Skip RNN inference: the same outputs as training, and skipped steps run no cell', () => {
  for (const cell of CELLS) {
    const { model, x, t, b } = build({ name: 'infer', config: { ...cell, numLayers: 2, skip: { budget: 0 } }, prepare: (m, x) => skipsSome(m, x, 7, 3) });
    const lengths = [7, 5, 6];
    const train = Float64Array.from(model.forward(x, t, b, { training: true, lengths }).data);
    const trainFinal = model.finalState();
    const layer = skipLayers(model)[0];
    assert.equal(layer.cellRows, t * b);
    const infer = model.forward(x, t, b, { lengths }).data;
    const inferFinal = model.finalState();
    train.forEach((v, i) => assert.ok(Math.abs(v - infer[i]) < 1e-12, `${cell.cell} output ${i}`));
    trainFinal.h.forEach((v, i) => assert.ok(Math.abs(v - inferFinal.h[i]) < 1e-12));
    assert.equal(layer.cellRows, layer.updates);
    assert.ok(layer.cellRows < 18 * 0.9, `${cell.cell}: ${layer.cellRows} cell rows for ${layer.updateFraction} of 18 real steps`);
    assert.equal(model.updateFraction(), (layer.updateFraction + skipLayers(model)[1].updateFraction) / 2);
  }
});

test('Skip RNN: a larger budget λ lowers the fraction of state updates', async () => {
  const { createTask } = await import('../src/tasks/index.js');
  const { Trainer } = await import('../src/train/trainer.js');
  const fraction = (budget: number): number => {
    const task = createTask({ kind: 'adding', length: 20 }, { seed: 1 });
    const model = new Sequential({ input: task.input, cell: 'gru', hiddenSize: 8, outputMode: 'last', outputSize: 1, skip: { budget } }, { seed: 1 });
    new Trainer(model, task, { steps: 150, batchSize: 16, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 }, evalEvery: 1000 }).train();
    let sum = 0;
    const val = task.validation();
    for (const batch of val) { model.forward(batch.x, batch.t, batch.b); sum += model.updateFraction()!; }
    return sum / val.length;
  };
  const free = fraction(0), costly = fraction(0.05);
  assert.ok(costly < free - 0.2, `update fraction ${costly} at λ 0.05 vs ${free} at λ 0`);
});

test('saved models with dilations, residual and skip round trip', () => {
  const configs: Partial<ModelConfig>[] = [
    { cell: 'gru', numLayers: 3, dilations: [1, 2, 4], residual: true },
    { cell: 'lstm', numLayers: 2, skip: { budget: 1e-5 }, residual: true },
  ];
  for (const c of configs) {
    const model = new Sequential({ input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 5, outputMode: 'last', outputSize: 1, ...c }, { seed: 4 });
    const { model: back } = modelFromBytes(modelToBytes(model));
    assert.deepEqual(back.config, model.config);
    const x = Array.from(randn(9 * 2 * 2, new Rng(3)));
    assert.deepEqual(Array.from(back.forward(x, 9, 2).data), Array.from(model.forward(x, 9, 2).data));
  }
  assert.throws(() => new Sequential({ input: { kind: 'features', size: 2 }, cell: 'gru', hiddenSize: 3, outputMode: 'last', outputSize: 1, numLayers: 2, dilations: [1] }), /dilations: expected one per layer \(2\)/);
  assert.throws(() => new Sequential({ input: { kind: 'features', size: 2 }, cell: 'gru', hiddenSize: 3, outputMode: 'last', outputSize: 1, bidirectional: true, skip: { budget: 0 } }), /Skip RNN: expected a unidirectional model/);
  assert.throws(() => new Sequential({ input: { kind: 'features', size: 2 }, cell: 'gru', hiddenSize: 3, outputMode: 'last', outputSize: 1, numLayers: 2, dilations: [1, 2], skip: { budget: 0 } }), /Skip RNN: expected no dilations above 1 .*received \[1, 2\]/);
});

test('the skip rules are one rule: a model config file names its fields, the stack plain words', () => {
  const base = { input: { kind: 'features', size: 2 }, cell: 'gru', hiddenSize: 3, outputMode: 'last', outputSize: 1, skip: { budget: 0 } };
  assert.throws(() => parseModelConfig({ ...base, bidirectional: true }), (e: unknown) => e instanceof RecurError && /^model config: "skip": expected a unidirectional model .*received "bidirectional": true$/.test(e.message));
  assert.throws(() => parseModelConfig({ ...base, numLayers: 2, dilations: [1, 4] }), (e: unknown) => e instanceof RecurError && /^model config: "skip": expected no "dilations" above 1 .*received \[1, 4\]$/.test(e.message));
  assert.doesNotThrow(() => parseModelConfig({ ...base, numLayers: 2, dilations: [1, 1] }));
});
