import { report, waves } from './data.mjs';
const { train, test } = waves();
// user code begins
import brain from 'brain.js';
// brain.js reads recurrent inputs as tokens: values rounded to one of a few levels
const tokens = (s) => s.map(([v]) => Math.round(v * 2));
const net = new brain.recurrent.LSTM({ hiddenLayers: [24] });
net.train(train.x.map((s, i) => ({ input: tokens(s), output: train.y[i] })), { iterations: 20, timeout: 120000 });
const predictions = test.x.map((s) => net.run(tokens(s)));
// user code ends
report({ predictions });
