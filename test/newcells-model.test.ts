// The long-memory cells in a model: their parameters and config (IndRNN's bound recurrentMax:
// the initial range of u and the clamp after every update), model files and checkpoints, the
// memory vital signs and the diagnosis, ONNX export's refusal, and the CLI's flags for them.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cellMemory } from '../src/diagnostics/memory.js';
import { measureGradFlow, remedies } from '../src/diagnostics/measure.js';
import { summarizeVitals } from '../src/diagnostics/vitals-summary.js';
import { VitalsRecorder } from '../src/diagnostics/vitals.js';
import { RecurError } from '../src/errors.js';
import { parseModelConfig, type ModelConfig } from '../src/model/config.js';
import { modelFromBytes, modelToBytes } from '../src/model/io.js';
import { onnxExportProblems } from '../src/model/onnx.js';
import { Sequential } from '../src/model/sequential.js';
import { AddingTask } from '../src/tasks/index.js';
import { Trainer } from '../src/train/trainer.js';

const base = (cell: ModelConfig['cell'], extra: Partial<ModelConfig> = {}): ModelConfig =>
  ({ input: { kind: 'features', size: 2 }, cell, hiddenSize: 6, outputMode: 'last', outputSize: 1, ...extra });

test('parameters: PyTorch names, u a vector for IndRNN, no recurrent weight for the min cells, no b_hh', () => {
  const names = (cell: ModelConfig['cell']) => new Sequential(base(cell, { numLayers: 2, bidirectional: true })).params
    .filter((p) => p.name.startsWith('rnn.') && p.name.endsWith('_l1_reverse')).map((p) => `${p.name} ${p.shape.join('×')}`);
  assert.deepEqual(names('indrnn'), ['rnn.weight_ih_l1_reverse 6×12', 'rnn.weight_hh_l1_reverse 6', 'rnn.bias_ih_l1_reverse 6']);
  assert.deepEqual(names('mingru'), ['rnn.weight_ih_l1_reverse 12×12', 'rnn.bias_ih_l1_reverse 12']);
  assert.deepEqual(names('minlstm'), ['rnn.weight_ih_l1_reverse 18×12', 'rnn.bias_ih_l1_reverse 18']);
});

test('recurrentMax: u starts in U(0, bound), is clamped to ±bound after every update, and only IndRNN takes it', () => {
  const bound = 2 ** (1 / 50);
  const model = new Sequential(base('indrnn', { numLayers: 2, recurrentMax: bound }), { seed: 3 });
  const us = () => model.params.filter((p) => p.name.includes('weight_hh')).flatMap((p) => Array.from(p.value));
  assert.ok(us().every((u) => u >= 0 && u <= bound) && Math.max(...us()) > 0.8, 'u drawn from U(0, bound)');
  const top = model.params.find((p) => p.name === 'rnn.weight_hh_l1')!.value, first = model.params.find((p) => p.name === 'rnn.weight_hh_l0')!.value;
  assert.ok(top.every((u) => u >= Math.fround(1 / bound)) && first.some((u) => u < 0.5), 'the top layer of a last-step model keeps: U(1/bound, bound)');
  // a huge learning rate pushes u far outside; the trainer's step puts it back
  const task = new AddingTask({ length: 50, validation: { size: 4, seed: 1, batch: 4 } });
  new Trainer(model, task, { steps: 3, batchSize: 4, seed: 1, optimizer: { kind: 'sgd', lr: 1e4 }, stopWhenSolved: false }).train();
  assert.ok(us().every((u) => Math.abs(u) <= bound), `|u| ≤ ${bound}`);
  assert.ok(us().some((u) => Math.abs(u) > 0.9999 * bound), 'some u hit the bound');
  assert.throws(() => parseModelConfig({ ...base('mingru'), recurrentMax: 1.1 }), (e: unknown) => e instanceof RecurError && /recurrentMax.*indrnn.*mingru/.test((e as Error).message));
  assert.throws(() => parseModelConfig({ ...base('indrnn'), recurrentMax: -1 }), RecurError);
  assert.equal(parseModelConfig({ ...base('indrnn'), recurrentMax: 1.5 }).recurrentMax, 1.5);
});

test('model files round trip the new cells (outputs to the bit, the bound kept)', () => {
  for (const cell of ['indrnn', 'mingru', 'minlstm'] as const) {
    const model = new Sequential(base(cell, { numLayers: 2, residual: true, dtype: 'float64', ...(cell === 'indrnn' ? { recurrentMax: 1.01 } : {}) }), { seed: 5 });
    const x = Array.from({ length: 7 * 3 * 2 }, (_, i) => Math.sin(i));
    const y = Float64Array.from(model.forward(x, 7, 3).data);
    const back = modelFromBytes(modelToBytes(model)).model;
    assert.deepEqual(back.config, model.config);
    assert.deepEqual(Float64Array.from(back.forward(x, 7, 3).data), y, cell);
  }
});

