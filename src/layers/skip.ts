// Skip RNN (Campos et al. 2018, "Skip RNN: Learning to Skip State Updates in Recurrent Neural
// Networks"), wrapping any cell S (rnn, lstm, gru). Steps t = 0 … T−1 (the paper's t = 1 … T):
//   u_t     = round(ũ_t)                                   binary: update the state or copy it
//   s_t     = u_t · S(s_{t−1}, x_t) + (1 − u_t) · s_{t−1}   (LSTM: h and c alike)
//   Δũ_t    = σ(w_p · s_t + b_p)                            w_p (1, H), b_p (1): skip_weight_l{k}, skip_bias_l{k}
//             (s_t is h_t, or for an LSTM its cell state c_t, as in the authors' code)
//   ũ_{t+1} = u_t · Δũ_t + (1 − u_t) · (ũ_t + min(Δũ_t, 1 − ũ_t))       ũ_0 = 1
//   budget  = λ · (1/B) Σ_b Σ_t u_t   (the paper's λ Σ_t u_t, as a batch mean like the task loss)
// round has no useful derivative; the straight-through estimator (Bengio et al. 2013) takes
// ∂L/∂ũ_t = ∂L/∂u_t, with ∂L/∂u_t = ⟨∂L/∂s_t, S(s_{t−1}, x_t) − s_{t−1}⟩ + λ/B + the path through ũ_{t+1}.
// Legend: B batch, T steps, I input width, H hidden width, G gate blocks.
//
// Training computes the candidate S for every row and step (the backward needs it); inference
// gathers the rows that update at a step and runs the cell on those alone, so a skipped step costs
// no cell computation (`cellRows` counts what ran). A backward after an inference forward first
// recomputes the training forward from the same input (gradient-flow diagnostics do that).
//
// State slots: hs (and cs) hold 2T+1 (B, H) blocks: slots 0…T the states s_0 … s_T (s_0 the
// initial state), slots T+1 … 2T the candidates S of steps 0 … T−1. So the cell reads slot t and
// writes slot T+1+t, and the previous states of all steps stay one contiguous block for dW_hh.
// Padded steps (t ≥ lengths[b]) hold s and ũ, output zero, count no update and get no gradient.
// One direction only; the final state is s_T (the state after each row's last real step). ũ is not
// part of that state: a forward pass that starts from a given state starts with ũ_0 = 1, so
// generation one step at a time (model/sample.ts) updates at every step, and truncated BPTT refuses
// Skip RNN models.

import type { Cell, DirectionWeights, DirectionWorkspace } from '../cells/cell.js';
import { RecurError } from '../errors.js';
import type { Float, Kernels } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import type { Rng } from '../tensor/rng.js';
import { Direction, type GateParam } from './direction.js';
import type { TimeLayer } from './time-layer.js';

export interface SkipOptions {
  /** λ of the budget loss λ Σ_t u_t. */
  budget: number;
}

export class SkipLayer implements TimeLayer {
  readonly directions = 1;
  readonly params: Param[];
  /** The cell's parameters with their roles, for the initializers (the skip gate is initSkipGate's). */
  readonly gateParams: GateParam[];
  readonly y: { data: Float };
  readonly dx: { data: Float };
  readonly gradFlow: Float64Array[] = [];
  recordGradFlow = false;
  /** Set by the stack before each forward: inference takes the compact path. */
  training = true;
  /** For tests: u_t = ũ_t instead of round(ũ_t), which makes the straight-through gradient the exact one. */
  relax = false;
  /** For tests: false drops the gradient through u (what finite differences see of a rounded u). */
  straightThrough = true;
  /** Of the last forward: λ·(updates)/B, updates / real steps, and the rows the cell ran on. */
  budgetLoss = 0;
  updateFraction = 0;
  updates = 0;
  realSteps = 0;
  cellRows = 0;
  /** The cell's parameters, workspace, projection, packing and weight gradients. */
  private readonly dir: Direction;
  private readonly wp: Param;
  private readonly bp: Param;
  /** Compact workspace of inference: (B, G·H) gates, 2 state slots. */
  private cws: DirectionWorkspace;
  private t = 0;
  private b = 0;
  private x: Float;
  private xOff = 0;
  private lengths: Int32Array | null = null;
  private inferred = false;
  private h0: Float;
  private c0: Float;
  /** (T+1, B) ũ_t; (T, B) u_t, Δũ_t; (B) gradient carried to ũ. */
  private ut = new Float64Array(0);
  private u = new Float64Array(0);
  private delta = new Float64Array(0);
  private dut = new Float64Array(0);
  /** (T, B) ∂L/∂ũ_t of the last backward pass (what the straight-through estimator passed on; 0 on padded steps' own terms). */
  dUTilde: Float64Array = new Float64Array(0);
  private keep: Float;
  private keepC: Float;
  private xc: Float;
  /** (B) the rows that update at the current inference step. */
  private rowIdx = new Int32Array(0);

