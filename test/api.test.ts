// The high-level objects on plain data: they learn (against the memoryless baselines), their
// epochs, early stopping, best weights and callbacks do what they say, the async form trains the
// same weights as the sync one while the event loop runs, masks make a sequence's prediction
// independent of its batch, and bytes round-trip. The core classes run on the js kernels here
// (the core is given no wasm module); the Node classes on wasm.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Forecaster, SequenceClassifier, SequenceRegressor, TextModel } from '../src/index.js';
import * as node from '../src/node/index.js';
import { Rng } from '../src/tensor/rng.js';

const rng = new Rng(9);
const sine = Array.from({ length: 300 }, (_, t) => 5 + 2 * Math.sin(t / 4) + 0.1 * rng.normal());

function waves(n: number, seed: number): { x: number[][][]; y: string[] } {
  const r = new Rng(seed);
  const x: number[][][] = [], y: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = r.int(2);
    x.push(Array.from({ length: 6 + r.int(10) }, (_, t) => [Math.sin(t * (0.4 + 1.2 * k)) + 0.1 * r.normal(), k]));
    y.push(k ? 'fast' : 'slow');
  }
  return { x, y };
}

test('Forecaster: learns a sine, forecasts in its units, epochs over the data, bytes round-trip', () => {
  const f = new Forecaster({ window: 12, hiddenSize: 16, cell: 'gru' });
  const r = f.fit(sine.slice(0, 250), { epochs: 8, batchSize: 16 });
  assert.equal(r.kernels.split(' ')[0], 'js');
  assert.match(r.kernels, /no wasm module was given/, 'the core says why it did not get wasm');
  // 200 rows train (80%), 188 windows, 12 batches of 16 per epoch
  assert.equal(r.steps, 8 * 12);
  assert.equal(r.history.length, 8);
  assert.ok(r.valLoss! < r.baselineLoss!, `val ${r.valLoss} under persistence ${r.baselineLoss}`);
  const score = f.evaluate(sine.slice(250 - 12));
  assert.ok(score.mse < score.persistenceMse, `${score.mse} < ${score.persistenceMse}`);
  const next = f.forecast(sine.slice(0, 250), 6);
  assert.equal(next.length, 6);
  for (const v of next) assert.ok(v > 2 && v < 8, `forecast ${v} in the series' units`);
  const g = Forecaster.fromBytes(f.toBytes());
  assert.deepEqual(g.forecast(sine.slice(0, 250), 6), next);
  assert.deepEqual(g.series, f.series);
  // a further fit goes on from the weights and the normalisation it has
  const before = f.series.mean.slice();
  f.fit(sine.slice(50, 300), { epochs: 1 });
  assert.deepEqual(f.series.mean, before);
  const summary = f.summary();
  // GRU: 3H·(I + H) weights and 2·3H biases = 48·17 + 96
  assert.match(summary, /gru layer 0\s+\(B, 16\)\s+912/);
  assert.match(summary, new RegExp(`total\\s+${f.model.paramCount}`));
  assert.match(summary, /window 12, horizon 1/);
});

test('Forecaster: several columns by name; forecastAll rolls every target forward', () => {
  const a = sine.map((v, t) => v + Math.cos(t / 7));
  const f = new Forecaster({ window: 8, hiddenSize: 8, targets: ['a', 'b'] });
  f.fit({ a, b: sine }, { steps: 20 });
  const out = f.forecastAll({ b: sine, a }, 3);
  assert.deepEqual(Object.keys(out), ['a', 'b']);
  assert.equal(out.a.length, 3);
  // columns matched by name, so their order in the data does not matter
  assert.deepEqual(f.forecastAll({ a, b: sine }, 3), out);
  assert.throws(() => f.forecast({ a, b: sine }, 3), /expected a model with one target column, received one with 2 \(a, b\): use forecastAll/);
  const g = new Forecaster({ window: 8, hiddenSize: 8, inputs: [0, 1], targets: 1 });
  g.fit(sine.map((v, t) => [a[t], v]), { steps: 5 });
  assert.throws(() => g.forecast(sine.map((v, t) => [a[t], v]), 2), /column "0" is read by the model but not forecast/);
  assert.equal(g.forecast(sine.map((v, t) => [a[t], v]), 1).length, 1);
});