test('memory vitals: a mingru whose z bias is very negative remembers long; IndRNN reports |u| against its bound', () => {
  const m = new Sequential(base('mingru', { numLayers: 2 }), { seed: 2 });
  const x = Array.from({ length: 20 * 2 * 2 }, (_, i) => Math.cos(i));
  m.forward(x, 20, 2);
  const short = cellMemory(m)!;
  for (const p of m.params) if (p.name.startsWith('rnn.bias_ih')) p.value.fill(-6, 0, 6); // z ≈ σ(−6): a ≈ 0.9975
  m.forward(x, 20, 2);
  const long = cellMemory(m)!;
  assert.equal(long.length, 2);
  assert.ok(short[0]!.memorySteps < 5 && long[0]!.memorySteps > 100, `${short[0]!.memorySteps} → ${long[0]!.memorySteps}`);
  assert.ok(long[0]!.a!.p10 <= long[0]!.a!.p50 && long[0]!.a!.p50 <= long[0]!.a!.p90 && long[0]!.a!.p90 < 1);
  const ind = new Sequential(base('indrnn', { recurrentMax: 1.02, dtype: 'float64' }), { seed: 2 });
  ind.params.find((p) => p.name === 'rnn.weight_hh_l0')!.value.set([1.02, 1.02, 0.5, 0.1, -1.02, 0]);
  const mem = cellMemory(ind)!;
  assert.equal(mem[0]!.maxAbsU, 1.02);
  assert.ok(Math.abs(mem[0]!.atBound! - 0.5) < 1e-12);
  assert.equal(cellMemory(new Sequential(base('lstm'))), null);
});

test('the vital signs and the diagnosis of the new cells speak of their memory', () => {
  const task = new AddingTask({ length: 30, validation: { size: 8, seed: 1, batch: 8 } });
  for (const cell of ['indrnn', 'minlstm'] as const) {
    const model = new Sequential(base(cell, { ...(cell === 'indrnn' ? { recurrentMax: 2 ** (1 / 30) } : {}) }), { seed: 1 });
    const rec = new VitalsRecorder(model, { steps: 4, every: 1 });
    new Trainer(model, task, { steps: 4, batchSize: 8, seed: 1, optimizer: { kind: 'adam', lr: 1e-3 }, stopWhenSolved: false }, rec.callbacks()).train();
    rec.finish();
    const names = summarizeVitals(rec).vitals.map((v) => v.name);
    assert.ok(names.includes(cell === 'indrnn' ? 'recurrent weights |u| (IndRNN)' : 'decay a_t (h = a ⊙ h + v)'), names.join(', '));
    assert.ok(!names.includes('spectral radius of W_hh'));
    if (cell === 'indrnn') assert.ok(names.includes('dead units'));
    const flow = measureGradFlow(model, task);
    assert.ok(flow.memory && flow.memory.length === 1);
  }
  assert.ok(remedies('vanishing', 'mingru').some((r) => /--residual/.test(r)));
  assert.ok(remedies('vanishing', 'indrnn').some((r) => /--recurrent-max/.test(r)));
  assert.ok(remedies('exploding', 'indrnn').some((r) => /--recurrent-max/.test(r)));
});

test('ONNX export refuses the new cells, saying why', () => {
  for (const cell of ['indrnn', 'mingru', 'minlstm'] as const) {
    const problems = onnxExportProblems(base(cell));
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, new RegExp(`cell "${cell}" has no ONNX operator`));
  }
});

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
function recur(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, RECUR_KERNELS: 'js' }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('CLI: --cell indrnn|mingru|minlstm train and save; their flags are refused elsewhere with one line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recur-newcells-'));
  for (const cell of ['indrnn', 'mingru', 'minlstm']) {
    const file = join(dir, `${cell}.safetensors`);
    const r = recur('train', '--task', 'adding', '--length', '8', '--cell', cell, '--hidden', '4', '--layers', '2', '--residual', '--steps', '3', '--batch', '4', '--save', file, '--json');
    assert.equal(r.code, 0, r.err);
    const loaded = modelFromBytes(new Uint8Array(readFileSync(file)));
    assert.equal(loaded.model.config.cell, cell);
    if (cell === 'indrnn') assert.equal(loaded.model.config.recurrentMax, 2 ** (1 / 8), 'the default bound 2^(1/T)');
  }
  const bad: [string[], RegExp][] = [
    [['--cell', 'lstm', '--recurrent-max', '1.1'], /--recurrent-max: only for --cell indrnn/],
    [['--cell', 'mingru', '--forget-bias', '1'], /--forget-bias: only for cells with a forget gate \(lstm, minlstm\)/],
    [['--cell', 'indrnn', '--activation', 'tanh'], /--activation: only for --cell rnn/],
    [['--cell', 'indrnn', '--recurrent-max', '0'], /--recurrent-max: expected a number > 0/],
  ];
  for (const [flags, re] of bad) {
    const r = recur('train', '--task', 'adding', '--length', '8', ...flags);
    assert.equal(r.code, 2, flags.join(' '));
    assert.match(r.err.trim(), re);
    assert.equal(r.err.trim().split('\n').length, 1);
  }
});
