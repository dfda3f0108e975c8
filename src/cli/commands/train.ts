// recur train: one model on one task, from flags (see `recur train --help`).

import { writeFileSync } from 'node:fs';
import { saveModel } from '../../node/files.js';
import { Sequential } from '../../model/sequential.js';
import { CsvTask } from '../../tasks/csv.js';
import type { Task } from '../../tasks/task.js';
import { TextTask } from '../../tasks/text.js';
import { createTask } from '../../node/tasks.js';
import { divergence } from '../../diagnostics/divergence.js';
import { MODEL_OPTIONS, RUNTIME_OPTIONS, TASK_OPTIONS, TRAINING_OPTIONS, UsageError, checkModelForTask, int, modelOptions, parse, str, taskConfig, trainConfig, type Values } from '../args.js';
import { checkTrainingMemory } from '../memory.js';
import { checkOutputDir, checkOutputFile, writeWithFallback } from '../outputs.js';
import { formatNumber, table } from '../progress.js';
import { reportFor } from '../report-data.js';
import { kernelsFrom, modelConfigFor, type CheckpointSetting } from '../session.js';
import { dashboardPort, trainWithViews } from '../views.js';

export const TRAIN_HELP = `recur train TASK-OPTIONS MODEL-OPTIONS TRAINING-OPTIONS [--save FILE] [--report FILE.html]
            [--dashboard [--port N]] [--checkpoint-dir DIR [--checkpoint-every N] [--checkpoint-keep N]]
            [--resume] [--json]

Trains one model on one task and prints its validation loss against the task's memoryless baseline.
Training stops early once the task counts as solved (--no-stop to run every step).

TASK-OPTIONS
  --task adding|copy|order   --length T               synthetic long-dependency tasks
  --task text  --text FILE [--seq N] [--shuffle-lines]  character-level model of a text file
                                                      (--shuffle-lines: one item a line, split at random)
  --task csv   --csv FILE --column NAME [--window N] [--horizon N]   forecasting one column
  --max-input-mb N (64)  the largest text or CSV file read
MODEL-OPTIONS
  --cell rnn|lstm|gru|indrnn|mingru|minlstm (lstm)  --activation tanh|sigmoid|relu|leaky_relu [--leak A] (rnn)
  --hidden N (64)  --layers N (1)  --bidirectional  --dropout P  --embed N (text: embedding size)
  --init default|xavier|xavier_normal|he|he_normal|orthogonal|identity [--init-scale S]
  --forget-bias B (lstm, minlstm)  --preset irnn (relu cell, identity init, clip-norm 1)
  --recurrent-max U (indrnn: |u| ≤ U after every update, u starts in U(0, U); default 2^(1/T))
                    indrnn: relu(W x + b + u ⊙ h), one recurrent weight per unit (Li et al. 2018);
                    mingru, minlstm: gates from x alone, a linear recurrence run as a scan
                    (Feng et al. 2024; stack them: --layers 2 or 3 --residual)
  --dilations 1,2,4,...  (one dilation per layer: layer k's state comes from t − d_k; sets --layers)
  --residual  (each layer's output plus its input, projected where the widths differ)
  --skip [--budget LAMBDA (1e-5)]  (Skip RNN: learns to skip state updates; budget loss λ·Σ u_t)
TRAINING-OPTIONS
  --optimizer sgd|momentum|nesterov|adam|adamw|rmsprop|adagrad (adam)  --lr X  --weight-decay X
  --schedule constant|step|exponential|cosine|plateau|onecycle [--warmup N]
  --clip-norm X | --clip-value X | --clip-adaptive K
  --steps N | --epochs N (text, csv)  --batch N (32)  --seed N (1)  --bptt N (truncated BPTT length)  --eval-every N  --no-stop
  --metrics-log FILE.jsonl
  A run whose training loss grows a hundredfold ends with a warning that it diverged (and "diverged": true in --json).
CHECKPOINTS
  --checkpoint-dir DIR [--checkpoint-every N (100)] [--checkpoint-keep N (3)]   the whole run state, atomically
  --resume   go on from the newest checkpoint in DIR (same flags); ends with the weights of an unbroken run
             (without --resume, a DIR that holds checkpoints is refused rather than overwritten)
OUTPUT
  --save FILE (model as safetensors)  --report FILE.html  --json (one JSON object, last line)
                       every output path is checked before training; a write that fails after it
                       goes to a new file in the temporary folder instead (the line says where; exit 1)
  --report FILE.html   a self-contained page: losses, learning rate, gradient norm and clipping,
                       gradient flow over time (at initialization, during training, at the end),
                       vital signs (update ratios, spectral radius, saturation, dead units, NaN guard)
  --dashboard [--port N]  the same views live on http://127.0.0.1:PORT/ while training (port 0,
                       the default, picks a free one; the URL goes to standard error). The server
                       stops when training ends; an open page keeps the final charts.
  --kernels js|wasm|auto  --threads N
  A model and batch that need more memory than the kernels hold (wasm: 4 GiB) are refused before training.`;

/** One epoch = one pass over the training part of a file task, in batches of windows. */
function epochsToSteps(task: Task, epochs: number, batch: number): number {
  if (task instanceof TextTask) return epochs * Math.max(1, Math.ceil(task.valStart / (task.seq * batch)));
  if (task instanceof CsvTask) return epochs * Math.max(1, Math.ceil(task.trainEnd / batch));
  throw new UsageError(`--epochs: the ${task.name} task draws fresh sequences every step, so it has no epochs; expected --steps N`);
}