test('fit: early stopping with the best weights put back; callbacks see every step and may stop', () => {
  const f = new Forecaster({ window: 12, hiddenSize: 16, seed: 3 });
  let steps = 0;
  // a learning rate far too high makes the validation loss wander, so patience runs out
  const r = f.fit(sine, { epochs: 60, lr: 0.3, earlyStopping: { patience: 2 }, restoreBestWeights: true, callbacks: { onStep: () => { steps++; } } });
  assert.equal(r.stopped, 'early-stopping');
  assert.equal(steps, r.steps);
  assert.ok(r.epochs < 60);
  assert.ok(r.restoredBest);
  assert.equal(r.valLoss, r.bestValLoss);
  // the weights in the model are the best ones: scoring them again gives the best loss
  const g = new Forecaster({ window: 12, hiddenSize: 16, seed: 3 });
  const stopped = g.fit(sine, { epochs: 10, callbacks: { onEpochEnd: (e) => e.epoch < 3 } });
  assert.equal(stopped.stopped, 'callback');
  assert.equal(stopped.epochs, 3);
  assert.equal(stopped.history.length, 3);
  assert.ok(stopped.history.every((e) => e.valLoss !== null && e.trainLoss > 0));
});

test('fitAsync trains the same weights as fit, and the event loop runs meanwhile', async () => {
  const a = new SequenceClassifier({ cell: 'gru', hiddenSize: 8, seed: 5 });
  const b = new SequenceClassifier({ cell: 'gru', hiddenSize: 8, seed: 5 });
  const data = waves(200, 1);
  const ra = a.fit(data.x, data.y, { epochs: 3 });
  let ticks = 0;
  const timer = setInterval(() => { ticks++; }, 1);
  const rb = await b.fitAsync(data, { epochs: 3 });
  clearInterval(timer);
  assert.ok(ticks > 0, 'a timer fired during fitAsync');
  assert.equal(ra.trainLoss, rb.trainLoss);
  assert.deepEqual(a.model.params.map((p) => Array.from(p.value)), b.model.params.map((p) => Array.from(p.value)));
});

test('SequenceClassifier: learns, probabilities sum to 1, a sequence alone or in a padded batch gives the same answer', () => {
  const train = waves(300, 2), test = waves(100, 3);
  const c = new SequenceClassifier({ cell: 'lstm', hiddenSize: 12 });
  const r = c.fit(train.x, train.y, { epochs: 6, validationSplit: 0.2 });
  assert.ok(r.accuracy! > 0.9, `validation accuracy ${r.accuracy}`);
  assert.deepEqual(c.classes, ['fast', 'slow']);
  const { accuracy } = c.evaluate(test.x, test.y);
  assert.ok(accuracy > 0.9, `held-out accuracy ${accuracy}`);
  const p = c.predictProba(test.x);
  for (const row of p) assert.ok(Math.abs(row[0] + row[1] - 1) < 1e-12);
  // the shortest sequence among longer ones: padding is masked, so its answer is its own
  const short = test.x.reduce((s, x) => (x.length < s.length ? x : s));
  const alone = c.predictProba([short])[0];
  const among = c.predictProba([test.x[0], short, test.x[1]])[1];
  alone.forEach((q, j) => assert.ok(Math.abs(q - among[j]) < 1e-6, `${q} vs ${among[j]}`));
  const d = SequenceClassifier.fromBytes(c.toBytes());
  assert.deepEqual(d.predict(test.x), c.predict(test.x));
  // numeric labels come back as numbers
  const n = new SequenceClassifier({ hiddenSize: 4 });
  n.fit(train.x.slice(0, 20), train.y.slice(0, 20).map((l) => (l === 'fast' ? 7 : 3)), { steps: 2 });
  assert.deepEqual(n.classes, [3, 7]);
  assert.ok(n.predict(train.x.slice(0, 3)).every((l) => l === 3 || l === 7));
});

test('SequenceRegressor: several outputs in their own units; one-output predict', () => {
  const r = new Rng(4);
  const x = Array.from({ length: 200 }, () => Array.from({ length: 3 + r.int(8) }, () => r.normal() + 1));
  const y = x.map((s) => [s.reduce((a, b) => a + b, 0) / s.length, 100 + s.length]);
  const m = new SequenceRegressor({ cell: 'gru', hiddenSize: 16 });
  m.fit(x.slice(0, 160), y.slice(0, 160), { epochs: 20 });
  const e = m.evaluate(x.slice(160), y.slice(160));
  assert.ok(e.mse < 0.2 * e.meanBaselineMse, `${e.mse} vs ${e.meanBaselineMse}`);
  const rows = m.predictAll(x.slice(160, 163));
  for (const [i, row] of rows.entries()) assert.ok(Math.abs(row[1] - y[160 + i][1]) < 1.5, `length ${row[1]} vs ${y[160 + i][1]}`);
  assert.throws(() => m.predict(x.slice(0, 2)), /expected a model with one output, received one with 2: use predictAll/);
  assert.deepEqual(SequenceRegressor.fromBytes(m.toBytes()).predictAll(x.slice(160, 163)), rows);
});

