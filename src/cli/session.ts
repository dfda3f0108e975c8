// Shared by the commands that train: build the kernels, the task and a model shaped for the task,
// run the trainer with progress, and summarise the result as the --json fields CLI.md lists.

import { Rng } from '../tensor/rng.js';
import { cellSpec } from '../cells/table.js';
import { describeKernels, kernelsText } from '../kernels/index.js';
import { createKernels } from '../node/kernels.js';
import type { DType, Kernels } from '../kernels/types.js';
import type { ModelConfig } from '../model/config.js';
import { Sequential } from '../model/sequential.js';
import type { Task } from '../tasks/task.js';
import { summarizeVitals, type VitalsSummary } from '../diagnostics/vitals-summary.js';
import { VitalsRecorder, mergeCallbacks } from '../diagnostics/vitals.js';
import { Checkpointer, assertFresh, type CheckpointOptions } from '../node/checkpoint-dir.js';
import { metricsLog } from '../node/metrics-log.js';
import { Trainer, type TrainCallbacks, type TrainConfig, type TrainResult } from '../train/trainer.js';
import { updateFractionOn } from '../diagnostics/updates.js';
import { UsageError, type ModelOptions, type Values, choice, int, str } from './args.js';
import { Progress, formatNumber } from './progress.js';

/**
 * --kernels (default auto) and --threads, checked without building anything. RECUR_KERNELS=js|wasm|auto
 * overrides auto (and only auto: an explicit --kernels is what was asked for); the library never reads it.
 */
export function kernelFlags(v: Values): { kind: 'js' | 'wasm' | 'auto'; threads: number } {
  let kind = choice(v, 'kernels', ['js', 'wasm', 'auto'] as const, 'auto');
  const env = process.env['RECUR_KERNELS'];
  if (kind === 'auto' && env !== undefined && env !== '') {
    if (env !== 'js' && env !== 'wasm' && env !== 'auto') throw new UsageError(`RECUR_KERNELS: expected js, wasm or auto, received ${JSON.stringify(env)}`);
    kind = env;
  }
  return { kind, threads: int(v, 'threads', 1, 1, 64) };
}

/** The kernels of --kernels and --threads, for a model of `dtype`. */
export function kernelsFrom(v: Values, dtype: DType = 'float32'): Kernels {
  const { kind, threads } = kernelFlags(v);
  try {
    return createKernels({ kind, dtype, threads });
  } catch (e) {
    throw new UsageError(`--kernels ${kind}: ${(e as Error).message}`);
  }
}

export function modelConfigFor(task: Task, o: ModelOptions): ModelConfig {
  const { embedDim, ...rest } = o;
  const input = task.input.kind === 'tokens' && embedDim !== undefined ? { ...task.input, embedDim } : task.input;
  const config: ModelConfig = { ...rest, input, outputSize: task.outputSize, outputMode: task.outputMode, dtype: 'float32' };
  // IndRNN: |u| ≤ 2^{1/T} for the task's sequences of T steps (Li et al.), unless given
  // (T read off one sequence, not the validation set: that may be far larger than the memory check allows)
  if (cellSpec(config.cell).recurrent === 'vector' && config.recurrentMax === undefined) {
    const t = task.trainBatch(new Rng(0), 1).t;
    if (t) config.recurrentMax = 2 ** (1 / t);
  }
  return config;
}

export interface RunSummary {
  task: string; cell: string; activation: string | null; hidden: number; params: number; kernels: string;
  steps: number; seconds: number; trainLoss: number; valLoss: number; baselineLoss: number | null;
  accuracy: number | null; solved: boolean; nanSkipped: number; rollbacks: number;
  /** Skip RNN models: state updates used / time steps, on the validation set. */
  updateFraction?: number;
}

/** Checkpoints of a run: into `dir` every `every` steps; `resume` goes on from the newest. */
export type CheckpointSetting = CheckpointOptions & { resume: boolean };

export interface TrainingOptions {
  /** Save checkpoints (and with `resume`, go on from the newest one first). */
  checkpoint?: CheckpointSetting;
  /** Record vital signs and the gradient heatmap during training (diagnostics/vitals.ts); default true. */
  vitals?: boolean;
  /** Stop after the step during which this many seconds of training have passed. */
  deadlineSeconds?: number;
  /** Say on standard error which kernels ran (when the run has finished). */
  announceKernels?: boolean;
  /** Write the trainer's records to this JSON-lines file (--metrics-log). */
  metricsLog?: string;
  /** After every step, with the run as it stands (for the live dashboard). */
  onLive?: (live: () => TrainingOutcome, step: number) => void;
}

export interface TrainingOutcome { result: TrainResult; summary: RunSummary; vitals: VitalsSummary | null }

interface Prepared { trainer: Trainer; recorder: VitalsRecorder | null; progress: Progress; announceKernels: boolean }

