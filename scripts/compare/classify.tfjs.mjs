import { report, waves } from './data.mjs';
const { train, test, labels } = waves();
// user code begins
import * as tf from '@tensorflow/tfjs';
const T = 40;
const pad = (xs) => tf.tensor3d(xs.map((s) => [...s, ...Array.from({ length: T - s.length }, () => [0])]));
const model = tf.sequential();
model.add(tf.layers.masking({ maskValue: 0, inputShape: [T, 1] }));
model.add(tf.layers.gru({ units: 24 }));
model.add(tf.layers.dense({ units: labels.length, activation: 'softmax' }));
model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
const ys = tf.oneHot(tf.tensor1d(train.y.map((l) => labels.indexOf(l)), 'int32'), labels.length);
await model.fit(pad(train.x), ys, { epochs: 10, batchSize: 32, verbose: 0 });
const predictions = Array.from(model.predict(pad(test.x)).argMax(1).dataSync(), (k) => labels[k]);
// user code ends
report({ predictions });