test('TextModel: items start and end with the boundary; generate follows prefix, temperature and top-k; bytes round-trip', () => {
  const items = ['anna', 'anne', 'bob', 'bobby', 'carl', 'carla', 'dan', 'dana', 'eve', 'evan'].flatMap((n) => [n, n + 'a', n + 'y']);
  const m = new TextModel({ cell: 'gru', hiddenSize: 24, seed: 2 });
  const r = m.fit(items, { epochs: 30, validationData: ['anna', 'bob', 'dan'], lr: 1e-2 });
  assert.equal(m.mode, 'lines');
  assert.ok(r.valLoss! < 0.7 * r.baselineLoss!, `${r.valLoss} vs ${r.baselineLoss}`);
  assert.ok(Math.abs(m.loss(['anna', 'bob', 'dan']) - r.valLoss!) < 1e-5, 'loss() is the validation loss');
  for (let i = 0; i < 5; i++) {
    const g = m.generate({ prefix: 'ca', temperature: 0.5 });
    assert.ok(g.startsWith('ca') && !g.includes('\n'), g);
  }
  assert.equal(m.generate({ temperature: 0 }), m.generate({ temperature: 0 }));
  assert.equal(m.generate({ seed: 1, topK: 1 }), m.generate({ temperature: 0 }), 'top-1 is the most likely character');
  assert.equal(m.generate({ seed: 4 }), m.generate({ seed: 4 }));
  const n = TextModel.fromBytes(m.toBytes());
  assert.equal(n.mode, 'lines');
  assert.deepEqual(n.vocab, m.vocab);
  assert.equal(n.loss(['anna']), m.loss(['anna']));
  // running text: windows of seq characters, the last 10% held out
  const s = new TextModel({ hiddenSize: 16, seq: 8 });
  s.fit('abcabcabd '.repeat(30), { epochs: 5 });
  assert.equal(s.mode, 'stream');
  assert.equal(s.generate({ prefix: 'ab', length: 12 }).length, 14);
  assert.ok(s.loss('abcabc') > 0);
});

test('every remedy of the engine is reachable from the options, and vital signs come back', () => {
  const opts = [
    { cell: 'rnn' as const, activation: 'relu' as const, init: { recurrent: 'identity' as const }, hiddenSize: 8 },
    { cell: 'lstm' as const, init: { recurrent: 'orthogonal' as const, forgetBias: 1 }, numLayers: 2, dropout: 0.1, hiddenSize: 8 },
    { cell: 'gru' as const, dilations: [1, 2], residual: true, hiddenSize: 8 },
    { cell: 'gru' as const, skip: { budget: 1e-4 }, hiddenSize: 8 },
    { cell: 'lstm' as const, bidirectional: true, hiddenSize: 8, dtype: 'float64' as const },
  ];
  for (const o of opts) {
    const f = new Forecaster({ window: 8, ...o });
    const r = f.fit(sine.slice(0, 120), {
      steps: 6, batchSize: 8, optimizer: 'rmsprop', lr: 1e-3, schedule: { kind: 'cosine', tMax: 6 }, clip: { kind: 'adaptive', factor: 2 },
      // truncated BPTT carries only the final state across chunks: dilated, Skip RNN and bidirectional layers refuse it
      bptt: 'dilations' in o || 'skip' in o || 'bidirectional' in o ? undefined : 4, nanGuard: { patience: 2 }, vitals: true,
    });
    assert.equal(r.steps, 6, JSON.stringify(o));
    assert.ok(r.vitals && r.vitals.vitals.length > 0, 'vital signs recorded');
    for (const [k, v] of Object.entries(o)) if (k !== 'hiddenSize') assert.deepEqual((f.model.config as unknown as Record<string, unknown>)[k], v, k);
  }
});

test('the Node classes run on wasm, and load and save files', async () => {
  const f = new node.Forecaster({ window: 8, hiddenSize: 8 });
  const r = f.fit(sine, { steps: 3 });
  assert.match(r.kernels, /^wasm \(/);
  assert.equal(f.kernelChoice.kind, 'wasm');
  const loaded = node.Forecaster.fromBytes(f.toBytes());
  assert.ok(loaded instanceof node.Forecaster);
  assert.equal(loaded.kernels.name, 'wasm');
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'recur-api-'));
  try {
    node.save(f, join(dir, 'f.safetensors'));
    const any = node.load(join(dir, 'f.safetensors'));
    assert.ok(any instanceof node.Forecaster);
    assert.deepEqual(any.forecast(sine, 2), f.forecast(sine, 2));
    assert.throws(() => node.load(join(dir, 'f.safetensors'), node.TextModel), /TextModel\.fromBytes: expected a text model file, received a forecaster model/);
    assert.throws(() => node.load(join(dir, 'none.safetensors')), /load ".*none\.safetensors": expected a readable model file, received ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