function prepare(label: string, task: Task, model: Sequential, config: TrainConfig, quiet: boolean, o: TrainingOptions): Prepared {
  const checkpoint = o.checkpoint;
  if (checkpoint && !checkpoint.resume) assertFresh(checkpoint.dir);
  let checkpointer: Checkpointer | null = null;
  const progress = new Progress({ total: config.steps, label, quiet, seconds: config.seconds });
  let lastVal = NaN;
  const recorder = o.vitals === false ? null : new VitalsRecorder(model, { steps: config.steps });
  const own: TrainCallbacks = {
    onStep: (s) => {
      if (o.onLive) o.onLive(() => liveOutcome(p, task, model, config), s.step);
    },
    onEval: (e) => { lastVal = e.valLoss; },
    onNanGuard: (e) => { if (!quiet && e.kind === 'rollback') process.stderr.write(`\n${label} step ${e.step}: ${e.reason}\n`); },
    // drawn once the step is complete, its evaluation included (the last line shows the final one); "-" before any
    onStepEnd: (s) => {
      progress.update(s.step, { loss: formatNumber(s.loss), val: Number.isNaN(lastVal) ? '-' : formatNumber(lastVal) });
      checkpointer?.afterStep();
    },
  };
  // the recorder first: its onStep completes the record the live view then shows
  const callbacks = mergeCallbacks(...(recorder ? [recorder.callbacks()] : []), own, ...(o.metricsLog ? [metricsLog(o.metricsLog)] : []));
  const trainer = new Trainer(model, task, config, callbacks);
  if (checkpoint) {
    checkpointer = new Checkpointer(trainer, { ...checkpoint, metricsLog: o.metricsLog });
    if (checkpoint.resume) {
      // vital signs and the heatmap cover the steps of this process only
      resumeFrom(checkpointer, model, quiet);
      lastVal = trainer.loop.last?.valLoss ?? NaN;
    }
  }
  const p: Prepared = { trainer, recorder, progress, announceKernels: o.announceKernels === true };
  return p;
}

function finish(p: Prepared, task: Task, model: Sequential, config: TrainConfig, result: TrainResult): TrainingOutcome {
  p.progress.done();
  p.recorder?.finish();
  // at the end, so that a refusal during the run stays the one line on standard error
  if (p.announceKernels) process.stderr.write(`recur: kernels ${kernelsText(describeKernels(model.kernels))}\n`);
  return { result, summary: summarize(task, model, result, true), vitals: p.recorder ? summarizeVitals(p.recorder, { clip: config.clip }) : null };
}

/** The run so far, without evaluating (the last evaluation's losses). */
function liveOutcome(p: Prepared, task: Task, model: Sequential, config: TrainConfig): TrainingOutcome {
  const result = p.trainer.progress();
  return { result, summary: summarize(task, model, result), vitals: p.recorder ? summarizeVitals(p.recorder, { clip: config.clip }) : null };
}

export function runTraining(label: string, task: Task, model: Sequential, config: TrainConfig, quiet: boolean, o: TrainingOptions = {}): TrainingOutcome {
  const p = prepare(label, task, model, config, quiet, o);
  if (o.deadlineSeconds === undefined) return finish(p, task, model, config, p.trainer.train());
  for (const s of p.trainer.run()) if (s.seconds >= o.deadlineSeconds) break;
  return finish(p, task, model, config, p.trainer.result());
}

/** As runTraining, handing the event loop a turn after every step (so a server keeps answering). */
export async function runTrainingAsync(label: string, task: Task, model: Sequential, config: TrainConfig, quiet: boolean, o: TrainingOptions = {}): Promise<TrainingOutcome> {
  const p = prepare(label, task, model, config, quiet, o);
  return finish(p, task, model, config, await p.trainer.trainAsync(1));
}

function summarize(task: Task, model: Sequential, result: TrainResult, final = false): RunSummary {
  const mc = model.config;
  return {
    task: str(task.describe() as Values, 'task') ?? task.name, cell: mc.cell, activation: mc.cell === 'rnn' ? mc.activation ?? 'tanh' : null,
    hidden: mc.hiddenSize, params: model.paramCount, kernels: kernelsText(describeKernels(model.kernels)),
    steps: result.steps, seconds: round(result.seconds, 2), trainLoss: result.trainLoss, valLoss: result.valLoss,
    baselineLoss: result.baselineLoss, accuracy: result.accuracy, solved: result.solved,
    nanSkipped: result.nanSkipped, rollbacks: result.rollbacks,
    // a pass over the validation set: at the end only, not for every live view
    ...(final && mc.skip ? { updateFraction: round(updateFractionOn(model, task), 4) } : {}),
  };
}

function resumeFrom(checkpointer: Checkpointer, model: Sequential, quiet: boolean): void {
  const info = checkpointer.resume();
  const say = (line: string): void => { if (!quiet) process.stderr.write(`recur: ${line}\n`); };
  if (!info) { say(`no checkpoint in ${checkpointer.dir} yet: starting at step 0`); return; }
  say(`resuming from ${info.file} (step ${info.step} of ${checkpointer.trainer.config.steps})`);
  if (info.kernels !== model.kernels.name) {
    process.stderr.write(`recur: the checkpoint was written with the ${info.kernels} kernels and this run uses ${model.kernels.name}: it goes on, but not bit for bit as the first run would have\n`);
  }
}

export function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
