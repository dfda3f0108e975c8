// `recur experiment long`: every cell that should be able to carry information over long spans, on
// each long-dependency task, on a budget of wall-clock minutes. Plain data: which tasks, which
// cells, which training; commands/experiment-long.ts runs them.
//
// Tasks (default → --full):
//   adding   T = 1000 → 1000 and 5000      solved: val MSE < 0.01 (baseline 0.167)
//   copy     T = 100 → 500 and 1000        solved: ≥ 99% of the recalled symbols (baseline 10 ln 8/(T+20))
//   sfmnist / pfmnist   Fashion-MNIST pixel by pixel, T = 784, sequential / permuted (accuracy)
//   smnist / pmnist     the same on the `mnist` package's digits (--full, or --tasks)
//   names    makemore's split and metric (test NLL per character)
//   shakespeare  tinyshakespeare, char-rnn's 95/5 split (validation nats per character)
// Cells: LSTM with forget bias 1, GRU, IRNN, a dilated GRU stack, a Skip GRU, and the long-memory
// cells (IndRNN, minGRU, minLSTM) when the build has them.

import { CELL_KINDS, type CellKind } from '../cells/table.js';
import type { ClipConfig, TrainConfig } from '../train/trainer.js';
import type { ModelOptions } from './args.js';

export type LongTaskSpec =
  | { kind: 'adding' | 'copy'; length: number }
  | { kind: 'smnist' | 'pmnist' | 'sfmnist' | 'pfmnist' }
  | { kind: 'names' }
  | { kind: 'shakespeare' };
export type LongTaskKind = LongTaskSpec['kind'];
export const LONG_TASKS: readonly LongTaskKind[] = ['adding', 'copy', 'smnist', 'pmnist', 'sfmnist', 'pfmnist', 'names', 'shakespeare'];
export const LONG_CELLS = ['lstm', 'gru', 'irnn', 'dilated-gru', 'skip-gru', 'indrnn', 'mingru', 'minlstm'] as const;
export type LongCell = (typeof LONG_CELLS)[number];

export interface LongArm {
  name: string;
  cell: LongCell;
  task: LongTaskSpec;
  /** Short label of the task for the table: "adding T=1000". */
  taskLabel: string;
  model: ModelOptions;
  train: Pick<TrainConfig, 'optimizer'> & Partial<Pick<TrainConfig, 'schedule' | 'clip'>>;
  batchSize: number;
  /** Evaluate every N steps. */
  evalEvery: number;
  /** Stop once solved (synthetic tasks: the time to solve is the figure); else train the whole budget. */
  stopWhenSolved: boolean;
}

export interface LongOptions {
  full: boolean;
  tasks?: readonly LongTaskKind[];
  cells?: readonly LongCell[];
  /** Hidden size of every arm instead of the task's default. */
  hidden?: number;
  /** Override of the lengths of adding and copy. */
  lengths?: readonly number[];
}

/** Cells this build has: the long-memory ones only when src/cells has them. */
export function availableCells(): LongCell[] {
  const have = new Set<string>(CELL_KINDS);
  return LONG_CELLS.filter((c) => !['indrnn', 'mingru', 'minlstm'].includes(c) || have.has(c));
}

const CLIP1: ClipConfig = { kind: 'norm', maxNorm: 1 };

/** The model of a cell at hidden size h. */
function cellModel(cell: LongCell, h: number): ModelOptions {
  switch (cell) {
    case 'lstm': return { cell: 'lstm', hiddenSize: h, init: { recurrent: 'default', forgetBias: 1 } };
    case 'gru': return { cell: 'gru', hiddenSize: h };
    case 'irnn': return { cell: 'rnn', activation: 'relu', hiddenSize: h, init: { recurrent: 'identity', scale: 1 } };
    case 'dilated-gru': return { cell: 'gru', hiddenSize: Math.max(8, h >> 1), numLayers: 4, dilations: [1, 2, 4, 8] };
    case 'skip-gru': return { cell: 'gru', hiddenSize: h, skip: { budget: 1e-6 } };
    // IndRNN: two layers as Li et al. 2018 for the adding problem; min cells: two residual layers (Feng et al. 2024 stack them)
    default: return { cell: cell as CellKind, hiddenSize: h, numLayers: 2, ...(cell === 'indrnn' ? {} : { residual: true }) };
  }
}

