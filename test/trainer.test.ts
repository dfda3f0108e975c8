// The trainer: seeded runs are bit-identical, clipping rescues a run that explodes without it, the
// NaN guard keeps every weight finite at a learning rate of 1e3, truncated BPTT trains.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { JsKernels } from '../src/kernels/js.js';
import type { ModelConfig } from '../src/model/config.js';
import { Sequential } from '../src/model/sequential.js';
import { createTask } from '../src/tasks/index.js';
import type { Task } from '../src/tasks/task.js';
import { allFinite } from '../src/train/nan-guard.js';
import { Trainer, type TrainConfig } from '../src/train/trainer.js';

function run(task: Task, model: Partial<ModelConfig>, cfg: Partial<TrainConfig>, seed = 3) {
  const m = new Sequential({ input: task.input, cell: 'lstm', hiddenSize: 16, outputMode: task.outputMode, outputSize: task.outputSize, ...model }, { kernels: new JsKernels('float32'), seed });
  const tr = new Trainer(m, task, { steps: 20, batchSize: 16, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 }, stopWhenSolved: false, ...cfg });
  return { model: m, trainer: tr, result: tr.train() };
}

test('the same seed gives the same losses bit for bit; another seed does not', () => {
  const task = createTask({ kind: 'adding', length: 12 }, { seed: 1, valSize: 50 });
  const a = run(task, {}, { steps: 15 }).result.history.steps.map((s) => s.loss);
  const b = run(task, {}, { steps: 15 }).result.history.steps.map((s) => s.loss);
  const c = run(task, {}, { steps: 15, seed: 2 }).result.history.steps.map((s) => s.loss);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // dropout draws from the model's seeded RNG: still reproducible
  const d1 = run(task, { numLayers: 2, dropout: 0.3 }, { steps: 10 }).result.history.steps.map((s) => s.loss);
  const d2 = run(task, { numLayers: 2, dropout: 0.3 }, { steps: 10 }).result.history.steps.map((s) => s.loss);
  assert.deepEqual(d1, d2);
});

test('a relu RNN with large recurrent weights explodes without clipping and learns with clip-norm 1', () => {
  const task = createTask({ kind: 'adding', length: 10 }, { seed: 1, valSize: 200 });
  const model: Partial<ModelConfig> = { cell: 'rnn', activation: 'relu', init: { recurrent: 'identity', scale: 1.5 } };
  const cfg: Partial<TrainConfig> = { steps: 1000, optimizer: { kind: 'sgd', lr: 0.02 }, evalEvery: 100 };
  const free = run(task, model, { ...cfg, clip: { kind: 'none' } }).result;
  const clipped = run(task, model, { ...cfg, clip: { kind: 'norm', maxNorm: 1 } }).result;
  const worst = (r: typeof free) => Math.max(...r.history.steps.map((s) => s.loss).filter(Number.isFinite));
  // without clipping: the loss explodes by orders of magnitude and the net ends at the memoryless guess or worse
  assert.ok(worst(free) > 1e6, `unclipped worst loss ${worst(free)}`);
  assert.ok(free.valLoss > 0.14, `unclipped final validation loss ${free.valLoss}`);
  // with clipping: the same start learns, well under the 0.167 baseline
  assert.ok(clipped.valLoss < 0.1, `clipped final validation loss ${clipped.valLoss}`);
  assert.ok(clipped.history.steps.some((s) => s.clipped), 'clipping happened');
  assert.ok(clipped.history.steps.every((s) => s.gradNorm > 0 && Number.isFinite(s.gradNorm)));
});

test('the NaN guard keeps every weight finite at a learning rate of 1e3', () => {
  const task = createTask({ kind: 'adding', length: 12 }, { seed: 1, valSize: 50 });
  for (const cfg of [{ kind: 'sgd' as const, lr: 1e3 }, { kind: 'adam' as const, lr: 1e3 }]) {
    const m = new Sequential({ input: task.input, cell: 'rnn', activation: 'relu', hiddenSize: 16, outputMode: 'last', outputSize: 1 }, { kernels: new JsKernels('float32'), seed: 2 });
    let checked = 0;
    const tr = new Trainer(m, task, { steps: 60, batchSize: 16, seed: 1, optimizer: cfg, stopWhenSolved: false, evalEvery: 20 }, {
      onStep: () => { for (const p of m.params) assert.ok(allFinite(p.value), `${cfg.kind}: ${p.name} became non-finite`); checked++; },
    });
    const r = tr.train();
    assert.equal(checked, 60);
    assert.ok(r.nanSkipped > 0, `${cfg.kind}: the guard should have acted (skipped ${r.nanSkipped})`);
    assert.ok(r.rollbacks > 0, `${cfg.kind}: repeated failures should roll back and lower the learning rate`);
    assert.ok(tr.guard.lrScale < 1);
  }
});

test('a non-finite step is not applied: weights unchanged, counted, logged', () => {
  const task = createTask({ kind: 'adding', length: 8 }, { seed: 1, valSize: 50 });
  const m = new Sequential({ input: task.input, cell: 'gru', hiddenSize: 8, outputMode: 'last', outputSize: 1 }, { kernels: new JsKernels('float32'), seed: 2 });
  const poisoned: Task = { ...task, trainBatch: (rng, b) => { const batch = task.trainBatch(rng, b); batch.target[0] = NaN; return batch; }, validation: () => task.validation(), solved: task.solved.bind(task), describe: task.describe.bind(task) };
  const before = m.params.map((p) => p.value.slice());
  const r = new Trainer(m, poisoned, { steps: 2, batchSize: 4, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 }, stopWhenSolved: false, nanGuard: { patience: 10 } }).train();
  assert.equal(r.nanSkipped, 2);
  m.params.forEach((p, i) => assert.deepEqual(p.value, before[i], `${p.name} must not change`));
});

