import { names, report } from './data.mjs';
const { train, test } = names();
// user code begins
import * as tf from '@tensorflow/tfjs';
const chars = [...new Set(train.join(''))].sort();
const ids = (w) => [1, ...[...w].map((c) => chars.indexOf(c) + 2)]; // 0 pads, 1 starts and ends a name
const T = Math.max(...[...train, ...test].map((w) => w.length)) + 1;
const xOf = (ws) => tf.tensor2d(ws.map((w) => [...ids(w), ...Array(T - w.length - 1).fill(0)]));
const yOf = (ws) => tf.tensor3d(ws.map((w) => [...ids(w).slice(1), 1, ...Array(T - w.length - 1).fill(0)].map((k) => [k])));
const model = tf.sequential();
model.add(tf.layers.embedding({ inputDim: chars.length + 2, outputDim: 24, maskZero: true, inputLength: T }));
model.add(tf.layers.gru({ units: 64, returnSequences: true }));
model.add(tf.layers.timeDistributed({ layer: tf.layers.dense({ units: chars.length + 2, activation: 'softmax' }) }));
model.compile({ optimizer: tf.train.adam(0.003), loss: 'sparseCategoricalCrossentropy' });
await model.fit(xOf(train), yOf(train), { epochs: 4, batchSize: 32, verbose: 0 });
const p = model.predict(xOf(test)).arraySync();
let sum = 0, n = 0;
// the loss also trained the padding (id 0) as a target: leave its probability out
test.forEach((w, i) => [...ids(w).slice(1), 1].forEach((k, t) => { sum -= Math.log(p[i][t][k] / (1 - p[i][t][0])); n++; }));
const nll = sum / n;
// user code ends
report({ nll });
