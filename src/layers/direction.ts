// The direction controller: what every recurrent layer does for one direction of one layer around
// its cell's steps, written once (RecurrentLayer and SkipLayer use it; burn's gate controller is the
// same idea). It owns
//   the parameters, PyTorch names and layouts, as the cell's description declares them
//     (directionParams in cells/cell.ts);
//   the workspaces of a pass, allocated and freed per (T, B);
//   the input projection before the loop:   P = bias + X · W_ihᵀ, one (rows, I) × (I, G·H) gemm,
//     bias = b_ih + b_hh when the cell folds b_hh, else b_ih;
//   W_hh packed once per pass (W_hhᵀ for the forward steps, W_hh for the backward ones);
//   the weight gradients after the loop:
//     dW_ih += dPᵀ · X    dW_hh += dP_hᵀ · H_prev (or du += Σ_rows dP_h ⊙ h_prev)    db_ih += Σ dP
//     db_hh += Σ dP_h     dX += dP · W_ih
//   with dP_h = dGh when the cell keeps the hidden projection apart (GRU), else dGates;
//   the initial state and the BPTT carry in and out.
// Legend: B batch, T steps, I input width, H hidden width, G gate blocks; rows = T·B.

import { directionParams, type Cell, type DirectionWeights, type DirectionWorkspace, type ParamRole, type ScanWorkspace } from '../cells/cell.js';
import { scanChunkLength, scanScratchSize } from '../kernels/scan-types.js';
import type { Float, Kernels } from '../kernels/types.js';
import { numel, type Param } from '../tensor/param.js';

/** A parameter with what it is for: the initializers choose by role (model/sequential.ts). */
export interface GateParam { readonly param: Param; readonly role: ParamRole }

export class Direction {
  /** In PyTorch's order: weight_ih, weight_hh, bias_ih, bias_hh (those the cell has). */
  readonly params: GateParam[] = [];
  readonly w: DirectionWeights;
  /** The workspace of the current (T, B); see `resize`. */
  ws: DirectionWorkspace;
  /** (G·H) the bias of the input projection. */
  private readonly bias: Float;
  private readonly g: number;

  /** `suffix` ends every parameter name (`_l0`, `_l1_reverse`). */
  constructor(private readonly k: Kernels, readonly cell: Cell, readonly inputSize: number, readonly hiddenSize: number, suffix: string) {
    this.g = cell.gates * hiddenSize;
    const byRole = new Map<ParamRole, Param>();
    for (const decl of directionParams(cell.spec, inputSize, hiddenSize)) {
      const n = numel(decl.shape);
      const param: Param = { name: decl.base + suffix, shape: decl.shape, value: k.alloc(n), grad: k.alloc(n) };
      this.params.push({ param, role: decl.role });
      byRole.set(decl.role, param);
    }
    const wih = byRole.get('input')!, whh = byRole.get('recurrent'), bih = byRole.get('input_bias')!, bhh = byRole.get('hidden_bias');
    const none = (): Float => k.alloc(0);
    this.w = {
      wih: wih.value, whh: whh?.value ?? none(), bih: bih.value, bhh: bhh?.value ?? none(),
      gWih: wih.grad, gWhh: whh?.grad ?? none(), gBih: bih.grad, gBhh: bhh?.grad ?? none(),
    };
    this.bias = k.alloc(this.g);
    this.ws = this.workspace(0, 0, 0);
  }

  /** Replaces the workspace with one for `steps` steps of b rows and `slots` state slots. */
  resize(steps: number, b: number, slots: number): void {
    this.freeWorkspace(this.ws);
    this.ws = this.workspace(steps, b, slots);
  }

  /** A workspace of its own (SkipLayer's compact one); give it back with freeWorkspace. */
  workspace(steps: number, b: number, slots: number): DirectionWorkspace {
    const k = this.k, h = this.hiddenSize, g = this.g;
    const c = this.cell.hasCellState, apart = this.cell.spec.hiddenBias === 'apart';
    return {
      gates: k.alloc(steps * b * g),
      hs: k.alloc(slots * b * h),
      cs: k.alloc(c ? slots * b * h : 0),
      gh: k.alloc(apart ? steps * b * g : 0),
      dGates: k.alloc(steps * b * g),
      dGh: k.alloc(apart ? steps * b * g : 0),
      dh: k.alloc(b * h),
      dhPrev: k.alloc(b * h),
      dc: k.alloc(c ? b * h : 0),
      whhT: null,
      whh: null,
      scan: this.cell.spec.recurrent === 'none' ? this.scanWorkspace(steps, b) : null,
    };
  }

  /** a, v, ∂L/∂a, ∂L/∂v (steps, B, H) and the chunked scan's scratch (cells with a linear recurrence). */
  private scanWorkspace(steps: number, b: number): ScanWorkspace {
    const k = this.k, n = steps * b * this.hiddenSize, bh = b * this.hiddenSize;
    return { a: k.alloc(n), v: k.alloc(n), dA: k.alloc(n), dV: k.alloc(n), scratch: k.alloc(scanScratchSize(steps, bh, scanChunkLength(steps, bh))) };
  }

