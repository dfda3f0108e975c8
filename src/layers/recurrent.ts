// One recurrent layer (one or two directions) run over a time-major batch, the way cuDNN does it:
//   before the loop   P = X · W_ihᵀ + bias            one gemm, (T·B, I) × (I, G·H)
//                     (the wasm loop kernel makes it step by step instead, same bits)
//   each step t       P_t += h_{t−1} · W_hhᵀ, then one fused gate kernel
//   backward, step t  the fused gate backward, then dh_{t−1} = dP_t · W_hh
//   after the loop    dW_ih += dPᵀ·X, dW_hh += dPᵀ·H_prev, dX += dP·W_ih   three gemms
// No allocation inside the loop: buffers are sized once per (T, B) and reused.
//
// Variable lengths: row b is real for t < lengths[b]. A padded step leaves the state as it was,
// outputs zero and gets no gradient; the reverse direction of row b therefore starts from the
// initial state at t = lengths[b] − 1, as PyTorch's packed sequences do.
//
// Shapes: X (T, B, I); Y (T, B, D·H) with the forward direction's H features first, then the
// reverse ones (PyTorch); states (D, B, H) with the forward direction first.

import type { Cell, DirectionWeights, DirectionWorkspace } from '../cells/cell.js';
import type { Activation, Float, Kernels, LoopKernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';

export interface LayerShape { t: number; b: number }

export class RecurrentLayer {
  readonly directions: number;
  readonly params: Param[] = [];
  private readonly weights: DirectionWeights[] = [];
  private readonly foldedBias: Float[] = [];
  private ws: DirectionWorkspace[] = [];
  private shape: LayerShape = { t: 0, b: 0 };
  /**
   * The input of the last forward pass (needed for dW_ih): the caller's buffer, not a copy, which
   * must stay unchanged until backward (the model's own input and layer buffers do).
   */
  private x: Float;
  private xOff = 0;
  /** (T, B, D·H) outputs of the last forward pass (for one direction without padding, a view of the state slots 1..T). */
  readonly y: { data: Float };
  private yOwn: Float;
  /** (T, B, I) input gradient of the last backward pass. */
  readonly dx: { data: Float };
  private lengths: Int32Array | null = null;
  /** (B, H) scratch to carry dc of padded rows across the LSTM backward kernel. */
  private dcKeep: Float;
  /**
   * Opt-in gradient-flow recording (diagnostics/gradflow.ts). When true, backward stores in
   * `gradFlow[d][t]` the Frobenius norm of the (B, H) block ∂L/∂h_t of direction d: the gradient
   * from the output at step t plus the carry from the step processed before it. Off, it costs one
   * boolean check per step.
   */
  recordGradFlow = false;
  /** (T) per direction, indexed by time step t (time order for both directions); kept until the next recorded backward. */
  readonly gradFlow: Float64Array[] = [];

  constructor(
    private readonly k: Kernels,
    readonly cell: Cell,
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly layerIndex: number,
    bidirectional: boolean,
  ) {
    this.directions = bidirectional ? 2 : 1;
    const gh = cell.gates * hiddenSize;
    for (let d = 0; d < this.directions; d++) {
      const suffix = `_l${layerIndex}${d === 1 ? '_reverse' : ''}`;
      const make = (base: string, shape: number[]): Param => {
        const n = shape.reduce((a, c) => a * c, 1);
        const p: Param = { name: base + suffix, shape, value: k.alloc(n), grad: k.alloc(n) };
        this.params.push(p);
        return p;
      };
      const wih = make('weight_ih', [gh, inputSize]);
      const whh = make('weight_hh', [gh, hiddenSize]);
      const bih = make('bias_ih', [gh]);
      const bhh = make('bias_hh', [gh]);
      this.weights.push({
        wih: wih.value, whh: whh.value, bih: bih.value, bhh: bhh.value,
        gWih: wih.grad, gWhh: whh.grad, gBih: bih.grad, gBhh: bhh.grad,
      });
      this.foldedBias.push(k.alloc(gh));
    }
    this.x = k.alloc(0);
    this.dcKeep = k.alloc(0);
    this.yOwn = k.alloc(0);
    this.y = { data: this.yOwn };
    this.dx = { data: k.alloc(0) };
  }

  /** Sizes every buffer for (T, B); does nothing when the shape is unchanged. */
  private ensure(t: number, b: number): void {
    if (this.shape.t === t && this.shape.b === b) return;
    const k = this.k;
    const h = this.hiddenSize;
    const g = this.cell.gates * h;
    for (const w of this.ws) {
      if (w.whhT) k.freePackedB(w.whhT);
      if (w.whh) k.freePackedB(w.whh);
      for (const buf of [w.gates, w.hs, w.cs, w.gh, w.dGates, w.dGh, w.dh, w.dhPrev, w.dc]) k.free(buf);
    }
    k.free(this.yOwn); k.free(this.dx.data); k.free(this.dcKeep);
    const gru = this.cell.kind === 'gru';
    this.ws = [];
    for (let d = 0; d < this.directions; d++) {
      this.ws.push({
        gates: k.alloc(t * b * g),
        hs: k.alloc((t + 1) * b * h),
        cs: k.alloc(this.cell.hasCellState ? (t + 1) * b * h : 0),
        gh: k.alloc(gru ? t * b * g : 0),
        dGates: k.alloc(t * b * g),
        dGh: k.alloc(gru ? t * b * g : 0),
        dh: k.alloc(b * h),
        dhPrev: k.alloc(b * h),
        dc: k.alloc(this.cell.hasCellState ? b * h : 0),
        whhT: null,
        whh: null,
      });
    }
    this.yOwn = k.alloc(this.directions === 1 ? 0 : t * b * this.directions * h);
    this.dx.data = k.alloc(t * b * this.inputSize);
    this.dcKeep = k.alloc(b * h);
    this.shape = { t, b };
  }

  /** The slot holding the state before step t, and the one after it (see cells/cell.ts). */
  private static prevSlot(d: number, t: number): number { return d === 0 ? t : t + 1; }
  private static curSlot(d: number, t: number): number { return d === 0 ? t + 1 : t; }

  /**
   * Runs the layer over x (T, B, I). `h0`/`c0` are (D, B, H) or null for zeros; `lengths` (B) or
   * null when every row is T long. Outputs land in `this.y.data`; final states via `finalState`.
   */
  forward(x: Float, xOff: number, t: number, b: number, h0: Float | null, c0: Float | null, lengths: Int32Array | null): void {
    this.ensure(t, b);
    const k = this.k;
    const h = this.hiddenSize;
    const g = this.cell.gates * h;
    const inW = this.inputSize;
    const dh = this.directions * h;
    this.lengths = lengths;
    this.x = x;
    this.xOff = xOff;
    const alias = this.directions === 1 && !lengths;
    if (this.directions === 1 && this.yOwn.length !== (alias ? 0 : t * b * h)) {
      k.free(this.yOwn);
      this.yOwn = k.alloc(alias ? 0 : t * b * h);
    }
    // one direction, no padding: the outputs are exactly the state slots 1..T
    const y = alias ? this.ws[0].hs.subarray(b * h, (t + 1) * b * h) : this.yOwn;
    this.y.data = y;
    for (let d = 0; d < this.directions; d++) {
      const w = this.weights[d];
      const ws = this.ws[d];
      const bias = this.foldedBias[d];
      for (let j = 0; j < g; j++) bias[j] = this.cell.foldsHiddenBias ? w.bih[j] + w.bhh[j] : w.bih[j];
      const loop = lengths ? null : loopKernels(k);
      // P = bias + X · W_ihᵀ for all steps at once (the loop kernel makes it step by step, same bits)
      if (!loop) {
        k.fillRows(t * b, g, bias, 0, ws.gates, 0, g);
        k.gemm(false, true, t * b, g, inW, 1, x, xOff, inW, w.wih, 0, inW, 1, ws.gates, 0, g);
      }
      // W_hh is the same for every step of this pass: pack op(B) = W_hhᵀ (H, G·H) once
      ws.whhT = k.packB(true, h, g, w.whh, 0, h, ws.whhT ?? undefined);
      const start = d === 0 ? 0 : t;
      for (let i = 0; i < b * h; i++) {
        ws.hs[start * b * h + i] = h0 ? h0[d * b * h + i] : 0;
        if (this.cell.hasCellState) ws.cs[start * b * h + i] = c0 ? c0[d * b * h + i] : 0;
      }
      if (loop) {
        loop.loopForward({
          ...this.loopCell(), t, b, h, reverse: d === 1, gates: ws.gates, hs: ws.hs, cs: ws.cs, gh: ws.gh, bhh: w.bhh, whhT: ws.whhT!,
          input: { x, xOff, inputSize: inW, wih: w.wih, bias },
        });
      } else {
        for (let s = 0; s < t; s++) {
          const step = d === 0 ? s : t - 1 - s;
          const prev = RecurrentLayer.prevSlot(d, step), cur = RecurrentLayer.curSlot(d, step);
          this.cell.stepForward(k, w, ws, b, h, step, prev, cur);
          if (lengths) this.holdPaddedRows(ws, b, step, prev, cur, lengths);
        }
      }
      // outputs: the state after each step, zero on padded steps
      for (let step = 0; step < t && !alias; step++) {
        const cur = RecurrentLayer.curSlot(d, step);
        for (let r = 0; r < b; r++) {
          const yo = (step * b + r) * dh + d * h;
          const so = (cur * b + r) * h;
          const real = !lengths || step < lengths[r];
          for (let j = 0; j < h; j++) y[yo + j] = real ? ws.hs[so + j] : 0;
        }
      }
    }
  }

  private holdPaddedRows(ws: DirectionWorkspace, b: number, step: number, prev: number, cur: number, lengths: Int32Array): void {
    const h = this.hiddenSize;
    for (let r = 0; r < b; r++) {
      if (step < lengths[r]) continue;
      const from = (prev * b + r) * h;
      const to = (cur * b + r) * h;
      for (let j = 0; j < h; j++) ws.hs[to + j] = ws.hs[from + j];
      if (this.cell.hasCellState) for (let j = 0; j < h; j++) ws.cs[to + j] = ws.cs[from + j];
    }
  }

  /**
   * The gate buffer of direction d after the last forward pass, (T, B, G·H): the activated gates
   * for LSTM and GRU, the pre-activations for RNN cells. For diagnostics (saturation, dead units).
   */
  gateValues(d: number): Float {
    return this.ws[d].gates;
  }

  /** Copies the final states (D, B, H) of the last forward pass into hN (and cN for LSTM). */
  finalState(hN: Float, hOff: number, cN: Float | null, cOff: number): void {
    const { t, b } = this.shape;
    const n = b * this.hiddenSize;
    for (let d = 0; d < this.directions; d++) {
      const slot = d === 0 ? t : 0;
      for (let i = 0; i < n; i++) hN[hOff + d * n + i] = this.ws[d].hs[slot * n + i];
      if (cN && this.cell.hasCellState) for (let i = 0; i < n; i++) cN[cOff + d * n + i] = this.ws[d].cs[slot * n + i];
    }
  }

  /**
   * Backpropagates through the last forward pass. `dy` (T, B, D·H) or null; `dhN`/`dcN` (D, B, H)
   * gradients reaching the final states, or null. Adds into the parameter gradients; writes the
   * input gradient into `this.dx.data` and, when given, the initial-state gradients into dh0/dc0.
   */
  backward(dy: Float | null, dyOff: number, dhN: Float | null, dcN: Float | null, dh0: Float | null, dc0: Float | null): void {
    const { t, b } = this.shape;
    const k = this.k;
    const h = this.hiddenSize;
    const g = this.cell.gates * h;
    const inW = this.inputSize;
    const dhW = this.directions * h;
    const lengths = this.lengths;
    const dx = this.dx.data;
    dx.fill(0);
    for (let d = 0; d < this.directions; d++) {
      const w = this.weights[d];
      const ws = this.ws[d];
      // backward steps multiply by W_hh itself (G·H, H)
      ws.whh = k.packB(false, g, h, w.whh, 0, h, ws.whh ?? undefined);
      for (let i = 0; i < b * h; i++) {
        ws.dh[i] = dhN ? dhN[d * b * h + i] : 0;
        if (this.cell.hasCellState) ws.dc[i] = dcN ? dcN[d * b * h + i] : 0;
      }
      const record = this.recordGradFlow;
      if (record && this.gradFlow[d]?.length !== t) this.gradFlow[d] = new Float64Array(t);
      const loop = lengths || record ? null : loopKernels(k);
      if (loop) {
        loop.loopBackward({
          ...this.loopCell(), t, b, h, reverse: d === 1, gates: ws.gates, hs: ws.hs, cs: ws.cs, gh: ws.gh,
          dGates: ws.dGates, dGh: ws.dGh, dhA: ws.dh, dhB: ws.dhPrev, dc: ws.dc, whh: ws.whh!, dy, dyOff: dyOff + d * h, dyLd: dhW,
        });
        // the loop swapped dh and dhPrev after every step, as backwardSteps does
        if (t % 2 === 1) { const swap = ws.dh; ws.dh = ws.dhPrev; ws.dhPrev = swap; }
      } else {
        this.backwardSteps(d, dy, dyOff);
      }
      if (dh0) for (let i = 0; i < b * h; i++) dh0[d * b * h + i] = ws.dh[i];
      if (dc0 && this.cell.hasCellState) for (let i = 0; i < b * h; i++) dc0[d * b * h + i] = ws.dc[i];
      // weight gradients over all steps at once
      const hPrevSlot = d === 0 ? 0 : 1;
      const dHid = this.cell.kind === 'gru' ? ws.dGh : ws.dGates;
      k.gemm(true, false, g, inW, t * b, 1, ws.dGates, 0, g, this.x, this.xOff, inW, 1, w.gWih, 0, inW);
      k.gemm(true, false, g, h, t * b, 1, dHid, 0, g, ws.hs, hPrevSlot * b * h, h, 1, w.gWhh, 0, h);
      k.addColumnSums(t * b, g, ws.dGates, 0, g, w.gBih, 0);
      k.addColumnSums(t * b, g, dHid, 0, g, w.gBhh, 0);
      k.gemm(false, false, t * b, inW, g, 1, ws.dGates, 0, g, w.wih, 0, inW, 1, dx, 0, inW);
    }
  }

  /** What the loop kernels need to know of the cell. */
  private loopCell(): { kind: 'rnn' | 'lstm' | 'gru'; act: Activation; leak: number } {
    const c = this.cell as Cell & { activation?: Activation; leak?: number };
    return { kind: this.cell.kind, act: c.activation ?? 'tanh', leak: c.leak ?? 0 };
  }

  /** Backward through the steps one call at a time (js kernels, padded batches, recording steps). */
  private backwardSteps(d: number, dy: Float | null, dyOff: number): void {
    const { t, b } = this.shape;
    const k = this.k, h = this.hiddenSize, dhW = this.directions * h;
    const w = this.weights[d], ws = this.ws[d], lengths = this.lengths, record = this.recordGradFlow;
    for (let s = t - 1; s >= 0; s--) {
      const step = d === 0 ? s : t - 1 - s;
      const prev = RecurrentLayer.prevSlot(d, step), cur = RecurrentLayer.curSlot(d, step);
      // dh_t = ∂L/∂y_t (real rows only) + the carry from step t+1
      if (dy) {
        for (let r = 0; r < b; r++) {
          if (lengths && step >= lengths[r]) continue;
          const yo = dyOff + (step * b + r) * dhW + d * h;
          for (let j = 0; j < h; j++) ws.dh[r * h + j] += dy[yo + j];
        }
      }
      if (record) this.gradFlow[d][step] = frobenius(ws.dh, b * h);
      if (lengths && this.cell.hasCellState) this.keepPaddedDc(ws, b, step, lengths, true);
      this.cell.stepBackward(k, w, ws, b, h, step, prev, cur);
      if (lengths) this.passPaddedRows(ws, b, step, lengths);
      const swap = ws.dh; ws.dh = ws.dhPrev; ws.dhPrev = swap;
    }
  }

  /** Saves (before) or restores (after) the dc rows of padded steps around the LSTM kernel. */
  private keepPaddedDc(ws: DirectionWorkspace, b: number, step: number, lengths: Int32Array, save: boolean): void {
    const h = this.hiddenSize;
    for (let r = 0; r < b; r++) {
      if (step < lengths[r]) continue;
      for (let j = 0; j < h; j++) {
        if (save) this.dcKeep[r * h + j] = ws.dc[r * h + j];
        else ws.dc[r * h + j] = this.dcKeep[r * h + j];
      }
    }
  }

  /** A padded step is the identity on the state: its gradient passes through, its gates get none. */
  private passPaddedRows(ws: DirectionWorkspace, b: number, step: number, lengths: Int32Array): void {
    const h = this.hiddenSize;
    const g = this.cell.gates * h;
    const gru = this.cell.kind === 'gru';
    if (this.cell.hasCellState) this.keepPaddedDc(ws, b, step, lengths, false);
    for (let r = 0; r < b; r++) {
      if (step < lengths[r]) continue;
      const go = (step * b + r) * g;
      for (let j = 0; j < g; j++) ws.dGates[go + j] = 0;
      if (gru) for (let j = 0; j < g; j++) ws.dGh[go + j] = 0;
      for (let j = 0; j < h; j++) ws.dhPrev[r * h + j] = ws.dh[r * h + j];
    }
  }
}

/** ‖a[0..n)‖₂, scaled by the largest magnitude so that neither tiny nor huge gradients under/overflow. */
function frobenius(a: Float, n: number): number {
  let m = 0;
  for (let i = 0; i < n; i++) { const v = Math.abs(a[i]); if (v > m) m = v; }
  if (m === 0 || !Number.isFinite(m)) return m;
  let s = 0;
  for (let i = 0; i < n; i++) { const v = a[i] / m; s += v * v; }
  return m * Math.sqrt(s);
}

/** The kernel set's whole-loop entry points, when it has them (the wasm kernels do). */
function loopKernels(k: Kernels): LoopKernels | null {
  const l = k as Kernels & Partial<LoopKernels>;
  return typeof l.loopForward === 'function' && typeof l.loopBackward === 'function' ? (l as Kernels & LoopKernels) : null;
}
