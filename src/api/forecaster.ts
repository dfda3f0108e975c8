// Forecasting a series from its own past (and from other columns): windows, normalisation and the
// way back to the data's units are inside.
//
//   const f = new Forecaster({ window: 24 });
//   f.fit(series, { epochs: 20 });            // number[], number[][] rows × columns, { name: number[] }
//   f.forecast(series.slice(-24), 10);        // the next 10 values, in the series' units
//
// The model reads the last `window` rows of the input columns and predicts the target columns
// `horizon` steps after the last row (tasks/arrays.ts has the conventions: split by time,
// per-column normalisation from the training part, the persistence baseline). forecast rolls the
// prediction forward one step at a time, feeding predictions back in; that needs horizon 1 and
// every input column among the targets (else only one step ahead is known).

import { RecurError, fail } from '../errors.js';
import { readSeries, seriesRecords, type Metadata, type SeriesRecord } from '../model/records.js';
import { SeriesTask } from '../tasks/arrays.js';
import { adopt, networkOf, readModel, RecurrentModel, type ModelClass } from './base.js';
import { checkFit, type FitOptions, type FitResult, type NetworkOptions } from './options.js';
import { selectColumns, seriesColumns, usedColumns, type SeriesData } from './series-data.js';
import type { Kernels } from '../kernels/types.js';

export type { SeriesData } from './series-data.js';

export interface ForecasterOptions extends NetworkOptions {
  /** Rows read per prediction; default 32. */
  window?: number;
  /** Steps ahead of the last row read; default 1. */
  horizon?: number;
  /** Names for the columns of number[][] data. */
  columns?: readonly string[];
  /** Columns the model reads (names or indices); default all. */
  inputs?: readonly (string | number)[];
  /** Columns it predicts; default all (or the inputs, when given). */
  targets?: string | number | readonly (string | number)[];
}

/** Errors of one-step forecasts in the data's units, beside those of the persistence forecast. */
export interface ForecastScore { mse: number; rmse: number; mae: number; persistenceMse: number; samples: number }

const LR = 1e-2;
const EVAL_BATCH = 256;

export class Forecaster extends RecurrentModel {
  private spec: SeriesRecord | null = null;
  private readonly opts: ForecasterOptions;

  constructor(options: ForecasterOptions = {}) {
    super('forecaster', 'Forecaster', options, ['window', 'horizon', 'columns', 'inputs', 'targets']);
    this.opts = { ...options };
  }

  /** Columns, window and normalisation of the fitted or loaded model. */
  get series(): Readonly<SeriesRecord> {
    return this.spec ?? this.notFitted();
  }

  fit(data: SeriesData, options?: FitOptions<SeriesData>): FitResult {
    const { run } = this.start(data, options);
    return this.finish(run.runSync());
  }

  async fitAsync(data: SeriesData, options?: FitOptions<SeriesData>): Promise<FitResult> {
    const { run } = this.start(data, options);
    return this.finish(await run.runAsync());
  }

  private start(data: SeriesData, options: FitOptions<SeriesData> | undefined): { run: ReturnType<RecurrentModel['run']> } {
    const c = checkFit(options);
    const named = seriesColumns(data, 'Forecaster.fit data', this.opts.columns);
    let columns: ArrayLike<number>[], names: string[], inputs: number[], targets: number[];
    if (this.spec) {
      ({ columns: names, inputs, targets } = this.spec);
      columns = selectColumns(named, names, 'Forecaster.fit data');
    } else {
      ({ columns, names, inputs, targets } = usedColumns(named, this.opts, 'Forecaster option'));
    }
    const val = c.o.validationData === undefined ? undefined : selectColumns(seriesColumns(c.o.validationData, 'fit option validationData', this.opts.columns), names, 'fit option validationData');
    const task = new SeriesTask({
      columns, names, inputs, targets, window: this.spec?.window ?? this.opts.window, horizon: this.spec?.horizon ?? this.opts.horizon,
      validationSplit: c.o.validationSplit, validationColumns: val, norm: this.spec ?? undefined, order: 'epochs', source: 'Forecaster.fit data',
    });
    const run = this.run(task, c, LR, task.baselineLoss !== null);
    this.spec = task.seriesRecord();
    return { run };
  }

  /** The next `steps` values of the one target column after the last row of `recent`, in its units. */
  forecast(recent: SeriesData, steps = 1): number[] {
    const s = this.series;
    if (s.targets.length !== 1) throw new RecurError(`Forecaster.forecast: expected a model with one target column, received one with ${s.targets.length} (${s.targets.map((t) => s.columns[t]).join(', ')}): use forecastAll`);
    return Object.values(this.forecastAll(recent, steps))[0];
  }

