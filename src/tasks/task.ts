// What the trainer needs of a data set: batches, a fixed validation set, the loss, the model's
// input and output shape, the best memoryless loss (the bar a model must clear), and a verdict.
// This contract sits below training (train/ imports it; nothing here imports train/): the
// losses a task can name are listed here, and train/losses.ts computes them.

import type { Float } from '../kernels/types.js';
import type { InputConfig } from '../model/config.js';
import type { Rng } from '../tensor/rng.js';

/** The losses a task can ask for (computed by train/losses.ts). */
export type LossKind = 'mse' | 'cross_entropy' | 'bce_logits';
export const LOSS_KINDS: readonly LossKind[] = ['mse', 'cross_entropy', 'bce_logits'];

export interface Batch {
  /** (T, B, F) features, time-major; token inputs: (T, B) ids. */
  x: Float64Array;
  t: number;
  b: number;
  /** mse / bce_logits: (rows, outputSize); cross_entropy: (rows) class ids, −1 = ignored. */
  target: Float64Array;
  /** B when the loss is on the last step, T·B when on every step (row = t·B + b). */
  rows: number;
  /** (B) real length of each sequence, or null when all are T long. */
  lengths: Int32Array | null;
}

export interface Accuracy { correct: number; total: number }

export interface Task {
  readonly name: string;
  readonly input: InputConfig;
  readonly outputSize: number;
  readonly outputMode: 'last' | 'every';
  readonly loss: LossKind;
  /** Loss of the best guess that ignores the input history (null when not meaningful). */
  readonly baselineLoss: number | null;
  /** A fresh training batch drawn from `rng` (the trainer's seeded RNG). */
  trainBatch(rng: Rng, batchSize: number): Batch;
  /**
   * Tasks that train in epochs: a batch drawn at random from the training set that leaves the
   * epochs' order as it is (for probes: the gradient flow at initialization). Others: trainBatch.
   */
  randomBatch?(rng: Rng, batchSize: number): Batch;
  /** The validation set: the same batches every call (fixed seed or held-out data). */
  validation(): readonly Batch[];
  /** Task metric on a batch, for tasks that have one (symbols recalled, classes right). */
  accuracy?(pred: Float, batch: Batch): Accuracy;
  /** The task's own success criterion, from the validation loss and accuracy (0..1 or null). */
  solved(valLoss: number, accuracy: number | null): boolean;
  /** Token tasks: the symbol of each id (for sampling text). */
  readonly vocab?: readonly string[];
  /** Plain-data description (saved with a model, shown in reports). */
  describe(): Record<string, string | number | boolean>;
  /** What a model trained on this task must carry to be used on data later (model/records.ts). */
  modelRecords?(): Record<string, string>;
}

/** A batch for a probe: drawn at random, leaving an epoch task's order as it is (Task.randomBatch where it has one). */
export function probeBatch(task: Task, rng: Rng, batchSize: number): Batch {
  return task.randomBatch?.(rng, batchSize) ?? task.trainBatch(rng, batchSize);
}
