import { report, sine } from './data.mjs';
const { series, history } = sine();
// user code begins
import brain from 'brain.js';
const mean = history.reduce((a, b) => a + b) / history.length;
const std = Math.sqrt(history.reduce((a, b) => a + (b - mean) ** 2, 0) / history.length);
const z = series.map((v) => (v - mean) / std);
const net = new brain.recurrent.LSTMTimeStep({ inputSize: 1, hiddenLayers: [32], outputSize: 1 });
net.train([z.slice(0, 500)], { iterations: 200, errorThresh: 1e-4 });
const predictions = Array.from({ length: 100 }, (_, i) => net.run(z.slice(476 + i, 500 + i)) * std + mean);
// user code ends
report({ predictions });
