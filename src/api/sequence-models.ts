// Classifying and regressing whole sequences: samples × time × features, lengths free to differ.
//
//   const clf = new SequenceClassifier({ cell: 'gru', hiddenSize: 32 });
//   clf.fit(x, labels, { epochs: 20 });     // x: number[][][] (or number[][] for one feature)
//   clf.predict(xNew);                      // the labels, as given (numbers or strings)
//
// The model reads each sequence to its own last step (a batch is padded, and the padding masked by
// lengths: tasks/sequences.ts) and predicts from its final state. Features are normalised with
// the training samples' per-feature mean and deviation, kept with the model; so are the classes
// (classifier) and the targets' normalisation (regressor). Validation: none unless asked
// (validationSplit draws a seeded random share of the samples, or validationData).

import { RecurError, fail, failWith } from '../errors.js';
import type { Kernels } from '../kernels/types.js';
import { FEATURES_KEY, TARGETS_KEY, readLabels, readNormRecord, sequenceRecords, type Metadata, type NormRecord } from '../model/records.js';
import type { Sequential } from '../model/sequential.js';
import { classesOf, normalizeSteps, padBatch, SequenceTask, toSequences, toTargets, type Label, type SequenceSample } from '../tasks/sequences.js';
import { adopt, networkOf, readModel, RecurrentModel, type ModelClass } from './base.js';
import { checkFit, type FitOptions, type FitResult, type NetworkOptions } from './options.js';

export type { Label, SequenceSample } from '../tasks/sequences.js';

const LR = 1e-2;
const PREDICT_BATCH = 256;

/** Labelled samples: x samples × time × features, y one label (or target) per sample. */
export interface Labelled<Y> { x: readonly SequenceSample[]; y: readonly Y[] }

abstract class SequenceModel<Y> extends RecurrentModel {
  protected features: NormRecord | null = null;

  protected abstract readonly taskKind: 'classify' | 'regress';
  protected abstract labelsOf(y: readonly Y[], what: string): SequenceTaskY;
  protected abstract saved(): { classes?: readonly Label[]; targetNorm?: NormRecord };
  protected abstract keep(task: SequenceTask): void;

  fit(x: readonly SequenceSample[] | Labelled<Y>, y?: readonly Y[] | FitOptions<Labelled<Y>>, options?: FitOptions<Labelled<Y>>): FitResult {
    return this.finish(this.start(x, y, options).runSync());
  }

  async fitAsync(x: readonly SequenceSample[] | Labelled<Y>, y?: readonly Y[] | FitOptions<Labelled<Y>>, options?: FitOptions<Labelled<Y>>): Promise<FitResult> {
    return this.finish(await this.start(x, y, options).runAsync());
  }

  private start(x: readonly SequenceSample[] | Labelled<Y>, y: readonly Y[] | FitOptions<Labelled<Y>> | undefined, options: FitOptions<Labelled<Y>> | undefined): ReturnType<RecurrentModel['run']> {
    // fit(x, y, options) or fit({ x, y }, options)
    const pair = !Array.isArray(x) && typeof x === 'object' && x !== null && 'x' in x;
    const data: Labelled<Y> = pair ? x as Labelled<Y> : { x: x as readonly SequenceSample[], y: y as readonly Y[] };
    const opts = pair ? y as FitOptions<Labelled<Y>> | undefined : options;
    if (!pair && !Array.isArray(y)) fail(`${this.title}.fit labels`, 'an array with one label per sample (fit(x, y, options) or fit({ x, y }, options))', y);
    const c = checkFit(opts);
    const f = this.features?.mean.length;
    const xs = toSequences(data.x, `${this.title}.fit x`, f);
    const v = c.o.validationData;
    const validation = v === undefined ? undefined : { x: toSequences(v.x, 'fit option validationData.x', xs.features), y: this.labelsOf(v.y, 'fit option validationData.y') };
    const saved = this.saved();
    const task = new SequenceTask({
      kind: this.taskKind, x: xs, y: this.labelsOf(data.y, `${this.title}.fit y`), validation, validationSplit: c.o.validationSplit,
      seed: this.seed, classes: saved.classes, featureNorm: this.features ?? undefined, targetNorm: saved.targetNorm, order: 'epochs',
    });
    const run = this.run(task, c, LR, task.validationCount > 0);
    this.features = task.featureNorm;
    this.keep(task);
    return run;
  }

