// Sequence classification and regression from samples held in memory: sample i is a sequence of
// T_i steps of F features (number[][] per sample, or number[] for one feature), with a label
// (classification: a number or a string) or a target (regression: a number or F_out numbers).
//
// Conventions:
// - Lengths may differ. A batch is padded to its longest sequence, time-major: x (T, B, F) with
//   zeros after each sequence's end, and `lengths` (B) says where each ends, so the model reads
//   its state at each sequence's own last step (and padding changes nothing). Lengths are null
//   when every sequence of the batch is T long.
// - Features are normalised per feature, z = (x − mean) / std over every real step of the
//   training samples (std 1 for a constant feature); regression targets per output the same way
//   over the training targets. Losses are in normalised units.
// - Classes: the distinct labels of the training samples, sorted (numbers ascending, strings by
//   code point); id = position. Labels are all numbers or all strings. Loss: cross-entropy on the
//   last step; metric: accuracy. Baseline: the entropy of the training labels (the loss of
//   predicting their frequencies). Regression: MSE on the last step; baseline 1 in normalised
//   units on the training targets (predicting their mean), measured on the validation targets.
// - Solved: a validation loss below the baseline.
// - Validation: the given validation samples, or a seeded random share of the samples
//   (`validationSplit`, at least one when the share is > 0, leaving at least one to train).

import { RecurError, describe as brief, fail, failWith } from '../errors.js';
import type { Float } from '../kernels/types.js';
import type { InputConfig } from '../model/config.js';
import { sequenceRecords } from '../model/records.js';
import { Rng } from '../tensor/rng.js';
import type { ColumnNorm } from './arrays.js';
import { EpochOrder, inBatches, pickItems } from './epochs.js';
import type { Accuracy, Batch, LossKind, Task } from './task.js';

const VAL_BATCH = 256;
export type Label = number | string;
/** One sample: T steps of F features, or T values of one feature. */
export type SequenceSample = readonly (readonly number[] | ArrayLike<number>)[] | ArrayLike<number>;

/** Samples as flat (T_i·F) arrays with their lengths, checked. */
export interface Sequences { data: Float64Array[]; lengths: number[]; features: number }

