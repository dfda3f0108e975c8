// Bad input to the high-level objects: every case throws a RecurError that names the argument,
// says what was expected and what came (never a bare TypeError or RangeError from deeper down).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecurError } from '../src/errors.js';
import { Forecaster, SequenceClassifier, SequenceRegressor, TextModel } from '../src/index.js';

const series = Array.from({ length: 60 }, (_, t) => Math.sin(t / 3));
const seqs = [[[1], [2]], [[3]], [[4], [5], [6]]];
const fitted = new Forecaster({ window: 4, hiddenSize: 4 });
fitted.fit(series, { steps: 1 });
const clf = new SequenceClassifier({ hiddenSize: 4 });
clf.fit(seqs, ['a', 'b', 'a'], { steps: 1 });
const text = new TextModel({ hiddenSize: 4 });
text.fit(['ab', 'ba', 'abba'], { steps: 1 });
const any = (v: unknown): never => v as never;

const cases: [string, () => unknown, RegExp][] = [
  // options
  ['unknown option', () => new Forecaster(any({ windwo: 3 })), /Forecaster options: unknown option "windwo" \(expected one of/],
  ['cell', () => new Forecaster(any({ cell: 'transformer' })), /Forecaster options "cell": expected rnn \| lstm \| gru/],
  ['hidden size', () => new SequenceClassifier({ hiddenSize: 0 }), /SequenceClassifier options "hiddenSize": expected a whole number in \[1, 65536\], received 0/],
  ['activation of an lstm', () => new Forecaster({ cell: 'lstm', activation: 'relu' }), /Forecaster options activation: expected none for cell "lstm"/],
  ['kernels', () => new Forecaster(any({ kernels: 'gpu' })), /Forecaster options kernels: expected a kernel set or 'auto', 'wasm', 'js', received "gpu"/],
  ['seed', () => new TextModel({ seed: -1 }), /TextModel options seed: expected a whole number in \[0, 4294967295\], received -1/],
  ['seq', () => new TextModel({ seq: 1 }), /TextModel option seq: expected a whole number ≥ 2, received 1/],
  ['bidirectional text', () => new TextModel({ bidirectional: true }), /TextModel option bidirectional: expected false \(a next-character model that reads the future/],
  ['dilations vs layers', () => new Forecaster({ dilations: [1, 2], numLayers: 3 }), /"dilations": expected one per layer \("numLayers": 3\), received 2/],
  // fit options
  ['unknown fit option', () => new Forecaster().fit(series, any({ epoch: 3 })), /fit options: unknown option "epoch"/],
  ['epochs', () => new Forecaster().fit(series, { epochs: 1.5 }), /fit option epochs: expected a whole number ≥ 1, received 1\.5/],
  ['steps and epochs', () => new Forecaster().fit(series, { steps: 2, epochs: 2 }), /fit options epochs and steps: expected one of them, received both/],
  ['batch size', () => new Forecaster().fit(series, { batchSize: 0 }), /fit option batchSize: expected a whole number ≥ 1, received 0/],
  ['lr', () => new Forecaster().fit(series, { lr: -1 }), /fit option lr: expected a number > 0, received -1/],
  ['validationSplit range', () => new Forecaster().fit(series, { validationSplit: 1.5 }), /fit option validationSplit: expected a fraction in \[0, 1\), received 1\.5/],
  ['split and data', () => new Forecaster().fit(series, { validationSplit: 0.2, validationData: series }), /validationSplit and validationData: expected one of them, received both/],
  ['split leaving no training rows', () => new Forecaster({ window: 8 }).fit(series, { validationSplit: 0.95 }), /expected at least 180 rows for window 8 and horizon 1 \(the training part, 5% of the rows with validationSplit 0\.95/],
  ['split leaving no training samples', () => new SequenceClassifier().fit(seqs, ['a', 'b', 'a'], { validationSplit: 0.9 }), /validationSplit: expected a share that leaves at least one of the 3 samples to train on, received 0\.9/],
  ['early stopping without validation', () => new SequenceClassifier().fit(seqs, ['a', 'b', 'a'], { earlyStopping: true }), /fit option earlyStopping: expected validation data to watch/],
  ['patience', () => new Forecaster().fit(series, { earlyStopping: { patience: 0 } }), /earlyStopping\.patience: expected a whole number ≥ 1, received 0/],
  ['callback', () => new Forecaster().fit(series, any({ callbacks: { onEpochEnd: 3 } })), /fit callback onEpochEnd: expected a function, received 3/],
  ['optimizer', () => new Forecaster({ window: 4 }).fit(series, any({ optimizer: 'adamax', steps: 1 })), /adamax/],
  // series data
  ['no data', () => new Forecaster().fit(any(undefined)), /Forecaster\.fit data: expected a series: number\[\], a typed array/],
  ['a string', () => new Forecaster().fit(any('1,2,3')), /Forecaster\.fit data: expected a series.*received "1,2,3"/],
  ['empty series', () => new Forecaster().fit([]), /Forecaster\.fit data: expected a series with some values, received an empty array/],
  ['ragged rows', () => new Forecaster().fit([[1, 2], [3]]), /Forecaster\.fit data\[1\]: expected a row of 2 values \(as row 0; rows × columns\), received \[3\]/],
  ['NaN', () => new Forecaster().fit([1, 2, NaN, ...series]), /column 0, row 2: expected a finite number, received NaN/],
  ['Infinity in a row', () => new Forecaster().fit([[1, 2], [3, Infinity]]), /Forecaster\.fit data\[1\]\[1\]: expected a finite number, received Infinity/],
  ['too short', () => new Forecaster({ window: 32 }).fit(series.slice(0, 20)), /expected at least 42 rows for window 32 and horizon 1.*received 20/],
  ['unknown target', () => new Forecaster({ targets: 'temp' }).fit({ load: series }), /Forecaster option targets\[0\]: expected one of the columns "load", received "temp"/],
  ['column index', () => new Forecaster({ inputs: [2] }).fit(series), /Forecaster option inputs\[0\]: expected a column index in \[0, 1\), received 2/],
  ['named column not an array', () => new Forecaster().fit(any({ a: 3 })), /Forecaster\.fit data\.a: expected an array of numbers, received 3/],
  // using a forecaster
  ['forecast before fit', () => new Forecaster().forecast(series), /Forecaster: expected a fitted or loaded model, received one that has not been fitted yet/],
  ['forecast steps', () => fitted.forecast(series, 0), /Forecaster\.forecast steps: expected a whole number ≥ 1, received 0/],
  ['forecast recent too short', () => fitted.forecast([1, 2]), /Forecaster\.forecast recent: expected at least 4 rows \(the model's window\), received 2/],
  ['forecast other columns', () => fitted.forecast({ x: series, y: series }), /expected the model's columns "value" \(by name, or exactly 1 in that order\), received "x", "y"/],
  ['evaluate NaN', () => fitted.evaluate([...series.slice(0, 10), NaN]), /Forecaster\.evaluate data, column "value", row 10: expected a finite number, received NaN/],
  ['fit again with another shape', () => fitted.fit(series.map((v) => [v, v])), /expected the model's columns "value" \(by name, or exactly 1 in that order\), received "0", "1"/],
  // sequences
  ['labels missing', () => new SequenceClassifier().fit(seqs), /SequenceClassifier\.fit labels: expected an array with one label per sample/],
  ['labels mixed', () => new SequenceClassifier().fit(seqs, any(['a', 1, 'b'])), /SequenceClassifier\.fit y\[1\]: expected a string \(labels are all numbers or all strings\), received 1/],
  ['labels NaN', () => new SequenceClassifier().fit(seqs, [1, NaN, 2]), /y\[1\]: expected a finite number, received NaN/],
  ['labels boolean', () => new SequenceClassifier().fit(seqs, any([true, false, true])), /y\[0\]: expected a number or a string, received true/],
  ['labels count', () => new SequenceClassifier().fit(seqs, ['a', 'b']), /labels: expected one per sample \(3\), received 2/],
  ['empty sequence', () => new SequenceClassifier().fit([[[1]], []], ['a', 'b']), /SequenceClassifier\.fit x\[1\]: expected a sequence of at least one step, received an empty array/],
  ['features differ', () => new SequenceClassifier().fit([[[1, 2]], [[1]]], ['a', 'b']), /x\[1\]: expected steps of 2 features \(as the samples before it\), received steps of 1/],
  ['predict other width', () => clf.predict([[[1, 2]]]), /SequenceClassifier\.predict x\[0\]: expected steps of 1 feature, received steps of 2/],
  ['predict not an array', () => clf.predict(any(5)), /SequenceClassifier\.predict x: expected an array of sequences/],
  ['evaluate unknown label', () => clf.evaluate(seqs, ['a', 'b', 'c']), /SequenceClassifier\.evaluate y\[2\]: expected one of the model's classes \(a, b\), received "c"/],
  ['evaluate label count', () => clf.evaluate(seqs, ['a']), /SequenceClassifier\.evaluate y: expected one label per sample \(3\), received 1 labels/],
  ['regression target ragged', () => new SequenceRegressor().fit(seqs, [1, [2, 3], 4]), /SequenceRegressor\.fit y\[1\]: expected 1 number \(as the targets before it\), received \[2, 3\]/],
  ['regression target string', () => new SequenceRegressor().fit(seqs, any([1, 'x', 2])), /y\[1\]: expected a number or an array of numbers, received "x"/],
  // text
  ['text data', () => new TextModel().fit(any(42)), /TextModel\.fit data: expected a string \(running text\) or an array of strings \(items\), received 42/],
  ['item with a line break', () => new TextModel().fit(['ab', 'c\nd']), /\[1\]: expected a string without a line break/],
  ['item not a string', () => new TextModel().fit(any(['ab', 7])), /\[1\]: expected a string, received 7/],
  ['text too short', () => new TextModel().fit('abc'), /expected at least 650 characters for seq 64/],
  ['split for running text', () => new TextModel().fit('abc'.repeat(300), { validationSplit: 0.2 }), /expected neither for running text/],
  ['generate topK', () => text.generate({ topK: 0 }), /TextModel\.generate topK: expected a whole number ≥ 1, received 0/],
  ['generate temperature', () => text.generate({ temperature: -1 }), /TextModel\.generate temperature: expected a number ≥ 0, received -1/],
  ['generate prefix', () => text.generate({ prefix: 'abz' }), /TextModel\.generate prefix, character 4: expected a character of the model's vocabulary \(3 characters\), received "z"/],
  ['generate length', () => text.generate({ length: 1.5 }), /TextModel\.generate length: expected a whole number ≥ 0, received 1\.5/],
  ['loss of other data', () => text.loss('ab'), /TextModel\.loss data: expected an array of strings/],
  ['fit running text after items', () => text.fit('ab'.repeat(400)), /TextModel\.fit data: expected an array of strings \(the model was fitted on items\), received "string"/],
  // bytes
  ['fromBytes not bytes', () => Forecaster.fromBytes(any('model')), /Forecaster\.fromBytes: expected the bytes of a model file \(a Uint8Array\), received string/],
  ['fromBytes garbage', () => TextModel.fromBytes(new Uint8Array([1, 2, 3])), /header|safetensors/i],
  ['fromBytes of another kind', () => TextModel.fromBytes(fitted.toBytes()), /TextModel\.fromBytes: expected a text model file, received a forecaster model/],
  ['toBytes before fit', () => new SequenceRegressor().toBytes(), /SequenceRegressor: expected a fitted or loaded model/],
];

test('bad input to the high-level objects: a RecurError naming the argument, for every case', async (t) => {
  for (const [name, f, pattern] of cases) {
    await t.test(name, () => {
      assert.throws(f, (e: unknown) => {
        assert.ok(e instanceof RecurError, `${name}: a RecurError, not ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
        assert.match(e.message, pattern, name);
        return true;
      });
    });
  }
});
