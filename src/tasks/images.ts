// Pixel-by-pixel image classification (Le, Jaitly & Hinton 2015, "A Simple Way to Initialize
// Recurrent Networks of Rectified Linear Units", §4.2): a 28 × 28 image is read one pixel a step in
// scanline order, T = 784 steps of one feature, and the class is predicted after the last pixel.
// The permuted form reads the pixels in one fixed random order instead, which spreads the strokes
// over the whole sequence (long dependencies with no local structure to lean on).
//
// Conventions:
// - The data comes in memory (ImageSet: uint8 pixels, labels); node/datasets.ts reads the files.
// - x is (784, B, 1): pixel / 255 in [0, 1], time-major; target (B) class ids, read on the last
//   step with cross-entropy.
// - Permutation: Fisher–Yates over 0 … 783 drawn from Rng(PERMUTATION_SEED), the same for every
//   run; step s reads pixel perm[s].
// - Training batches: B images drawn uniformly with replacement from the training set by the
//   trainer's RNG. Validation: the first `valSize` images of the test set (all of it by default),
//   in batches of VAL_BATCH.
// - Baseline: the entropy of the training labels (≈ ln 10), the loss of the best guess that ignores
//   the pixels. Accuracy: arg max against the label. Solved: accuracy ≥ `solvedAccuracy`.

import { fail } from '../errors.js';
import type { Float } from '../kernels/types.js';
import type { InputConfig } from '../model/config.js';
import { Rng } from '../tensor/rng.js';
import { argmax } from './copy.js';
import type { Accuracy, Batch, LossKind, Task } from './task.js';

export const IMAGE_SIDE = 28;
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
export const IMAGE_CLASSES = 10;
export const PERMUTATION_SEED = 0x9e3779b9;
const VAL_BATCH = 250;

/** N images of 28 × 28 uint8 pixels, row-major, and their labels 0 … 9. */
export interface ImageSet {
  pixels: Uint8Array;
  labels: Uint8Array;
}

export interface ImageSplit { train: ImageSet; test: ImageSet; source: string }

export interface ImageTaskOptions {
  /** 'mnist' or 'fashion' (for describe() and messages). */
  dataset: string;
  permuted: boolean;
  /** Test images used for validation (the first ones); default all. */
  valSize?: number;
  /** Accuracy at which the task counts as solved. */
  solvedAccuracy: number;
}

/** The fixed permutation of the permuted tasks: step s reads pixel perm[s]. */
export function pixelPermutation(seed = PERMUTATION_SEED): Int32Array {
  const perm = Int32Array.from({ length: IMAGE_PIXELS }, (_, i) => i);
  const rng = new Rng(seed);
  for (let i = IMAGE_PIXELS - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const s = perm[i]; perm[i] = perm[j]; perm[j] = s;
  }
  return perm;
}

/** Checks an image set's shape; returns its image count. */
export function checkImageSet(set: ImageSet, what: string): number {
  if (!(set?.pixels instanceof Uint8Array) || !(set.labels instanceof Uint8Array)) fail(what, 'pixels and labels as Uint8Arrays', set);
  const n = set.labels.length;
  if (n < 1) fail(`${what} labels`, 'at least one image', 0);
  if (set.pixels.length !== n * IMAGE_PIXELS) fail(`${what} pixels`, `${n} × ${IMAGE_PIXELS} bytes (one 28 × 28 image per label)`, `${set.pixels.length} bytes`);
  for (let i = 0; i < n; i++) if (set.labels[i] >= IMAGE_CLASSES) fail(`${what} label ${i}`, `a class in 0 … ${IMAGE_CLASSES - 1}`, set.labels[i]);
  return n;
}

export class ImageSequenceTask implements Task {
  readonly name: string;
  readonly input: InputConfig = { kind: 'features', size: 1 };
  readonly outputSize = IMAGE_CLASSES;
  readonly outputMode = 'last' as const;
  readonly loss: LossKind = 'cross_entropy';
  readonly baselineLoss: number;
  readonly trainSize: number;
  readonly valSize: number;
  /** Step → pixel; the identity for the sequential task. */
  readonly order: Int32Array;
  private valBatches: Batch[] | null = null;

  constructor(private readonly data: ImageSplit, private readonly opts: ImageTaskOptions) {
    this.trainSize = checkImageSet(data.train, `${opts.dataset} training set`);
    const testSize = checkImageSet(data.test, `${opts.dataset} test set`);
    const v = opts.valSize ?? testSize;
    if (!Number.isInteger(v) || v < 1) fail('image task validation size', 'a whole number ≥ 1', v);
    this.valSize = Math.min(v, testSize);
    if (!(opts.solvedAccuracy > 0 && opts.solvedAccuracy <= 1)) fail('image task solved accuracy', 'a number in (0, 1]', opts.solvedAccuracy);
    this.order = opts.permuted ? pixelPermutation() : Int32Array.from({ length: IMAGE_PIXELS }, (_, i) => i);
    this.name = `${opts.permuted ? 'p' : 's'}${opts.dataset === 'fashion' ? 'f' : ''}mnist`;
    const counts = new Float64Array(IMAGE_CLASSES);
    for (const l of data.train.labels) counts[l]++;
    let h = 0;
    for (const c of counts) if (c > 0) { const p = c / this.trainSize; h -= p * Math.log(p); }
    this.baselineLoss = h;
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const idx = new Array<number>(batchSize);
    for (let j = 0; j < batchSize; j++) idx[j] = rng.int(this.trainSize);
    return this.images(this.data.train, idx);
  }

  validation(): readonly Batch[] {
    if (!this.valBatches) {
      this.valBatches = [];
      for (let k = 0; k < this.valSize; k += VAL_BATCH) {
        const idx = Array.from({ length: Math.min(VAL_BATCH, this.valSize - k) }, (_, i) => k + i);
        this.valBatches.push(this.images(this.data.test, idx));
      }
    }
    return this.valBatches;
  }

  /** x (784, B, 1): pixel order[s] of image idx[j] / 255 at row s·B + j; target (B) labels. */
  private images(set: ImageSet, idx: readonly number[]): Batch {
    const b = idx.length, t = IMAGE_PIXELS, order = this.order;
    const x = new Float64Array(t * b);
    const target = new Float64Array(b);
    for (let j = 0; j < b; j++) {
      const base = idx[j] * IMAGE_PIXELS;
      for (let s = 0; s < t; s++) x[s * b + j] = set.pixels[base + order[s]] / 255;
      target[j] = set.labels[idx[j]];
    }
    return { x, t, b, target, rows: b, lengths: null };
  }

  accuracy(pred: Float, batch: Batch): Accuracy {
    let correct = 0;
    for (let j = 0; j < batch.b; j++) if (argmax(pred, j * IMAGE_CLASSES, IMAGE_CLASSES) === batch.target[j]) correct++;
    return { correct, total: batch.b };
  }

  solved(_valLoss: number, accuracy: number | null): boolean {
    return accuracy !== null && accuracy >= this.opts.solvedAccuracy;
  }

  describe(): Record<string, string | number | boolean> {
    return {
      task: this.name, dataset: this.opts.dataset, permuted: this.opts.permuted, source: this.data.source,
      trainImages: this.trainSize, validationImages: this.valSize, solvedAccuracy: this.opts.solvedAccuracy,
    };
  }
}
