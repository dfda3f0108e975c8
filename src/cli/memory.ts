// The memory check before a model is built or run (model/budget.ts does the arithmetic): the
// limits of the chosen kernels on this machine, the shapes a task runs on, and the one line a
// user sees when they do not fit. Also the same line for an allocation that failed anyway.

import * as os from 'node:os';
import type { Kernels } from '../kernels/types.js';
import { WASM_MEMORY_BYTES, gib, memoryNeed, overBudget, type MemoryLimits, type RunShape } from '../model/budget.js';
import type { ModelConfig } from '../model/config.js';
import type { Task } from '../tasks/task.js';
import { Rng } from '../tensor/rng.js';
import { UsageError } from './args.js';

/** What a run may use in all: three quarters of the machine's memory. */
export function machineLimit(): number {
  return Math.floor(os.totalmem() * 0.75);
}

export function memoryLimits(kernels: Pick<Kernels, 'name'>): MemoryLimits {
  const total = machineLimit();
  return kernels.name === 'wasm'
    ? { kernelBytes: WASM_MEMORY_BYTES, totalBytes: total, kernels: 'the wasm kernels' }
    : { kernelBytes: total, totalBytes: total, kernels: 'the js kernels' };
}

/**
 * The shapes a model meets on `task`: its training batches (chunks of `bptt` steps) and, unless
 * `validation` is false, its validation batches (which a synthetic task draws on first use: a
 * training batch that cannot fit is refused before they are drawn).
 */
export function taskShapes(task: Task, o: { batch?: number; bptt?: number; validation?: boolean } = {}): RunShape[] {
  const shapes: RunShape[] = [];
  if (o.batch !== undefined) {
    const t = task.trainBatch(new Rng(0), 1).t;
    shapes.push({ t: o.bptt !== undefined ? Math.min(o.bptt, t) : t, b: o.batch });
  }
  if (o.validation !== false) for (const v of task.validation()) shapes.push({ t: v.t, b: v.b });
  return shapes;
}

/**
 * Refuses (exit 2, one line) a model and shapes that do not fit the kernels' memory:
 * "needs 64 GiB for batches of 1000000 × 100000 steps; the wasm kernels hold at most 4 GiB (…)".
 */
export function checkMemory(config: ModelConfig, shapes: readonly RunShape[], o: { kernels: Kernels; training: boolean; flags: string }): void {
  const threads = o.kernels.name === 'wasm' ? (o.kernels as { threads?: number }).threads ?? 1 : 1;
  const need = memoryNeed(config, shapes, { training: o.training, threads });
  const limits = memoryLimits(o.kernels);
  const msg = overBudget(need, limits);
  if (msg === null) return;
  const widest = shapes.reduce((a, s) => (s.t * s.b > a.t * a.b ? s : a), shapes[0] ?? { t: 0, b: 0 });
  const where = shapes.length ? ` (batches of ${widest.b} × ${widest.t} steps, hidden ${config.hiddenSize} × ${config.numLayers ?? 1} layer${(config.numLayers ?? 1) > 1 ? 's' : ''})` : '';
  const js = o.kernels.name === 'wasm' && need.kernelBytes + need.hostBytes <= machineLimit() ? `; --kernels js may use up to ${gib(machineLimit())} GiB` : '';
  throw new UsageError(`${msg}${where}: expected a smaller ${o.flags}${js}`);
}

/**
 * A training run's memory: the training batch alone first (so that a batch that cannot fit is
 * refused before a synthetic task draws its validation set), then with the validation batches.
 */
export function checkTrainingMemory(config: ModelConfig, task: Task, o: { batch: number; bptt?: number; kernels: Kernels; task: string }): void {
  for (const validation of [false, true]) {
    checkMemory(config, taskShapes(task, { batch: o.batch, bptt: o.bptt, validation }), { kernels: o.kernels, training: true, flags: sizeFlags(o.task) });
  }
}

/** An allocation that failed in spite of the estimate, as the same kind of line; null for other errors. */
export function allocationFailure(e: unknown): string | null {
  if (!(e instanceof RangeError || (e instanceof Error && /out of memory|allocation failed/i.test(e.message)))) return null;
  const m = (e as Error).message;
  if (!/out of memory|Invalid typed array length|Invalid array length|Array buffer allocation failed|could not allocate memory/i.test(m)) return null;
  return `out of memory (${m.replace(/\s+/g, ' ').slice(0, 160)}): expected a smaller --batch, --length, --hidden or --layers`;
}

/** The flags that set a run's size on a task, for the memory check's message. */
export function sizeFlags(task: string): string {
  const steps = task === 'text' ? '--seq' : task === 'csv' ? '--window' : '--length';
  return `--batch, ${steps}, --hidden or --layers`;
}
