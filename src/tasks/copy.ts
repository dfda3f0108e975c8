// The copy memory task of Arjovsky, Shah & Bengio (2016, "Unitary Evolution Recurrent Neural
// Networks", §4.1), after Hochreiter & Schmidhuber (1997): read 10 symbols, wait T steps, then
// write the 10 symbols back, in order.
//
// Layout of one sequence of T + 20 steps (0-based):
//   steps 0 … 9          10 symbols drawn uniformly, with replacement, from an alphabet of 8
//   steps 10 … T+8       T − 1 blanks
//   step  T+9            the delimiter: "start writing"
//   steps T+10 … T+19    10 blanks, during which the model must output the 10 symbols
// Target: blank on steps 0 … T+9, the 10 symbols on steps T+10 … T+19.
//
// Conventions:
// - Input categories (one-hot, 10 features): 0 blank, 1 … 8 the symbols, 9 the delimiter.
// - Output classes (9): 0 blank, 1 … 8 the symbols. The delimiter is never a target, so unlike the
//   paper's 10-way output recur gives it no output class; the loss and the baseline are unchanged.
// - Cross-entropy on every step (row = t·B + b), as in the paper.
// - Baseline: the best memoryless strategy answers blank with certainty for T + 10 steps and
//   guesses uniformly among 8 symbols for the last 10, so its mean loss per step is
//   10 · ln 8 / (T + 20) (the paper's baseline).
// - Accuracy counts only the 10 symbols to recall; solved: ≥ 99% of them right on the validation
//   set (Pascanu et al.'s 1% error criterion, CLI.md).
// - RNG order per sequence: the 10 symbols, nothing else is random.

import { fail } from '../errors.js';
import type { Float } from '../kernels/types.js';
import type { InputConfig } from '../model/config.js';
import type { Rng } from '../tensor/rng.js';
import { drawValidation, type ValidationSpec } from './validation.js';
import type { Accuracy, Batch, LossKind, Task } from './task.js';

export const COPY_SYMBOLS = 8;
export const COPY_RECALL = 10;
/** Input category ids. */
export const COPY_BLANK = 0;
export const COPY_DELIMITER = COPY_SYMBOLS + 1;
export const COPY_SOLVED_ACCURACY = 0.99;

export interface CopyOptions {
  /** T: the delay between the last symbol and the delimiter is T − 1 blanks. */
  length: number;
  validation: ValidationSpec;
}

/** 10 · ln 8 / (T + 20): mean cross-entropy per step of the best memoryless strategy. */
export function copyBaseline(length: number): number {
  return (COPY_RECALL * Math.log(COPY_SYMBOLS)) / (length + 2 * COPY_RECALL);
}

export class CopyTask implements Task {
  readonly name = 'copy';
  readonly input: InputConfig = { kind: 'features', size: COPY_SYMBOLS + 2 };
  readonly outputSize = COPY_SYMBOLS + 1;
  readonly outputMode = 'every' as const;
  readonly loss: LossKind = 'cross_entropy';
  readonly baselineLoss: number;
  readonly length: number;
  /** Steps per sequence: T + 20. */
  readonly steps: number;
  private readonly spec: ValidationSpec;
  private valBatches: Batch[] | null = null;

  constructor(opts: CopyOptions) {
    const t = opts.length;
    if (!Number.isInteger(t) || t < 1) fail('copy task length', 'a whole number ≥ 1 (the delay T)', t);
    this.length = t;
    this.steps = t + 2 * COPY_RECALL;
    this.baselineLoss = copyBaseline(t);
    this.spec = opts.validation;
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const n = this.steps, b = batchSize, f = COPY_SYMBOLS + 2;
    const delimiter = this.length + COPY_RECALL - 1;
    const x = new Float64Array(n * b * f); // (T+20, B, 10) one-hot
    const target = new Float64Array(n * b); // (T+20)·B class ids, blank = 0
    for (let j = 0; j < b; j++) {
      for (let s = 0; s < n; s++) {
        let category = COPY_BLANK;
        if (s < COPY_RECALL) {
          category = 1 + rng.int(COPY_SYMBOLS);
          target[(n - COPY_RECALL + s) * b + j] = category;
        } else if (s === delimiter) {
          category = COPY_DELIMITER;
        }
        x[(s * b + j) * f + category] = 1;
      }
    }
    return { x, t: n, b, target, rows: n * b, lengths: null };
  }

  validation(): readonly Batch[] {
    this.valBatches ??= drawValidation(this.spec, (rng, b) => this.trainBatch(rng, b));
    return this.valBatches;
  }

  /** Symbols recalled: arg max of the output on each of the last 10 steps against the target. */
  accuracy(pred: Float, batch: Batch): Accuracy {
    const k = this.outputSize, b = batch.b;
    let correct = 0;
    for (let s = batch.t - COPY_RECALL; s < batch.t; s++) {
      for (let j = 0; j < b; j++) {
        const row = s * b + j;
        if (argmax(pred, row * k, k) === batch.target[row]) correct++;
      }
    }
    return { correct, total: COPY_RECALL * b };
  }

  solved(_valLoss: number, accuracy: number | null): boolean {
    return accuracy !== null && accuracy >= COPY_SOLVED_ACCURACY;
  }

  describe(): Record<string, string | number | boolean> {
    return { task: 'copy', length: this.length, steps: this.steps, symbols: COPY_SYMBOLS, recall: COPY_RECALL, validationSize: this.spec.size, validationSeed: this.spec.seed };
  }
}

/** Index of the largest of a[off … off+n) (the first one on ties). Shared with the order task. */
export function argmax(a: ArrayLike<number>, off: number, n: number): number {
  let best = 0;
  for (let j = 1; j < n; j++) if (a[off + j] > a[off + best]) best = j;
  return best;
}