/** Per task: hidden size, batch, optimizer for gated and for IRNN-like cells, evaluation interval. */
function taskTraining(task: LongTaskSpec, cell: LongCell): { hidden: number; batch: number; train: LongArm['train']; evalEvery: number; stop: boolean } {
  // ReLU recurrences without gates take small steps (Le et al. 2015: IRNN 1e-4 and below; Li et al. 2018: IndRNN 2e-4)
  const plainRelu = cell === 'irnn' || cell === 'indrnn';
  switch (task.kind) {
    case 'adding':
      return { hidden: 64, batch: 32, evalEvery: 100, stop: true, train: { optimizer: { kind: 'adam', lr: cell === 'indrnn' ? 2e-4 : plainRelu ? 1e-4 : 1e-2 }, clip: CLIP1 } };
    case 'copy':
      return { hidden: 64, batch: 32, evalEvery: 100, stop: true, train: { optimizer: { kind: plainRelu ? 'adam' : 'rmsprop', lr: plainRelu ? 1e-4 : 1e-3 }, clip: CLIP1 } };
    case 'names':
      return { hidden: 128, batch: 32, evalEvery: 500, stop: false, train: { optimizer: { kind: 'adam', lr: plainRelu ? 1e-4 : 3e-3 }, clip: CLIP1 } };
    case 'shakespeare':
      return { hidden: 256, batch: 32, evalEvery: 500, stop: false, train: { optimizer: { kind: 'adam', lr: plainRelu ? 1e-4 : 2e-3 }, clip: CLIP1 } };
    default: // pixel sequences
      return { hidden: 64, batch: 32, evalEvery: 1000, stop: false, train: { optimizer: { kind: 'adam', lr: plainRelu ? 1e-4 : 1e-3 }, clip: CLIP1 } };
  }
}

function label(task: LongTaskSpec): string {
  return task.kind === 'adding' || task.kind === 'copy' ? `${task.kind} T=${task.length}` : task.kind;
}

/** The arms of the experiment, task by task. */
export function longArms(o: LongOptions): LongArm[] {
  const kinds = o.tasks ?? (o.full ? LONG_TASKS : ['adding', 'copy', 'sfmnist', 'pfmnist', 'names', 'shakespeare'] as LongTaskKind[]);
  const cells = (o.cells ?? availableCells()).filter((c) => availableCells().includes(c));
  const tasks: LongTaskSpec[] = [];
  for (const kind of kinds) {
    if (kind === 'adding') for (const length of o.lengths ?? (o.full ? [1000, 5000] : [1000])) tasks.push({ kind, length });
    else if (kind === 'copy') for (const length of o.lengths ?? (o.full ? [500, 1000] : [100])) tasks.push({ kind, length });
    else tasks.push({ kind } as LongTaskSpec);
  }
  const arms: LongArm[] = [];
  for (const task of tasks) {
    for (const cell of cells) {
      const t = taskTraining(task, cell);
      const model = cellModel(cell, o.hidden ?? t.hidden);
      if (cell === 'skip-gru' && (task.kind === 'names' || task.kind === 'shakespeare')) continue; // a Skip RNN has no use for every-step text prediction
      arms.push({ name: `${cell} · ${label(task)}`, cell, task, taskLabel: label(task), model, train: t.train, batchSize: t.batch, evalEvery: t.evalEvery, stopWhenSolved: t.stop });
    }
  }
  return arms;
}
