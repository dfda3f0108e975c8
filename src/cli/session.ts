// Shared by the commands that train: build the kernels, the task and a model shaped for the task,
// run the trainer with progress, and summarise the result as the --json fields CLI.md lists.

import { createKernels } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import type { ModelConfig } from '../model/config.js';
import { Sequential } from '../model/sequential.js';
import type { Task } from '../tasks/task.js';
import { Trainer, type TrainConfig, type TrainResult } from '../train/trainer.js';
import { updateFractionOn } from '../diagnostics/updates.js';
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
  /** Skip RNN models: state updates used / time steps, on the validation set. */
  updateFraction?: number;
}

export function runTraining(label: string, task: Task, model: Sequential, config: TrainConfig, quiet: boolean): { result: TrainResult; summary: RunSummary } {
  const progress = new Progress({ total: config.steps, label, quiet });
  let lastVal = NaN;
  const trainer = new Trainer(model, task, config, {
    onStep: (s) => progress.update(s.step, { loss: formatNumber(s.loss), val: formatNumber(lastVal) }),
    onEval: (e) => { lastVal = e.valLoss; },
    onNanGuard: (e) => { if (!quiet && e.kind === 'rollback') process.stderr.write(`\n${label} step ${e.step}: ${e.reason}\n`); },
  });
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
      ...(mc.skip ? { updateFraction: round(updateFractionOn(model, task), 4) } : {}),
    },
  };
}

export function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
