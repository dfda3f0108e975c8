// IndRNN (Li et al., CVPR 2018, "Independently Recurrent Neural Network (IndRNN): Building a Longer
// and Deeper RNN"): every unit has one recurrent weight of its own,
//   h_t = relu(W_ih x_t + b_ih + u ⊙ h_{t−1})            u (H): weight_hh, a vector
// One gate block (G = 1), no b_hh; the gate buffer keeps the pre-activation W_ih x_t + b_ih +
// u ⊙ h_{t−1} (the dead units are read from it). Parameters per direction: weight_ih (H, I),
// weight_hh (H), bias_ih (H): the names of scripts/recur_cells_torch.py's reference module.
//
// The bound on u: the gradient reaching h_0 of unit j from step T is Π_t u_j·relu'(·), about u_j^T
// where the unit is active, so the paper keeps |u_j| ≤ γ^{1/T} (γ = 2 for the adding problem:
// `recurrentMax` = 2^{1/T}) after every update; u far below it forgets within a few steps. Init,
// as the authors' code: u uniform in (0, recurrentMax), the top layer of a last-step model in
// (1/recurrentMax, recurrentMax), so that it keeps what it holds to the last step.
//
// Routes: the whole direction is one call of indrnnForward / indrnnBackward (the scan kernels,
// src/kernels/js-scan.ts and asm/scan.ts) on every kernel set, threads splitting the B·H units;
// stepForward / stepBackward run the same kernels one step at a time where the layer steps
// (variable lengths, gradient-flow recording, Skip RNN). test/newcells.test.ts checks both routes
// against PyTorch (scripts/golden_newcells.py) and float64 finite differences.

import type { Float, Kernels } from '../kernels/types.js';
import { CellBase, type Cell, type CellSpec, type DirectionWeights, type DirectionWorkspace } from './cell.js';

export const INDRNN: CellSpec = {
  kind: 'indrnn',
  gates: [{ name: 'h', act: 'relu', stored: 'pre' }],
  forgetGate: null,
  states: 1,
  recurrent: 'vector',
  hiddenBias: 'none',
  activations: null,
  onnx: null,
  create: () => new IndRnnCell(),
};

export class IndRnnCell extends CellBase implements Cell {
  readonly loop = null;
  constructor() { super(INDRNN); }

  stepForward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    const n = b * h;
    // one step of the whole-direction kernel: slots prev → cur are its 0 → 1 (or 1 → 0 in reverse), |cur − prev|·n apart
    k.indrnnForward(1, b, h, cur < prev, ws.gates, t * n, w.whh, 0, ws.hs, Math.min(prev, cur) * n, Math.abs(cur - prev) * n);
  }

  stepBackward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    // the kernel carries the gradient in place: dhPrev starts as dh and leaves as ∂L/∂h_{t−1}
    const n = b * h;
    ws.dhPrev.set(ws.dh.subarray(0, n));
    k.indrnnBackward(1, b, h, cur < prev, ws.hs, Math.min(prev, cur) * n, Math.abs(cur - prev) * n, w.whh, 0, null, 0, 0,
      ws.dhPrev, 0, ws.dGates, t * n);
  }

  forwardAll(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, t: number, b: number, h: number, reverse: boolean): void {
    k.indrnnForward(t, b, h, reverse, ws.gates, 0, w.whh, 0, ws.hs, 0, b * h);
  }

  backwardAll(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, t: number, b: number, h: number, reverse: boolean,
    dy: Float | null, dyOff: number, dyLd: number): void {
    k.indrnnBackward(t, b, h, reverse, ws.hs, 0, b * h, w.whh, 0, dy, dyOff, dyLd, ws.dh, 0, ws.dGates, 0);
  }
}
