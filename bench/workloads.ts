// The benchmark workloads of shared/bench-spec.md, as data, and their effective FLOP counts. G is
// one shape run with four cells (G-lstm, G-indrnn, G-mingru, G-minlstm; `--configs G` runs all four).
//
// Every system (recur and each peer) runs exactly these shapes: one recurrent layer over a
// (T, B, I) batch of standard-normal inputs, a dense head (1 output with MSE, or `classes` outputs
// with softmax cross-entropy), Adam with lr 1e-3, float32.

export type CellKind = 'lstm' | 'gru' | 'rnn' | 'indrnn' | 'mingru' | 'minlstm';
export type WorkloadId = 'A' | 'B' | 'C' | 'D' | 'E' | 'F' | 'G-lstm' | 'G-indrnn' | 'G-mingru' | 'G-minlstm';
export type Mode = 'train' | 'infer';

export interface Workload {
  readonly id: WorkloadId;
  readonly cell: CellKind;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly batch: number;
  readonly length: number;
  /** 'train': forward + backward through time + optimizer update; 'infer': forward only. */
  readonly mode: Mode;
  /** Classification head with this many classes (softmax cross-entropy); absent: 1 output, MSE. */
  readonly classes?: number;
  readonly description: string;
}

export const WORKLOADS: readonly Workload[] = Object.freeze([
  { id: 'A', cell: 'lstm', inputSize: 32, hiddenSize: 128, batch: 32, length: 100, mode: 'train', description: 'LSTM training step' },
  { id: 'B', cell: 'gru', inputSize: 32, hiddenSize: 128, batch: 32, length: 100, mode: 'train', description: 'GRU training step' },
  { id: 'C', cell: 'rnn', inputSize: 32, hiddenSize: 128, batch: 32, length: 100, mode: 'train', description: 'tanh RNN training step' },
  { id: 'D', cell: 'lstm', inputSize: 64, hiddenSize: 256, batch: 64, length: 100, mode: 'train', description: 'large LSTM training step' },
  { id: 'E', cell: 'lstm', inputSize: 32, hiddenSize: 128, batch: 32, length: 100, mode: 'infer', description: 'LSTM forward only (inference)' },
  { id: 'F', cell: 'lstm', inputSize: 1, hiddenSize: 128, batch: 16, length: 784, mode: 'train', classes: 10, description: 'sequential-MNIST-shaped LSTM training step, 10 classes' },
  ...(['lstm', 'indrnn', 'mingru', 'minlstm'] as const).map((cell) => ({
    id: `G-${cell}` as const, cell, inputSize: 1, hiddenSize: 128, batch: 16, length: 1000, mode: 'train' as const, classes: 10,
    description: `long-sequence ${cell} training step, 10 classes`,
  })),
] satisfies Workload[]);

/** Workload groups `--configs` accepts besides the ids: G is the same shape with four cells. */
export const WORKLOAD_GROUPS: Readonly<Record<string, readonly WorkloadId[]>> = { G: ['G-lstm', 'G-indrnn', 'G-mingru', 'G-minlstm'] };

export const WORKLOAD_IDS: readonly WorkloadId[] = WORKLOADS.map((w) => w.id);

export function isWorkloadId(s: string): s is WorkloadId {
  return (WORKLOAD_IDS as readonly string[]).includes(s);
}

export function getWorkload(id: string): Workload {
  const w = WORKLOADS.find((x) => x.id === id);
  if (!w) throw new Error(`unknown workload '${id}' (expected one of ${WORKLOAD_IDS.join(', ')})`);
  return w;
}

/** Gate count G: 4 for LSTM, 3 for GRU and minLSTM, 2 for minGRU, 1 for the plain RNN and IndRNN. */
export function gateCount(cell: CellKind): number {
  return { lstm: 4, gru: 3, rnn: 1, indrnn: 1, mingru: 2, minlstm: 3 }[cell];
}

/** Whether the cell multiplies the state by a matrix W_hh every step (IndRNN and the min cells do not). */
export function hasRecurrentMatrix(cell: CellKind): boolean {
  return cell === 'lstm' || cell === 'gru' || cell === 'rnn';
}

/**
 * Effective FLOPs of one forward pass, counting only the recurrent layer's matrix products:
 * 2·B·T·(I+H)·G·H, or 2·B·T·I·G·H for the cells without W_hh. `batch` overrides B (brain.js runs
 * one sequence at a time).
 */
export function forwardFlops(w: Workload, batch: number = w.batch): number {
  const k = w.inputSize + (hasRecurrentMatrix(w.cell) ? w.hiddenSize : 0);
  return 2 * batch * w.length * k * gateCount(w.cell) * w.hiddenSize;
}

/** Effective FLOPs of one timed step: a training step counts 3 × forward, inference 1 × forward. */
export function stepFlops(w: Workload, batch: number = w.batch): number {
  return (w.mode === 'train' ? 3 : 1) * forwardFlops(w, batch);
}

export function describeShape(w: Workload): string {
  const head = w.classes ? `dense ${w.classes} + softmax CE` : 'dense 1 + MSE';
  return `${w.cell.toUpperCase()} I=${w.inputSize} H=${w.hiddenSize} B=${w.batch} T=${w.length}, ${head}, ${w.mode === 'train' ? 'training step' : 'forward only'}`;
}
