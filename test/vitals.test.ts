// Training vital signs (diagnostics/vitals.ts, saturation.ts, vitals-summary.ts): dead ReLU units,
// saturated gates, the update-to-weight ratio against a hand computation for SGD, the per-step
// gradient heatmap recorded during the real backward, spectral sizes per gate block, clipping and
// NaN-guard counts, and recording that leaves training bit-identical.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deadUnits, gateHealth, saturatedFraction } from '../src/diagnostics/saturation.js';
import { summarizeVitals } from '../src/diagnostics/vitals-summary.js';
import { VitalsRecorder, mergeCallbacks, spectralBlocks } from '../src/diagnostics/vitals.js';
import { JsKernels } from '../src/kernels/js.js';
import type { ModelConfig } from '../src/model/config.js';
import { Sequential } from '../src/model/sequential.js';
import { createTask } from '../src/tasks/index.js';
import type { Task } from '../src/tasks/task.js';
import { Rng } from '../src/tensor/rng.js';
import { Trainer, type TrainCallbacks, type TrainConfig } from '../src/train/trainer.js';

const H = 8;

function model64(task: Task, c: Partial<ModelConfig>, seed = 3): Sequential {
  return new Sequential({ input: task.input, cell: 'rnn', hiddenSize: H, outputMode: task.outputMode, outputSize: task.outputSize, ...c, dtype: 'float64' }, { kernels: new JsKernels('float64'), seed });
}

function train(m: Sequential, task: Task, cfg: Partial<TrainConfig>, extra: TrainCallbacks = {}, every = 1) {
  const config: TrainConfig = { steps: 10, batchSize: 8, seed: 1, optimizer: { kind: 'sgd', lr: 0.05 }, stopWhenSolved: false, ...cfg };
  const rec = new VitalsRecorder(m, { steps: config.steps, every });
  const trainer = new Trainer(m, task, config, mergeCallbacks(extra, rec.callbacks()));
  const result = trainer.train();
  rec.finish();
  return { rec, result, summary: summarizeVitals(rec, { clip: config.clip }) };
}

const adding = (length = 12) => createTask({ kind: 'adding', length }, { seed: 1, valSize: 16 });

test('saturatedFraction and deadUnits on hand-made buffers', () => {
  // two rows, two blocks (sigmoid, tanh) of h = 2
  const v = [0.01, 0.5, 0.97, -0.2, /* row 2 */ 0.96, 0.04, 0.1, 0.999];
  // saturated: 0.01, 0.96, 0.04 (sigmoid); 0.97, 0.999 (tanh): 5 of 8
  assert.equal(saturatedFraction(v, 2, 2, ['sigmoid', 'tanh'], 0.05), 5 / 8);
  // pre-activations: tanh saturates beyond atanh(0.95) ≈ 1.832
  assert.equal(saturatedFraction([1.8, -1.9, 3, 0], 1, 4, ['pre-tanh'], 0.05), 0.5);
  // unit 1 is ≤ 0 in every row: dead; unit 0 is positive once: alive
  assert.equal(deadUnits([-1, 0, 2, -3, -0.5, -1], 3, 2), 1);
});

test('a ReLU RNN with strongly negative biases on half its units reports those units dead', () => {
  const task = adding();
  const m = model64(task, { activation: 'relu' });
  const b = m.param('rnn.bias_ih_l0').value;
  for (let j = 0; j < H / 2; j++) b[j] = -50; // no input can lift these units above 0
  m.param('rnn.bias_hh_l0').value.fill(0);
  const { rec, summary } = train(m, task, { steps: 4, optimizer: { kind: 'sgd', lr: 1e-4 } });
  assert.ok(rec.records.length >= 4);
  for (const r of rec.records) assert.ok(r.dead !== null && r.dead >= 0.5 - 1e-12, `dead fraction ${r.dead}`);
  const dead = summary.vitals.find((v) => v.name === 'dead units')!;
  assert.ok(dead, 'a dead-units line');
  assert.equal(dead.status, 'bad');
  assert.match(String(dead.value), /^(5\d|[6-9]\d|100)\.\d%$/);
  // a tanh cell has no dead units, and its saturation is reported instead
  const tanh = train(model64(task, { activation: 'tanh' }), task, { steps: 2 }).summary.vitals;
  assert.equal(tanh.find((v) => v.name === 'dead units'), undefined);
  assert.match(tanh.find((v) => v.name === 'saturation')!.note, /^units within 0.05/);
});

