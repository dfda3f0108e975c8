// One-step (or h-step) forecasting of one numeric column of a CSV file: from the last `window`
// values, predict the value `horizon` steps after the last of them.
//
// File format: a header row of column names, then one row per time step, in time order; fields
// separated by commas. A field wrapped in double quotes has them removed ("YEAR" → YEAR), but
// quoted fields holding commas or quotes are not supported (such a row has the wrong number of
// fields and is reported). Blank lines are skipped. Only the chosen column must be numeric.
//
// Conventions:
// - Series x₀ … x_{N−1}. A sample with target index j reads x[j−h−w+1 … j−h] (w = window,
//   h = horizon) and predicts x[j]. x is (w, B, 1), target (B, 1), MSE on the last step.
// - Split by time: the first trainEnd = ⌊0.8 N⌋ values are the training part. Training samples have
//   j < trainEnd (inputs and target inside it); validation samples are every j ≥ trainEnd (their
//   inputs may reach back into the training part: that history is known at forecast time).
// - Normalisation: z = (x − mean) / std, with the mean and the population standard deviation of the
//   training part only. Losses are in normalised units; `denormalize` maps predictions back.
// - Baseline: the persistence forecast x̂[j] = x[j−h] (the last value seen), its MSE in normalised
//   units over the validation samples. Solved: a validation MSE below it.
// - Needs trainEnd ≥ w + h (one training sample); a constant training part is refused (std 0).

import { RecurError, fail } from '../errors.js';
import type { InputConfig } from '../model/config.js';
import type { Rng } from '../tensor/rng.js';
import type { Batch, LossKind, Task } from './task.js';

export const DEFAULT_WINDOW = 32;
export const DEFAULT_HORIZON = 1;
export const TRAIN_FRACTION = 0.8;
const VAL_BATCH = 256;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export interface CsvOptions {
  column: string;
  /** Values read per sample (≥ 1); default 32. */
  window?: number;
  /** Steps ahead of the last value read (≥ 1); default 1. */
  horizon?: number;
  /** Where the text came from, for messages and describe(). */
  source?: string;
  /** A saved model's normalisation, used instead of the training part's mean and deviation. */
  norm?: { mean: number; std: number };
}

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).trim() : f;
}

/**
 * The values of `column` in CSV text, in row order. RecurErrors name the line (1-based, the header
 * is line 1) and the column of a malformed row, a missing or non-numeric cell, and list the
 * columns when `column` is not one of them.
 */
export function parseCsvColumn(text: string, column: string, source = 'CSV'): number[] {
  const what = `CSV file ${JSON.stringify(source)}`;
  const lines = text.split('\n');
  let li = 0;
  while (li < lines.length && lines[li].trim() === '') li++;
  if (li === lines.length) throw new RecurError(`${what}: expected a header row of column names, received no rows`);
  // a byte-order mark would otherwise become part of the first column's name
  const header = lines[li].replace(/\r$/, '').replace(/^\ufeff/, '').split(',').map(unquote);
  const col = header.indexOf(column);
  if (col < 0) {
    throw new RecurError(`${what}: expected a column named ${JSON.stringify(column)}, received columns ${header.map((h) => JSON.stringify(h)).join(', ')}`);
  }
  if (header.indexOf(column, col + 1) >= 0) throw new RecurError(`${what}: expected one column named ${JSON.stringify(column)}, received several`);
  const values: number[] = [];
  for (li++; li < lines.length; li++) {
    const line = lines[li].replace(/\r$/, '');
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (fields.length !== header.length) {
      throw new RecurError(`${what}, line ${li + 1}: expected ${header.length} comma-separated fields as in the header, received ${fields.length} (quoted fields holding commas are not supported)`);
    }
    const cell = unquote(fields[col]);
    const where = `${what}, line ${li + 1} (data row ${values.length + 1}), column ${JSON.stringify(column)}`;
    if (cell === '') throw new RecurError(`${where}: expected a number, received an empty cell`);
    const v = Number(cell);
    if (!NUMBER.test(cell) || !Number.isFinite(v)) throw new RecurError(`${where}: expected a number, received ${JSON.stringify(cell)}`);
    values.push(v);
  }
  return values;
}

