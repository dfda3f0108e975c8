// Forecasting from series held in memory: one or more columns of N values in time order; from the
// last `window` rows of the input columns, predict the target columns `horizon` steps after the
// last row read. The CSV task is this task on columns read from CSV text.
//
// Conventions:
// - Columns c = 0 … C−1, rows j = 0 … N−1. A sample with target row j reads rows
//   j−h−w+1 … j−h of the input columns (w = window, h = horizon) and predicts row j of the target
//   columns. x is (w, B, inputs) time-major, target (B, targets), MSE on the last step.
// - Split by time: the first trainEnd = ⌊(1 − split)·N⌋ rows are the training part (default split
//   0.2). Training samples have j < trainEnd; validation samples are every j ≥ trainEnd (their inputs
//   may reach back into the training part: that history is known at forecast time). With separate
//   validation columns, every sample of those columns validates and all N rows train.
// - Normalisation per column: z = (x − mean) / std, with the mean and the population standard
//   deviation of the training part. A constant target column is refused; a constant input column
//   gets std 1 (it reads as 0). Losses are in normalised units.
// - Baseline: the persistence forecast x̂[j] = x[j−h] of each target column, its MSE in normalised
//   units over the validation samples. Solved: a validation MSE below it.
// - Training batches: windows at uniformly random target rows (order 'random', what the CLI uses:
//   the trainer's RNG alone decides them, so checkpoints resume exactly), or epochs over all
//   training samples in shuffled order (order 'epochs', the library's fit).

import { RecurError, describe as brief, fail, failWith } from '../errors.js';
import type { InputConfig } from '../model/config.js';
import { seriesRecords, type SeriesRecord } from '../model/records.js';
import type { Rng } from '../tensor/rng.js';
import { EpochOrder, pickItems } from './epochs.js';
import type { Batch, LossKind, Task } from './task.js';

export const DEFAULT_WINDOW = 32;
export const DEFAULT_HORIZON = 1;
export const DEFAULT_SPLIT = 0.2;
const VAL_BATCH = 256;

/** Per-column normalisation: z = (x − mean) / std. */
export interface ColumnNorm { mean: number[]; std: number[] }

export interface SeriesOptions {
  /** The series: one array of N values per column, in time order. */
  columns: readonly ArrayLike<number>[];
  /** Column names (default "0", "1", …). */
  names?: readonly string[];
  /** Columns read by the model (indices); default all. */
  inputs?: readonly number[];
  /** Columns predicted (indices); default all. */
  targets?: readonly number[];
  /** Rows read per sample (≥ 1); default 32. */
  window?: number;
  /** Steps ahead of the last row read (≥ 1); default 1. */
  horizon?: number;
  /** Fraction of rows at the end held out for validation, in [0, 1); default 0.2. */
  validationSplit?: number;
  /** Separate validation series (the same columns) instead of a split. */
  validationColumns?: readonly ArrayLike<number>[];
  /** A saved model's normalisation instead of the training part's. */
  norm?: ColumnNorm;
  /** How training batches are drawn; default 'random'. */
  order?: 'random' | 'epochs';
  /** Where the data came from, for messages and describe(). */
  source?: string;
}

export class SeriesTask implements Task {
  readonly name: string = 'series';
  readonly input: InputConfig;
  readonly outputSize: number;
  readonly outputMode = 'last' as const;
  readonly loss: LossKind = 'mse';
  readonly baselineLoss: number | null;
  readonly names: readonly string[];
  readonly inputs: readonly number[];
  readonly targets: readonly number[];
  readonly window: number;
  readonly horizon: number;
  readonly source: string;
  /** Rows of the series. */
  readonly rows: number;
  /** Rows [0, trainEnd) are the training part. */
  readonly trainEnd: number;
  readonly norm: ColumnNorm;
  /** Normalised columns. */
  private readonly z: Float64Array[];
  private readonly zVal: Float64Array[] | null;
  private readonly order: EpochOrder | null;
  private valBatches: Batch[] | null = null;

