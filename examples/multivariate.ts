// Forecasting one column from several: hourly electricity load from its own past and the
// temperature's. Named columns in, the load forecast out in its own units (MW).
//
//   npm run build && node dist/examples/multivariate.js

import assert from 'node:assert/strict';
import { Forecaster, Rng } from 'recur';

// The data: 60 days of hourly temperature (a daily cycle, weather drifting slowly) and a load
// that follows the hour of the day and, 3 hours later, the temperature.
const rng = new Rng(11);
const hours = 24 * 60;
const temp: number[] = [], load: number[] = [];
let weather = 0;
for (let h = 0; h < hours; h++) {
  weather = 0.97 * weather + 0.5 * rng.normal();
  temp.push(15 + 6 * Math.sin((2 * Math.PI * (h - 9)) / 24) + weather);
  const lagged = temp[Math.max(0, h - 3)];
  load.push(500 + 40 * Math.sin((2 * Math.PI * (h - 14)) / 24) + 15 * (lagged - 15) + 5 * rng.normal());
}
const split = hours - 24 * 7;

// user code begins
const model = new Forecaster({ window: 12, inputs: ['temp', 'load'], targets: ['load'], cell: 'gru', hiddenSize: 32, seed: 1 });
model.fit({ temp: temp.slice(0, split), load: load.slice(0, split) }, { epochs: 15 });
const score = model.evaluate({ temp: temp.slice(split - 12), load: load.slice(split - 12) });
// user code ends

console.log(`last week, one hour ahead: RMSE ${score.rmse.toFixed(1)} MW (persistence ${Math.sqrt(score.persistenceMse).toFixed(1)} MW, noise 5 MW)`);
console.log(model.summary());
assert.ok(score.mse < 0.25 * score.persistenceMse, 'well under the persistence error');
