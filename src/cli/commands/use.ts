// Commands that use a saved model: eval, sample, forecast.

import { RecurError } from '../../errors.js';
import type { Sequential } from '../../model/sequential.js';
import type { Kernels } from '../../kernels/types.js';
import type { LoadedModel } from '../../model/io.js';
import { modelVocab } from '../../model/vocab.js';
import { loadModel, readTextFile } from '../../node/files.js';
import { DEFAULT_MAX_INPUT_MB } from '../../node/read-limited.js';
import { finite, int as intField, object, parseJsonText } from '../../model/untrusted-json.js';
import { rollForecast, sampleTokens } from '../../model/sample.js';
import { parseCsvColumn } from '../../tasks/csv.js';
import { createTask, csvTaskFromFile, textTaskFromFile } from '../../node/tasks.js';
import type { Task } from '../../tasks/task.js';
import { Rng } from '../../tensor/rng.js';
import { evaluate } from '../../train/trainer.js';
import { RUNTIME_OPTIONS, TASK_OPTIONS, UsageError, int, num, parse, str, taskConfig, type Values } from '../args.js';
import { checkMemory, sizeFlags, taskShapes } from '../memory.js';
import { formatNumber, table } from '../progress.js';
import { kernelFlags, kernelsFrom } from '../session.js';

/** Draws of an empty line before sample gives up and prints it (a model that has learned little). */
const EMPTY_TRIES = 100;

const SAMPLE_HELP = `recur sample --model FILE [--prefix TEXT] [--count N] [--length N] [--temperature X] [--seed N]
             [--kernels js|wasm|auto] [--threads N] [--json]

Samples text from a model trained with --task text.
Without --prefix each sample is one line, as for names-style data: it starts after a newline and
stops at the next one (an empty line is drawn again, up to ${EMPTY_TRIES} times), at most --length
characters (200). With --prefix TEXT each sample is TEXT and --length characters after it,
newlines included.`;

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
  if (v.help) { console.log('recur eval --model FILE TASK-OPTIONS [--kernels js|wasm|auto] [--threads N] [--json]\n\nValidation loss of a saved model on a task, against the task\'s baseline.'); return 0; }
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
    length: { type: 'string' }, temperature: { type: 'string' }, seed: { type: 'string' } });
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
  const rng = new Rng(int(v, 'seed', 1, 0, 2 ** 32 - 1));
  const newline = ids.get('\n');
  const samples: string[] = [];
  const lines = str(v, 'prefix') === undefined && newline !== undefined;
  for (let i = 0; i < count; i++) {
    // names-style data: one sample a line, stopped at the newline, an empty line drawn again
    // (up to EMPTY_TRIES times); free text: `length` characters
    let toks: number[] = [];
    for (let k = 0; k < (lines ? EMPTY_TRIES : 1) && toks.length === 0; k++) toks = sampleTokens(model, prefixIds, length, temperature, rng, lines ? newline : undefined);
    samples.push((str(v, 'prefix') ?? '') + toks.map((t) => vocab[t]).join(''));
  }
  if (v.json) console.log(JSON.stringify({ samples }));
  else console.log(samples.join('\n'));
  return 0;
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
    const vocab = modelVocab(metadata, model.config);
    if (!vocab) throw new RecurError('--task text: expected a model trained with --task text (one with a vocabulary), received one without');
    return textTaskFromFile(tc.file, { seq: tc.seq, shuffleLines: tc.shuffleLines, vocab, maxBytes: tc.maxBytes });
  }
  if (tc.kind === 'csv') {
    const norm = modelNorm(metadata);
    if (!norm) throw new RecurError('--task csv: expected a model trained with --task csv (one with a normalisation record), received one without');
    for (const f of ['window', 'horizon'] as const) {
      if (v[f] !== undefined && tc[f] !== norm[f]) throw new UsageError(`--${f}: expected ${norm[f]} (the model's), received ${tc[f]}`);
    }
    return csvTaskFromFile(tc.file, { column: tc.column, window: norm.window, horizon: norm.horizon, norm, maxBytes: tc.maxBytes });
  }
  return createTask(tc, { seed });
}

export function forecastCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...RUNTIME_OPTIONS, model: { type: 'string' }, csv: { type: 'string' }, column: { type: 'string' }, steps: { type: 'string' }, 'max-input-mb': { type: 'string' } });
  if (v.help) { console.log('recur forecast --model FILE --csv FILE --column NAME --steps N [--max-input-mb N] [--kernels js|wasm|auto] [--threads N] [--json]\n\nForecasts the next N values of a CSV column after its last row.'); return 0; }
  const { model, metadata } = loadForUse(v);
  const csv = str(v, 'csv'), column = str(v, 'column');
  if (!csv || !column) throw new UsageError('recur forecast: expected --csv FILE and --column NAME');
  const steps = int(v, 'steps', 1, 1, 1e6);
  const norm = modelNorm(metadata);
  if (!norm) throw new RecurError('this model has no normalisation record: forecasting needs a model trained with --task csv');
  if (norm.horizon !== 1 && steps > 1) throw new UsageError(`--steps: this model predicts ${norm.horizon} steps ahead in one go, so it cannot be rolled forward; expected --steps 1`);
  const series = parseCsvColumn(readTextFile(csv, 'CSV file', int(v, 'max-input-mb', DEFAULT_MAX_INPUT_MB, 1, 1 << 20) * 2 ** 20), column, csv);
  if (series.length < norm.window) throw new RecurError(`--csv: expected at least ${norm.window} rows in column ${column}, found ${series.length}`);
  const window = series.slice(-norm.window).map((x) => (x - norm.mean) / norm.std);
  const forecast = rollForecast(model, window, steps).map((z) => z * norm.std + norm.mean);
  if (v.json) console.log(JSON.stringify({ column, steps, forecast }));
  else console.log(forecast.map((x, i) => `t+${i + 1}\t${formatNumber(x, 6)}`).join('\n'));
  return 0;
}