  constructor(opts: SeriesOptions) {
    const what = opts.source ?? 'series';
    this.source = what;
    const cols = checkColumns(opts.columns, `${what}`);
    const c = cols.length;
    this.rows = cols[0].length;
    this.names = opts.names ? [...opts.names] : cols.map((_, i) => String(i));
    if (this.names.length !== c) fail(`${what} column names`, `${c} names (one per column)`, this.names);
    this.inputs = checkIndices(opts.inputs, c, `${what} input columns`);
    this.targets = checkIndices(opts.targets, c, `${what} target columns`);
    const { window, horizon } = checkWindow(opts);
    this.window = window;
    this.horizon = horizon;
    const split = opts.validationSplit ?? (opts.validationColumns ? 0 : DEFAULT_SPLIT);
    if (typeof split !== 'number' || !(split >= 0 && split < 1)) fail('validationSplit', 'a fraction in [0, 1)', split);
    if (opts.validationColumns && opts.validationSplit) throw new RecurError('validation: expected validationSplit or validation data, received both');
    const n = this.rows;
    this.trainEnd = opts.validationColumns ? n : Math.floor(n * (1 - split));
    if (this.trainEnd < window + horizon) {
      const need = Math.ceil((window + horizon) / (1 - split) - 1e-9);
      throw new RecurError(`${what}: expected at least ${need} rows for window ${window} and horizon ${horizon} (the training part, ${Math.round((1 - split) * 100)}% of the rows with validationSplit ${Math.round(split * 1000) / 1000}, must hold one window and its target), received ${n}`);
    }
    this.norm = opts.norm ? checkNorm(opts.norm, c, what) : columnNorm(cols, this.trainEnd, this.targets, this.names, what);
    this.z = cols.map((col, k) => normalized(col, this.norm.mean[k], this.norm.std[k]));
    if (opts.validationColumns) {
      const v = checkColumns(opts.validationColumns, `${what} validation data`);
      if (v.length !== c) fail(`${what} validation data`, `${c} columns (as the training data)`, v.length);
      if (v[0].length < window + horizon) fail(`${what} validation data`, `at least ${window + horizon} rows (one window and its target)`, v[0].length);
      this.zVal = v.map((col, k) => normalized(col, this.norm.mean[k], this.norm.std[k]));
    } else {
      this.zVal = null;
    }
    this.input = { kind: 'features', size: this.inputs.length };
    this.outputSize = this.targets.length;
    this.order = opts.order === 'epochs' ? new EpochOrder(this.trainSamples) : null;
    this.baselineLoss = this.persistence();
  }

  /** Training samples: target rows w+h−1 … trainEnd−1. */
  get trainSamples(): number {
    return this.trainEnd - (this.window + this.horizon - 1);
  }

  /** Batches per epoch (order 'epochs'), or training samples / batch rounded up. */
  stepsPerEpoch(batchSize: number): number {
    return Math.max(1, Math.ceil(this.trainSamples / batchSize));
  }

  normalize(value: number, column: number): number {
    return (value - this.norm.mean[column]) / this.norm.std[column];
  }

  denormalize(z: number, column: number): number {
    return z * this.norm.std[column] + this.norm.mean[column];
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    return this.picked(pickItems(this.order, rng, batchSize, this.trainSamples));
  }

  randomBatch(rng: Rng, batchSize: number): Batch {
    return this.picked(pickItems(null, rng, batchSize, this.trainSamples));
  }

  private picked(picks: readonly number[]): Batch {
    const first = this.window + this.horizon - 1;
    return this.samples(this.z, picks.map((k) => first + k));
  }

  validation(): readonly Batch[] {
    if (!this.valBatches) {
      this.valBatches = [];
      const z = this.zVal ?? this.z;
      const from = this.zVal ? this.window + this.horizon - 1 : this.trainEnd;
      const n = z[0].length;
      for (let j = from; j < n; j += VAL_BATCH) {
        this.valBatches.push(this.samples(z, Array.from({ length: Math.min(VAL_BATCH, n - j) }, (_, k) => j + k)));
      }
    }
    return this.valBatches;
  }

  /** x (w, B, inputs): z[j−h−w+1 … j−h]; target (B, targets): z[j], for each target row j. */
  private samples(z: readonly Float64Array[], rows: readonly number[]): Batch {
    const w = this.window, b = rows.length, ni = this.inputs.length, no = this.targets.length;
    const x = new Float64Array(w * b * ni);
    const target = new Float64Array(b * no);
    for (let k = 0; k < b; k++) {
      const start = rows[k] - this.horizon - w + 1;
      for (let s = 0; s < w; s++) for (let i = 0; i < ni; i++) x[(s * b + k) * ni + i] = z[this.inputs[i]][start + s];
      for (let o = 0; o < no; o++) target[k * no + o] = z[this.targets[o]][rows[k]];
    }
    return { x, t: w, b, target, rows: b, lengths: null };
  }

  /** Persistence MSE over the validation samples and target columns; null without validation. */
  private persistence(): number | null {
    const z = this.zVal ?? this.z;
    const from = this.zVal ? this.window + this.horizon - 1 : this.trainEnd;
    const n = z[0].length;
    if (n <= from) return null;
    let se = 0;
    for (const c of this.targets) for (let j = from; j < n; j++) se += (z[c][j] - z[c][j - this.horizon]) ** 2;
    return se / ((n - from) * this.targets.length);
  }

