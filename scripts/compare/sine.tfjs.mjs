import { report, sine } from './data.mjs';
const { series, history } = sine();
// user code begins
import * as tf from '@tensorflow/tfjs';
const mean = history.reduce((a, b) => a + b) / history.length;
const std = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length);
const z = series.map((v) => (v - mean) / std);
const windows = (from, to) => Array.from({ length: to - from }, (_, k) => z.slice(from + k - 24, from + k).map((v) => [v]));
const model = tf.sequential();
model.add(tf.layers.lstm({ units: 32, inputShape: [24, 1] }));
model.add(tf.layers.dense({ units: 1 }));
model.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
await model.fit(tf.tensor3d(windows(24, 500)), tf.tensor2d(z.slice(24, 500).map((v) => [v])), { epochs: 20, batchSize: 32, verbose: 0 });
const predictions = Array.from(model.predict(tf.tensor3d(windows(500, 600))).dataSync(), (v) => v * std + mean);
// user code ends
report({ predictions });
