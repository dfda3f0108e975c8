import { report, sine } from './data.mjs';
const { series, history } = sine();
// user code begins
import { Forecaster } from 'recur';
const model = new Forecaster({ window: 24, hiddenSize: 32 });
model.fit(history, { epochs: 20 });
const predictions = Array.from({ length: 100 }, (_, i) => model.forecast(series.slice(0, 500 + i), 1)[0]);
// user code ends
report({ predictions });
