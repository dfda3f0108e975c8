// Commands that use a saved model: eval, sample, forecast.

import { RecurError } from '../../errors.js';
import type { Sequential } from '../../model/sequential.js';
import type { Kernels } from '../../kernels/types.js';
import type { LoadedModel } from '../../model/io.js';
import { modelVocab } from '../../model/vocab.js';
import { readSeries, readTextMode } from '../../model/records.js';
import { loadModel, readTextFile } from '../../node/files.js';
import { DEFAULT_MAX_INPUT_MB } from '../../node/read-limited.js';
import { sampleTokens } from '../../model/sample.js';
import { CSV_FILLS, numericColumns, parseCsv } from '../../tasks/csv-parse.js';
import { createTask } from '../../node/tasks.js';
import type { Task } from '../../tasks/task.js';
import { Rng } from '../../tensor/rng.js';
import { evaluate } from '../../train/trainer.js';
import { RUNTIME_OPTIONS, TASK_OPTIONS, UsageError, choice, int, num, parse, str, taskConfig, type Values } from '../args.js';
import { checkMemory, sizeFlags, taskShapes } from '../memory.js';
import { formatNumber, table } from '../progress.js';
import { kernelFlags, kernelsFrom } from '../session.js';

/** Draws of an empty line before sample gives up and prints it (a model that has learned little). */
const EMPTY_TRIES = 100;

const SAMPLE_HELP = `recur sample --model FILE [--prefix TEXT] [--count N] [--length N] [--temperature X] [--top-k K]
             [--seed N] [--kernels js|wasm|auto] [--threads N] [--json]

Samples text from a model trained with --task text.
Without --prefix each sample is one line, as for names-style data: it starts after a newline and
stops at the next one (an empty line is drawn again, up to ${EMPTY_TRIES} times), at most --length
characters (200). With --prefix TEXT each sample is TEXT and --length characters after it,
newlines included; for a model of items (--task text --lines) it is the item that starts with
TEXT, up to its end. --top-k K draws each character among the K most likely.`;

function modelFile(v: Record<string, unknown>): string {
  const f = v.model;
  if (typeof f !== 'string') throw new UsageError('--model: expected a model file saved by recur train --save');
  return f;
}

/**
 * The model of --model on the kernels of --kernels/--threads (checked before the file is read):
 * the header and config first, the parameters' memory against the kernels', then the data.
 */
function loadForUse(v: Values): LoadedModel & { kernels: Kernels } {
  const file = modelFile(v);
  kernelFlags(v); // checked before the file is read
  let kernels: Kernels | undefined;
  const loaded = loadModel(file, {
    check: (config) => {
      kernels = kernelsFrom(v, config.dtype ?? 'float32');
      checkMemory(config, [], { kernels, training: false, flags: 'model' });
    },
    kernels: () => kernels!,
  });
  return { ...loaded, kernels: kernels! };
}

export function evalCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...TASK_OPTIONS, ...RUNTIME_OPTIONS, model: { type: 'string' }, seed: { type: 'string' } });
  if (v.help) { console.log('recur eval --model FILE TASK-OPTIONS [--kernels js|wasm|auto] [--threads N] [--json]\n\nValidation loss of a saved model on a task, against the task\'s baseline (a CSV model reads its own columns; --column or --columns, if given, must name them).'); return 0; }
  const { model, metadata, kernels } = loadForUse(v);
  const task = evalTask(v, model, metadata);
  const mi = model.config.input, ti = task.input;
  const inputs = (i: typeof mi): string => (i.kind === 'tokens' ? `${i.vocabSize} token ids` : `${i.size} features`);
  if (mi.kind !== ti.kind || (mi.kind === 'tokens' ? ti.kind === 'tokens' && mi.vocabSize !== ti.vocabSize : ti.kind === 'features' && mi.size !== ti.size)) {
    throw new RecurError(`the model does not fit task ${task.name}: expected a task with ${inputs(mi)} in (the model's), received one with ${inputs(ti)}`);
  }
  if (task.outputSize !== model.config.outputSize || task.outputMode !== model.config.outputMode) {
    throw new RecurError(`the model does not fit task ${task.name}: it has ${model.config.outputSize} outputs on the ${model.config.outputMode} step(s), the task needs ${task.outputSize} on ${task.outputMode}`);
  }
  checkMemory(model.config, taskShapes(task), { kernels, training: false, flags: sizeFlags(task.name) });
  const r = evaluate(model, task);
  const out = { task: task.name, valLoss: r.loss, baselineLoss: task.baselineLoss, accuracy: r.accuracy, solved: task.solved(r.loss, r.accuracy) };
  if (v.json) console.log(JSON.stringify(out));
  else console.log(table(['task', 'val loss', 'baseline', 'accuracy', 'solved'], [[out.task, formatNumber(out.valLoss), formatNumber(out.baselineLoss), out.accuracy === null ? '-' : `${(out.accuracy * 100).toFixed(1)}%`, out.solved ? 'yes' : 'no']]));
  return 0;
}

