// Saturated gates and dead units, read from the gate buffers of a recurrent layer's last forward
// pass (RecurrentLayer.gateValues): no extra pass, only a sweep over values the pass already made.
//
// Saturation: a sigmoid gate within `margin` of 0 or 1, a tanh value within `margin` of ±1. There
// the derivative is under ~margin (σ′ = σ(1−σ) < margin, tanh′ = 1 − tanh² < 2·margin), so little
// gradient passes through that gate: a network whose gates are mostly saturated learns slowly.
//   LSTM  gates (T, B, 4H) hold the activated i f g o: i, f, o sigmoid, g tanh.
//   GRU   gates (T, B, 3H) hold the activated r z n: r, z sigmoid, n tanh.
//   RNN   gates (T, B, H) hold the pre-activations a: tanh saturates where |a| > atanh(1 − margin),
//         sigmoid where |a| > logit(1 − margin). ReLU and leaky ReLU do not saturate.
// Dead units (ReLU RNN): a unit whose pre-activation is ≤ 0 at every step of every sequence of the
// batch outputs 0 throughout and gets no gradient through its activation: it cannot recover
// unless other weights move its input.
//
// Padded steps of variable-length batches are counted like real ones (their gates are computed
// and then ignored): a small bias for batches with much padding.

import { cellActivation, cellSpec } from '../cells/table.js';
import type { Sequential } from '../model/sequential.js';

export interface GateHealth {
  /** Fraction of gate values (all layers, directions, steps, rows) that are saturated; null for ReLU cells. */
  saturated: number | null;
  /** Fraction of hidden units (all layers and directions) dead on the whole batch; null unless a ReLU RNN. */
  dead: number | null;
}

/**
 * Saturated fraction of a gate buffer of `rows` rows of `gates` blocks of `h` values.
 * `kinds[g]` says how block g is activated: 'sigmoid' or 'tanh' for activated values, 'pre-tanh' or
 * 'pre-sigmoid' for pre-activations.
 */
export function saturatedFraction(values: ArrayLike<number>, rows: number, h: number, kinds: readonly GateKind[], margin: number): number {
  const g = kinds.length;
  let count = 0;
  for (let blk = 0; blk < g; blk++) {
    const kind = kinds[blk];
    // saturated: outside [lo, hi] (|a| beyond `edge` for pre-activations, symmetric around 0 for
    // both tanh and σ); NaN is inside. One comparison pair for every kind: the sweep runs cold
    // (a run's first step records vital signs) and stays cheap.
    const edge = kind === 'pre-tanh' ? Math.atanh(1 - margin) : kind === 'pre-sigmoid' ? Math.log((1 - margin) / margin) : 1 - margin;
    const lo = kind === 'sigmoid' ? margin : -edge, hi = kind === 'sigmoid' ? 1 - margin : edge;
    for (let r = 0; r < rows; r++) {
      const base = r * g * h + blk * h;
      for (let j = base; j < base + h; j++) {
        const v = values[j];
        if (v < lo || v > hi) count++;
      }
    }
  }
  return rows * g * h > 0 ? count / (rows * g * h) : 0;
}

export type GateKind = 'sigmoid' | 'tanh' | 'pre-tanh' | 'pre-sigmoid';

/** Number of units j in [0, h) whose pre-activation is ≤ 0 in every one of `rows` rows of (rows, h). */
export function deadUnits(pre: ArrayLike<number>, rows: number, h: number): number {
  let dead = 0;
  for (let j = 0; j < h; j++) {
    let alive = false;
    for (let r = 0; r < rows && !alive; r++) if (pre[r * h + j] > 0) alive = true;
    if (!alive && rows > 0) dead++;
  }
  return dead;
}

/**
 * How each gate block of the model's cell is stored (its description's GateSpec), or null when a
 * block cannot saturate (ReLU, leaky ReLU).
 */
export function gateKinds(model: Sequential): GateKind[] | null {
  const c = model.config, act = cellActivation(c.cell, c.activation);
  const kinds: (GateKind | null)[] = cellSpec(c.cell).gates.map((g) => {
    const f = g.act === 'configured' ? act : g.act;
    if (g.stored === 'activated') return f === 'sigmoid' || f === 'tanh' ? f : null;
    return f === 'tanh' ? 'pre-tanh' : f === 'sigmoid' ? 'pre-sigmoid' : null;
  });
  return kinds.every((k): k is GateKind => k !== null) ? kinds : null;
}

/** Whether the cell's units go through a ReLU whose pre-activation the gate buffer keeps (dead units can be read). */
function reluUnits(model: Sequential): boolean {
  const c = model.config, act = cellActivation(c.cell, c.activation);
  return cellSpec(c.cell).gates.some((g) => g.stored === 'pre' && (g.act === 'configured' ? act : g.act) === 'relu');
}

/**
 * Saturation and dead units of the model's last forward pass (the batch it saw last), over every
 * layer and direction. `rows` = T·B of that pass.
 */
export function gateHealth(model: Sequential, margin = 0.05): GateHealth {
  const kinds = gateKinds(model);
  const relu = reluUnits(model);
  const h = model.config.hiddenSize;
  let sat = 0, satN = 0, dead = 0, units = 0;
  for (const layer of model.rnn.layers) {
    for (let d = 0; d < layer.directions; d++) {
      const g = layer.gateValues(d);
      const rows = Math.floor(g.length / (layer.cell.gates * h));
      if (rows === 0) continue;
      if (kinds) {
        const n = rows * kinds.length * h;
        sat += saturatedFraction(g, rows, h, kinds, margin) * n;
        satN += n;
      }
      if (relu) { dead += deadUnits(g, rows, h); units += h; }
    }
  }
  return { saturated: kinds && satN > 0 ? sat / satN : null, dead: relu && units > 0 ? dead / units : null };
}
