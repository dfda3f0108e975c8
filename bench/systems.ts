// The systems the harness can run, and what each one is.

import type { CellKind } from './workloads.js';

export type SystemName =
  | 'recur' | 'recur-1t' | 'recur-js'
  | 'tfjs-cpu' | 'tfjs-wasm' | 'brainjs' | 'torch1' | 'torch2' | 'torch2-auto';

export interface SystemInfo {
  name: SystemName;
  /** recur itself (any variant) or a peer. */
  kind: 'recur' | 'peer';
  /** Runs by default (`npm run bench`); `--no-peers` keeps only default recur systems. */
  byDefault: boolean;
  /** Figures are per sequence (brain.js) rather than per batch step. */
  perSequence: boolean;
  description: string;
  /** The cells it has (absent: every cell); workloads of other cells are not run on it. */
  cells?: readonly CellKind[];
}

const CLASSIC: readonly CellKind[] = ['lstm', 'gru', 'rnn'];

export const SYSTEMS: readonly SystemInfo[] = [
  { name: 'recur', kind: 'recur', byDefault: true, perSequence: false, description: 'recur, kernels auto, threads = cores (or --kernels/--threads)' },
  { name: 'recur-1t', kind: 'recur', byDefault: false, perSequence: false, description: 'recur, kernels auto, 1 thread' },
  { name: 'recur-js', kind: 'recur', byDefault: false, perSequence: false, description: 'recur, js reference kernels, 1 thread' },
  { name: 'tfjs-cpu', kind: 'peer', byDefault: true, perSequence: false, description: 'TensorFlow.js CPU backend (pure JS)', cells: CLASSIC },
  { name: 'tfjs-wasm', kind: 'peer', byDefault: true, perSequence: false, description: 'TensorFlow.js wasm backend, SIMD, 1 thread', cells: CLASSIC },
  { name: 'brainjs', kind: 'peer', byDefault: true, perSequence: true, description: 'brain.js 1.6.1 *TimeStep, one sequence per step', cells: CLASSIC },
  { name: 'torch1', kind: 'peer', byDefault: true, perSequence: false, description: 'PyTorch CPU + OpenBLAS (OpenMP), 1 thread' },
  { name: 'torch2', kind: 'peer', byDefault: true, perSequence: false, description: 'PyTorch CPU + OpenBLAS (OpenMP), 2 threads' },
  {
    name: 'torch2-auto', kind: 'peer', byDefault: true, perSequence: false,
    description: 'torch2 with OPENBLAS_CORETYPE removed from its environment (OpenBLAS chooses its kernels); by default only where the environment sets it',
  },
];

/**
 * The default systems: every byDefault one, but torch2-auto only where the environment sets
 * OPENBLAS_CORETYPE (elsewhere it would run torch2 again). One `npm run bench` then shows PyTorch
 * with both the kernels the environment forces and those OpenBLAS would choose by itself.
 */
export function defaultSystems(env: NodeJS.ProcessEnv = process.env): SystemName[] {
  return SYSTEMS.filter((s) => s.byDefault && (s.name !== 'torch2-auto' || !!env['OPENBLAS_CORETYPE'])).map((s) => s.name);
}

/** PyTorch systems: their threads, and whether OPENBLAS_CORETYPE is taken out of their environment. */
export const TORCH: Partial<Record<SystemName, { threads: number; autoCore: boolean }>> = {
  torch1: { threads: 1, autoCore: false },
  torch2: { threads: 2, autoCore: false },
  'torch2-auto': { threads: 2, autoCore: true },
};

export const SYSTEM_NAMES: readonly SystemName[] = SYSTEMS.map((s) => s.name);

export function isSystemName(s: string): s is SystemName {
  return (SYSTEM_NAMES as readonly string[]).includes(s);
}

export function systemInfo(name: SystemName): SystemInfo {
  return SYSTEMS.find((s) => s.name === name)!;
}

/** Whether a system has the cell (PyTorch runs the new cells as scripts/recur_cells_torch.py's modules). */
export function systemHasCell(name: SystemName, cell: CellKind): boolean {
  return systemInfo(name).cells?.includes(cell) ?? true;
}

/** What a system child process prints (one JSON line on stdout). */
export interface SystemResult {
  system: SystemName;
  workload: string;
  status: 'ok' | 'error' | 'unavailable';
  /** Every timed step, in ms (per sequence for brain.js). */
  msPerStep: number[];
  peakRssMB: number;
  notes: string;
  /** Sequences one timed step processes (the batch; 1 for brain.js). */
  seqPerStep: number;
  warmupSteps: number;
  warmupMs: number;
  versions: Record<string, string>;
  error?: string;
  /** PyTorch only: which BLAS the Python process loaded. */
  blas?: unknown;
}
