// Weight initializers, PyTorch's formulas (torch.nn.init). Each fills a (rows, cols) row-major
// matrix in place; fan_in = cols, fan_out = rows. Recurrent weights are initialized one gate
// block (H rows) at a time, so that orthogonal and identity make each block orthogonal or I.

import { fail } from '../errors.js';
import type { Float } from '../kernels/types.js';
import type { Rng } from './rng.js';

export type InitKind =
  | 'default' | 'xavier' | 'xavier_normal' | 'he' | 'he_normal'
  | 'orthogonal' | 'identity' | 'constant' | 'zeros';

export const INIT_KINDS: readonly InitKind[] = ['default', 'xavier', 'xavier_normal', 'he', 'he_normal', 'orthogonal', 'identity', 'constant', 'zeros'];

/** Gain of torch.nn.init.calculate_gain for the nonlinearity that follows the weights. */
export function gainFor(nonlinearity: 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu', leak = 0.01): number {
  switch (nonlinearity) {
    case 'linear': case 'sigmoid': return 1;
    case 'tanh': return 5 / 3;
    case 'relu': return Math.SQRT2;
    case 'leaky_relu': return Math.sqrt(2 / (1 + leak * leak));
  }
}

export interface InitOptions {
  kind: InitKind;
  /** Multiplies the result (identity: the diagonal value; constant: the value). */
  scale?: number;
  /** Gain for xavier/he/orthogonal (see gainFor). */
  gain?: number;
  /** PyTorch's default for RNN layers: U(−1/√H, 1/√H); H given here. */
  hiddenSize?: number;
}

/** Fills a (rows, cols) block of `a` starting at `off` (leading dimension cols). */
export function initMatrix(a: Float, off: number, rows: number, cols: number, o: InitOptions, rng: Rng): void {
  const n = rows * cols;
  const scale = o.scale ?? 1;
  const gain = o.gain ?? 1;
  switch (o.kind) {
    case 'default': {
      const bound = 1 / Math.sqrt(o.hiddenSize ?? cols);
      for (let i = 0; i < n; i++) a[off + i] = rng.range(-bound, bound) * scale;
      return;
    }
    case 'xavier': {
      const bound = gain * Math.sqrt(6 / (rows + cols));
      for (let i = 0; i < n; i++) a[off + i] = rng.range(-bound, bound) * scale;
      return;
    }
    case 'xavier_normal': {
      const std = gain * Math.sqrt(2 / (rows + cols));
      for (let i = 0; i < n; i++) a[off + i] = rng.normal() * std * scale;
      return;
    }
    case 'he': {
      const bound = gain * Math.sqrt(3 / cols);
      for (let i = 0; i < n; i++) a[off + i] = rng.range(-bound, bound) * scale;
      return;
    }
    case 'he_normal': {
      const std = gain / Math.sqrt(cols);
      for (let i = 0; i < n; i++) a[off + i] = rng.normal() * std * scale;
      return;
    }
    case 'orthogonal':
      orthogonalInto(a, off, rows, cols, gain * scale, rng);
      return;
    case 'identity':
      for (let i = 0; i < n; i++) a[off + i] = 0;
      for (let i = 0; i < Math.min(rows, cols); i++) a[off + i * cols + i] = scale;
      return;
    case 'constant':
      for (let i = 0; i < n; i++) a[off + i] = scale;
      return;
    case 'zeros':
      for (let i = 0; i < n; i++) a[off + i] = 0;
      return;
    default:
      fail('initializer', INIT_KINDS.join(' | '), (o as { kind: unknown }).kind);
  }
}

/**
 * A (rows, cols) matrix with orthonormal rows (or columns, whichever are fewer), as
 * torch.nn.init.orthogonal_: QR of a Gaussian matrix with the signs of R's diagonal folded in, so
 * the result is uniformly distributed (Haar). QR by modified Gram–Schmidt in float64.
 */
function orthogonalInto(a: Float, off: number, rows: number, cols: number, gain: number, rng: Rng): void {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // vectors live in R^m
  const k = tall ? cols : rows; // k orthonormal vectors
  const q = new Float64Array(k * m);
  for (let i = 0; i < k * m; i++) q[i] = rng.normal();
  for (let v = 0; v < k; v++) {
    for (let u = 0; u < v; u++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += q[v * m + i] * q[u * m + i];
      for (let i = 0; i < m; i++) q[v * m + i] -= dot * q[u * m + i];
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[v * m + i] ** 2;
    norm = Math.sqrt(norm);
    // the sign of R's diagonal element is positive here by construction (norm > 0)
    for (let i = 0; i < m; i++) q[v * m + i] /= norm;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      a[off + r * cols + c] = gain * (tall ? q[c * m + r] : q[r * m + c]);
    }
  }
}
