// Shared by the commands that train: build the kernels, the task and a model shaped for the task,
// run the trainer with progress, and summarise the result as the --json fields CLI.md lists.

import { createKernels } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import type { ModelConfig } from '../model/config.js';
import { Sequential } from '../model/sequential.js';
import type { Task } from '../tasks/task.js';
import { Checkpointer, assertFresh, type CheckpointOptions } from '../train/checkpoint-dir.js';
import { Trainer, type TrainConfig, type TrainResult } from '../train/trainer.js';
import { UsageError, type ModelOptions, type Values, choice, int, str } from './args.js';
import { Progress, formatNumber } from './progress.js';

export function kernelsFrom(v: Values): Kernels {
  const kind = choice(v, 'kernels', ['js', 'wasm', 'auto'] as const, 'auto');
  const threads = int(v, 'threads', 1, 1, 64);
  try {
    return createKernels({ kind, dtype: 'float32', threads });
  } catch (e) {
    throw new UsageError(`--kernels ${kind}: ${(e as Error).message}`);
  }
}

export function modelConfigFor(task: Task, o: ModelOptions): ModelConfig {
  const { embedDim, ...rest } = o;
  const input = task.input.kind === 'tokens' && embedDim !== undefined ? { ...task.input, embedDim } : task.input;
  return { ...rest, input, outputSize: task.outputSize, outputMode: task.outputMode, dtype: 'float32' };
}

export interface RunSummary {
  task: string; cell: string; activation: string | null; hidden: number; params: number; kernels: string;
  steps: number; seconds: number; trainLoss: number; valLoss: number; baselineLoss: number | null;
  accuracy: number | null; solved: boolean; nanSkipped: number; rollbacks: number;
}

/** Checkpoints of a run: into `dir` every `every` steps; `resume` goes on from the newest. */
export type CheckpointSetting = CheckpointOptions & { resume: boolean };

export function runTraining(label: string, task: Task, model: Sequential, config: TrainConfig, quiet: boolean, checkpoint?: CheckpointSetting): { result: TrainResult; summary: RunSummary } {
  if (checkpoint && !checkpoint.resume) assertFresh(checkpoint.dir);
  const progress = new Progress({ total: config.steps, label, quiet });
  let lastVal = NaN;
  let checkpointer: Checkpointer | null = null;
  const trainer = new Trainer(model, task, config, {
    onStep: (s) => progress.update(s.step, { loss: formatNumber(s.loss), val: formatNumber(lastVal) }),
    onEval: (e) => { lastVal = e.valLoss; },
    onNanGuard: (e) => { if (!quiet && e.kind === 'rollback') process.stderr.write(`\n${label} step ${e.step}: ${e.reason}\n`); },
    onStepEnd: () => { checkpointer?.afterStep(); },
  });
  if (checkpoint) {
    checkpointer = new Checkpointer(trainer, checkpoint);
    if (checkpoint.resume) {
      resumeFrom(checkpointer, model, quiet);
      lastVal = trainer.loop.last?.valLoss ?? NaN;
    }
  }
  const result = trainer.train();
  progress.done();
  const mc = model.config;
  return {
    result,
    summary: {
      task: str(task.describe() as Values, 'task') ?? task.name, cell: mc.cell, activation: mc.cell === 'rnn' ? mc.activation ?? 'tanh' : null,
      hidden: mc.hiddenSize, params: model.paramCount, kernels: model.kernels.name,
      steps: result.steps, seconds: round(result.seconds, 2), trainLoss: result.trainLoss, valLoss: result.valLoss,
      baselineLoss: result.baselineLoss, accuracy: result.accuracy, solved: result.solved,
      nanSkipped: result.nanSkipped, rollbacks: result.rollbacks,
    },
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
