// A residual connection around one recurrent layer of a stack (He et al. 2016; for stacked LSTMs,
// Wu et al. 2016, GNMT): out = layer(x) + x, or out = layer(x) + P·x where the widths differ, with
// P a learned (out, in) projection without bias (res_proj_l{k}.weight, PyTorch Linear layout).
// Padded steps (t ≥ lengths[b]) output zero, as the layer itself does, and pass no gradient.
//
// Shapes: x (T, B, I), the term and out (T, B, O) with O = D·H.

import type { Float, Kernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import type { Rng } from '../tensor/rng.js';

export class Residual {
  readonly params: Param[] = [];
  readonly proj: Param | null;
  /** (T, B, O) P·x of the last forward (projection only). */
  private term: Float;
  /** (T, B, O) the masked output gradient (variable lengths only). */
  private dMasked: Float;
  private x: Float;

  constructor(private readonly k: Kernels, readonly inputSize: number, readonly outputSize: number, layerIndex: number) {
    if (inputSize === outputSize) {
      this.proj = null;
    } else {
      const n = inputSize * outputSize;
      this.proj = { name: `res_proj_l${layerIndex}.weight`, shape: [outputSize, inputSize], value: k.alloc(n), grad: k.alloc(n) };
      this.params.push(this.proj);
    }
    this.term = k.alloc(0);
    this.dMasked = k.alloc(0);
    this.x = k.alloc(0);
  }

  /** P ~ U(−1/√I, 1/√I), PyTorch's Linear default. */
  init(rng: Rng): void {
    if (!this.proj) return;
    const bound = 1 / Math.sqrt(this.inputSize);
    const v = this.proj.value;
    for (let i = 0; i < v.length; i++) v[i] = (2 * rng.uniform() - 1) * bound;
  }

  /** The residual term of x (rows, I): x itself, or P·x in a buffer of this object's. */
  computeTerm(x: Float, rows: number): Float {
    this.x = x;
    if (!this.proj) return x;
    const o = this.outputSize, i = this.inputSize;
    if (this.term.length !== rows * o) { this.k.free(this.term); this.term = this.k.alloc(rows * o); }
    this.k.gemm(false, true, rows, o, i, 1, x, 0, i, this.proj.value, 0, i, 0, this.term, 0, o);
    return this.term;
  }

  /** Writes out = y + term(x) on real steps, 0 on padded ones. */
  forwardInto(x: Float, y: Float, out: Float, t: number, b: number, lengths: Int32Array | null): void {
    const o = this.outputSize;
    const term = this.computeTerm(x, t * b);
    for (let s = 0; s < t; s++) {
      for (let r = 0; r < b; r++) {
        const off = (s * b + r) * o;
        if (lengths && s >= lengths[r]) { out.fill(0, off, off + o); continue; }
        for (let j = 0; j < o; j++) out[off + j] = y[off + j] + term[off + j];
      }
    }
  }

  /** Adds the gradient through the term into dx (T, B, I) and P's gradient; dTerm (T, B, O). */
  backward(dTerm: Float, t: number, b: number, lengths: Int32Array | null, dx: Float): void {
    const o = this.outputSize, i = this.inputSize, rows = t * b;
    let g = dTerm;
    if (lengths) {
      if (this.dMasked.length !== rows * o) { this.k.free(this.dMasked); this.dMasked = this.k.alloc(rows * o); }
      g = this.dMasked;
      for (let s = 0; s < t; s++) {
        for (let r = 0; r < b; r++) {
          const off = (s * b + r) * o;
          const real = s < lengths[r];
          for (let j = 0; j < o; j++) g[off + j] = real ? dTerm[off + j] : 0;
        }
      }
    }
    if (!this.proj) {
      for (let j = 0; j < rows * o; j++) dx[j] += g[j];
      return;
    }
    // dx += g · P (rows, O)·(O, I);  dP += gᵀ · x (O, rows)·(rows, I)
    this.k.gemm(false, false, rows, i, o, 1, g, 0, o, this.proj.value, 0, i, 1, dx, 0, i);
    this.k.gemm(true, false, o, i, rows, 1, g, 0, o, this.x, 0, i, 1, this.proj.grad, 0, i);
  }
}