  constructor(private readonly k: Kernels, readonly cell: Cell, readonly inputSize: number, readonly hiddenSize: number,
    layerIndex: number, readonly options: SkipOptions) {
    this.dir = new Direction(k, cell, inputSize, hiddenSize, `_l${layerIndex}`);
    this.gateParams = this.dir.params;
    const make = (name: string, shape: number[]): Param => {
      const n = shape.reduce((a, c) => a * c, 1);
      return { name: `${name}_l${layerIndex}`, shape, value: k.alloc(n), grad: k.alloc(n) };
    };
    this.wp = make('skip_weight', [1, hiddenSize]);
    this.bp = make('skip_bias', [1]);
    this.params = [...this.gateParams.map((p) => p.param), this.wp, this.bp];
    this.cws = this.dir.workspace(0, 0, 0);
    const e = (): Float => k.alloc(0);
    this.x = e(); this.h0 = e(); this.c0 = e(); this.keep = e(); this.keepC = e(); this.xc = e();
    this.y = { data: e() };
    this.dx = { data: e() };
  }

  /**
   * w_p ~ U(−1/√H, 1/√H) (a Linear(H, 1)); b_p = 1 as in the paper's code, so Δũ ≈ σ(1) ≈ 0.73
   * rounds to 1 and training starts by updating at every step.
   */
  initSkipGate(rng: Rng): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (let i = 0; i < this.hiddenSize; i++) this.wp.value[i] = (2 * rng.uniform() - 1) * bound;
    this.bp.value[0] = 1;
  }

  gateValues(_d: number): Float { return this.dir.ws.gates; }

  private get ws(): DirectionWorkspace { return this.dir.ws; }
  private get w(): DirectionWeights { return this.dir.w; }

  /** (T+1, B) ũ_t of the last forward pass. */
  get uTilde(): Float64Array { return this.ut; }

  private ensure(t: number, b: number): void {
    if (this.t === t && this.b === b) return;
    const k = this.k, h = this.hiddenSize;
    // slots 0…T the states, T+1…2T the candidates
    this.dir.resize(t, b, 2 * t + 1);
    // inference: one step of at most B rows; slot 0 the gathered previous states, slot 1 the new ones
    this.dir.freeWorkspace(this.cws);
    this.cws = this.dir.workspace(1, b, 2);
    for (const buf of [this.y.data, this.dx.data, this.h0, this.c0, this.keep, this.keepC, this.xc]) k.free(buf);
    this.y.data = k.alloc(t * b * h);
    this.dx.data = k.alloc(t * b * this.inputSize);
    this.h0 = k.alloc(b * h); this.c0 = k.alloc(b * h); this.keep = k.alloc(b * h); this.keepC = k.alloc(b * h);
    this.xc = k.alloc(b * this.inputSize);
    this.ut = new Float64Array((t + 1) * b); this.u = new Float64Array(t * b); this.delta = new Float64Array(t * b);
    this.dut = new Float64Array(b);
    this.dUTilde = new Float64Array(t * b);
    this.rowIdx = new Int32Array(b);
    this.t = t; this.b = b;
  }

  forward(x: Float, xOff: number, t: number, b: number, h0: Float | null, c0: Float | null, lengths: Int32Array | null): void {
    this.ensure(t, b);
    const h = this.hiddenSize, n = b * h;
    this.x = x; this.xOff = xOff; this.lengths = lengths;
    for (let i = 0; i < n; i++) { this.h0[i] = h0 ? h0[i] : 0; this.c0[i] = c0 ? c0[i] : 0; }
    this.inferred = !this.training && !this.relax;
    if (this.inferred) this.runInference(); else this.runTraining();
  }

  private real(step: number, r: number): boolean {
    return !this.lengths || step < this.lengths[r];
  }

  /** Slots 0 (s_0) and the ũ_0 = 1 row; counters reset. */
  private begin(): void {
    this.dir.loadState(0, this.b, this.h0, this.c0, 0);
    this.ut.fill(1, 0, this.b);
    this.updates = 0; this.realSteps = 0; this.cellRows = 0;
  }

  /** u_t from ũ_t, for every row of step t (0 on padded steps). */
  private decide(step: number): void {
    for (let r = 0; r < this.b; r++) {
      const ut = this.ut[step * this.b + r];
      const real = this.real(step, r);
      const u = !real ? 0 : this.relax ? ut : ut >= 0.5 ? 1 : 0;
      this.u[step * this.b + r] = u;
      if (real) { this.updates += u; this.realSteps++; }
    }
  }

  /** After s_{step+1} is in its slot: Δũ, ũ_{step+1} and the output of the step. */
  private finishStep(step: number): void {
    const { b, ws } = this, h = this.hiddenSize, wp = this.wp.value, bp = this.bp.value[0];
    const so = (step + 1) * b * h;
    const gateState = this.cell.hasCellState ? ws.cs : ws.hs;
    for (let r = 0; r < b; r++) {
      const i = step * b + r;
      let a = bp;
      for (let j = 0; j < h; j++) a += wp[j] * gateState[so + r * h + j];
      const d = 1 / (1 + Math.exp(-a));
      this.delta[i] = d;
      const ut = this.ut[i], u = this.u[i];
      this.ut[i + b] = !this.real(step, r) ? ut : u * d + (1 - u) * (ut + Math.min(d, 1 - ut));
      const yo = (step * b + r) * h;
      for (let j = 0; j < h; j++) this.y.data[yo + j] = this.real(step, r) ? ws.hs[so + r * h + j] : 0;
    }
  }

  private finishForward(): void {
    this.budgetLoss = this.options.budget * this.updates / this.b;
    this.updateFraction = this.realSteps > 0 ? this.updates / this.realSteps : 0;
  }

  /** Every row, every step: the candidate S in slot T+1+t, then the mix into slot t+1. */
  private runTraining(): void {
    const { k, w, ws, t, b, cell } = this, h = this.hiddenSize;
    this.dir.project(this.x, this.xOff, t * b);
    this.dir.packForward();
    this.begin();
    for (let step = 0; step < t; step++) {
      this.decide(step);
      const cand = t + 1 + step;
      cell.stepForward(k, w, ws, b, h, step, step, cand);
      this.cellRows += b;
      for (let r = 0; r < b; r++) {
        const u = this.u[step * b + r];
        const prev = (step * b + r) * h, cur = ((step + 1) * b + r) * h, cd = (cand * b + r) * h;
        for (let j = 0; j < h; j++) ws.hs[cur + j] = u * ws.hs[cd + j] + (1 - u) * ws.hs[prev + j];
        if (cell.hasCellState) for (let j = 0; j < h; j++) ws.cs[cur + j] = u * ws.cs[cd + j] + (1 - u) * ws.cs[prev + j];
      }
      this.finishStep(step);
    }
    this.finishForward();
  }

  /** Only the rows with u_t = 1 go through the cell, gathered into the compact workspace. */
  private runInference(): void {
    const { k, w, ws, cws, t, b, cell } = this, h = this.hiddenSize, inW = this.inputSize;
    this.dir.packForward(cws);
    const idx = this.rowIdx;
    this.begin();
    for (let step = 0; step < t; step++) {
      this.decide(step);
      let m = 0;
      for (let r = 0; r < b; r++) if (this.u[step * b + r] === 1) idx[m++] = r;
      const prev = step * b * h, cur = (step + 1) * b * h;
      for (let i = 0; i < b * h; i++) ws.hs[cur + i] = ws.hs[prev + i];
      if (cell.hasCellState) for (let i = 0; i < b * h; i++) ws.cs[cur + i] = ws.cs[prev + i];
      if (m > 0) {
        for (let q = 0; q < m; q++) {
          const r = idx[q];
          for (let c = 0; c < inW; c++) this.xc[q * inW + c] = this.x[this.xOff + (step * b + r) * inW + c];
          for (let j = 0; j < h; j++) cws.hs[q * h + j] = ws.hs[prev + r * h + j];
          if (cell.hasCellState) for (let j = 0; j < h; j++) cws.cs[q * h + j] = ws.cs[prev + r * h + j];
        }
        this.dir.project(this.xc, 0, m, cws);
        cell.stepForward(k, w, cws, m, h, 0, 0, 1);
        this.cellRows += m;
        for (let q = 0; q < m; q++) {
          const r = idx[q];
          for (let j = 0; j < h; j++) ws.hs[cur + r * h + j] = cws.hs[(m + q) * h + j];
          if (cell.hasCellState) for (let j = 0; j < h; j++) ws.cs[cur + r * h + j] = cws.cs[(m + q) * h + j];
        }
      }
      this.finishStep(step);
    }
    this.finishForward();
  }

  finalState(hN: Float, hOff: number, cN: Float | null, cOff: number): void {
    const n = this.b * this.hiddenSize, last = this.t * n;
    for (let i = 0; i < n; i++) hN[hOff + i] = this.ws.hs[last + i];
    if (cN && this.cell.hasCellState) for (let i = 0; i < n; i++) cN[cOff + i] = this.ws.cs[last + i];
  }

  backward(dy: Float | null, dyOff: number, dhN: Float | null, dcN: Float | null, dh0: Float | null, dc0: Float | null): void {
    if (this.inferred) {
      // diagnostics: recompute the training forward (same values, every candidate kept)
      this.runTraining();
      this.inferred = false;
    }
    const { k, w, ws, t, b, cell } = this, h = this.hiddenSize;
    const lstm = cell.hasCellState, wp = this.wp.value;
    const lambda = this.options.budget / b;
    this.dir.packBackward();
    this.dir.loadCarry(b, dhN, dcN, 0);
    this.dut.fill(0);
    if (this.recordGradFlow && this.gradFlow[0]?.length !== t) this.gradFlow[0] = new Float64Array(t);
    for (let step = t - 1; step >= 0; step--) {
      const cand = t + 1 + step, so = (step + 1) * b * h, po = step * b * h, co = cand * b * h;
      let flow = 0;
      for (let r = 0; r < b; r++) {
        const i = step * b + r;
        const real = this.real(step, r);
        if (dy && real) for (let j = 0; j < h; j++) ws.dh[r * h + j] += dy[dyOff + (step * b + r) * h + j];
        const u = this.u[i], ut = this.ut[i], d = this.delta[i], gNext = this.dut[r];
        let dDelta = 0, dUt = gNext, du = 0;
        if (real) {
          // through ũ_{t+1} = u·Δ + (1−u)·(ũ + min(Δ, 1−ũ))
          const below = d < 1 - ut ? 1 : 0;
          dDelta = gNext * (u + (1 - u) * below);
          dUt = gNext * (1 - u) * below;
          du = gNext * (d - ut - Math.min(d, 1 - ut)) + lambda;
          // through Δ = σ(w_p·s_t + b_p), s_t = c_t (LSTM) or h_t
          const da = dDelta * d * (1 - d);
          this.bp.grad[0] += da;
          const gs = lstm ? ws.cs : ws.hs, dgs = lstm ? ws.dc : ws.dh;
          for (let j = 0; j < h; j++) {
            this.wp.grad[j] += da * gs[so + r * h + j];
            dgs[r * h + j] += da * wp[j];
          }
          // through s_t = u·S + (1−u)·s_{t−1}
          for (let j = 0; j < h; j++) du += ws.dh[r * h + j] * (ws.hs[co + r * h + j] - ws.hs[po + r * h + j]);
          if (lstm) for (let j = 0; j < h; j++) du += ws.dc[r * h + j] * (ws.cs[co + r * h + j] - ws.cs[po + r * h + j]);
        }
        // straight through round: ∂L/∂ũ_t gets ∂L/∂u_t (ũ_0 = 1 is a constant)
        this.dut[r] = dUt + (real && this.straightThrough ? du : 0);
        this.dUTilde[i] = this.dut[r];
        const uEff = real ? u : 0;
        for (let j = 0; j < h; j++) {
          this.keep[r * h + j] = (1 - uEff) * ws.dh[r * h + j];
          ws.dh[r * h + j] *= uEff;
          if (lstm) { this.keepC[r * h + j] = (1 - uEff) * ws.dc[r * h + j]; ws.dc[r * h + j] *= uEff; }
        }
      }
      if (this.recordGradFlow) {
        for (let i = 0; i < b * h; i++) { const v = ws.dh[i] + this.keep[i]; flow += v * v; }
        this.gradFlow[0][step] = Math.sqrt(flow);
      }
      cell.stepBackward(k, w, ws, b, h, step, step, cand);
      for (let i = 0; i < b * h; i++) ws.dhPrev[i] += this.keep[i];
      if (lstm) for (let i = 0; i < b * h; i++) ws.dc[i] += this.keepC[i];
      const swap = ws.dh; ws.dh = ws.dhPrev; ws.dhPrev = swap;
    }
    this.dir.storeCarry(b, dh0, dc0, 0);
    this.dx.data.fill(0);
    // the previous states of steps 0…T−1 are slots 0…T−1
    this.dir.weightGradients(this.x, this.xOff, t * b, 0, this.dx.data);
  }
}

/** Refuses a budget weight a Skip RNN layer cannot use (the model-level rules are stack.ts's checkStructure). */
export function checkSkipBudget(budget: number): void {
  if (!(Number.isFinite(budget) && budget >= 0)) throw new RecurError(`Skip RNN budget λ: expected a number ≥ 0, received ${budget}`);
}
