// A dilated recurrent layer (Chang et al. 2017, "Dilated Recurrent Neural Networks"): with
// dilation d the cell's previous state is h_{t−d} instead of h_{t−1}, so the sequence splits into d
// interleaved subsequences (phase j holds steps j, j+d, j+2d, …) that never meet. That is run as a
// reshape around the ordinary RecurrentLayer, keeping its cuDNN-style loop:
//   (T, B, F)  →  (T' = ⌈T/d⌉ steps, B' = d·B rows, F)     step t = s·d + j of row r → step s of row j·B + r
// Steps past T (T padded up to a multiple of d) and past a row's own length are padding of the
// inner layer's variable-length support: they hold the state, output zero and get no gradient.
// Backward permutes the gradients the same way.
//
// States: every phase of row r starts from h0[r] (its gradient is the sum over the phases). The
// final state of row r is the state after its last real step L_r − 1, which lives in phase
// (L_r − 1) mod d; the reverse direction's is the state after step 0 (phase 0). Only that phase's
// state is exposed, so truncated BPTT, which would need all d of them at a chunk border, refuses
// dilated models (model/truncated.ts).
//
// Gradient flow (diagnostics): the inner layer records one norm per inner step over all d phases;
// step t reports the norm of its inner step ⌊t/d⌋, an approximation for d > 1.