  freeWorkspace(ws: DirectionWorkspace): void {
    if (ws.whhT) this.k.freePackedB(ws.whhT);
    if (ws.whh) this.k.freePackedB(ws.whh);
    for (const buf of [ws.gates, ws.hs, ws.cs, ws.gh, ws.dGates, ws.dGh, ws.dh, ws.dhPrev, ws.dc]) this.k.free(buf);
    if (ws.scan) for (const buf of Object.values(ws.scan)) this.k.free(buf);
  }

  /** (G·H) the input projection's bias row, b_ih + b_hh when the cell folds b_hh, else b_ih (for a loop kernel that projects step by step). */
  foldBias(): Float {
    const { w, g } = this, fold = this.cell.spec.hiddenBias === 'folded';
    for (let j = 0; j < g; j++) this.bias[j] = fold ? w.bih[j] + w.bhh[j] : w.bih[j];
    return this.bias;
  }

  /** gates (rows, G·H) of `ws` = bias + X · W_ihᵀ, for x (rows, I) at xOff. */
  project(x: Float, xOff: number, rows: number, ws: DirectionWorkspace = this.ws): void {
    const { k, w, g } = this, inW = this.inputSize;
    k.fillRows(rows, g, this.foldBias(), 0, ws.gates, 0, g);
    k.gemm(false, true, rows, g, inW, 1, x, xOff, inW, w.wih, 0, inW, 1, ws.gates, 0, g);
  }

  /** W_hh is the same for every step of a pass: pack op(B) = W_hhᵀ (H, G·H) once (matrix recurrent weights only). */
  packForward(ws: DirectionWorkspace = this.ws): void {
    if (this.cell.spec.recurrent !== 'matrix') return;
    ws.whhT = this.k.packB(true, this.hiddenSize, this.g, this.w.whh, 0, this.hiddenSize, ws.whhT ?? undefined);
  }

  /** The backward steps multiply by W_hh itself (G·H, H). */
  packBackward(): void {
    if (this.cell.spec.recurrent !== 'matrix') return;
    const ws = this.ws;
    ws.whh = this.k.packB(false, this.g, this.hiddenSize, this.w.whh, 0, this.hiddenSize, ws.whh ?? undefined);
  }

  /** Puts the initial state (B, H) at offset `off` of h0/c0 (zeros for null) into state slot `slot`. */
  loadState(slot: number, b: number, h0: Float | null, c0: Float | null, off: number): void {
    const ws = this.ws, n = b * this.hiddenSize, c = this.cell.hasCellState;
    for (let i = 0; i < n; i++) {
      ws.hs[slot * n + i] = h0 ? h0[off + i] : 0;
      if (c) ws.cs[slot * n + i] = c0 ? c0[off + i] : 0;
    }
  }

  /** Starts the BPTT carry dh (and dc) from the gradients reaching the final state (zeros for null). */
  loadCarry(b: number, dhN: Float | null, dcN: Float | null, off: number): void {
    const ws = this.ws, n = b * this.hiddenSize, c = this.cell.hasCellState;
    for (let i = 0; i < n; i++) {
      ws.dh[i] = dhN ? dhN[off + i] : 0;
      if (c) ws.dc[i] = dcN ? dcN[off + i] : 0;
    }
  }

  /** Copies the carry after the loop, the gradients reaching the initial state, into dh0/dc0 when given. */
  storeCarry(b: number, dh0: Float | null, dc0: Float | null, off: number): void {
    const ws = this.ws, n = b * this.hiddenSize;
    if (dh0) for (let i = 0; i < n; i++) dh0[off + i] = ws.dh[i];
    if (dc0 && this.cell.hasCellState) for (let i = 0; i < n; i++) dc0[off + i] = ws.dc[i];
  }

  /**
   * The weight gradients over all `rows` rows at once, after the backward loop; adds dP · W_ih
   * into dx (rows, I). X at xOff is the input of the forward pass; the previous states of the
   * rows are hs from `hPrevOff` on, (rows, H) contiguous.
   */
  weightGradients(x: Float, xOff: number, rows: number, hPrevOff: number, dx: Float): void {
    const { k, w, ws, g } = this, h = this.hiddenSize, inW = this.inputSize, spec = this.cell.spec;
    const dHid = spec.hiddenBias === 'apart' ? ws.dGh : ws.dGates;
    k.gemm(true, false, g, inW, rows, 1, ws.dGates, 0, g, x, xOff, inW, 1, w.gWih, 0, inW);
    if (spec.recurrent === 'matrix') k.gemm(true, false, g, h, rows, 1, dHid, 0, g, ws.hs, hPrevOff, h, 1, w.gWhh, 0, h);
    if (spec.recurrent === 'vector') this.vectorGradient(dHid, rows, hPrevOff);
    k.addColumnSums(rows, g, ws.dGates, 0, g, w.gBih, 0);
    if (spec.hiddenBias !== 'none') k.addColumnSums(rows, g, dHid, 0, g, w.gBhh, 0);
    k.gemm(false, false, rows, inW, g, 1, ws.dGates, 0, g, w.wih, 0, inW, 1, dx, 0, inW);
  }

  /** du (G·H) += Σ_rows dP_h ⊙ h_prev, each gate block against the same h_prev (a vector recurrent weight). */
  private vectorGradient(dHid: Float, rows: number, hPrevOff: number): void {
    const { k, w, ws, g } = this, h = this.hiddenSize;
    for (let blk = 0; blk < g; blk += h) k.addColumnProductSums(rows, h, dHid, blk, g, ws.hs, hPrevOff, h, w.gWhh, blk);
  }
}