  /** Outputs of the model for every sample, (N, outputs): logits or normalised targets. */
  protected outputs(x: readonly SequenceSample[], what: string): { rows: Float64Array; width: number; n: number } {
    const net: Sequential = this.model;
    const norm = this.features!;
    const xs = toSequences(x, what, norm.mean.length);
    const width = net.config.outputSize;
    const rows = new Float64Array(xs.data.length * width);
    for (let k = 0; k < xs.data.length; k += PREDICT_BATCH) {
      const chunk = xs.data.slice(k, k + PREDICT_BATCH).map((d, i) => { normalizeSteps(d, norm); return { data: d, t: xs.lengths[k + i] }; });
      const { x: bx, t, b, lengths } = padBatch(chunk, norm.mean.length);
      const y = net.forward(bx, t, b, { lengths }).data;
      for (let i = 0; i < b * width; i++) rows[k * width + i] = y[i];
    }
    return { rows, width, n: xs.data.length };
  }

  protected records(): Metadata {
    const s = this.saved();
    return sequenceRecords(this.taskKind === 'classify' ? 'classifier' : 'regressor', this.features!, s.classes ?? null, s.targetNorm ?? null);
  }

  protected loadRecords(net: Sequential, metadata: Metadata): void {
    const f = net.config.input.kind === 'features' ? net.config.input.size : 0;
    const features = readNormRecord(metadata, FEATURES_KEY, f);
    if (!features || net.config.outputMode !== 'last') throw new RecurError(`${this.title}.fromBytes: expected a sequence model (features in, output on the last step, a "${FEATURES_KEY}" record), received ${features ? 'a model with an output on every step' : 'no feature record'}`);
    this.features = features;
  }
}

type SequenceTaskY = readonly Label[] | readonly number[][];

export class SequenceClassifier extends SequenceModel<Label> {
  protected readonly taskKind = 'classify' as const;
  private labels: Label[] | null = null;

  constructor(options: NetworkOptions = {}) {
    super('classifier', 'SequenceClassifier', options, []);
  }

  /** The classes, in the order of predictProba's columns. */
  get classes(): readonly Label[] {
    return this.labels ?? this.notFitted();
  }

  protected labelsOf(y: readonly Label[], what: string): readonly Label[] {
    classesOf(y, what); // checks the types
    return y;
  }

  protected saved(): { classes?: readonly Label[] } {
    return this.labels ? { classes: this.labels } : {};
  }

  protected keep(task: SequenceTask): void {
    this.labels = [...task.classes!];
  }

  /** Probabilities of each class (columns in `classes` order) for every sample. */
  predictProba(x: readonly SequenceSample[]): number[][] {
    const { rows, width, n } = this.outputs(x, 'SequenceClassifier.predictProba x');
    return Array.from({ length: n }, (_, i) => softmax(rows, i * width, width));
  }

  /** The most probable class of every sample. */
  predict(x: readonly SequenceSample[]): Label[] {
    const { rows, width, n } = this.outputs(x, 'SequenceClassifier.predict x');
    const classes = this.classes;
    return Array.from({ length: n }, (_, i) => {
      let best = 0;
      for (let j = 1; j < width; j++) if (rows[i * width + j] > rows[i * width + best]) best = j;
      return classes[best];
    });
  }

  /** Cross-entropy (nats per sample) and accuracy on labelled samples. */
  evaluate(x: readonly SequenceSample[], y: readonly Label[]): { loss: number; accuracy: number } {
    const p = this.predictProba(x);
    if (!Array.isArray(y)) fail('SequenceClassifier.evaluate y', `an array of ${p.length} labels`, y);
    if (y.length !== p.length) failWith('SequenceClassifier.evaluate y', `one label per sample (${p.length})`, `${y.length} labels`);
    const index = new Map(this.classes.map((c, i) => [c, i]));
    let loss = 0, correct = 0;
    y.forEach((label, i) => {
      const k = index.get(label);
      if (k === undefined) fail(`SequenceClassifier.evaluate y[${i}]`, `one of the model's classes (${this.classes.slice(0, 10).join(', ')})`, label);
      loss -= Math.log(Math.max(p[i][k], 1e-300));
      let best = 0;
      for (let j = 1; j < p[i].length; j++) if (p[i][j] > p[i][best]) best = j;
      if (best === k) correct++;
    });
    return { loss: loss / y.length, accuracy: correct / y.length };
  }

  /** The share of samples whose most probable class is their label. */
  accuracy(x: readonly SequenceSample[], y: readonly Label[]): number {
    return this.evaluate(x, y).accuracy;
  }

  protected dataLines(): string[] {
    if (!this.labels || !this.features) return [];
    return [`data: ${this.features.mean.length} feature${this.features.mean.length > 1 ? 's' : ''} per step (normalised), ${this.labels.length} classes: ${this.labels.slice(0, 12).map((l) => JSON.stringify(l)).join(', ')}${this.labels.length > 12 ? ', …' : ''}`];
  }

