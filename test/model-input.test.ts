// What a model says about input it cannot take: the wrong number of values, NaN or ±Infinity
// (named by time step and sequence), values beyond float32's range in a float32 model, lengths
// and initial states of the wrong shape. Each is a RecurError naming what was expected.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecurError } from '../src/errors.js';
import { JsKernels } from '../src/kernels/js.js';
import { Sequential } from '../src/model/sequential.js';

const T = 4, B = 3, I = 2, H = 5;

function model(dtype: 'float32' | 'float64' = 'float32'): Sequential {
  return new Sequential({ input: { kind: 'features', size: I }, cell: 'lstm', hiddenSize: H, outputMode: 'last', outputSize: 1, dtype },
    { kernels: new JsKernels(dtype), seed: 1 });
}

function refuses(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof RecurError && pattern.test(e.message) && !e.message.includes('\n'), String(pattern));
}

test('bad model input: shape, NaN and Infinity by step and sequence, float32 range, lengths, states', () => {
  const m = model();
  const x = new Float64Array(T * B * I).fill(0.5);
  assert.equal(m.forward(x, T, B).data.length, B);
  refuses(() => m.forward(x.subarray(1), T, B), /input: expected 24 values \(T 4 × B 3 × 2 features\), received "23"/);
  for (const [value, shown] of [[NaN, 'NaN'], [Infinity, 'Infinity'], [-1e39, '-1e\\+39']] as const) {
    const bad = x.slice();
    bad[(2 * B + 1) * I + 1] = value; // step 2, sequence 1
    refuses(() => m.forward(bad, T, B), new RegExp(`input at step 2, sequence 1: expected a finite number.*received ${shown}`));
    refuses(() => m.forward(Array.from(bad), T, B), /input at step 2, sequence 1/); // plain arrays too
  }
  // float64 models take what float32 ones cannot
  assert.equal(model('float64').forward(x.map((v, i) => (i === 0 ? 1e39 : v)), T, B).data.length, B);
  refuses(() => m.forward(x, T, B, { lengths: Int32Array.from([4, 4]) }), /lengths: expected one length per sequence \(3\)/);
  refuses(() => m.forward(x, T, B, { lengths: Int32Array.from([4, 5, 1]) }), /length of sequence 1: expected a whole number in \[0, 4\]/);
  refuses(() => m.forward(x, T, B, { state: { h: new Float64Array(B * H), c: null } }), /initial cell state of an LSTM: expected 15 values/);
  refuses(() => m.forward(x, T, B, { state: { h: new Float64Array(B * H).fill(NaN), c: new Float64Array(B * H) } }), /initial hidden state: expected finite numbers, received NaN/);
});