test('truncated BPTT trains on the copy task and early stopping ends a stalled run', () => {
  const task = createTask({ kind: 'copy', length: 5 }, { seed: 1, valSize: 100 });
  const r = run(task, { cell: 'gru', hiddenSize: 24 }, { steps: 60, bptt: 5, evalEvery: 20 }).result;
  assert.ok(r.history.evals.length >= 3);
  assert.ok(r.valLoss < r.history.evals[0].valLoss || r.valLoss < (task.baselineLoss ?? Infinity), `loss ${r.valLoss}`);
  const stalled = run(task, { cell: 'gru', hiddenSize: 4 }, { steps: 400, optimizer: { kind: 'sgd', lr: 0 }, evalEvery: 10, earlyStopping: { patience: 2 } }).result;
  assert.ok(stalled.stoppedEarly && stalled.steps < 400, `stopped at ${stalled.steps}`);
});

test('the trainer refuses a model that does not fit the task', () => {
  const task = createTask({ kind: 'adding', length: 8 }, { seed: 1 });
  const m = new Sequential({ input: task.input, cell: 'gru', hiddenSize: 8, outputMode: 'every', outputSize: 1 }, { kernels: new JsKernels('float32') });
  assert.throws(() => new Trainer(m, task, { steps: 1, batchSize: 1, seed: 1, optimizer: { kind: 'adam' } }), /output mode: expected "last"/);
});

test('truncated BPTT reports the same batch loss as full BPTT on variable-length batches', () => {
  const base = createTask({ kind: 'copy', length: 6 }, { seed: 1, valSize: 20 });
  // every batch padded: sequence r is T − (r mod 4) steps long; padded targets must not count
  const padded: Task = {
    ...base,
    trainBatch: (rng, b) => ({ ...base.trainBatch(rng, b), lengths: Int32Array.from({ length: b }, (_, r) => 26 - (r % 4)) }),
    validation: () => base.validation(), solved: base.solved.bind(base), describe: base.describe.bind(base),
  };
  const first = (bptt?: number) => run(padded, { cell: 'gru', hiddenSize: 8 }, { steps: 1, bptt, optimizer: { kind: 'sgd', lr: 0 }, evalEvery: 1 }).result.history.steps[0].loss;
  const full = first();
  for (const chunk of [5, 7, 13]) {
    const cut = first(chunk);
    assert.ok(Math.abs(cut - full) <= 1e-6 * full, `bptt ${chunk}: ${cut} vs full ${full}`);
  }
});

test('run() can pause and go on, and trainAsync() takes the same steps as train()', async () => {
  const task = createTask({ kind: 'adding', length: 10 }, { seed: 1, valSize: 40 });
  const mk = () => new Sequential({ input: task.input, cell: 'gru', hiddenSize: 8, outputMode: task.outputMode, outputSize: task.outputSize }, { kernels: new JsKernels('float32'), seed: 5 });
  const cfg: TrainConfig = { steps: 12, batchSize: 8, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 }, stopWhenSolved: false, evalEvery: 5 };
  const whole = new Trainer(mk(), task, cfg).train();
  const paused = new Trainer(mk(), task, cfg);
  const it = paused.run();
  for (let i = 0; i < 7; i++) it.next();
  assert.equal(paused.loop.step, 7);
  for (const _ of paused.run());
  const seen: number[] = [];
  const asyncRun = await new Trainer(mk(), task, cfg, { onGradients: (s) => seen.push(s) }).trainAsync(3);
  const losses = (r: { history: { steps: { loss: number }[] } }) => r.history.steps.map((s) => s.loss);
  assert.deepEqual(losses(paused.result()), losses(whole));
  assert.deepEqual(losses(asyncRun), losses(whole));
  assert.equal(paused.result().valLoss, whole.valLoss);
  assert.deepEqual(seen, Array.from({ length: 12 }, (_, i) => i + 1));
});

test('a budget of seconds ends the run and drives the schedule by time: the cosine reaches its floor with the budget', () => {
  const task = createTask({ kind: 'adding', length: 12 }, { seed: 1, valSize: 50 });
  const seconds = 0.4, steps = 1e6, lr = 1e-2, etaMin = 1e-4;
  const r = run(task, {}, { steps, seconds, evalEvery: steps, optimizer: { kind: 'adam', lr }, schedule: { kind: 'cosine', tMax: steps, etaMin } }).result;
  // the schedule's value at a time: step ⌊steps · elapsed / seconds⌋ of the horizon
  const at = (s: number) => etaMin + ((lr - etaMin) * (1 + Math.cos((Math.PI * Math.min(steps, Math.floor((steps * s) / seconds))) / steps))) / 2;
  const h = r.history.steps;
  assert.ok(h.length > 5 && h.length < steps, `${h.length} steps`);
  assert.ok(r.seconds >= seconds && h[h.length - 2].seconds < seconds, `ended at ${r.seconds} s, the step before at ${h[h.length - 2].seconds} s`);
  // each step's rate was set after the step before ended and before its own end
  for (let i = 1; i < h.length; i++) {
    assert.ok(h[i].lr <= at(h[i - 1].seconds) * (1 + 1e-12) && h[i].lr >= at(h[i].seconds) * (1 - 1e-12), `step ${h[i].step}: lr ${h[i].lr}`);
  }
  assert.ok(h[h.length - 1].lr < 0.1 * lr && h[0].lr > 0.9 * lr, `lr from ${h[0].lr} to ${h[h.length - 1].lr}`);
  assert.throws(() => run(task, {}, { seconds: 0 }), /seconds/);
});