/** Checks and flattens samples × time × features (or samples × time for one feature). */
export function toSequences(x: readonly SequenceSample[], what: string, features?: number): Sequences {
  if (!Array.isArray(x) || x.length === 0) fail(what, 'an array of sequences (samples × time × features)', x);
  const data: Float64Array[] = [], lengths: number[] = [];
  let f = features;
  x.forEach((sample, i) => {
    if (sample === null || typeof sample !== 'object' || typeof (sample as ArrayLike<unknown>).length !== 'number') fail(`${what}[${i}]`, 'a sequence (an array of time steps)', sample);
    const steps = sample as ArrayLike<unknown>;
    const t = steps.length;
    if (t === 0) failWith(`${what}[${i}]`, 'a sequence of at least one step', 'an empty array');
    const multi = typeof steps[0] === 'object' && steps[0] !== null;
    const width = multi ? (steps[0] as ArrayLike<number>).length : 1;
    if (f === undefined) f = width;
    if (width !== f || width < 1) failWith(`${what}[${i}]`, `steps of ${f} feature${f === 1 ? '' : 's'}${i > 0 ? ' (as the samples before it)' : ''}`, multi ? `steps of ${width}` : 'numbers (one feature per step)');
    const flat = new Float64Array(t * f);
    for (let s = 0; s < t; s++) {
      const step = steps[s];
      if (multi) {
        if (step === null || typeof step !== 'object' || (step as ArrayLike<number>).length !== f) fail(`${what}[${i}][${s}]`, `${f} features`, step);
        for (let k = 0; k < f; k++) {
          const v = (step as ArrayLike<number>)[k];
          if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what}[${i}][${s}][${k}]`, 'a finite number', v);
          flat[s * f + k] = v;
        }
      } else {
        if (typeof step !== 'number' || !Number.isFinite(step)) fail(`${what}[${i}][${s}]`, 'a finite number', step);
        flat[s] = step;
      }
    }
    data.push(flat);
    lengths.push(t);
  });
  return { data, lengths, features: f! };
}

/** The sorted distinct labels; all numbers (finite) or all strings. */
export function classesOf(labels: readonly Label[], what: string): Label[] {
  if (!Array.isArray(labels) || labels.length === 0) fail(what, 'an array of labels (numbers or strings)', labels);
  const kind = typeof labels[0];
  labels.forEach((l, i) => {
    if (typeof l !== 'number' && typeof l !== 'string') fail(`${what}[${i}]`, 'a number or a string', l);
    if (typeof l !== kind) fail(`${what}[${i}]`, `a ${kind} (labels are all numbers or all strings)`, l);
    if (typeof l === 'number' && !Number.isFinite(l)) fail(`${what}[${i}]`, 'a finite number', l);
  });
  const set = [...new Set(labels)];
  return kind === 'number' ? (set as number[]).sort((a, b) => a - b) : (set as string[]).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Regression targets as rows of `outputs` numbers. */
export function toTargets(y: readonly (number | readonly number[])[], what: string, outputs?: number): number[][] {
  if (!Array.isArray(y) || y.length === 0) fail(what, 'an array of targets (numbers, or arrays of numbers)', y);
  return y.map((v, i) => {
    const row = typeof v === 'number' ? [v] : Array.isArray(v) ? [...v] : fail(`${what}[${i}]`, 'a number or an array of numbers', v);
    if (outputs === undefined) outputs = row.length;
    if (row.length !== outputs || outputs < 1) fail(`${what}[${i}]`, `${outputs} number${outputs === 1 ? '' : 's'}${i > 0 ? ' (as the targets before it)' : ''}`, v);
    row.forEach((z, k) => { if (typeof z !== 'number' || !Number.isFinite(z)) fail(`${what}[${i}]${typeof v === 'number' ? '' : `[${k}]`}`, 'a finite number', z); });
    return row;
  });
}

export interface SequenceTaskOptions {
  kind: 'classify' | 'regress';
  x: Sequences;
  /** Classification labels or regression targets, one per sample. */
  y: readonly Label[] | readonly number[][];
  /** Validation samples (or a split of x by validationSplit). */
  validation?: { x: Sequences; y: readonly Label[] | readonly number[][] };
  validationSplit?: number;
  /** Seed of the validation split. */
  seed?: number;
  /** A saved model's classes, feature and target normalisation. */
  classes?: readonly Label[];
  featureNorm?: ColumnNorm;
  targetNorm?: ColumnNorm;
  order?: 'random' | 'epochs';
}

export class SequenceTask implements Task {
  readonly name: string;
  readonly input: InputConfig;
  readonly outputSize: number;
  readonly outputMode = 'last' as const;
  readonly loss: LossKind;
  readonly baselineLoss: number | null;
  readonly kind: 'classify' | 'regress';
  readonly classes: readonly Label[] | null;
  readonly featureNorm: ColumnNorm;
  readonly targetNorm: ColumnNorm | null;
  readonly trainCount: number;
  readonly validationCount: number;
  private readonly train: Sample[];
  private readonly val: Sample[];
  private readonly order: EpochOrder | null;
  private valBatches: Batch[] | null = null;

  constructor(o: SequenceTaskOptions) {
    this.kind = o.kind;
    this.name = o.kind === 'classify' ? 'classify' : 'regress';
    const f = o.x.features;
    if (o.y.length !== o.x.data.length) fail('labels', `one per sample (${o.x.data.length})`, o.y.length);
    let train = o.x.data.map((d, i) => ({ data: d, t: o.x.lengths[i], y: o.y[i] }));
    let val: typeof train = [];
    if (o.validation) {
      if (o.validationSplit) throw new RecurError('validation: expected validationSplit or validation data, received both');
      if (o.validation.x.features !== f) fail('validation data', `steps of ${f} features (as the training data)`, o.validation.x.features);
      if (o.validation.y.length !== o.validation.x.data.length) fail('validation labels', `one per validation sample (${o.validation.x.data.length})`, o.validation.y.length);
      val = o.validation.x.data.map((d, i) => ({ data: d, t: o.validation!.x.lengths[i], y: o.validation!.y[i] }));
    } else if (o.validationSplit) {
      const share = o.validationSplit;
      if (typeof share !== 'number' || !(share >= 0 && share < 1)) fail('validationSplit', 'a fraction in [0, 1)', share);
      const n = train.length;
      const nVal = Math.max(1, Math.round(n * share));
      if (n - nVal < 1) fail('validationSplit', `a share that leaves at least one of the ${n} samples to train on`, share);
      const rng = new Rng(o.seed ?? 0);
      const perm = Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
      val = perm.slice(n - nVal).sort((a, b) => a - b).map((i) => train[i]);
      train = perm.slice(0, n - nVal).sort((a, b) => a - b).map((i) => train[i]);
    }
    this.featureNorm = o.featureNorm ?? featureNorm(train, f);
    if (o.kind === 'classify') {
      this.classes = o.classes ? [...o.classes] : classesOf(train.map((s) => s.y as Label), 'labels');
      const index = new Map<Label, number>(this.classes.map((c, i) => [c, i]));
      const ids = (set: typeof train, what: string): Sample[] => set.map((s, i) => {
        const id = index.get(s.y as Label);
        if (id === undefined) fail(`${what}[${i}]`, `one of the classes of the training labels (${this.classes!.slice(0, 10).map((c) => brief(c)).join(', ')}${this.classes!.length > 10 ? ', …' : ''})`, s.y);
        return { data: s.data, t: s.t, y: [id] };
      });
      this.train = ids(train, 'labels');
      this.val = ids(val, 'validation labels');
      this.outputSize = this.classes.length;
      this.loss = 'cross_entropy';
      this.targetNorm = null;
      const counts = new Float64Array(this.classes.length);
      for (const s of this.train) counts[s.y[0]]++;
      let h = 0;
      for (const c of counts) if (c > 0) h -= (c / this.train.length) * Math.log(c / this.train.length);
      this.baselineLoss = h;
    } else {
      this.classes = null;
      const rows = (set: typeof train): number[][] => set.map((s) => s.y as number[]);
      const out = (rows(train)[0] ?? []).length;
      this.targetNorm = o.targetNorm ?? featureNorm(rows(train).map((r) => ({ data: Float64Array.from(r), t: 1 })), out);
      const tn = this.targetNorm;
      const z = (set: typeof train): Sample[] => set.map((s) => ({ data: s.data, t: s.t, y: (s.y as number[]).map((v, k) => (v - tn.mean[k]) / tn.std[k]) }));
      this.train = z(train);
      this.val = z(val);
      this.outputSize = out;
      this.loss = 'mse';
      let se = 0;
      for (const s of this.val) for (const v of s.y) se += v * v;
      this.baselineLoss = this.val.length ? se / (this.val.length * out) : null;
    }
    for (const set of [this.train, this.val]) for (const s of set) normalizeSteps(s.data, this.featureNorm);
    this.input = { kind: 'features', size: f };
    this.trainCount = this.train.length;
    this.validationCount = this.val.length;
    this.order = o.order === 'epochs' ? new EpochOrder(this.train.length) : null;
  }

  stepsPerEpoch(batchSize: number): number {
    return Math.max(1, Math.ceil(this.trainCount / batchSize));
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const picks = pickItems(this.order, rng, batchSize, this.train.length);
    return this.batch(picks.map((i) => this.train[i]));
  }

  randomBatch(rng: Rng, batchSize: number): Batch {
    return this.batch(pickItems(null, rng, batchSize, this.train.length).map((i) => this.train[i]));
  }

  validation(): readonly Batch[] {
    if (!this.valBatches) this.valBatches = inBatches(this.val, VAL_BATCH, (part) => this.batch(part));
    return this.valBatches;
  }

  /** x (T, B, F) padded with zeros after each sequence; target (B) class ids or (B, outputs). */
  batch(samples: readonly Sample[]): Batch {
    const { x, t, b, lengths } = padBatch(samples, this.featureNorm.mean.length);
    const width = this.kind === 'classify' ? 1 : this.outputSize;
    const target = new Float64Array(b * width);
    samples.forEach((s, k) => { for (let j = 0; j < width; j++) target[k * width + j] = s.y[j]; });
    return { x, t, b, target, rows: b, lengths };
  }

  accuracy(pred: Float, batch: Batch): Accuracy {
    if (this.kind !== 'classify') return { correct: 0, total: 0 };
    const o = this.outputSize;
    let correct = 0;
    for (let r = 0; r < batch.b; r++) {
      let best = 0;
      for (let j = 1; j < o; j++) if (pred[r * o + j] > pred[r * o + best]) best = j;
      if (best === batch.target[r]) correct++;
    }
    return { correct, total: batch.b };
  }

  solved(valLoss: number, _accuracy: number | null): boolean {
    return this.baselineLoss !== null && valLoss < this.baselineLoss;
  }

  modelRecords(): Record<string, string> {
    return sequenceRecords(this.kind === 'classify' ? 'classifier' : 'regressor', this.featureNorm, this.classes, this.targetNorm);
  }

  describe(): Record<string, string | number | boolean> {
    return {
      task: this.name, features: this.featureNorm.mean.length, outputs: this.outputSize,
      trainSamples: this.trainCount, validationSamples: this.validationCount,
      ...(this.classes ? { classes: this.classes.length } : {}),
    };
  }
}

/** A sample in task units: normalised steps (T·F), and class id or normalised targets. */
export interface Sample { data: Float64Array; t: number; y: number[] }

/**
 * Sequences of F features as one time-major batch: x (T, B, F), T the longest, zeros after each
 * sequence's end; lengths (B), or null when all are T long.
 */
export function padBatch(samples: readonly { data: ArrayLike<number>; t: number }[], f: number): { x: Float64Array; t: number; b: number; lengths: Int32Array | null } {
  const b = samples.length;
  let t = 0;
  for (const s of samples) t = Math.max(t, s.t);
  const x = new Float64Array(t * b * f);
  const lengths = new Int32Array(b);
  samples.forEach((s, k) => {
    lengths[k] = s.t;
    for (let step = 0; step < s.t; step++) for (let j = 0; j < f; j++) x[(step * b + k) * f + j] = s.data[step * f + j];
  });
  return { x, t, b, lengths: lengths.every((l) => l === t) ? null : lengths };
}

/** Per-feature mean and population standard deviation over every real step (std 1 where constant). */
function featureNorm(samples: readonly { data: Float64Array; t: number }[], f: number): ColumnNorm {
  const sum = new Float64Array(f), ss = new Float64Array(f);
  let n = 0;
  for (const s of samples) { n += s.t; for (let i = 0; i < s.t * f; i++) sum[i % f] += s.data[i]; }
  const mean = Array.from(sum, (v) => (n > 0 ? v / n : 0));
  for (const s of samples) for (let i = 0; i < s.t * f; i++) ss[i % f] += (s.data[i] - mean[i % f]) ** 2;
  const std = Array.from(ss, (v) => (n > 0 && v > 0 ? Math.sqrt(v / n) : 1));
  return { mean, std };
}

/** Into normalised units, in place (the flat arrays are the task's own copies). */
export function normalizeSteps(data: Float64Array, norm: ColumnNorm): void {
  const f = norm.mean.length;
  for (let i = 0; i < data.length; i++) data[i] = (data[i] - norm.mean[i % f]) / norm.std[i % f];
}
