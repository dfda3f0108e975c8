// Forecasting a noisy sine from a plain number[]. Windows and normalisation happen inside the
// Forecaster (and are saved with it); forecasts come back in the series' own units.
//
//   npm run build && node dist/examples/forecast-sine.js

import assert from 'node:assert/strict';
import { Forecaster, Rng } from 'recur';

// The data: 600 steps of a sine (period about 31 steps) with Gaussian noise of σ 0.3.
const rng = new Rng(7);
const series = Array.from({ length: 600 }, (_, t) => 10 + 3 * Math.sin(t / 5) + 0.3 * rng.normal());
const history = series.slice(0, 500);

// user code begins
const model = new Forecaster({ window: 24, hiddenSize: 32, seed: 1 });
model.fit(history, { epochs: 20 });
const next = model.forecast(history, 10);
const score = model.evaluate(series.slice(500 - 24)); // one-step forecasts of the last 100 values
// user code ends

console.log(`next 10 values: ${next.map((v) => v.toFixed(2)).join(' ')}`);
console.log(`held-out one-step MSE ${score.mse.toFixed(4)} (persistence ${score.persistenceMse.toFixed(4)}, the noise alone 0.09)`);
assert.ok(score.mse < 0.5 * score.persistenceMse, 'the forecast beats persistence by half');
assert.ok(next.every((v, i) => Math.abs(v - (10 + 3 * Math.sin((500 + i) / 5))) < 1), 'the 10-step forecast follows the sine');
