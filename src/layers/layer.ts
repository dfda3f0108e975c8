// What the model sees of a layer. Activations are time-major (T, B, F) rows in one flat buffer;
// a layer that reduces time (the last step of a recurrent stack) returns T = 1.

import type { Float } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import type { Rng } from '../tensor/rng.js';

export interface Seq { data: Float; t: number; b: number; f: number }

export interface ForwardContext {
  training: boolean;
  rng: Rng;
  /** (B) real length of each sequence, or null when all are T long. */
  lengths: Int32Array | null;
}

export interface Layer {
  readonly params: readonly Param[];
  forward(x: Seq, ctx: ForwardContext): Seq;
  /** Adds into the parameter gradients and returns the gradient of the layer's input. */
  backward(dy: Seq): Seq;
}
