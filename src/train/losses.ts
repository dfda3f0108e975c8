// Losses over rows of model outputs. Each returns the mean loss over the rows that count and
// writes ∂loss/∂pred into `grad` (same shape as pred). Rows are (T·B) for a loss on every step or
// (B) for a loss on the last step; padded steps are left out through `rowWeight` (0 = ignore) or,
// for cross-entropy, a target of −1 (PyTorch's ignore_index).

import { fail } from '../errors.js';
import type { Float } from '../kernels/types.js';
import { LOSS_KINDS, type LossKind } from '../tasks/task.js';

export { LOSS_KINDS, type LossKind } from '../tasks/task.js';

export interface LossInput {
  /** (rows, cols) predictions (logits for cross_entropy and bce_logits). */
  pred: Float;
  rows: number;
  cols: number;
  /** mse, bce_logits: (rows, cols) targets; cross_entropy: (rows) class ids, −1 to ignore. */
  target: ArrayLike<number>;
  /** Optional (rows): 1 where the row counts, 0 where it is padding. */
  rowWeight?: ArrayLike<number> | null;
}

export function computeLoss(kind: LossKind, a: LossInput, grad: Float): number {
  const { pred, rows, cols, target } = a;
  if (pred.length < rows * cols) fail('loss predictions', `${rows * cols} values`, pred.length);
  switch (kind) {
    case 'mse': return mse(a, grad);
    case 'bce_logits': return bceWithLogits(a, grad);
    case 'cross_entropy': {
      if (target.length !== rows) fail('cross-entropy targets', `${rows} class ids`, `${target.length}`);
      return softmaxCrossEntropy(pred, rows, cols, target, a.rowWeight ?? null, grad);
    }
    default: return fail('loss', LOSS_KINDS.join(' | '), kind);
  }
}


/**
 * Mean of an elementwise loss over the elements of counted rows; writes its gradient (zero on
 * padded rows). `value(z, y)` is the loss of one prediction z against its target y, `slope` its
 * derivative in z.
 */
function elementwiseMean(a: LossInput, what: string, grad: Float,
  value: (z: number, y: number) => number, slope: (z: number, y: number) => number): number {
  const { pred, rows, cols, target, rowWeight } = a;
  if (target.length !== rows * cols) fail(`${what} targets`, `${rows * cols} values (${rows} rows × ${cols})`, `${target.length}`);
  const n = countedRows('mse', rows, target, rowWeight ?? null) * cols;
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const on = n > 0 && (!rowWeight || rowWeight[r] !== 0);
    for (let j = 0; j < cols; j++) {
      const i = r * cols + j;
      if (on) sum += value(pred[i], target[i]);
      grad[i] = on ? slope(pred[i], target[i]) / n : 0;
    }
  }
  return n > 0 ? sum / n : 0;
}

/** mean over counted elements of (pred − target)² */
function mse(a: LossInput, grad: Float): number {
  return elementwiseMean(a, 'MSE', grad, (z, y) => (z - y) * (z - y), (z, y) => 2 * (z - y));
}

/** mean over counted elements of log(1 + e^z) − y·z, computed without overflow */
function bceWithLogits(a: LossInput, grad: Float): number {
  return elementwiseMean(a, 'BCE', grad,
    (z, y) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))),
    (z, y) => 1 / (1 + Math.exp(-z)) - y);
}

/** mean over counted rows with a target ≠ −1 of −log softmax(z)[target] */
function softmaxCrossEntropy(pred: Float, rows: number, cols: number, target: ArrayLike<number>,
  rowWeight: ArrayLike<number> | null, grad: Float): number {
  const skip = (r: number): boolean => target[r] === -1 || (rowWeight !== null && rowWeight[r] === 0);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    if (skip(r)) continue;
    const y = target[r];
    if (!Number.isInteger(y) || y < 0 || y >= cols) fail(`class id of row ${r}`, `a whole number in [0, ${cols}) or −1 to ignore`, y);
    n++;
  }
  let sum = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const y = target[r];
    if (skip(r) || n === 0) {
      for (let j = 0; j < cols; j++) grad[o + j] = 0;
      continue;
    }
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, pred[o + j]);
    let z = 0;
    for (let j = 0; j < cols; j++) z += Math.exp(pred[o + j] - max);
    const logZ = max + Math.log(z);
    sum += logZ - pred[o + y];
    for (let j = 0; j < cols; j++) grad[o + j] = (Math.exp(pred[o + j] - logZ) - (j === y ? 1 : 0)) / n;
  }
  return n > 0 ? sum / n : 0;
}

/**
 * Row weights over the (tc·B) rows of steps t0 … t0+tc−1 of a batch: 1 where step t0+s of sequence
 * r is real (t0+s < lengths[r]), 0 where it is padding; null when every sequence is full length.
 */
export function paddingMask(lengths: ArrayLike<number> | null, t0: number, tc: number, b: number): Float64Array | null {
  if (!lengths) return null;
  const m = new Float64Array(tc * b);
  for (let s = 0; s < tc; s++) for (let r = 0; r < b; r++) m[s * b + r] = t0 + s < lengths[r] ? 1 : 0;
  return m;
}

/** Rows a loss averages over: rows with weight ≠ 0, and for cross-entropy a target ≠ −1. */
export function countedRows(kind: LossKind, rows: number, target: ArrayLike<number>, rowWeight: ArrayLike<number> | null): number {
  let n = 0;
  for (let r = 0; r < rows; r++) {
    if (rowWeight && rowWeight[r] === 0) continue;
    if (kind === 'cross_entropy' && target[r] === -1) continue;
    n++;
  }
  return n;
}