export function sampleCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...RUNTIME_OPTIONS, model: { type: 'string' }, prefix: { type: 'string' }, count: { type: 'string' },
    length: { type: 'string' }, temperature: { type: 'string' }, 'top-k': { type: 'string' }, seed: { type: 'string' } });
  if (v.help) { console.log(SAMPLE_HELP); return 0; }
  const { model, metadata } = loadForUse(v);
  const vocab = modelVocab(metadata, model.config);
  if (!vocab) throw new RecurError('this model has no vocabulary: sampling needs a model trained with --task text');
  const ids = new Map(vocab.map((ch, i) => [ch, i]));
  if (str(v, 'prefix') === '') throw new UsageError('--prefix: expected at least one character, received ""');
  const prefix = str(v, 'prefix') ?? (ids.has('\n') ? '\n' : vocab[0]);
  const prefixIds = Array.from(prefix, (ch, i) => {
    const id = ids.get(ch);
    if (id === undefined) {
      const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
      throw new UsageError(`--prefix: expected characters of the model's vocabulary (${vocab.length} characters), received ${JSON.stringify(ch)} (U+${hex}) at position ${i + 1}`);
    }
    return id;
  });
  const count = int(v, 'count', 10, 1, 100000);
  const length = int(v, 'length', 200, 1, 1e6);
  const temperature = num(v, 'temperature', 1, 0, 100)!;
  const topK = v['top-k'] !== undefined ? int(v, 'top-k', 1, 1, vocab.length) : undefined;
  const rng = new Rng(int(v, 'seed', 1, 0, 2 ** 32 - 1));
  const newline = ids.get('\n');
  const samples: string[] = [];
  const lines = str(v, 'prefix') === undefined && newline !== undefined;
  // a model of items (--lines) reads each one after its start mark "\n" and ends it at the next
  const items = readTextMode(metadata) === 'lines' && newline !== undefined;
  if (items && !lines) prefixIds.unshift(newline);
  for (let i = 0; i < count; i++) {
    // names-style data: one sample a line, stopped at the newline, an empty line drawn again
    // (up to EMPTY_TRIES times); free text: `length` characters
    let toks: number[] = [];
    for (let k = 0; k < (lines ? EMPTY_TRIES : 1) && (k === 0 || toks.length === 0); k++) toks = sampleTokens(model, prefixIds, length, temperature, rng, lines || items ? newline : undefined, topK);
    samples.push((str(v, 'prefix') ?? '') + toks.map((t) => vocab[t]).join(''));
  }
  if (v.json) console.log(JSON.stringify({ samples }));
  else console.log(samples.join('\n'));
  return 0;
}

/**
 * The task to evaluate a saved model on. Text: encoded with the model's vocabulary (a character
 * it lacks is named with its line and column). CSV: the model's normalisation, window and horizon.
 */
function evalTask(v: Record<string, string | boolean | undefined>, model: Sequential, metadata: Record<string, string>): Task {
  const tc = taskConfig(v, true, true)!;
  const seed = int(v, 'seed', 1, 0, 2 ** 32 - 1);
  if (tc.kind === 'text') {
    const vocab = modelVocab(metadata, model.config);
    if (!vocab) throw new RecurError('--task text: expected a model trained with --task text (one with a vocabulary), received one without');
    return createTask(tc, { seed, vocab });
  }
  if (tc.kind === 'csv') {
    const series = readSeries(metadata, model.config, tc.column);
    if (!series) throw new RecurError('--task csv: expected a model trained with --task csv (one with a normalisation record), received one without');
    for (const f of ['window', 'horizon'] as const) {
      if (v[f] !== undefined && tc[f] !== series[f]) throw new UsageError(`--${f}: expected ${series[f]} (the model's), received ${tc[f]}`);
    }
    // the model's columns, window, horizon and normalisation (columns given by flags must be its own)
    const names = (ix: number[]): string[] => ix.map((i) => series.columns[i]);
    const cols = series.columns.length === 1 ? { column: series.columns[0] } : { columns: names(series.inputs), target: names(series.targets) };
    if (tc.column !== undefined && series.columns.length > 1) throw new UsageError(`--column: this model reads columns ${series.columns.join(', ')}; expected --columns ${names(series.inputs).join(',')} or none`);
    if (tc.columns !== undefined && (tc.columns.join(',') !== names(series.inputs).join(',') || (tc.target && tc.target.join(',') !== names(series.targets).join(',')))) {
      throw new UsageError(`--columns/--target: expected the model's own (--columns ${names(series.inputs).join(',')} --target ${names(series.targets).join(',')}), received --columns ${tc.columns.join(',')}${tc.target ? ` --target ${tc.target.join(',')}` : ''}`);
    }
    return createTask({ ...tc, ...cols, window: series.window, horizon: series.horizon }, { seed, norm: { mean: series.mean, std: series.std } });
  }
  return createTask(tc, { seed });
}

