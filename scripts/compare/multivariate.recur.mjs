import { multivariate, report } from './data.mjs';
const { temp, load, split } = multivariate();
// user code begins
import { Forecaster } from 'recur';
const model = new Forecaster({ window: 12, inputs: ['temp', 'load'], targets: ['load'], cell: 'gru', hiddenSize: 32 });
model.fit({ temp: temp.slice(0, split), load: load.slice(0, split) }, { epochs: 15 });
const predictions = Array.from({ length: load.length - split }, (_, i) => model.forecast({ temp: temp.slice(0, split + i), load: load.slice(0, split + i) }, 1)[0]);
// user code ends
report({ predictions });
