// The adding problem: read T pairs (value, marker), output the sum of the two marked values.
// Posed by Hochreiter & Schmidhuber (1997, "Long Short-Term Memory", experiment 4); recur uses the
// simpler form of Le, Jaitly & Hinton (2015, "A Simple Way to Initialize Recurrent Networks of
// Rectified Linear Units", §4.1) that Arjovsky, Shah & Bengio (2016, "Unitary Evolution Recurrent
// Neural Networks", §4.2) spell out: values U[0, 1), markers 0/1, exactly two of them, the first
// at a uniformly chosen step of the first half and the second in the second half.
//
// Conventions:
// - x is (T, B, 2): feature 0 the value, feature 1 the marker. Steps are 0-based; the first half is
//   [0, ⌊T/2⌋), the second [⌊T/2⌋, T) (one step longer when T is odd).
// - target is (B, 1), read from the last step with MSE.
// - RNG order per sequence: T values, then the first marker's step, then the second's.
// - Baseline: a model that ignores the input can do no better than the mean of the target,
//   E[U₁ + U₂] = 1, whose MSE is Var(U₁ + U₂) = 2 · 1/12 = 1/6 ≈ 0.167 (the "0.167" of Arjovsky
//   et al. and of CLI.md).
// - Solved: validation MSE below 0.01 (CLI.md).

import { fail } from '../errors.js';
import type { InputConfig } from '../model/config.js';
import type { Rng } from '../tensor/rng.js';
import { drawValidation, type ValidationSpec } from './validation.js';
import type { Batch, LossKind, Task } from './task.js';

/** Var(U₁ + U₂) for independent U ~ U[0, 1): the MSE of always answering 1. */
export const ADDING_BASELINE = 1 / 6;
export const ADDING_SOLVED_MSE = 0.01;

export interface AddingOptions {
  length: number;
  validation: ValidationSpec;
}

export class AddingTask implements Task {
  readonly name = 'adding';
  readonly input: InputConfig = { kind: 'features', size: 2 };
  readonly outputSize = 1;
  readonly outputMode = 'last' as const;
  readonly loss: LossKind = 'mse';
  readonly baselineLoss = ADDING_BASELINE;
  readonly length: number;
  private readonly spec: ValidationSpec;
  private valBatches: Batch[] | null = null;

  constructor(opts: AddingOptions) {
    const t = opts.length;
    if (!Number.isInteger(t) || t < 2) fail('adding task length', 'a whole number ≥ 2 (one marker in each half)', t);
    this.length = t;
    this.spec = opts.validation;
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const t = this.length, b = batchSize;
    const half = Math.floor(t / 2);
    const x = new Float64Array(t * b * 2); // (T, B, 2)
    const target = new Float64Array(b); // (B, 1)
    for (let j = 0; j < b; j++) {
      for (let s = 0; s < t; s++) x[(s * b + j) * 2] = rng.uniform();
      const first = rng.int(half);
      const second = half + rng.int(t - half);
      x[(first * b + j) * 2 + 1] = 1;
      x[(second * b + j) * 2 + 1] = 1;
      target[j] = x[(first * b + j) * 2] + x[(second * b + j) * 2];
    }
    return { x, t, b, target, rows: b, lengths: null };
  }

  validation(): readonly Batch[] {
    this.valBatches ??= drawValidation(this.spec, (rng, b) => this.trainBatch(rng, b));
    return this.valBatches;
  }

  solved(valLoss: number, _accuracy: number | null): boolean {
    return valLoss < ADDING_SOLVED_MSE;
  }

  describe(): Record<string, string | number | boolean> {
    return { task: 'adding', length: this.length, validationSize: this.spec.size, validationSeed: this.spec.seed };
  }
}
