// Generation with a trained model, one step at a time with the state carried between steps:
// sampling characters from a token model, and rolling a forecast forward from a window.

import { RecurError, fail } from '../errors.js';
import type { Rng } from '../tensor/rng.js';
import type { Sequential } from './sequential.js';

/**
 * Draws an index from softmax(logits / temperature); temperature 0 takes the arg max. With `topK`,
 * only the k largest logits can be drawn (ties with the k-th included).
 */
export function sampleLogits(logits: ArrayLike<number>, off: number, n: number, temperature: number, rng: Rng, topK?: number): number {
  if (!(temperature >= 0)) fail('temperature', 'a number ≥ 0', temperature);
  if (topK !== undefined && !(Number.isInteger(topK) && topK >= 1)) fail('top-k', 'a whole number ≥ 1', topK);
  let best = 0;
  for (let j = 1; j < n; j++) if (logits[off + j] > logits[off + best]) best = j;
  if (temperature === 0) return best;
  const max = logits[off + best];
  let floor = -Infinity;
  if (topK !== undefined && topK < n) floor = Array.from({ length: n }, (_, j) => logits[off + j]).sort((a, b) => b - a)[topK - 1];
  let z = 0;
  const p = new Float64Array(n);
  for (let j = 0; j < n; j++) { p[j] = logits[off + j] >= floor ? Math.exp((logits[off + j] - max) / temperature) : 0; z += p[j]; }
  let u = rng.uniform() * z;
  for (let j = 0; j < n; j++) { u -= p[j]; if (u <= 0) return j; }
  return n - 1;
}

/**
 * Continues `prefix` (token ids, at least one) by `length` tokens. Stops early at `stopId` when
 * given; `topK` limits each draw to the k most likely tokens. The model must read tokens and
 * output one logit per token on every step.
 */
export function sampleTokens(model: Sequential, prefix: readonly number[], length: number, temperature: number, rng: Rng, stopId?: number, topK?: number): number[] {
  if (model.config.input.kind !== 'tokens' || model.config.outputMode !== 'every') {
    throw new RecurError('sampling needs a model trained on text (token input, an output on every step)');
  }
  if (model.config.bidirectional) throw new RecurError('sampling needs a unidirectional model (a bidirectional one reads the future)');
  if (prefix.length === 0) fail('prefix', 'at least one token', 'none');
  const v = model.config.outputSize;
  let y = model.forward(prefix, prefix.length, 1);
  let state = model.finalState();
  const out: number[] = [];
  for (let i = 0; i < length; i++) {
    const id = sampleLogits(y.data, (y.t - 1) * v, v, temperature, rng, topK);
    if (id === stopId) break;
    out.push(id);
    y = model.forward([id], 1, 1, { state });
    state = model.finalState();
  }
  return out;
}

/**
 * Rolls a one-step-ahead forecaster forward `steps` times: each prediction is appended to the
 * window and the oldest value dropped. Values are in the model's (normalised) units.
 */
export function rollForecast(model: Sequential, window: readonly number[], steps: number): number[] {
  if (model.config.input.kind !== 'features' || model.config.input.size !== 1 || model.config.outputMode !== 'last' || model.config.outputSize !== 1) {
    throw new RecurError('forecasting needs a model trained on a CSV column (one feature in, one value out, last step)');
  }
  const w = window.slice();
  const out: number[] = [];
  for (let i = 0; i < steps; i++) {
    const y = model.forward(w, w.length, 1);
    const next = y.data[0];
    out.push(next);
    w.shift();
    w.push(next);
  }
  return out;
}
