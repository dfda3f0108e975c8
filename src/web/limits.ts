// What a run may ask of a page's memory. A wasm memory grows to at most 4 GiB and a tab usually
// gets less, so a run whose training buffers would pass MAX_RUN_BYTES is refused before it starts,
// with its size and what to shrink, instead of the tab dying halfway through an allocation.

import { RecurError } from '../errors.js';
import { cellSpec } from '../cells/table.js';
import type { ModelConfig } from '../model/config.js';
import { probeBatch, type Task } from '../tasks/task.js';
import { Rng } from '../tensor/rng.js';

/** Training buffers a run may need: 1 GiB. */
export const MAX_RUN_BYTES = 2 ** 30;

/**
 * Estimated bytes of a training step's buffers (float32): per layer and direction, the gate
 * pre-activations T·B·G·H and the states (T+1)·B·H·S, each with its gradient, plus the input and
 * output of every step.
 */
export function runBytes(task: Task, config: ModelConfig, batchSize: number): number {
  const t = probeBatch(task, new Rng(0), 1).t;
  const spec = cellSpec(config.cell);
  const g = spec.gates.length, s = spec.states;
  const h = config.hiddenSize, layers = config.numLayers ?? 1, dirs = config.bidirectional ? 2 : 1;
  const inSize = config.input.kind === 'features' ? config.input.size : config.input.embedDim;
  const perLayer = t * batchSize * h * (g + (s + 1)) * 2;
  return 4 * (layers * dirs * perLayer + t * batchSize * (inSize + config.outputSize) * 2);
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
