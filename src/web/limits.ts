// What a run may ask of a page's memory. A wasm memory grows to at most 4 GiB and a tab usually
// gets less, so a run whose training buffers would pass MAX_RUN_BYTES is refused before it starts,
// with its size and what to shrink, instead of the tab dying halfway through an allocation.

import { RecurError } from '../errors.js';
import { CELL_KINDS, cellSpec } from '../cells/table.js';
import type { ModelConfig } from '../model/config.js';
import { probeBatch, type Task } from '../tasks/task.js';
import { Rng } from '../tensor/rng.js';
import type { PackedSequences } from './pack.js';
import type { ModelSpec, TrainingSpec } from './protocol.js';

/** Training buffers a run may need: 1 GiB. */
export const MAX_RUN_BYTES = 2 ** 30;

/**
 * Estimated bytes of a training step's buffers (float32): per layer and direction, the gate
 * pre-activations T·B·G·H and the states (T+1)·B·H·S, each with its gradient, plus the input and
 * output of every step.
 */
export function runBytes(task: Task, config: ModelConfig, batchSize: number): number {
  const t = probeBatch(task, new Rng(0), 1).t;
  const inSize = config.input.kind === 'features' ? config.input.size : config.input.embedDim;
  return stepBytes(t, batchSize, config, inSize, config.outputSize);
}

function stepBytes(t: number, batchSize: number, model: ModelSpec, inSize: number, outSize: number): number {
  const spec = cellSpec(model.cell);
  const g = spec.gates.length, s = spec.states;
  const h = model.hiddenSize, layers = model.numLayers ?? 1, dirs = model.bidirectional ? 2 : 1;
  const perLayer = t * batchSize * h * (g + (s + 1)) * 2;
  return 4 * (layers * dirs * perLayer + t * batchSize * (inSize + outSize) * 2);
}

/**
 * runBytes read off the spec before its task is built, for the prefault that starts while the task
 * is built: sequences packed on the page (their longest, their features) or the adding problem
 * (T = length, 2 features); 0 for the others and for anything the spec does not settle. It counts
 * one output and the longest sequence: runBytes for a one-output task on sequences of one length.
 */
export function specRunBytes(spec: TrainingSpec, packedX?: PackedSequences): number {
  const m = spec.model as Partial<ModelSpec> | null, b = spec.train?.batchSize;
  if (typeof m !== 'object' || m === null || !(CELL_KINDS as readonly unknown[]).includes(m.cell) || !(Number.isInteger(m.hiddenSize) && m.hiddenSize! > 0) || !(Number.isInteger(b) && b! > 0)) return 0;
  const task = spec.task as { kind?: unknown; length?: unknown } | null;
  let t = 0, inSize = 0;
  if (packedX && (task?.kind === 'regress' || task?.kind === 'classify')) {
    for (const n of packedX.lengths) t = Math.max(t, n);
    inSize = packedX.features;
  } else if (task?.kind === 'adding' && Number.isInteger(task.length)) {
    t = task.length as number;
    inSize = 2;
  }
  return t > 0 ? stepBytes(t, b!, m as ModelSpec, inSize, 1) : 0;
}

/** The run's estimated training buffers (runBytes), refused past MAX_RUN_BYTES. */
export function checkMemory(task: Task, config: ModelConfig, batchSize: number): number {
  const bytes = runBytes(task, config, batchSize);
  if (bytes > MAX_RUN_BYTES) {
    const mb = (x: number): string => `${Math.round(x / 2 ** 20)} MB`;
    throw new RecurError(`run size: expected training buffers under ${mb(MAX_RUN_BYTES)} for a page, received ${mb(bytes)} (sequence length × batch × hidden size × layers); shorten the sequence or shrink the batch, hidden size or layers`);
  }
  return bytes;
}