  solved(valLoss: number, _accuracy: number | null): boolean {
    return this.baselineLoss !== null && valLoss < this.baselineLoss;
  }

  describe(): Record<string, string | number | boolean> {
    return {
      task: this.name, source: this.source, inputs: this.inputs.map((i) => this.names[i]).join(','), targets: this.targets.map((i) => this.names[i]).join(','),
      window: this.window, horizon: this.horizon, rows: this.rows, trainRows: this.trainEnd,
    };
  }

  /** What a saved model needs to forecast in the data's units. */
  seriesRecord(): SeriesRecord {
    return { columns: [...this.names], inputs: [...this.inputs], targets: [...this.targets], window: this.window, horizon: this.horizon, mean: [...this.norm.mean], std: [...this.norm.std] };
  }

  modelRecords(): Record<string, string> {
    return seriesRecords(this.seriesRecord());
  }
}

/** Columns of equal length ≥ 1, every value finite; errors name the column and row. */
function checkColumns(columns: readonly ArrayLike<number>[], what: string): ArrayLike<number>[] {
  if (!Array.isArray(columns) || columns.length === 0) fail(`${what}`, 'at least one column of numbers', columns);
  const n = columns[0]?.length;
  columns.forEach((col, c) => {
    if (col === null || typeof col !== 'object' || typeof col.length !== 'number') fail(`${what} column ${c}`, 'an array of numbers', col);
    if (col.length !== n) fail(`${what} column ${c}`, `${n} values (as column 0)`, col.length);
    for (let j = 0; j < col.length; j++) {
      const v = col[j];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what} column ${c}, row ${j}`, 'a finite number', v);
    }
  });
  return [...columns];
}

function checkIndices(idx: readonly number[] | undefined, c: number, what: string): number[] {
  if (idx === undefined) return Array.from({ length: c }, (_, i) => i);
  if (!Array.isArray(idx) || idx.length === 0) fail(what, 'a non-empty array of column indices', idx);
  idx.forEach((i) => { if (!Number.isInteger(i) || i < 0 || i >= c) fail(what, `column indices in [0, ${c})`, idx); });
  if (new Set(idx).size !== idx.length) fail(what, 'distinct columns', idx);
  return [...idx];
}

function checkWindow(opts: { window?: number; horizon?: number }): { window: number; horizon: number } {
  const window = opts.window ?? DEFAULT_WINDOW;
  const horizon = opts.horizon ?? DEFAULT_HORIZON;
  if (!Number.isInteger(window) || window < 1) fail('window', 'a whole number ≥ 1', window);
  if (!Number.isInteger(horizon) || horizon < 1) fail('horizon', 'a whole number ≥ 1', horizon);
  return { window, horizon };
}

function checkNorm(norm: ColumnNorm, c: number, what: string): ColumnNorm {
  if (!Array.isArray(norm?.mean) || !Array.isArray(norm?.std) || norm.mean.length !== c || norm.std.length !== c) {
    fail(`${what} normalisation`, `a mean and a std for each of ${c} columns`, norm);
  }
  norm.std.forEach((s, i) => { if (!(s > 0) || !Number.isFinite(s) || !Number.isFinite(norm.mean[i])) failWith(`${what} normalisation of column ${i}`, 'a finite mean and a std > 0', `mean ${norm.mean[i]}, std ${s}`); });
  return { mean: [...norm.mean], std: [...norm.std] };
}

/** Mean and population standard deviation of rows [0, end) of each column. */
function columnNorm(cols: readonly ArrayLike<number>[], end: number, targets: readonly number[], names: readonly string[], what: string): ColumnNorm {
  const mean: number[] = [], std: number[] = [];
  cols.forEach((col, c) => {
    let sum = 0;
    for (let j = 0; j < end; j++) sum += col[j];
    const m = sum / end;
    let ss = 0;
    for (let j = 0; j < end; j++) ss += (col[j] - m) ** 2;
    let s = Math.sqrt(ss / end);
    if (!(s > 0)) {
      if (targets.includes(c)) throw new RecurError(`${what}, column ${brief(names[c])}: expected values that vary over the training part (first ${end} rows), received a constant ${m}`);
      s = 1;
    }
    mean.push(m);
    std.push(s);
  });
  return { mean, std };
}

function normalized(col: ArrayLike<number>, mean: number, std: number): Float64Array {
  const z = new Float64Array(col.length);
  for (let j = 0; j < col.length; j++) z[j] = (col[j] - mean) / std;
  return z;
}
