// How long the long-memory cells remember, read from the model as it stands:
//   IndRNN         each unit's recurrent weight u_j against its bound (model config recurrentMax):
//                  the state of unit j decays by about |u_j| a step while it is active, so
//                  1/(1 − |u_j|) steps is its memory; units at the bound keep the most.
//   minGRU/minLSTM the decays a_t of the linear recurrence h_t = a_t ⊙ h_{t−1} + v_t over the last
//                  forward pass's batch (recomputed from the gate buffers by the cell's own gate
//                  kernel): their distribution, and the effective memory 1/(1 − mean a) steps
//                  (after n steps a state keeps about (mean a)^n of itself).
// Per layer (both directions together). vitals.ts records it, vitals-summary.ts puts it in words.

import { LinearScanCell } from '../cells/linear-scan.js';
import { JsKernels } from '../kernels/js.js';
import type { Sequential } from '../model/sequential.js';

export interface LayerMemory {
  layer: number;
  /** IndRNN: largest |u|, and the share of units within 1% of the bound (null when unbounded). */
  maxAbsU?: number;
  atBound?: number | null;
  /** minGRU / minLSTM: a_t's mean and 10th, 50th and 90th percentiles. */
  a?: { mean: number; p10: number; p50: number; p90: number };
  /** Steps a state keeps about 1/e of itself: IndRNN 1/(1 − median |u|), min cells 1/(1 − mean a). */
  memorySteps: number;
}

/** Values of a_t read per layer and direction at most (a stride over the rows keeps it cheap). */
const MAX_SAMPLES = 1 << 14;
const js = new JsKernels('float64');

const memoryOf = (decay: number): number => (decay >= 1 ? Infinity : 1 / (1 - decay));

function quantile(sorted: Float64Array, q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
}

/** The memory of every layer of an IndRNN or min-cell model (after a forward pass for the min cells); null for other cells. */
export function cellMemory(model: Sequential): LayerMemory[] | null {
  const spec = model.rnn.cell.spec;
  if (spec.recurrent === 'vector') return model.rnn.layers.map((layer, l) => indRnnMemory(layer.gateParams.filter((p) => p.role === 'recurrent').map((p) => p.param.value), l, model.config.recurrentMax));
  if (!(model.rnn.cell instanceof LinearScanCell)) return null;
  const cell = model.rnn.cell, h = model.config.hiddenSize, g = cell.gates * h;
  return model.rnn.layers.map((layer, l) => {
    const values: number[] = [];
    for (let d = 0; d < layer.directions; d++) {
      const p = layer.gateValues(d), rows = p.length / g;
      const stride = Math.max(1, Math.ceil((rows * h) / MAX_SAMPLES));
      const one = new Float64Array(g), a = new Float64Array(h), v = new Float64Array(h), cache = new Float64Array(g);
      for (let r = 0; r < rows; r += stride) {
        for (let j = 0; j < g; j++) one[j] = p[r * g + j];
        cell.gatesInto(js, 1, h, one, 0, a, 0, v, 0, cache, 0);
        for (let j = 0; j < h; j++) values.push(a[j]);
      }
    }
    const sorted = Float64Array.from(values).sort();
    const mean = values.reduce((s, x) => s + x, 0) / Math.max(1, values.length);
    return { layer: l, a: { mean, p10: quantile(sorted, 0.1), p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) }, memorySteps: memoryOf(mean) };
  });
}

function indRnnMemory(us: ArrayLike<number>[], layer: number, bound: number | undefined): LayerMemory {
  const abs = Float64Array.from(us.flatMap((u) => Array.from(u, Math.abs))).sort();
  const near = bound === undefined ? null : abs.filter((x) => x >= 0.99 * bound).length / Math.max(1, abs.length);
  return { layer, maxAbsU: abs[abs.length - 1] ?? NaN, atBound: near, memorySteps: memoryOf(quantile(abs, 0.5)) };
}
