// Shared by the synthetic tasks: a validation set drawn once from its own seed and kept.

import { Rng } from '../tensor/rng.js';
import type { Batch } from './task.js';

/** How a synthetic task draws its fixed validation set. */
export interface ValidationSpec {
  /** Seed of the validation RNG (independent of the training RNG). */
  seed: number;
  /** Number of validation sequences. */
  size: number;
  /** Sequences per validation batch. */
  batch: number;
}

/** `spec.size` sequences in batches of `spec.batch`, drawn by `draw` from the spec's own seed. */
export function drawValidation(spec: ValidationSpec, draw: (rng: Rng, batchSize: number) => Batch): Batch[] {
  const rng = new Rng(spec.seed);
  const batches: Batch[] = [];
  for (let done = 0; done < spec.size; done += spec.batch) batches.push(draw(rng, Math.min(spec.batch, spec.size - done)));
  return batches;
}
