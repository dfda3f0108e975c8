// Commands that use a saved model: eval, sample, forecast.

import { RecurError } from '../../errors.js';
import { loadModel } from '../../model/io.js';
import { rollForecast, sampleTokens } from '../../model/sample.js';
import { parseCsvColumn } from '../../tasks/csv.js';
import { createTask } from '../../tasks/index.js';
import { readTextFile } from '../../tasks/text.js';
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
  const { model } = loadModel(modelFile(v));
  const task = createTask(taskConfig(v)!, { seed: int(v, 'seed', 1, 0, 2 ** 32 - 1) });
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
  const vocabJson = metadata['recur.vocab'];
  if (!vocabJson) throw new RecurError('this model has no vocabulary: sampling needs a model trained with --task text');
  const vocab = parseVocab(vocabJson);
  const ids = new Map(vocab.map((ch, i) => [ch, i]));
  const prefix = str(v, 'prefix') ?? (ids.has('\n') ? '\n' : vocab[0]);
  const prefixIds = Array.from(prefix, (ch) => {
    const id = ids.get(ch);
    if (id === undefined) throw new RecurError(`--prefix: the character ${JSON.stringify(ch)} is not in the model's vocabulary`);
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

function parseVocab(s: string): string[] {
  let v: unknown;
  try { v = JSON.parse(s); } catch { throw new RecurError('the model file\'s vocabulary is not valid JSON'); }
  if (!Array.isArray(v) || v.some((c) => typeof c !== 'string')) throw new RecurError('the model file\'s vocabulary: expected a JSON array of strings');
  return v as string[];
}

export function forecastCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...RUNTIME_OPTIONS, model: { type: 'string' }, csv: { type: 'string' }, column: { type: 'string' }, steps: { type: 'string' } });
  if (v.help) { console.log('recur forecast --model FILE --csv FILE --column NAME --steps N [--json]\n\nForecasts the next N values of a CSV column after its last row.'); return 0; }
  const { model, metadata } = loadModel(modelFile(v));
  const csv = str(v, 'csv'), column = str(v, 'column');
  if (!csv || !column) throw new UsageError('recur forecast: expected --csv FILE and --column NAME');
  const steps = int(v, 'steps', 1, 1, 1e6);
  const norm = metadata['recur.norm'] ? JSON.parse(metadata['recur.norm']) as { mean: number; std: number; window: number; horizon?: number } : null;
  if (!norm || typeof norm.mean !== 'number' || typeof norm.std !== 'number' || !Number.isInteger(norm.window)) {
    throw new RecurError('this model has no normalisation record: forecasting needs a model trained with --task csv');
  }
  if ((norm.horizon ?? 1) !== 1 && steps > 1) throw new UsageError(`--steps: this model predicts ${norm.horizon} steps ahead in one go, so it cannot be rolled forward; expected --steps 1`);
  const series = parseCsvColumn(readTextFile(csv, 'CSV file'), column, csv);
  if (series.length < norm.window) throw new RecurError(`--csv: expected at least ${norm.window} rows in column ${column}, found ${series.length}`);
  const window = series.slice(-norm.window).map((x) => (x - norm.mean) / norm.std);
  const forecast = rollForecast(model, window, steps).map((z) => z * norm.std + norm.mean);
  if (v.json) console.log(JSON.stringify({ column, steps, forecast }));
  else console.log(forecast.map((x, i) => `t+${i + 1}\t${formatNumber(x, 6)}`).join('\n'));
  return 0;
}