test('an LSTM with huge weights has nearly every gate saturated; a small-weight one almost none', () => {
  const task = adding();
  const big = model64(task, { cell: 'lstm' });
  const rng = new Rng(5);
  for (const p of big.params) if (p.name.startsWith('rnn.')) for (let i = 0; i < p.value.length; i++) p.value[i] = 30 * rng.normal();
  const batch = task.validation()[0];
  big.forward(batch.x, batch.t, batch.b);
  const hBig = gateHealth(big);
  assert.ok(hBig.saturated! > 0.9, `saturated ${hBig.saturated}`);
  assert.equal(hBig.dead, null);
  const small = model64(task, { cell: 'lstm' });
  for (const p of small.params) if (p.name.startsWith('rnn.')) for (let i = 0; i < p.value.length; i++) p.value[i] = 0.01 * rng.normal();
  small.forward(batch.x, batch.t, batch.b);
  assert.ok(gateHealth(small).saturated! < 0.01);
  const { summary } = train(big, task, { steps: 2, optimizer: { kind: 'sgd', lr: 1e-6 } });
  assert.equal(summary.vitals.find((v) => v.name === 'saturation')!.status, 'bad');
});

test('update / weight ratio: for SGD it is lr·‖g‖/‖w‖ per parameter, computed by hand', () => {
  const task = adding();
  const m = model64(task, { cell: 'gru' });
  const lr = 0.05;
  const seen = new Map<number, { g: number[]; w: number[] }>();
  const norm = (a: ArrayLike<number>) => Math.sqrt(Array.from(a).reduce((s, x) => s + x * x, 0));
  const mine: TrainCallbacks = { onGradients: (step) => { seen.set(step, { g: m.params.map((p) => norm(p.grad)), w: m.params.map((p) => norm(p.value)) }); } };
  const { rec } = train(m, task, { steps: 6, optimizer: { kind: 'sgd', lr } }, mine, 2);
  assert.deepEqual(rec.records.map((r) => r.step), [1, 2, 4, 6]);
  for (const r of rec.records) {
    const hand = seen.get(r.step)!;
    r.updateRatios!.forEach((ratio, i) => {
      const expected = (lr * hand.g[i]) / hand.w[i];
      if (hand.w[i] === 0) assert.ok(Number.isNaN(ratio), `${m.params[i].name}: ‖w‖ = 0 gives NaN`);
      else assert.ok(Math.abs(ratio - expected) <= 1e-9 * expected, `${m.params[i].name} at step ${r.step}: ${ratio} vs ${expected}`);
    });
    r.gradNorms.forEach((g, i) => assert.ok(Math.abs(g - hand.g[i]) <= 1e-12 * (hand.g[i] || 1)));
  }
});

test('the heatmap comes from the training backward of recording steps only, and recording changes nothing', () => {
  const task = adding(15);
  const flags: boolean[] = [];
  const m = model64(task, { activation: 'tanh' });
  const probe: TrainCallbacks = { onGradients: () => { flags.push(m.rnn.layers[0].recordGradFlow); } };
  const { rec, result, summary } = train(m, task, { steps: 9 }, probe, 3);
  // recording on exactly for steps 1, 3, 6, 9
  assert.deepEqual(flags, [true, false, true, false, false, true, false, false, true]);
  assert.equal(m.rnn.layers[0].recordGradFlow, false, 'off after finish()');
  assert.deepEqual(summary.heatmap!.steps, [1, 3, 6, 9]);
  for (const row of summary.heatmap!.norms) {
    assert.equal(row.length, 15);
    assert.ok(row.every((v) => Number.isFinite(v) && v > 0));
  }
  assert.equal(rec.records.length, 4);
  // the same run without a recorder: bit-identical losses
  const plain = new Trainer(model64(task, { activation: 'tanh' }), task, { steps: 9, batchSize: 8, seed: 1, optimizer: { kind: 'sgd', lr: 0.05 }, stopWhenSolved: false }).train();
  assert.deepEqual(plain.history.steps.map((s) => s.loss), result.history.steps.map((s) => s.loss));
});

