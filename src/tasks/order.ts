// The temporal order task: Hochreiter & Schmidhuber (1997, "Long Short-Term Memory", experiment
// 6a, "two relevant, widely separated symbols"). A sequence opens with E, closes with the trigger
// B, and is otherwise made of distractors from {a, b, c, d}, except at two steps t₁ < t₂ that hold
// X or Y. At the last step the model names the order: XX, XY, YX or YY (the paper's Q, R, S, U).
//
// Conventions:
// - The paper draws the length from 100–110, t₁ from 10–20 and t₂ from 50–60. recur keeps the
//   length fixed at T (all sequences equal, lengths = null) and scales the ranges with it:
//   t₁ ∈ [⌊T/10⌋, ⌊T/5⌋], t₂ ∈ [⌊T/2⌋, ⌊3T/5⌋], 0-based, with E at step 0 and B at step T − 1, so
//   T = 100 gives the paper's 10–20 and 50–60. For short sequences the ranges are clamped so that
//   0 < t₁ < t₂ < T − 1; T ≥ 4 is needed.
// - Input: one-hot over 8 symbols in the order a b c d X Y E B (ids 0 … 7).
// - Output: 4 classes, class = 2·[first is Y] + [second is Y]: 0 XX, 1 XY, 2 YX, 3 YY;
//   cross-entropy on the last step. The paper used 4 sigmoid units and a 0.3 error threshold;
//   recur uses softmax and the arg max.
// - Baseline: the class is uniform and the memoryless guess is uniform, so ln 4.
// - Solved: ≥ 99% of validation sequences classified right (CLI.md).
// - RNG order per sequence: t₁, t₂, the two symbols (X/Y), then the distractors from step 1 on.

import { fail } from '../errors.js';
import type { Float } from '../kernels/types.js';
import type { InputConfig } from '../model/config.js';
import type { Rng } from '../tensor/rng.js';
import { argmax } from './copy.js';
import { drawValidation, type ValidationSpec } from './validation.js';
import type { Accuracy, Batch, LossKind, Task } from './task.js';

/** Symbol ids of the one-hot input. */
export const ORDER_SYMBOLS = ['a', 'b', 'c', 'd', 'X', 'Y', 'E', 'B'] as const;
export const ORDER_X = 4, ORDER_Y = 5, ORDER_START = 6, ORDER_TRIGGER = 7;
export const ORDER_CLASSES = ['XX', 'XY', 'YX', 'YY'] as const;
export const ORDER_SOLVED_ACCURACY = 0.99;

export interface OrderOptions {
  length: number;
  validation: ValidationSpec;
}

/** The inclusive ranges of t₁ and t₂ for sequences of length T (≥ 4). */
export function orderPositions(length: number): { first: [number, number]; second: [number, number] } {
  const t = length;
  const lo1 = Math.max(1, Math.floor(t / 10));
  const hi1 = Math.max(lo1, Math.floor(t / 5));
  const lo2 = Math.max(hi1 + 1, Math.floor(t / 2));
  const hi2 = Math.min(t - 2, Math.max(lo2, Math.floor((3 * t) / 5)));
  return { first: [lo1, hi1], second: [lo2, hi2] };
}

export class OrderTask implements Task {
  readonly name = 'order';
  readonly input: InputConfig = { kind: 'features', size: ORDER_SYMBOLS.length };
  readonly outputSize = ORDER_CLASSES.length;
  readonly outputMode = 'last' as const;
  readonly loss: LossKind = 'cross_entropy';
  readonly baselineLoss = Math.log(ORDER_CLASSES.length);
  readonly length: number;
  private readonly ranges: { first: [number, number]; second: [number, number] };
  private readonly spec: ValidationSpec;
  private valBatches: Batch[] | null = null;

  constructor(opts: OrderOptions) {
    const t = opts.length;
    if (!Number.isInteger(t) || t < 4) fail('order task length', 'a whole number ≥ 4 (start, two relevant symbols, trigger)', t);
    this.length = t;
    this.ranges = orderPositions(t);
    this.spec = opts.validation;
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const t = this.length, b = batchSize, f = ORDER_SYMBOLS.length;
    const [lo1, hi1] = this.ranges.first;
    const [lo2, hi2] = this.ranges.second;
    const x = new Float64Array(t * b * f); // (T, B, 8) one-hot
    const target = new Float64Array(b); // (B) class ids
    for (let j = 0; j < b; j++) {
      const t1 = lo1 + rng.int(hi1 - lo1 + 1);
      const t2 = lo2 + rng.int(hi2 - lo2 + 1);
      const s1 = rng.int(2), s2 = rng.int(2); // 0 = X, 1 = Y
      target[j] = 2 * s1 + s2;
      for (let s = 0; s < t; s++) {
        let id: number;
        if (s === 0) id = ORDER_START;
        else if (s === t - 1) id = ORDER_TRIGGER;
        else if (s === t1) id = ORDER_X + s1;
        else if (s === t2) id = ORDER_X + s2;
        else id = rng.int(4);
        x[(s * b + j) * f + id] = 1;
      }
    }
    return { x, t, b, target, rows: b, lengths: null };
  }

  validation(): readonly Batch[] {
    this.valBatches ??= drawValidation(this.spec, (rng, b) => this.trainBatch(rng, b));
    return this.valBatches;
  }

  /** Sequences classified right: arg max of the 4 outputs against the class. */
  accuracy(pred: Float, batch: Batch): Accuracy {
    const k = this.outputSize;
    let correct = 0;
    for (let j = 0; j < batch.b; j++) if (argmax(pred, j * k, k) === batch.target[j]) correct++;
    return { correct, total: batch.b };
  }

  solved(_valLoss: number, accuracy: number | null): boolean {
    return accuracy !== null && accuracy >= ORDER_SOLVED_ACCURACY;
  }

  describe(): Record<string, string | number | boolean> {
    const { first, second } = this.ranges;
    return {
      task: 'order', length: this.length, firstPositions: `${first[0]}-${first[1]}`, secondPositions: `${second[0]}-${second[1]}`,
      validationSize: this.spec.size, validationSeed: this.spec.seed,
    };
  }
}