import type { Cell } from '../cells/cell.js';
import { checkPositiveInt } from '../errors.js';
import type { Float, Kernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import type { GateParam } from './direction.js';
import { RecurrentLayer } from './recurrent.js';
import type { TimeLayer } from './time-layer.js';

export class DilatedLayer implements TimeLayer {
  readonly inner: RecurrentLayer;
  readonly directions: number;
  readonly params: Param[];
  readonly gateParams: readonly GateParam[];
  readonly y: { data: Float };
  readonly dx: { data: Float };
  readonly gradFlow: Float64Array[] = [];
  private t = 0;
  private b = 0;
  private tIn = 0;
  /** (T', B', I) the permuted input, kept for the inner layer's backward. */
  private xi: Float;
  private h0i: Float;
  private c0i: Float;
  private dyi: Float;
  private dhNi: Float;
  private dcNi: Float;
  private dh0i: Float;
  private dc0i: Float;
  private finalI: Float;
  private finalCI: Float;
  private innerLengths: Int32Array = new Int32Array(0);
  /** (B) phase holding each row's last real step. */
  private lastPhase: Int32Array = new Int32Array(0);

  constructor(private readonly k: Kernels, readonly cell: Cell, readonly inputSize: number, readonly hiddenSize: number,
    layerIndex: number, bidirectional: boolean, readonly dilation: number) {
    checkPositiveInt('dilation', dilation);
    this.inner = new RecurrentLayer(k, cell, inputSize, hiddenSize, layerIndex, bidirectional);
    this.directions = this.inner.directions;
    this.params = this.inner.params;
    this.gateParams = this.inner.gateParams;
    const e = (): Float => k.alloc(0);
    this.xi = e(); this.h0i = e(); this.c0i = e(); this.dyi = e(); this.dhNi = e(); this.dcNi = e();
    this.dh0i = e(); this.dc0i = e(); this.finalI = e(); this.finalCI = e();
    this.y = { data: e() };
    this.dx = { data: e() };
  }

  get recordGradFlow(): boolean { return this.inner.recordGradFlow; }
  set recordGradFlow(on: boolean) { this.inner.recordGradFlow = on; }

  gateValues(d: number): Float { return this.inner.gateValues(d); }

  /** A buffer of exactly n values: `buf` itself when it fits, else a fresh one. */
  private sized(buf: Float, n: number): Float {
    if (buf.length === n) return buf;
    this.k.free(buf);
    return this.k.alloc(n);
  }

  private ensure(t: number, b: number): void {
    if (this.t === t && this.b === b) return;
    const d = this.dilation, h = this.hiddenSize, dirs = this.directions;
    const tIn = Math.ceil(t / d), bIn = b * d;
    const hasC = this.cell.hasCellState;
    this.xi = this.sized(this.xi, tIn * bIn * this.inputSize);
    this.dyi = this.sized(this.dyi, tIn * bIn * dirs * h);
    for (const key of ['h0i', 'dhNi', 'dh0i', 'finalI'] as const) this[key] = this.sized(this[key], dirs * bIn * h);
    for (const key of ['c0i', 'dcNi', 'dc0i', 'finalCI'] as const) this[key] = this.sized(this[key], hasC ? dirs * bIn * h : 0);
    this.y.data = this.sized(this.y.data, t * b * dirs * h);
    this.dx.data = this.sized(this.dx.data, t * b * this.inputSize);
    this.innerLengths = new Int32Array(bIn);
    this.lastPhase = new Int32Array(b);
    this.t = t; this.b = b; this.tIn = tIn;
  }

  /** Copies row blocks of width f between the outer (T, B, f) and inner (T', B', f) layouts. */
  private permute(outer: Float, outerOff: number, inner: Float, f: number, toInner: boolean): void {
    const { t, b, tIn, dilation: d } = this;
    for (let s = 0; s < tIn; s++) {
      for (let j = 0; j < d; j++) {
        const step = s * d + j;
        for (let r = 0; r < b; r++) {
          const io = (s * b * d + j * b + r) * f;
          if (step >= t) { if (toInner) inner.fill(0, io, io + f); continue; }
          const oo = outerOff + (step * b + r) * f;
          if (toInner) for (let c = 0; c < f; c++) inner[io + c] = outer[oo + c];
          else for (let c = 0; c < f; c++) outer[oo + c] = inner[io + c];
        }
      }
    }
  }

  /** (D, B, H) → (D, B', H): every phase of row r gets row r's state. */
  private broadcastState(src: Float, dst: Float): void {
    const { b, dilation: d } = this, h = this.hiddenSize;
    for (let dir = 0; dir < this.directions; dir++) {
      for (let j = 0; j < d; j++) {
        for (let i = 0; i < b * h; i++) dst[(dir * d + j) * b * h + i] = src[dir * b * h + i];
      }
    }
  }

  forward(x: Float, xOff: number, t: number, b: number, h0: Float | null, c0: Float | null, lengths: Int32Array | null): void {
    this.ensure(t, b);
    const d = this.dilation, tIn = this.tIn;
    this.permute(x, xOff, this.xi, this.inputSize, true);
    let padded = t % d !== 0 || lengths !== null;
    for (let r = 0; r < b; r++) {
      const len = lengths ? lengths[r] : t;
      this.lastPhase[r] = len > 0 ? (len - 1) % d : 0;
      for (let j = 0; j < d; j++) this.innerLengths[j * b + r] = Math.max(0, Math.ceil((len - j) / d));
    }
    if (!padded) for (let i = 0; i < b * d; i++) if (this.innerLengths[i] !== tIn) padded = true;
    if (h0) this.broadcastState(h0, this.h0i);
    if (c0 && this.cell.hasCellState) this.broadcastState(c0, this.c0i);
    this.inner.forward(this.xi, 0, tIn, b * d, h0 ? this.h0i : null, c0 && this.cell.hasCellState ? this.c0i : null, padded ? this.innerLengths : null);
    this.permute(this.y.data, 0, this.inner.y.data, this.directions * this.hiddenSize, false);
  }

  /** The inner state row that holds row r's final state in direction dir. */
  private finalRow(dir: number, r: number): number {
    return (dir === 0 ? this.lastPhase[r] : 0) * this.b + r;
  }

  finalState(hN: Float, hOff: number, cN: Float | null, cOff: number): void {
    const { b, dilation: d } = this, h = this.hiddenSize;
    const withC = cN !== null && this.cell.hasCellState;
    this.inner.finalState(this.finalI, 0, withC ? this.finalCI : null, 0);
    for (let dir = 0; dir < this.directions; dir++) {
      for (let r = 0; r < b; r++) {
        const from = (dir * b * d + this.finalRow(dir, r)) * h, to = (dir * b + r) * h;
        for (let j = 0; j < h; j++) hN[hOff + to + j] = this.finalI[from + j];
        if (withC) for (let j = 0; j < h; j++) cN![cOff + to + j] = this.finalCI[from + j];
      }
    }
  }

  backward(dy: Float | null, dyOff: number, dhN: Float | null, dcN: Float | null, dh0: Float | null, dc0: Float | null): void {
    const { b, dilation: d, t } = this, h = this.hiddenSize, dirs = this.directions;
    const hasC = this.cell.hasCellState;
    if (dy) this.permute(dy, dyOff, this.dyi, dirs * h, true);
    // the final-state gradient reaches only the phase that holds the final state
    for (const [src, dst] of [[dhN, this.dhNi], [hasC ? dcN : null, this.dcNi]] as const) {
      if (!src) continue;
      dst.fill(0);
      for (let dir = 0; dir < dirs; dir++) {
        for (let r = 0; r < b; r++) {
          const to = (dir * b * d + this.finalRow(dir, r)) * h, from = (dir * b + r) * h;
          for (let j = 0; j < h; j++) dst[to + j] = src[from + j];
        }
      }
    }
    this.inner.backward(dy ? this.dyi : null, 0, dhN ? this.dhNi : null, hasC && dcN ? this.dcNi : null, this.dh0i, hasC ? this.dc0i : null);
    this.permute(this.dx.data, 0, this.inner.dx.data, this.inputSize, false);
    // every phase started from h0: its gradient is the sum over phases
    for (const [dst, src] of [[dh0, this.dh0i], [hasC ? dc0 : null, this.dc0i]] as const) {
      if (!dst) continue;
      for (let dir = 0; dir < dirs; dir++) {
        for (let i = 0; i < b * h; i++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += src[(dir * d + j) * b * h + i];
          dst[dir * b * h + i] = s;
        }
      }
    }
    if (this.inner.recordGradFlow) {
      for (let dir = 0; dir < dirs; dir++) {
        const rec = this.inner.gradFlow[dir];
        const out = new Float64Array(t);
        for (let step = 0; step < t; step++) out[step] = rec[Math.floor(step / d)];
        this.gradFlow[dir] = out;
      }
    }
  }
}
