// recur train: one model on one task, from flags (see `recur train --help`).

import { writeFileSync } from 'node:fs';
import { saveModel } from '../../model/io.js';
import { Sequential } from '../../model/sequential.js';
import { CsvTask } from '../../tasks/csv.js';
import type { Task } from '../../tasks/task.js';
import { TextTask } from '../../tasks/text.js';
import { createTask } from '../../tasks/index.js';
import { MODEL_OPTIONS, RUNTIME_OPTIONS, TASK_OPTIONS, TRAINING_OPTIONS, UsageError, int, modelOptions, parse, str, taskConfig, trainConfig } from '../args.js';
import { formatNumber, table } from '../progress.js';
import { reportFor } from '../report-data.js';
import { kernelsFrom, modelConfigFor, runTraining } from '../session.js';

export const TRAIN_HELP = `recur train TASK-OPTIONS MODEL-OPTIONS TRAINING-OPTIONS [--save FILE] [--report FILE.html] [--json]

Trains one model on one task and prints its validation loss against the task's memoryless baseline.
Training stops early once the task counts as solved (--no-stop to run every step).

TASK-OPTIONS
  --task adding|copy|order   --length T               synthetic long-dependency tasks
  --task text  --text FILE [--seq N] [--shuffle-lines]  character-level model of a text file
                                                      (--shuffle-lines: one item a line, split at random)
  --task csv   --csv FILE --column NAME [--window N] [--horizon N]   forecasting one column
MODEL-OPTIONS
  --cell rnn|lstm|gru (lstm)  --activation tanh|sigmoid|relu|leaky_relu [--leak A]  --hidden N (64)
  --layers N (1)  --bidirectional  --dropout P  --embed N (text: embedding size)
  --init default|xavier|xavier_normal|he|he_normal|orthogonal|identity [--init-scale S]
  --forget-bias B (lstm)  --preset irnn (relu cell, identity init, clip-norm 1)
  --dilations 1,2,4,...  (one dilation per layer: layer k's state comes from t − d_k; sets --layers)
  --residual  (each layer's output plus its input, projected where the widths differ)
  --skip [--budget LAMBDA (1e-5)]  (Skip RNN: learns to skip state updates; budget loss λ·Σ u_t)
TRAINING-OPTIONS
  --optimizer sgd|momentum|nesterov|adam|adamw|rmsprop|adagrad (adam)  --lr X  --weight-decay X
  --schedule constant|step|exponential|cosine|plateau|onecycle [--warmup N]
  --clip-norm X | --clip-value X | --clip-adaptive K
  --steps N | --epochs N (text, csv)  --batch N (32)  --seed N (1)  --bptt N (truncated BPTT length)  --eval-every N  --no-stop
  --metrics-log FILE.jsonl
OUTPUT
  --save FILE (model as safetensors)  --report FILE.html  --json (one JSON object, last line)
  --kernels js|wasm|auto  --threads N`;

/** One epoch = one pass over the training part of a file task, in batches of windows. */
function epochsToSteps(task: Task, epochs: number, batch: number): number {
  if (task instanceof TextTask) return epochs * Math.max(1, Math.ceil(task.valStart / (task.seq * batch)));
  if (task instanceof CsvTask) return epochs * Math.max(1, Math.ceil(task.trainEnd / batch));
  throw new UsageError(`--epochs: the ${task.name} task draws fresh sequences every step, so it has no epochs; expected --steps N`);
}

export function trainCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...TASK_OPTIONS, ...MODEL_OPTIONS, ...TRAINING_OPTIONS, ...RUNTIME_OPTIONS,
    save: { type: 'string' }, report: { type: 'string' }, dashboard: { type: 'boolean' }, port: { type: 'string' },
    'checkpoint-dir': { type: 'string' }, 'checkpoint-every': { type: 'string' }, resume: { type: 'boolean' } });
  if (v.help) { console.log(TRAIN_HELP); return 0; }
  for (const f of ['dashboard', 'port', 'checkpoint-dir', 'checkpoint-every', 'resume']) {
    if (v[f] !== undefined) throw new UsageError(`--${f}: not available in this version yet`);
  }
  const tc = taskConfig(v)!;
  const mo = modelOptions(v);
  const irnn = str(v, 'preset') === 'irnn';
  const defaults = { steps: tc.kind === 'text' ? 2000 : 3000, lr: irnn ? 1e-4 : tc.kind === 'text' ? 3e-3 : 1e-2, irnn };
  const cfg = trainConfig(v, defaults);
  const task = createTask(tc, { seed: cfg.seed });
  if (v.epochs !== undefined) cfg.steps = epochsToSteps(task, int(v, 'epochs', 1, 1, 1e6), cfg.batchSize);
  const kernels = kernelsFrom(v);
  const model = new Sequential(modelConfigFor(task, mo), { kernels, seed: cfg.seed });
  const json = v.json === true;
  const { result, summary } = runTraining(`${mo.cell}`, task, model, cfg, false);
  if (str(v, 'save')) {
    const extra: Record<string, string> = { 'recur.task': JSON.stringify(task.describe()) };
    if (task.vocab) extra['recur.vocab'] = JSON.stringify(task.vocab);
    if (task instanceof CsvTask) extra['recur.norm'] = JSON.stringify({ mean: task.mean, std: task.std, window: task.window, horizon: task.horizon });
    saveModel(model, str(v, 'save')!, extra);
  }
  if (str(v, 'report')) writeFileSync(str(v, 'report')!, reportFor(`recur train: ${task.name}`, 'recur ' + ['train', ...argv].join(' '), [{ name: mo.cell, result, summary, config: model.config }]));
  if (json) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(table(['task', 'cell', 'steps', 'seconds', 'train loss', 'val loss', 'baseline', 'accuracy', 'solved'], [[
      summary.task, summary.cell + (summary.activation ? ` (${summary.activation})` : ''), String(summary.steps), String(summary.seconds),
      formatNumber(summary.trainLoss), formatNumber(summary.valLoss), formatNumber(summary.baselineLoss),
      summary.accuracy === null ? '-' : `${(summary.accuracy * 100).toFixed(1)}%`, summary.solved ? 'yes' : 'no',
    ]]));
    if (summary.updateFraction !== undefined) console.log(`state updates used: ${(summary.updateFraction * 100).toFixed(1)}% of the time steps`);
    if (summary.nanSkipped) console.log(`NaN guard: ${summary.nanSkipped} steps skipped, ${summary.rollbacks} rollbacks`);
  }
  return 0;
}