test('spectral sizes per gate block: W_hh = 0.5·I gives ρ = σ₁ = 0.5 in every block, named by gate', () => {
  const task = adding();
  const m = model64(task, { cell: 'lstm', numLayers: 2 });
  for (const p of m.params) {
    if (!p.name.startsWith('rnn.weight_hh')) continue;
    p.value.fill(0);
    for (let g = 0; g < 4; g++) for (let j = 0; j < H; j++) p.value[g * H * H + j * H + j] = 0.5;
  }
  const blocks = spectralBlocks(m);
  assert.deepEqual(blocks.map((b) => b.name), ['l0 W_hi', 'l0 W_hf', 'l0 W_hg', 'l0 W_ho', 'l1 W_hi', 'l1 W_hf', 'l1 W_hg', 'l1 W_ho']);
  for (const b of blocks) { assert.ok(Math.abs(b.radius - 0.5) < 1e-9); assert.ok(Math.abs(b.sigmaMax - 0.5) < 1e-9); }
  // a tanh RNN at 0.5·I: the recurrence contracts, the gradient vanishes over 60 steps
  const long = adding(60);
  const rnn = model64(long, { activation: 'tanh' });
  const w = rnn.param('rnn.weight_hh_l0').value;
  w.fill(0);
  for (let j = 0; j < H; j++) w[j * H + j] = 0.5;
  const { summary } = train(rnn, long, { steps: 1, optimizer: { kind: 'sgd', lr: 1e-9 } });
  const rho = summary.vitals.find((v) => v.name === 'spectral radius of W_hh')!;
  assert.ok(Math.abs((rho.value as number) - 0.5) < 1e-6);
  assert.equal(rho.status, 'warn');
  const flow = summary.vitals.find((v) => v.name === 'gradient at t = 1 / at t = T')!;
  assert.equal(flow.status, 'bad');
  assert.match(flow.note, /^vanishing/);
  assert.ok((flow.value as number) < 0.5 ** 50);
});

test('clipping and NaN-guard counts', () => {
  const task = adding();
  const clipped = train(model64(task, { cell: 'gru' }), task, { steps: 6, clip: { kind: 'norm', maxNorm: 1e-6 } });
  assert.equal(clipped.rec.clip.clipped, 6);
  assert.equal(clipped.rec.clip.measured, 6);
  const line = clipped.summary.vitals.find((v) => v.name === 'clipped steps')!;
  assert.equal(line.value, '100.0%');
  assert.equal(line.status, 'warn');
  // an absurd learning rate makes weights non-finite: the guard undoes steps and rolls back
  const wild = train(model64(task, { activation: 'relu', init: { recurrent: 'identity', scale: 3 } }), task, { steps: 12, optimizer: { kind: 'sgd', lr: 1e30 } });
  assert.ok(wild.rec.nanEvents.length > 0);
  const guard = wild.summary.vitals.find((v) => v.name === 'NaN guard')!;
  assert.notEqual(guard.status, 'ok');
  assert.equal(train(model64(task, {}), task, { steps: 2 }).summary.vitals.find((v) => v.name === 'NaN guard')!.status, 'ok');
});

test('deferGates: the gate sweep made after the step (settle) or before an evaluation gives the records of the sweep in the step', () => {
  const task = adding(9);
  const config: TrainConfig = { steps: 12, batchSize: 8, seed: 1, optimizer: { kind: 'adam', lr: 0.05 }, stopWhenSolved: false, evalEvery: 2 };
  const run = (defer: boolean) => {
    const m = model64(task, { cell: 'lstm' });
    for (const p of m.params) p.value.forEach((v, i) => { p.value[i] = 6 * v; }); // gates that saturate, and by how much changes from step to step
    // recording steps 1, 3, 6, 9, 12; evaluations (batches of 16, not 8: the layers' buffers resized) after 6 and 12
    const rec = new VitalsRecorder(m, { steps: config.steps, every: 3, deferGates: defer });
    const trainer = new Trainer(m, task, config, rec.callbacks());
    for (const _ of trainer.run()) if (defer) rec.settle();
    return rec.records;
  };
  const inStep = run(false), after = run(true);
  assert.deepEqual(after.map((r) => r.step), [1, 3, 6, 9, 12]);
  assert.ok(inStep.every((r) => r.saturated !== null && r.saturated > 0.01), 'the LSTM\'s gates saturate');
  assert.ok(new Set(inStep.map((r) => r.saturated)).size > 1, 'and by different amounts at different steps');
  assert.deepEqual(after, inStep);
  // a caller that never settles is told so at the next recorded step, not given stale sweeps
  const m = model64(task, { cell: 'lstm' });
  const rec = new VitalsRecorder(m, { steps: 12, every: 3, deferGates: true });
  assert.throws(() => new Trainer(m, task, { ...config, evalEvery: 100 }, rec.callbacks()).train(), /settle\(\) was not called/);
});
