// The tasks built from data in memory, on data small enough to work out by hand: series windows
// over several columns, per-column normalisation and the persistence baseline; padded batches of
// labelled sequences with their lengths; items between start and end marks (makemore's names);
// epochs that visit every sample once; and the errors each refuses with.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecurError } from '../src/errors.js';
import { Sequential } from '../src/model/sequential.js';
import { SeriesTask } from '../src/tasks/arrays.js';
import { CsvTask } from '../src/tasks/csv.js';
import { EpochOrder } from '../src/tasks/epochs.js';
import { LinesTask, splitLines } from '../src/tasks/lines.js';
import { SequenceTask, toSequences, toTargets } from '../src/tasks/sequences.js';
import { Rng } from '../src/tensor/rng.js';
import { evaluate } from '../src/train/trainer.js';

function throwsRecur(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof RecurError && pattern.test(e.message), `expected a RecurError matching ${pattern}`);
}

test('epochs: every sample once per epoch, reshuffled, the last batch the remainder', () => {
  const order = new EpochOrder(10);
  const rng = new Rng(5);
  assert.equal(order.stepsPerEpoch(4), 3);
  for (let e = 0; e < 3; e++) {
    const batches = [order.next(rng, 4), order.next(rng, 4), order.next(rng, 4)];
    assert.deepEqual(batches.map((b) => b.length), [4, 4, 2]);
    assert.deepEqual(batches.flat().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  }
});

test('series: windows over input columns, target columns, per-column normalisation, persistence by hand', () => {
  // a: 0 … 9 ; b: 10·a ; read a and b, predict b; window 2, horizon 1; split 0.2 → train rows 0 … 7
  const a = Array.from({ length: 10 }, (_, i) => i), b = a.map((v) => 10 * v);
  const task = new SeriesTask({ columns: [a, b], names: ['a', 'b'], inputs: [0, 1], targets: [1], window: 2 });
  assert.equal(task.trainEnd, 8);
  assert.deepEqual(task.norm.mean, [3.5, 35]);
  assert.ok(Math.abs(task.norm.std[0] - Math.sqrt(5.25)) < 1e-15 && Math.abs(task.norm.std[1] - 10 * Math.sqrt(5.25)) < 1e-12);
  const [val] = task.validation();
  assert.equal(val.t, 2); assert.equal(val.b, 2); assert.equal(task.outputSize, 1); assert.deepEqual(task.input, { kind: 'features', size: 2 });
  const raw = (z: number, c: number): number => Math.round(task.denormalize(z, c) * 1e9) / 1e9;
  // targets rows 8 and 9: inputs rows 6, 7 and 7, 8, both columns: (T, B, F)
  assert.deepEqual(Array.from(val.x, (z, i) => raw(z, i % 2)), [6, 60, 7, 70, 7, 70, 8, 80]);
  assert.deepEqual(Array.from(val.target, (z) => raw(z, 1)), [80, 90]);
  // persistence: predicts b[j−1] for b[j], errors 10 and 10 → 100 in b's units
  assert.ok(Math.abs(task.baselineLoss! - 100 / (100 * 5.25)) < 1e-12);
  assert.deepEqual(JSON.parse(task.modelRecords()['recur.series']).columns, ['a', 'b']);
  assert.equal(task.modelRecords()['recur.norm'], undefined, 'the one-column record only for one-column models');
  // epochs over the 6 training samples (target rows 2 … 7)
  const ep = new SeriesTask({ columns: [a, b], window: 2, order: 'epochs' });
  const rng = new Rng(1);
  const seen = [ep.trainBatch(rng, 4), ep.trainBatch(rng, 4)].flatMap((bt) => Array.from({ length: bt.b }, (_, k) => Math.round(ep.denormalize(bt.target[k * 2], 0))));
  assert.deepEqual(seen.sort((x, y) => x - y), [2, 3, 4, 5, 6, 7]);
});

test('series: a constant input reads as 0, a constant target is refused; separate validation columns; errors', () => {
  const a = Array.from({ length: 20 }, (_, i) => Math.sin(i));
  const flat = new Array(20).fill(3);
  const t = new SeriesTask({ columns: [flat, a], inputs: [0, 1], targets: [1], window: 3 });
  assert.equal(t.norm.std[0], 1);
  throwsRecur(() => new SeriesTask({ columns: [flat, a], names: ['flat', 'a'], targets: [0], window: 3 }), /column "flat": expected values that vary over the training part \(first 16 rows\), received a constant 3/);
  const v = new SeriesTask({ columns: [a], window: 3, validationColumns: [a.slice(0, 8)] });
  assert.equal(v.trainEnd, 20);
  assert.equal(v.validation()[0].b, 5);
  throwsRecur(() => new SeriesTask({ columns: [a, a.slice(1)] }), /column 1: expected 20 values \(as column 0\), received 19/);
  throwsRecur(() => new SeriesTask({ columns: [[1, 2, NaN, 4]], window: 1 }), /column 0, row 2: expected a finite number, received NaN/);
  throwsRecur(() => new SeriesTask({ columns: [a], window: 3, validationSplit: 0.9 }), /expected at least 40 rows for window 3 and horizon 1 \(the training part, 10% of the rows/);
  throwsRecur(() => new SeriesTask({ columns: [a], validationSplit: 1 }), /validationSplit: expected a fraction in \[0, 1\), received 1/);
  throwsRecur(() => new SeriesTask({ columns: [a], targets: [1] }), /target columns: expected column indices in \[0, 1\)/);
  throwsRecur(() => new SeriesTask({ columns: [] }), /expected at least one column of numbers/);
});

test('csv: several columns read, one predicted, from a ;-separated file with quotes; the one-column records kept', () => {
  const text = 'when;"temp, °C";load\n' + Array.from({ length: 12 }, (_, i) => `d${i};"${i},5";${100 + i}`).join('\n');
  const task = new CsvTask(text, { columns: ['temp, °C', 'load'], target: 'load', window: 2, source: 'semi.csv' });
  assert.deepEqual(task.names, ['temp, °C', 'load']);
  assert.deepEqual(task.targets, [1]);
  assert.equal(task.column, 'load');
  assert.equal(task.series[11], 111);
  assert.equal(task.norm.mean[0], 4.5); // 0.5 … 8.5 over the first 9 rows (80% of 12)
  assert.deepEqual(task.describe(), { task: 'csv', file: 'semi.csv', window: 2, horizon: 1, rows: 12, trainRows: 9, columns: 'temp, °C,load', target: 'load' });
  const one = new CsvTask(text, { column: 'load', window: 2 });
  assert.deepEqual(JSON.parse(one.modelRecords()['recur.norm']), { mean: one.mean, std: one.std, window: 2, horizon: 1 });
  throwsRecur(() => new CsvTask(text, { columns: ['load'], target: 'nope', window: 2 }), /expected a column named "nope"/);
  throwsRecur(() => new CsvTask(text.replace('2,5', ''), { columns: ['temp, °C'], window: 2 }), /line 4 \(data row 3\), column "temp, °C": expected a number, received an empty cell/);
  assert.equal(new CsvTask(text.replace('2,5', ''), { columns: ['temp, °C'], fill: 'linear', window: 2 }).series[2], 2.5);
});

test('sequences: padded time-major batches with lengths, sorted classes, normalised features', () => {
  const x = toSequences([[[1, 10], [2, 20], [3, 30]], [[4, 40]], [[5, 50], [6, 60]]], 'x');
  assert.deepEqual(x.lengths, [3, 1, 2]);
  assert.equal(x.features, 2);
  const task = new SequenceTask({ kind: 'classify', x, y: ['b', 'a', 'b'] });
  assert.deepEqual(task.classes, ['a', 'b']);
  assert.deepEqual(task.featureNorm.mean, [3.5, 35]);
  const batch = task.trainBatch(new Rng(0), 3);
  assert.equal(batch.t, 3);
  assert.ok(batch.lengths !== null);
  // every real step is a normalised input value, every padded step zero
  for (let k = 0; k < 3; k++) {
    const len = batch.lengths![k];
    for (let s = 0; s < 3; s++) {
      const v = batch.x[(s * 3 + k) * 2];
      if (s >= len) assert.equal(v, 0);
      else assert.ok(Number.isInteger(Math.round(v * Math.sqrt(35 / 12) + 3.5)));
    }
  }
  assert.ok(Math.abs(task.baselineLoss! - (-(1 / 3) * Math.log(1 / 3) - (2 / 3) * Math.log(2 / 3))) < 1e-15);
  assert.equal(new SequenceTask({ kind: 'classify', x: toSequences([[1], [2]], 'x'), y: [2, 10] }).classes!.join(), '2,10');
  const reg = new SequenceTask({ kind: 'regress', x: toSequences([[1, 2], [3], [4, 5, 6]], 'x'), y: toTargets([[1, 2], [3, 4], [5, 6]], 'y') });
  assert.equal(reg.outputSize, 2);
  assert.deepEqual(reg.targetNorm!.mean, [3, 4]);
  // a seeded random share validates
  const many = toSequences(Array.from({ length: 20 }, (_, i) => [i]), 'x');
  const split = new SequenceTask({ kind: 'classify', x: many, y: Array.from({ length: 20 }, (_, i) => i % 2), validationSplit: 0.25, seed: 3 });
  assert.equal(split.validationCount, 5);
  assert.equal(split.trainCount, 15);
});

test('sequences: the errors name the sample, step and feature', () => {
  throwsRecur(() => toSequences([], 'x'), /x: expected an array of sequences/);
  throwsRecur(() => toSequences([[[1, 2]], [[1]]], 'x'), /x\[1\]: expected steps of 2 features \(as the samples before it\), received steps of 1/);
  throwsRecur(() => toSequences([[[1, 2]], [[1, Infinity]]], 'x'), /x\[1\]\[0\]\[1\]: expected a finite number, received Infinity/);
  throwsRecur(() => toSequences([[1, 2], []], 'x'), /x\[1\]: expected a sequence of at least one step, received an empty array/);
  const x = toSequences([[1], [2], [3]], 'x');
  throwsRecur(() => new SequenceTask({ kind: 'classify', x, y: ['a', 1, 'b'] }), /labels\[1\]: expected a string \(labels are all numbers or all strings\), received 1/);
  throwsRecur(() => new SequenceTask({ kind: 'classify', x, y: ['a', 'b'] }), /labels: expected one per sample \(3\), received 2/);
  throwsRecur(() => new SequenceTask({ kind: 'classify', x, y: ['a', 'b', 'a'], validationSplit: 0.9 }), /validationSplit: expected a share that leaves at least one of the 3 samples to train on, received 0.9/);
  throwsRecur(() => new SequenceTask({ kind: 'classify', x, y: ['a', 'b', 'a'], validation: { x: toSequences([[1]], 'v'), y: ['c'] } }), /validation labels\[0\]: expected one of the classes of the training labels \("a", "b"\), received "c"/);
  throwsRecur(() => toTargets([1, [2, 3]], 'y'), /y\[1\]: expected 1 number \(as the targets before it\), received \[2, 3\]/);
});

test('lines: each item between start and end marks; padding ignored; the held-out share; the loss counts each end', () => {
  const items = splitLines('\ufeffemma\r\n  ava \n\nbo\n');
  assert.deepEqual(items, ['emma', 'ava', 'bo']);
  const task = new LinesTask(items, { validation: ['abe'], order: 'epochs' });
  assert.deepEqual(task.vocab, ['\n', 'a', 'b', 'e', 'm', 'o', 'v']);
  const [val] = task.validation();
  // ⏎ a b e → a b e ⏎ (ids: \n 0, a 1, b 2, e 3)
  assert.deepEqual(Array.from(val.x), [0, 1, 2, 3]);
  assert.deepEqual(Array.from(val.target), [1, 2, 3, 0]);
  const batch = task.trainBatch(new Rng(0), 3);
  assert.equal(batch.t, 5); // "emma" + its start
  assert.equal(Array.from(batch.target).filter((v) => v === -1).length, 15 - (5 + 4 + 3));
  // the unigram entropy of the training targets (characters and ends): 12 targets
  const counts = [3, 3, 0, 1, 2, 1, 1]; // ⏎ a b e m o v, over emma⏎ ava⏎ bo⏎ (b's 1 is in "bo")
  counts[2] = 1;
  const h = -counts.filter((c) => c > 0).reduce((s, c) => s + (c / 12) * Math.log(c / 12), 0);
  assert.ok(Math.abs(task.baselineLoss - h) < 1e-15, `${task.baselineLoss} vs ${h}`);
  // the mean loss over items is the NLL per character with each end counted: check by hand
  const model = new Sequential({ input: task.input, cell: 'gru', hiddenSize: 4, outputMode: 'every', outputSize: task.outputSize, dtype: 'float64' }, { seed: 2 });
  const v = task.vocab.length;
  let nll = 0, n = 0;
  for (const item of ['abe']) {
    const ids = ['\n', ...item, '\n'].map((c) => task.vocab.indexOf(c));
    const y = model.forward(ids.slice(0, -1), ids.length - 1, 1).data;
    for (let s = 0; s + 1 < ids.length; s++) {
      const row = Array.from({ length: v }, (_, j) => y[s * v + j]);
      const m = Math.max(...row);
      nll += m + Math.log(row.reduce((z, r) => z + Math.exp(r - m), 0)) - row[ids[s + 1]];
      n++;
    }
  }
  assert.ok(Math.abs(evaluate(model, task).loss - nll / n) < 1e-12);
  // held out by default: min(1000, 10%) items, chosen by a seeded shuffle
  const many = Array.from({ length: 50 }, (_, i) => 'abc'.slice(0, 1 + (i % 3)));
  const held = new LinesTask(many);
  assert.equal(held.validationItems, 5);
  assert.equal(held.trainItems, 45);
  assert.equal(new LinesTask(many, { validationSplit: 0.2 }).validationItems, 10);
});

test('lines: the errors name the item and character', () => {
  throwsRecur(() => new LinesTask([]), /expected a non-empty array of strings/);
  throwsRecur(() => new LinesTask(['ab', 'c\nd']), /\[1\]: expected a string without a line break/);
  throwsRecur(() => new LinesTask(['ab', '']), /\[1\]: expected a non-empty string, received ""/);
  throwsRecur(() => new LinesTask(['ab', 3 as unknown as string]), /\[1\]: expected a string, received 3/);
  throwsRecur(() => new LinesTask(['ab'], { validation: ['az'] }), /validation item 1, character 2: expected a character of the vocabulary.*received "z" \(U\+007A\)/);
  throwsRecur(() => new LinesTask(['ab'], { vocab: ['a', 'b'] }), /expected one that holds "\\n"/);
  throwsRecur(() => new LinesTask(['a', 'b'], { validationSplit: 0.5, validation: ['a'] }), /expected validationSplit or validation items, received both/);
});
