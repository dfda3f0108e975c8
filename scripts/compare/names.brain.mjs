import { names, report } from './data.mjs';
const { train } = names();
// user code begins
import brain from 'brain.js';
const net = new brain.recurrent.LSTM({ hiddenLayers: [64] });
net.train(train, { iterations: 4, timeout: 240000 });
const samples = Array.from({ length: 5 }, () => net.run('', true, 0.8)); // drawn, temperature 0.8
// user code ends
report({ nll: null, samples, note: 'brain.js gives no probabilities: no loss on held-out names' });