  /** A classifier from a model file's bytes (written by toBytes). */
  static fromBytes<T extends SequenceClassifier>(this: ModelClass<T>, bytes: Uint8Array, options: { kernels?: Kernels } = {}): T {
    const { net, metadata } = readModel(bytes, 'classifier', 'SequenceClassifier', options.kernels, this.makeKernels);
    const c = adopt(new this(networkOf(net, {})), net, metadata['recur.task']);
    c.loadRecords(net, metadata);
    const labels = readLabels(metadata, net.config);
    if (!labels) throw new RecurError('SequenceClassifier.fromBytes: expected a "recur.labels" record in the model file, received none');
    c.labels = labels;
    return c;
  }
}

export class SequenceRegressor extends SequenceModel<number | readonly number[]> {
  protected readonly taskKind = 'regress' as const;
  private targetNorm: NormRecord | null = null;

  constructor(options: NetworkOptions = {}) {
    super('regressor', 'SequenceRegressor', options, []);
  }

  protected labelsOf(y: readonly (number | readonly number[])[], what: string): number[][] {
    return toTargets(y, what, this.targetNorm?.mean.length);
  }

  protected saved(): { targetNorm?: NormRecord } {
    return this.targetNorm ? { targetNorm: this.targetNorm } : {};
  }

  protected keep(task: SequenceTask): void {
    this.targetNorm = task.targetNorm;
  }

  /** The predicted targets of every sample, (N, outputs), in the targets' units. */
  predictAll(x: readonly SequenceSample[]): number[][] {
    const { rows, width, n } = this.outputs(x, 'SequenceRegressor.predict x');
    const tn = this.targetNorm!;
    return Array.from({ length: n }, (_, i) => Array.from({ length: width }, (_, j) => rows[i * width + j] * tn.std[j] + tn.mean[j]));
  }

  /** The predicted target of every sample, for a model with one output. */
  predict(x: readonly SequenceSample[]): number[] {
    if (this.model.config.outputSize !== 1) throw new RecurError(`SequenceRegressor.predict: expected a model with one output, received one with ${this.model.config.outputSize}: use predictAll`);
    return this.predictAll(x).map((r) => r[0]);
  }

  /** Errors in the targets' units, beside those of always predicting the training mean. */
  evaluate(x: readonly SequenceSample[], y: readonly (number | readonly number[])[]): { mse: number; rmse: number; mae: number; meanBaselineMse: number } {
    const p = this.predictAll(x);
    const t = toTargets(y, 'SequenceRegressor.evaluate y', p[0].length);
    if (t.length !== p.length) failWith('SequenceRegressor.evaluate y', `one target per sample (${p.length})`, `${t.length} targets`);
    const tn = this.targetNorm!;
    let se = 0, ae = 0, be = 0;
    t.forEach((row, i) => row.forEach((v, j) => { const e = p[i][j] - v; se += e * e; ae += Math.abs(e); be += (tn.mean[j] - v) ** 2; }));
    const m = t.length * t[0].length;
    return { mse: se / m, rmse: Math.sqrt(se / m), mae: ae / m, meanBaselineMse: be / m };
  }

  protected dataLines(): string[] {
    if (!this.targetNorm || !this.features) return [];
    return [`data: ${this.features.mean.length} feature${this.features.mean.length > 1 ? 's' : ''} per step, ${this.targetNorm.mean.length} target${this.targetNorm.mean.length > 1 ? 's' : ''} (both normalised with the training samples' mean and deviation)`];
  }

  /** A regressor from a model file's bytes (written by toBytes). */
  static fromBytes<T extends SequenceRegressor>(this: ModelClass<T>, bytes: Uint8Array, options: { kernels?: Kernels } = {}): T {
    const { net, metadata } = readModel(bytes, 'regressor', 'SequenceRegressor', options.kernels, this.makeKernels);
    const r = adopt(new this(networkOf(net, {})), net, metadata['recur.task']);
    r.loadRecords(net, metadata);
    const tn = readNormRecord(metadata, TARGETS_KEY, net.config.outputSize);
    if (!tn) throw new RecurError(`SequenceRegressor.fromBytes: expected a "${TARGETS_KEY}" record in the model file, received none`);
    r.targetNorm = tn;
    return r;
  }
}

function softmax(a: ArrayLike<number>, off: number, n: number): number[] {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, a[off + j]);
  const e = Array.from({ length: n }, (_, j) => Math.exp(a[off + j] - max));
  const z = e.reduce((s, v) => s + v, 0);
  return e.map((v) => v / z);
}
