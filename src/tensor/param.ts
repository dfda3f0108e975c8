// A trainable parameter: its PyTorch name, its shape (out, in) like PyTorch, its value and the
// gradient that backward passes add into. Both buffers come from the model's kernel set.

import type { Float } from '../kernels/types.js';

export interface Param {
  readonly name: string;
  readonly shape: readonly number[];
  readonly value: Float;
  readonly grad: Float;
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
