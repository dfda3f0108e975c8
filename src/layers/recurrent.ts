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

import type { Cell } from '../cells/cell.js';
import type { Float, Kernels, LoopKernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import { Direction, type GateParam } from './direction.js';

export interface LayerShape { t: number; b: number }

export class RecurrentLayer {
  readonly directions: number;
  readonly params: Param[];
  /** The parameters with their roles, for the initializers. */
  readonly gateParams: GateParam[];
  /** One controller per direction: parameters, workspace, projection, packing, weight gradients. */
  private readonly dirs: Direction[] = [];
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
  /** (T, B) float64 in 2·T·B floats: the loop kernel's per-row sums of squares of ∂L/∂h_t, while recording. */
  private flowRows: Float | null = null;

  constructor(
    private readonly k: Kernels,
    readonly cell: Cell,
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly layerIndex: number,
    bidirectional: boolean,
  ) {
    this.directions = bidirectional ? 2 : 1;
    for (let d = 0; d < this.directions; d++) {
      this.dirs.push(new Direction(k, cell, inputSize, hiddenSize, `_l${layerIndex}${d === 1 ? '_reverse' : ''}`));
    }
    this.gateParams = this.dirs.flatMap((dir) => dir.params);
    this.params = this.gateParams.map((p) => p.param);
    this.x = k.alloc(0);
    this.dcKeep = k.alloc(0);
    this.yOwn = k.alloc(0);
    this.y = { data: this.yOwn };
    this.dx = { data: k.alloc(0) };
  }

  /** Sizes every buffer for (T, B); does nothing when the shape is unchanged. */
  private ensure(t: number, b: number): void {
    if (this.shape.t === t && this.shape.b === b) return;
    const k = this.k, h = this.hiddenSize;
    for (const dir of this.dirs) dir.resize(t, b, t + 1);
    k.free(this.yOwn); k.free(this.dx.data); k.free(this.dcKeep);
    if (this.flowRows) { k.free(this.flowRows); this.flowRows = null; }
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
    this.x = x;
    this.xOff = xOff;
    this.lengths = lengths;
    this.y.data = this.outputBuffer();
    for (let d = 0; d < this.directions; d++) {
      const dir = this.dirs[d];
      const loop = this.loopRoute();
      // the loop kernel makes the input projection itself, step by step on each thread's rows (same bits)
      if (!loop) dir.project(x, xOff, t * b);
      dir.packForward();
      dir.loadState(d === 0 ? 0 : t, b, h0, c0, d * b * this.hiddenSize);
      this.forwardLoop(d, loop);
      this.writeOutputs(d);
    }
  }

  /** Where the outputs go: with one direction and no padding, the state slots 1..T themselves. */
  private outputBuffer(): Float {
    const { t, b } = this.shape, h = this.hiddenSize;
    const alias = this.directions === 1 && !this.lengths;
    if (this.directions === 1 && this.yOwn.length !== (alias ? 0 : t * b * h)) {
      this.k.free(this.yOwn);
      this.yOwn = this.k.alloc(alias ? 0 : t * b * h);
    }
    return alias ? this.dirs[0].ws.hs.subarray(b * h, (t + 1) * b * h) : this.yOwn;
  }

  /** The whole-loop kernels when the forward runs them: full-length batches, a cell with a loop description and no whole-direction pass of its own. */
  private loopRoute(): LoopKernels | null {
    return this.lengths || this.cell.forwardAll || !this.cell.loop ? null : loopKernels(this.k);
  }

  /** The time loop of direction d: the cell's whole-direction pass, one loop-kernel call (input projection included), or the cell step by step. */
  private forwardLoop(d: number, loop: LoopKernels | null): void {
    const { t, b } = this.shape, h = this.hiddenSize, lengths = this.lengths;
    const dir = this.dirs[d], { w, ws } = dir;
    if (!lengths && this.cell.forwardAll) { this.cell.forwardAll(this.k, w, ws, t, b, h, d === 1); return; }
    if (loop) {
      loop.loopForward({
        cell: this.cell.loop!, t, b, h, reverse: d === 1, gates: ws.gates, hs: ws.hs, cs: ws.cs, gh: ws.gh, bhh: w.bhh, whhT: ws.whhT!,
        input: { x: this.x, xOff: this.xOff, inputSize: this.inputSize, wih: w.wih, bias: dir.foldBias() },
      });
      return;
    }
    for (let s = 0; s < t; s++) {
      const step = d === 0 ? s : t - 1 - s;
      const prev = RecurrentLayer.prevSlot(d, step), cur = RecurrentLayer.curSlot(d, step);
      this.cell.stepForward(this.k, w, ws, b, h, step, prev, cur);
      if (lengths) this.holdPaddedRows(d, step, prev, cur);
    }
  }

  /** Copies the state after each step into direction d's columns of y, zero on padded steps (nothing when y is the slots). */
  private writeOutputs(d: number): void {
    const { t, b } = this.shape, h = this.hiddenSize, dh = this.directions * h, lengths = this.lengths;
    const y = this.y.data, hs = this.dirs[d].ws.hs;
    if (y !== this.yOwn) return;
    for (let step = 0; step < t; step++) {
      const cur = RecurrentLayer.curSlot(d, step);
      for (let r = 0; r < b; r++) {
        const yo = (step * b + r) * dh + d * h;
        const so = (cur * b + r) * h;
        const real = !lengths || step < lengths[r];
        for (let j = 0; j < h; j++) y[yo + j] = real ? hs[so + j] : 0;
      }
    }
  }

  private holdPaddedRows(d: number, step: number, prev: number, cur: number): void {
    const { b } = this.shape, h = this.hiddenSize, ws = this.dirs[d].ws, lengths = this.lengths!;
    for (let r = 0; r < b; r++) {
      if (step < lengths[r]) continue;
      const from = (prev * b + r) * h;
      const to = (cur * b + r) * h;
      for (let j = 0; j < h; j++) ws.hs[to + j] = ws.hs[from + j];
      if (this.cell.hasCellState) for (let j = 0; j < h; j++) ws.cs[to + j] = ws.cs[from + j];
    }
  }

  /**
   * The gate buffer of direction d after the last forward pass, (T, B, G·H): what each block holds
   * is in the cell's description (GateSpec.stored). For diagnostics (saturation, dead units).
   */
  gateValues(d: number): Float {
    return this.dirs[d].ws.gates;
  }

  /** Copies the final states (D, B, H) of the last forward pass into hN (and cN for LSTM). */
  finalState(hN: Float, hOff: number, cN: Float | null, cOff: number): void {
    const { t, b } = this.shape;
    const n = b * this.hiddenSize;
    for (let d = 0; d < this.directions; d++) {
      const slot = d === 0 ? t : 0;
      const ws = this.dirs[d].ws;
      for (let i = 0; i < n; i++) hN[hOff + d * n + i] = ws.hs[slot * n + i];
      if (cN && this.cell.hasCellState) for (let i = 0; i < n; i++) cN[cOff + d * n + i] = ws.cs[slot * n + i];
    }
  }

  /**
   * Backpropagates through the last forward pass. `dy` (T, B, D·H) or null; `dhN`/`dcN` (D, B, H)
   * gradients reaching the final states, or null. Adds into the parameter gradients; writes the
   * input gradient into `this.dx.data` and, when given, the initial-state gradients into dh0/dc0.
   */
  backward(dy: Float | null, dyOff: number, dhN: Float | null, dcN: Float | null, dh0: Float | null, dc0: Float | null): void {
    const { t, b } = this.shape, n = b * this.hiddenSize;
    this.dx.data.fill(0);
    for (let d = 0; d < this.directions; d++) {
      const dir = this.dirs[d];
      dir.packBackward();
      dir.loadCarry(b, dhN, dcN, d * n);
      this.backwardLoop(d, dy, dyOff);
      dir.storeCarry(b, dh0, dc0, d * n);
      // the previous states of steps 0..T−1, in time order: slots 0..T−1 forward, 1..T reverse
      dir.weightGradients(this.x, this.xOff, t * b, (d === 0 ? 0 : 1) * n, this.dx.data);
    }
  }

  /** The backward time loop of direction d: the cell's whole-direction pass, one loop-kernel call, or the cell step by step. Leaves ∂L/∂h_{−1} in ws.dh. */
  private backwardLoop(d: number, dy: Float | null, dyOff: number): void {
    const { t, b } = this.shape, h = this.hiddenSize;
    const record = this.recordGradFlow;
    if (record && this.gradFlow[d]?.length !== t) this.gradFlow[d] = new Float64Array(t);
    const { w, ws } = this.dirs[d];
    if (!this.lengths && !record && this.cell.backwardAll) {
      this.cell.backwardAll(this.k, w, ws, t, b, h, d === 1, dy, dyOff + d * h, this.directions * h);
      return;
    }
    const loop = this.lengths || !this.cell.loop ? null : loopKernels(this.k);
    if (!loop) { this.backwardSteps(d, dy, dyOff); return; }
    // recording, the loop kernel writes each row's sum of squares of ∂L/∂h_t (float64), summed here
    if (record && this.flowRows?.length !== 2 * t * b) {
      if (this.flowRows) this.k.free(this.flowRows);
      this.flowRows = this.k.alloc(2 * t * b);
    }
    const flow = record ? this.flowRows : null;
    loop.loopBackward({
      cell: this.cell.loop!, t, b, h, reverse: d === 1, gates: ws.gates, hs: ws.hs, cs: ws.cs, gh: ws.gh,
      dGates: ws.dGates, dGh: ws.dGh, dhA: ws.dh, dhB: ws.dhPrev, dc: ws.dc, whh: ws.whh!, dy, dyOff: dyOff + d * h, dyLd: this.directions * h, flow,
    });
    if (flow) {
      const rows = new Float64Array(flow.buffer, flow.byteOffset, t * b), out = this.gradFlow[d];
      for (let step = 0; step < t; step++) {
        let s = 0;
        for (let r = 0; r < b; r++) s += rows[step * b + r];
        out[step] = Math.sqrt(s);
      }
    }
  }

  /** Backward through the steps one call at a time (js kernels, padded batches, recording steps). */
  private backwardSteps(d: number, dy: Float | null, dyOff: number): void {
    const { t, b } = this.shape;
    const k = this.k, h = this.hiddenSize, dhW = this.directions * h;
    const { w, ws } = this.dirs[d], lengths = this.lengths, record = this.recordGradFlow;
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
      if (lengths && this.cell.hasCellState) this.keepPaddedDc(d, step, true);
      this.cell.stepBackward(k, w, ws, b, h, step, prev, cur);
      if (lengths) this.passPaddedRows(d, step);
      // the carry: dh ← dh_{t−1}
      ws.dh.set(ws.dhPrev);
    }
  }

  /** Saves (before) or restores (after) the dc rows of padded steps around the LSTM kernel. */
  private keepPaddedDc(d: number, step: number, save: boolean): void {
    const { b } = this.shape, h = this.hiddenSize, ws = this.dirs[d].ws, lengths = this.lengths!;
    for (let r = 0; r < b; r++) {
      if (step < lengths[r]) continue;
      for (let j = 0; j < h; j++) {
        if (save) this.dcKeep[r * h + j] = ws.dc[r * h + j];
        else ws.dc[r * h + j] = this.dcKeep[r * h + j];
      }
    }
  }

  /** A padded step is the identity on the state: its gradient passes through, its gates get none. */
  private passPaddedRows(d: number, step: number): void {
    const { b } = this.shape, h = this.hiddenSize, ws = this.dirs[d].ws, lengths = this.lengths!;
    const g = this.cell.gates * h;
    const apart = this.cell.spec.hiddenBias === 'apart';
    if (this.cell.hasCellState) this.keepPaddedDc(d, step, false);
    for (let r = 0; r < b; r++) {
      if (step < lengths[r]) continue;
      const go = (step * b + r) * g;
      for (let j = 0; j < g; j++) ws.dGates[go + j] = 0;
      if (apart) for (let j = 0; j < g; j++) ws.dGh[go + j] = 0;
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
