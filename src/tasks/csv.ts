// Forecasting from the columns of a CSV file: SeriesTask (arrays.ts) on columns read by the CSV
// parser (csv-parse.ts): quoting, ',' ';' or tab delimiters, a header, missing values filled or
// refused, unused columns (dates, labels) never read as numbers.
//
// One column (`column`): the model reads it and predicts it. Several (`columns` and `target`): the
// model reads the `columns` and predicts the `target` column(s), which need not be among them.
// Conventions (split, normalisation, persistence baseline) are those of arrays.ts with the default
// split: the first 80% of the rows train, the rest validates.

import { RecurError, fail } from '../errors.js';
import { DEFAULT_HORIZON, DEFAULT_WINDOW, SeriesTask, type ColumnNorm } from './arrays.js';
import { numericColumns, parseCsv, type CsvDelimiter, type CsvFill } from './csv-parse.js';

export { DEFAULT_HORIZON, DEFAULT_WINDOW } from './arrays.js';
export const TRAIN_FRACTION = 0.8;

export interface CsvOptions {
  /** The one column read and predicted (or use `columns` and `target`). */
  column?: string;
  /** Columns the model reads. */
  columns?: readonly string[];
  /** Column(s) predicted; default: the `columns` themselves. */
  target?: string | readonly string[];
  /** Values read per sample (≥ 1); default 32. */
  window?: number;
  /** Steps ahead of the last value read (≥ 1); default 1. */
  horizon?: number;
  /** Missing values: an error (default) or a fill (csv-parse.ts). */
  fill?: CsvFill;
  /** Field separator; detected when omitted. */
  delimiter?: CsvDelimiter | 'auto';
  /** Where the text came from, for messages and describe(). */
  source?: string;
  /** A saved model's normalisation: one column's { mean, std }, or one per used column. */
  norm?: { mean: number; std: number } | ColumnNorm;
}

/** The values of one column of CSV text, in row order (see csv-parse.ts for the format). */
export function parseCsvColumn(text: string, column: string, source = 'CSV', fill: CsvFill = 'error'): number[] {
  return Array.from(numericColumns(parseCsv(text, { source }), [column], fill)[0]);
}

/** The used columns of a CSV task: inputs first, then targets not among them. */
export function csvColumns(opts: Pick<CsvOptions, 'column' | 'columns' | 'target'>): { names: string[]; inputs: number[]; targets: number[] } {
  if (opts.column !== undefined && opts.columns !== undefined) throw new RecurError('CSV columns: expected column or columns, received both');
  const ins = opts.columns ?? (opts.column !== undefined ? [opts.column] : undefined);
  if (!ins || ins.length === 0) fail('CSV columns', 'at least one column name', ins);
  ins.forEach((c) => { if (typeof c !== 'string' || c === '') fail('CSV column', 'a column name', c); });
  if (new Set(ins).size !== ins.length) fail('CSV columns', 'distinct column names', ins);
  const outs = opts.target === undefined ? ins : typeof opts.target === 'string' ? [opts.target] : opts.target;
  if (outs.length === 0) fail('CSV target', 'at least one column name', outs);
  const names = [...ins];
  for (const t of outs) {
    if (typeof t !== 'string' || t === '') fail('CSV target', 'a column name', t);
    if (!names.includes(t)) names.push(t);
  }
  return { names, inputs: ins.map((_, i) => i), targets: outs.map((t) => names.indexOf(t)) };
}

export class CsvTask extends SeriesTask {
  override readonly name = 'csv';
  /** Persistence MSE: a CSV task always holds out its last 20%, so there is one. */
  declare readonly baselineLoss: number;
  /** The first target column (the only column of a one-column task). */
  readonly column: string;
  /** The first target column's values in original units, in time order. */
  readonly series: readonly number[];
  /** Mean and population standard deviation of the first target column's training part. */
  readonly mean: number;
  readonly std: number;
  private readonly single: boolean;

  constructor(text: string, opts: CsvOptions) {
    checkWindow(opts);
    const source = opts.source ?? 'CSV';
    const { names, inputs, targets } = csvColumns(opts);
    const columns = numericColumns(parseCsv(text, { source, delimiter: opts.delimiter }), names, opts.fill);
    const norm = opts.norm && !Array.isArray(opts.norm.mean) ? { mean: names.map(() => opts.norm!.mean as number), std: names.map(() => opts.norm!.std as number) } : opts.norm as ColumnNorm | undefined;
    super({ columns, names, inputs, targets, window: opts.window, horizon: opts.horizon, validationSplit: 1 - TRAIN_FRACTION, norm, source: `CSV file ${JSON.stringify(source)}` });
    const t = targets[0];
    this.single = names.length === 1;
    this.column = names[t];
    this.series = Array.from(columns[t]);
    this.mean = this.norm.mean[t];
    this.std = this.norm.std[t];
    this.fileName = source;
  }

  private readonly fileName: string;

  /** Into normalised units of `column` (default the first target). */
  override normalize(value: number, column = this.targets[0]): number {
    return super.normalize(value, column);
  }

  override denormalize(z: number, column = this.targets[0]): number {
    return super.denormalize(z, column);
  }

  override describe(): Record<string, string | number | boolean> {
    const base = { task: 'csv', file: this.fileName, window: this.window, horizon: this.horizon, rows: this.rows, trainRows: this.trainEnd };
    if (this.single) return { ...base, column: this.column, mean: this.mean, std: this.std };
    return { ...base, columns: this.inputs.map((i) => this.names[i]).join(','), target: this.targets.map((i) => this.names[i]).join(',') };
  }
}

/** The window and horizon of CSV task options (checked before a file is read). */
export function checkWindow(opts: { window?: number; horizon?: number }): { window: number; horizon: number } {
  const window = opts.window ?? DEFAULT_WINDOW;
  const horizon = opts.horizon ?? DEFAULT_HORIZON;
  if (!Number.isInteger(window) || window < 1) fail('CSV task window', 'a whole number ≥ 1', window);
  if (!Number.isInteger(horizon) || horizon < 1) fail('CSV task horizon', 'a whole number ≥ 1', horizon);
  return { window, horizon };
}
