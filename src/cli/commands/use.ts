// Commands that use a saved model: eval, sample, forecast.

import { RecurError } from '../../errors.js';
import type { Sequential } from '../../model/sequential.js';
import { loadModel, readTextFile } from '../../node/files.js';
import { finite, int as intField, object, parseJsonText } from '../../model/untrusted-json.js';
import { rollForecast, sampleTokens } from '../../model/sample.js';
import { parseCsvColumn } from '../../tasks/csv.js';
import { createTask, csvTaskFromFile, textTaskFromFile } from '../../node/tasks.js';
import type { Task } from '../../tasks/task.js';
import { Rng } from '../../tensor/rng.js';
import { evaluate } from '../../train/trainer.js';
import { RUNTIME_OPTIONS, TASK_OPTIONS, UsageError, int, num, parse, str, taskConfig } from '../args.js';
import { formatNumber, table } from '../progress.js';

function modelFile(v: Record<string, unknown>): string {
  const f = v.model;
  if (typeof f !== 'string') throw new UsageError('--model: expected a model file saved by recur train --save');
  return f;
}

export function evalCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...TASK_OPTIONS, ...RUNTIME_OPTIONS, model: { type: 'string' }, seed: { type: 'string' } });
  if (v.help) { console.log('recur eval --model FILE TASK-OPTIONS [--json]\n\nValidation loss of a saved model on a task, against the task\'s baseline.'); return 0; }
  const { model, metadata } = loadModel(modelFile(v));
  const task = evalTask(v, model, metadata);
  const mi = model.config.input, ti = task.input;
  const inputs = (i: typeof mi): string => (i.kind === 'tokens' ? `${i.vocabSize} token ids` : `${i.size} features`);
  if (mi.kind !== ti.kind || (mi.kind === 'tokens' ? ti.kind === 'tokens' && mi.vocabSize !== ti.vocabSize : ti.kind === 'features' && mi.size !== ti.size)) {
    throw new RecurError(`the model does not fit task ${task.name}: expected a task with ${inputs(mi)} in (the model's), received one with ${inputs(ti)}`);
  }
  if (task.outputSize !== model.config.outputSize || task.outputMode !== model.config.outputMode) {
    throw new RecurError(`the model does not fit task ${task.name}: it has ${model.config.outputSize} outputs on the ${model.config.outputMode} step(s), the task needs ${task.outputSize} on ${task.outputMode}`);
  }
  const r = evaluate(model, task);
  const out = { task: task.name, valLoss: r.loss, baselineLoss: task.baselineLoss, accuracy: r.accuracy, solved: task.solved(r.loss, r.accuracy) };
  if (v.json) console.log(JSON.stringify(out));
  else console.log(table(['task', 'val loss', 'baseline', 'accuracy', 'solved'], [[out.task, formatNumber(out.valLoss), formatNumber(out.baselineLoss), out.accuracy === null ? '-' : `${(out.accuracy * 100).toFixed(1)}%`, out.solved ? 'yes' : 'no']]));
  return 0;
}

export function sampleCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...RUNTIME_OPTIONS, model: { type: 'string' }, prefix: { type: 'string' }, count: { type: 'string' },
    length: { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string' } });
  if (v.help) { console.log('recur sample --model FILE [--prefix TEXT] [--count N] [--length N] [--temperature X] [--seed N] [--json]\n\nSamples text from a model trained with --task text.'); return 0; }
  const { model, metadata } = loadModel(modelFile(v));
  const vocab = modelVocab(metadata, model);
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
  const rng = new Rng(int(v, 'seed', 1, 0, 2 ** 32 - 1));
  const newline = ids.get('\n');
  const samples: string[] = [];
  for (let i = 0; i < count; i++) {
    // names-style data: one sample a line, stopped at the newline; free text: `length` characters
    const toks = sampleTokens(model, prefixIds, length, temperature, rng, str(v, 'prefix') === undefined ? newline : undefined);
    samples.push((str(v, 'prefix') ?? '') + toks.map((t) => vocab[t]).join(''));
  }
  if (v.json) console.log(JSON.stringify({ samples }));
  else console.log(samples.join('\n'));
  return 0;
}