export class CsvTask implements Task {
  readonly name = 'csv';
  readonly input: InputConfig = { kind: 'features', size: 1 };
  readonly outputSize = 1;
  readonly outputMode = 'last' as const;
  readonly loss: LossKind = 'mse';
  readonly baselineLoss: number;
  readonly column: string;
  readonly window: number;
  readonly horizon: number;
  readonly source: string;
  /** The column's values in original units, in time order. */
  readonly series: readonly number[];
  /** Values [0, trainEnd) are the training part. */
  readonly trainEnd: number;
  /** Mean and population standard deviation of the training part. */
  readonly mean: number;
  readonly std: number;
  private readonly z: Float64Array;
  private valBatches: Batch[] | null = null;

  constructor(text: string, opts: CsvOptions) {
    const { window, horizon } = checkWindow(opts);
    this.window = window;
    this.horizon = horizon;
    this.column = opts.column;
    this.source = opts.source ?? 'CSV';
    const x = parseCsvColumn(text, opts.column, this.source);
    const n = x.length;
    this.series = x;
    this.trainEnd = Math.floor(n * TRAIN_FRACTION);
    if (this.trainEnd < window + horizon) {
      const need = Math.ceil((window + horizon) / TRAIN_FRACTION);
      throw new RecurError(`CSV file ${JSON.stringify(this.source)}, column ${JSON.stringify(opts.column)}: expected at least ${need} rows for window ${window} and horizon ${horizon} (the first 80% must hold one window and its target), received ${n}`);
    }
    let sum = 0;
    for (let i = 0; i < this.trainEnd; i++) sum += x[i];
    this.mean = opts.norm?.mean ?? sum / this.trainEnd;
    let ss = 0;
    for (let i = 0; i < this.trainEnd; i++) ss += (x[i] - this.mean) ** 2;
    this.std = opts.norm?.std ?? Math.sqrt(ss / this.trainEnd);
    if (!(this.std > 0)) {
      throw new RecurError(`CSV file ${JSON.stringify(this.source)}, column ${JSON.stringify(opts.column)}: expected values that vary over the training part (first 80%), received a constant ${this.mean}`);
    }
    this.z = Float64Array.from(x, (v) => this.normalize(v));
    let se = 0;
    for (let j = this.trainEnd; j < n; j++) se += (this.z[j] - this.z[j - horizon]) ** 2;
    this.baselineLoss = se / (n - this.trainEnd);
  }

  normalize(value: number): number {
    return (value - this.mean) / this.std;
  }

  denormalize(z: number): number {
    return z * this.std + this.mean;
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const first = this.window + this.horizon - 1;
    const targets = new Array<number>(batchSize);
    for (let k = 0; k < batchSize; k++) targets[k] = first + rng.int(this.trainEnd - first);
    return this.samples(targets);
  }

  validation(): readonly Batch[] {
    if (!this.valBatches) {
      this.valBatches = [];
      const n = this.series.length;
      for (let j = this.trainEnd; j < n; j += VAL_BATCH) {
        this.valBatches.push(this.samples(Array.from({ length: Math.min(VAL_BATCH, n - j) }, (_, k) => j + k)));
      }
    }
    return this.valBatches;
  }

  /** x (w, B, 1): z[j−h−w+1 … j−h]; target (B, 1): z[j], for each target index j. */
  private samples(targets: readonly number[]): Batch {
    const w = this.window, b = targets.length;
    const x = new Float64Array(w * b);
    const target = new Float64Array(b);
    for (let k = 0; k < b; k++) {
      const start = targets[k] - this.horizon - w + 1;
      for (let s = 0; s < w; s++) x[s * b + k] = this.z[start + s];
      target[k] = this.z[targets[k]];
    }
    return { x, t: w, b, target, rows: b, lengths: null };
  }

  solved(valLoss: number, _accuracy: number | null): boolean {
    return valLoss < this.baselineLoss;
  }

  describe(): Record<string, string | number | boolean> {
    return {
      task: 'csv', file: this.source, column: this.column, window: this.window, horizon: this.horizon,
      rows: this.series.length, trainRows: this.trainEnd, mean: this.mean, std: this.std,
    };
  }
}

export function checkWindow(opts: { window?: number; horizon?: number }): { window: number; horizon: number } {
  const window = opts.window ?? DEFAULT_WINDOW;
  const horizon = opts.horizon ?? DEFAULT_HORIZON;
  if (!Number.isInteger(window) || window < 1) fail('CSV task window', 'a whole number ≥ 1', window);
  if (!Number.isInteger(horizon) || horizon < 1) fail('CSV task horizon', 'a whole number ≥ 1', horizon);
  return { window, horizon };
}
