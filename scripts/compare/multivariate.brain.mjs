import { multivariate, report } from './data.mjs';
const { temp, load, split } = multivariate();
// user code begins
import brain from 'brain.js';
const stats = (a) => { const m = a.slice(0, split).reduce((s, v) => s + v) / split; return [m, Math.sqrt(a.slice(0, split).reduce((s, v) => s + (v - m) ** 2, 0) / split)]; };
const [[mt, st], [ml, sl]] = [stats(temp), stats(load)];
const rows = temp.map((t, h) => [(t - mt) / st, (load[h] - ml) / sl]);
const net = new brain.recurrent.LSTMTimeStep({ inputSize: 2, hiddenLayers: [32], outputSize: 2 });
net.train([rows.slice(0, split)], { iterations: 100, errorThresh: 1e-4, timeout: 240000 });
const predictions = Array.from({ length: load.length - split }, (_, i) => net.run(rows.slice(split + i - 12, split + i))[1] * sl + ml);
// user code ends
report({ predictions });