/** The vocabulary a text model was saved with: one distinct character per output; null when there is none. */
function modelVocab(metadata: Record<string, string>, model: Sequential): string[] | null {
  const text = metadata['recur.vocab'];
  if (text === undefined) return null;
  const where = 'model file metadata "recur.vocab"';
  const n = model.config.outputSize;
  const v = parseJsonText(text, where, 1);
  if (!Array.isArray(v) || v.length !== n) throw new RecurError(`${where}: expected an array of ${n} characters (one per output), received ${Array.isArray(v) ? `${v.length} entries` : typeof v}`);
  v.forEach((c, i) => {
    if (typeof c !== 'string' || Array.from(c).length !== 1) throw new RecurError(`${where}[${i}]: expected one character, received ${JSON.stringify(c).slice(0, 40)}`);
  });
  if (new Set(v).size !== v.length) throw new RecurError(`${where}: expected distinct characters, received a repeated one`);
  return v as string[];
}

/** The normalisation a CSV model was saved with; null when there is none. */
function modelNorm(metadata: Record<string, string>): { mean: number; std: number; window: number; horizon: number } | null {
  const text = metadata['recur.norm'];
  if (text === undefined) return null;
  const where = 'model file metadata "recur.norm"';
  const o = object(parseJsonText(text, where, 1), where, ['mean', 'std', 'window', 'horizon']);
  const std = finite(o.std, `${where} field "std"`);
  if (!(std > 0)) throw new RecurError(`${where} field "std": expected a number > 0, received ${std}`);
  return { mean: finite(o.mean, `${where} field "mean"`), std, window: intField(o.window, `${where} field "window"`, 1, 100000), horizon: intField(o.horizon, `${where} field "horizon"`, 1, 100000) };
}

/**
 * The task to evaluate a saved model on. Text: encoded with the model's vocabulary (a character
 * it lacks is named with its line and column). CSV: the model's normalisation, window and horizon.
 */
function evalTask(v: Record<string, string | boolean | undefined>, model: Sequential, metadata: Record<string, string>): Task {
  const tc = taskConfig(v)!;
  const seed = int(v, 'seed', 1, 0, 2 ** 32 - 1);
  if (tc.kind === 'text') {
    const vocab = modelVocab(metadata, model);
    if (!vocab) throw new RecurError('--task text: expected a model trained with --task text (one with a vocabulary), received one without');
    return textTaskFromFile(tc.file, { seq: tc.seq, shuffleLines: tc.shuffleLines, vocab });
  }
  if (tc.kind === 'csv') {
    const norm = modelNorm(metadata);
    if (!norm) throw new RecurError('--task csv: expected a model trained with --task csv (one with a normalisation record), received one without');
    for (const f of ['window', 'horizon'] as const) {
      if (v[f] !== undefined && tc[f] !== norm[f]) throw new UsageError(`--${f}: expected ${norm[f]} (the model's), received ${tc[f]}`);
    }
    return csvTaskFromFile(tc.file, { column: tc.column, window: norm.window, horizon: norm.horizon, norm });
  }
  return createTask(tc, { seed });
}

export function forecastCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...RUNTIME_OPTIONS, model: { type: 'string' }, csv: { type: 'string' }, column: { type: 'string' }, steps: { type: 'string' } });
  if (v.help) { console.log('recur forecast --model FILE --csv FILE --column NAME --steps N [--json]\n\nForecasts the next N values of a CSV column after its last row.'); return 0; }
  const { model, metadata } = loadModel(modelFile(v));
  const csv = str(v, 'csv'), column = str(v, 'column');
  if (!csv || !column) throw new UsageError('recur forecast: expected --csv FILE and --column NAME');
  const steps = int(v, 'steps', 1, 1, 1e6);
  const norm = modelNorm(metadata);
  if (!norm) throw new RecurError('this model has no normalisation record: forecasting needs a model trained with --task csv');
  if (norm.horizon !== 1 && steps > 1) throw new UsageError(`--steps: this model predicts ${norm.horizon} steps ahead in one go, so it cannot be rolled forward; expected --steps 1`);
  const series = parseCsvColumn(readTextFile(csv, 'CSV file'), column, csv);
  if (series.length < norm.window) throw new RecurError(`--csv: expected at least ${norm.window} rows in column ${column}, found ${series.length}`);
  const window = series.slice(-norm.window).map((x) => (x - norm.mean) / norm.std);
  const forecast = rollForecast(model, window, steps).map((z) => z * norm.std + norm.mean);
  if (v.json) console.log(JSON.stringify({ column, steps, forecast }));
  else console.log(forecast.map((x, i) => `t+${i + 1}\t${formatNumber(x, 6)}`).join('\n'));
  return 0;
}