export function forecastCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...RUNTIME_OPTIONS, model: { type: 'string' }, csv: { type: 'string' }, column: { type: 'string' }, steps: { type: 'string' },
    fill: { type: 'string' }, delimiter: { type: 'string' }, 'max-input-mb': { type: 'string' } });
  if (v.help) {
    console.log('recur forecast --model FILE --csv FILE [--column NAME] [--steps N] [--fill previous|linear|zero] [--delimiter comma|semicolon|tab]\n' +
      '               [--max-input-mb N] [--kernels js|wasm|auto] [--threads N] [--json]\n\n' +
      'Forecasts the next N values of the model\'s target column(s) after the last row of the CSV file, read from the columns the model was trained on.');
    return 0;
  }
  const { model, metadata } = loadForUse(v);
  const csv = str(v, 'csv'), column = str(v, 'column');
  if (!csv) throw new UsageError('recur forecast: expected --csv FILE');
  const steps = int(v, 'steps', 1, 1, 1e6);
  const s = readSeries(metadata, model.config, column);
  if (!s) throw new RecurError('this model has no normalisation record: forecasting needs a model trained with --task csv');
  if (column !== undefined && s.columns.length > 1) throw new UsageError(`--column: this model reads columns ${s.columns.join(', ')} (they are read by name); expected no --column`);
  if (s.horizon !== 1 && steps > 1) throw new UsageError(`--steps: this model predicts ${s.horizon} steps ahead in one go, so it cannot be rolled forward; expected --steps 1`);
  const unknown = s.inputs.filter((i) => !s.targets.includes(i));
  if (steps > 1 && unknown.length) throw new UsageError(`--steps: column ${s.columns[unknown[0]]} is read by the model but not forecast, so its future values are unknown; expected --steps 1`);
  const fill = choice(v, 'fill', CSV_FILLS, 'error');
  const delim = choice(v, 'delimiter', ['auto', 'comma', 'semicolon', 'tab'] as const, 'auto');
  const text = readTextFile(csv, 'CSV file', int(v, 'max-input-mb', DEFAULT_MAX_INPUT_MB, 1, 1 << 20) * 2 ** 20);
  const table = parseCsv(text, { source: csv, delimiter: delim === 'comma' ? ',' : delim === 'semicolon' ? ';' : delim === 'tab' ? '\t' : 'auto' });
  const cols = numericColumns(table, s.columns, fill);
  const n = cols[0].length;
  if (n < s.window) throw new RecurError(`--csv: expected at least ${s.window} rows (the model's window), found ${n}`);
  // the last window in normalised units, rolled forward: predictions of target columns are fed back
  const rows = Array.from({ length: s.window }, (_, r) => s.columns.map((_, c) => (cols[c][n - s.window + r] - s.mean[c]) / s.std[c]));
  const out: number[][] = [];
  const x = new Float64Array(s.window * s.inputs.length);
  for (let k = 0; k < steps; k++) {
    rows.forEach((row, r) => s.inputs.forEach((c, i) => { x[r * s.inputs.length + i] = row[c]; }));
    const y = model.forward(x, s.window, 1).data;
    const next = rows[rows.length - 1].slice();
    s.targets.forEach((t, o) => { next[t] = y[o]; });
    out.push(s.targets.map((t, o) => y[o] * s.std[t] + s.mean[t]));
    rows.shift();
    rows.push(next);
  }
  const targets = s.targets.map((t) => s.columns[t]);
  if (v.json) {
    console.log(JSON.stringify({ column: targets.length === 1 ? targets[0] : targets, steps, forecast: targets.length === 1 ? out.map((r) => r[0]) : out }));
  } else {
    console.log(['step', ...targets].join('\t'));
    console.log(out.map((r, i) => [`t+${i + 1}`, ...r.map((x) => formatNumber(x, 6))].join('\t')).join('\n'));
  }
  return 0;
}