  /** The next `steps` values of every target column, by column name, in the data's units. */
  forecastAll(recent: SeriesData, steps = 1): Record<string, number[]> {
    const s = this.series;
    const net = this.model;
    if (!Number.isInteger(steps) || steps < 1) fail('Forecaster.forecast steps', 'a whole number ≥ 1', steps);
    if (steps > 1 && s.horizon !== 1) fail('Forecaster.forecast steps', `1 (the model predicts ${s.horizon} steps ahead in one go, so it cannot be rolled forward)`, steps);
    const unknown = s.inputs.filter((i) => !s.targets.includes(i));
    if (steps > 1 && unknown.length) fail('Forecaster.forecast steps', `1 (column ${JSON.stringify(s.columns[unknown[0]])} is read by the model but not forecast, so its future values are unknown)`, steps);
    const cols = this.columnsOf(recent, 'Forecaster.forecast recent');
    const w = s.window;
    if (cols[0].length < w) fail('Forecaster.forecast recent', `at least ${w} rows (the model's window)`, cols[0].length);
    // the window in normalised units, rows × used columns, oldest first
    const rows: number[][] = [];
    for (let j = cols[0].length - w; j < cols[0].length; j++) rows.push(s.columns.map((_, c) => (cols[c][j] - s.mean[c]) / s.std[c]));
    const out: Record<string, number[]> = {};
    for (const t of s.targets) out[s.columns[t]] = [];
    const ni = s.inputs.length;
    const x = new Float64Array(w * ni);
    for (let k = 0; k < steps; k++) {
      for (let r = 0; r < w; r++) for (let i = 0; i < ni; i++) x[r * ni + i] = rows[rows.length - w + r][s.inputs[i]];
      const y = net.forward(x, w, 1).data;
      const next = rows[rows.length - 1].slice();
      s.targets.forEach((t, o) => { next[t] = y[o]; out[s.columns[t]].push(y[o] * s.std[t] + s.mean[t]); });
      rows.push(next);
    }
    return out;
  }

  /**
   * Forecasts `horizon` steps ahead from every window of `data` and scores them against the
   * values that came, in the data's units (averaged over target columns), beside the persistence
   * forecast (the last value seen).
   */
  evaluate(data: SeriesData): ForecastScore {
    const s = this.series;
    const net = this.model;
    const cols = this.columnsOf(data, 'Forecaster.evaluate data');
    const n = cols[0].length, w = s.window, h = s.horizon, ni = s.inputs.length, no = s.targets.length;
    const first = w + h - 1;
    if (n <= first) fail('Forecaster.evaluate data', `at least ${first + 1} rows (a window of ${w} and a target ${h} step${h > 1 ? 's' : ''} on)`, n);
    let se = 0, ae = 0, pe = 0;
    for (let j0 = first; j0 < n; j0 += EVAL_BATCH) {
      const b = Math.min(EVAL_BATCH, n - j0);
      const x = new Float64Array(w * b * ni);
      for (let k = 0; k < b; k++) {
        const start = j0 + k - h - w + 1;
        for (let r = 0; r < w; r++) for (let i = 0; i < ni; i++) {
          const c = s.inputs[i];
          x[(r * b + k) * ni + i] = (cols[c][start + r] - s.mean[c]) / s.std[c];
        }
      }
      const y = net.forward(x, w, b).data;
      for (let k = 0; k < b; k++) {
        s.targets.forEach((t, o) => {
          const truth = cols[t][j0 + k];
          const err = y[k * no + o] * s.std[t] + s.mean[t] - truth;
          se += err * err; ae += Math.abs(err);
          pe += (cols[t][j0 + k - h] - truth) ** 2;
        });
      }
    }
    const m = (n - first) * no;
    return { mse: se / m, rmse: Math.sqrt(se / m), mae: ae / m, persistenceMse: pe / m, samples: n - first };
  }

  private columnsOf(data: SeriesData, what: string): ArrayLike<number>[] {
    const s = this.series;
    const cols = selectColumns(seriesColumns(data, what, this.opts.columns), s.columns, what);
    cols.forEach((col, c) => {
      for (let j = 0; j < col.length; j++) if (typeof col[j] !== 'number' || !Number.isFinite(col[j])) fail(`${what}, column ${JSON.stringify(s.columns[c])}, row ${j}`, 'a finite number', col[j]);
    });
    return cols;
  }

  protected records(): Metadata {
    return seriesRecords(this.series);
  }

  protected dataLines(): string[] {
    if (!this.spec) return [];
    const s = this.spec;
    const names = (ix: number[]): string => ix.map((i) => s.columns[i]).join(', ');
    return [
      `data: reads ${names(s.inputs)} → predicts ${names(s.targets)}, window ${s.window}, horizon ${s.horizon}`,
      `normalisation (training part): ${s.columns.map((c, i) => `${c} mean ${round(s.mean[i])} std ${round(s.std[i])}`).join('; ')}`,
    ];
  }

  /** A forecaster from a model file's bytes (the library's toBytes or `recur train --task csv --save`). */
  static fromBytes<T extends Forecaster>(this: ModelClass<T>, bytes: Uint8Array, options: { kernels?: Kernels } = {}): T {
    const { net, metadata } = readModel(bytes, 'forecaster', 'Forecaster', options.kernels, this.makeKernels);
    const spec = readSeries(metadata, net.config);
    if (!spec) throw new RecurError('Forecaster.fromBytes: expected a "recur.series" or "recur.norm" record in the model file, received neither');
    const f = adopt(new this(networkOf(net, {})), net, metadata['recur.task']);
    f.spec = spec;
    return f;
  }
}

function round(x: number): string {
  return Number(x.toPrecision(4)).toString();
}