/** --checkpoint-dir DIR [--checkpoint-every N] [--checkpoint-keep N] [--resume]. */
function checkpointSetting(v: Values): CheckpointSetting | undefined {
  const dir = str(v, 'checkpoint-dir');
  if (dir === undefined) {
    for (const f of ['checkpoint-every', 'checkpoint-keep', 'resume']) if (v[f] !== undefined) throw new UsageError(`--${f}: expected --checkpoint-dir DIR with it`);
    return undefined;
  }
  checkOutputDir('checkpoint-dir', dir);
  return { dir, every: int(v, 'checkpoint-every', 100, 1, 1e9), keep: int(v, 'checkpoint-keep', 3, 1, 1e6), resume: v.resume === true };
}

export async function trainCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, { ...TASK_OPTIONS, ...MODEL_OPTIONS, ...TRAINING_OPTIONS, ...RUNTIME_OPTIONS,
    save: { type: 'string' }, report: { type: 'string' }, dashboard: { type: 'boolean' }, port: { type: 'string' },
    'checkpoint-dir': { type: 'string' }, 'checkpoint-every': { type: 'string' }, 'checkpoint-keep': { type: 'string' }, resume: { type: 'boolean' } });
  if (v.help) { console.log(TRAIN_HELP); return 0; }
  const checkpoint = checkpointSetting(v);
  const tc = taskConfig(v)!;
  const mo = modelOptions(v);
  checkModelForTask(v, tc);
  const irnn = str(v, 'preset') === 'irnn';
  const defaults = { steps: tc.kind === 'text' ? 2000 : 3000, lr: irnn ? 1e-4 : tc.kind === 'text' ? 3e-3 : 1e-2, irnn };
  const cfg = trainConfig(v, defaults);
  // every output path before any work: a run is not spent only to fail at its last write
  for (const f of ['save', 'report', 'metrics-log']) if (str(v, f) !== undefined) checkOutputFile(f, str(v, f)!);
  const task = createTask(tc, { seed: cfg.seed });
  if (v.epochs !== undefined) cfg.steps = epochsToSteps(task, int(v, 'epochs', 1, 1, 1e6), cfg.batchSize);
  const kernels = kernelsFrom(v);
  const config = modelConfigFor(task, mo);
  checkTrainingMemory(config, task, { batch: cfg.batchSize, bptt: cfg.bptt, kernels, task: tc.kind });
  const model = new Sequential(config, { kernels, seed: cfg.seed });
  const json = v.json === true;
  const reportPath = str(v, 'report');
  const title = `recur train: ${task.name}`, command = 'recur ' + ['train', ...argv].join(' ');
  const run = await trainWithViews(task, model, cfg, {
    dashboard: v.dashboard === true, port: dashboardPort(v), report: reportPath !== undefined,
    title, command, name: mo.cell, checkpoint, metricsLog: cfg.metricsLog, announceKernels: true,
  });
  const summary = run.summary;
  // the run is done: from here on nothing may lose it (a failed write falls back to a temporary file)
  let lost = false;
  const say = (w: { warning: string | null }): void => { if (w.warning) { process.stderr.write(`recur: ${w.warning}\n`); lost = true; } };
  if (str(v, 'save')) {
    const extra: Record<string, string> = { 'recur.task': JSON.stringify(task.describe()) };
    if (task.vocab) extra['recur.vocab'] = JSON.stringify(task.vocab);
    if (task instanceof CsvTask) extra['recur.norm'] = JSON.stringify({ mean: task.mean, std: task.std, window: task.window, horizon: task.horizon });
    say(writeWithFallback('save', str(v, 'save')!, (to) => saveModel(model, to, extra)));
  }
  if (reportPath !== undefined) {
    const html = reportFor(title, command, [run]);
    const w = writeWithFallback('report', reportPath, (to) => writeFileSync(to, html));
    say(w);
    if (w.file) process.stderr.write(`report: ${w.file}\n`);
  }
  const verdict = divergence(run.result.history.steps.map((s) => s.loss));
  const diverged = verdict?.diverged === true;
  if (diverged) {
    process.stderr.write(`recur: warning: training diverged (the training loss went from ${formatNumber(verdict!.start)} to ${formatNumber(verdict!.end)}): ` +
      `try --lr ${Number(((cfg.optimizer.lr ?? defaults.lr) / 100).toPrecision(2))} or lower, --clip-norm 1, or --warmup ${Math.max(10, Math.round(cfg.steps / 20))}\n`);
  }
  if (json) {
    console.log(JSON.stringify({ ...summary, diverged }));
  } else {
    console.log(table(['task', 'cell', 'steps', 'seconds', 'train loss', 'val loss', 'baseline', 'accuracy', 'solved'], [[
      summary.task, summary.cell + (summary.activation ? ` (${summary.activation})` : ''), String(summary.steps), String(summary.seconds),
      formatNumber(summary.trainLoss), formatNumber(summary.valLoss), formatNumber(summary.baselineLoss),
      summary.accuracy === null ? '-' : `${(summary.accuracy * 100).toFixed(1)}%`, summary.solved ? 'yes' : diverged ? 'no (diverged)' : 'no',
    ]]));
    if (summary.updateFraction !== undefined) console.log(`state updates used: ${(summary.updateFraction * 100).toFixed(1)}% of the time steps`);
    if (summary.nanSkipped) console.log(`NaN guard: ${summary.nanSkipped} steps skipped, ${summary.rollbacks} rollbacks`);
  }
  return lost ? 1 : 0;
}

