// GRU cell, PyTorch's nn.GRU. Gate blocks stacked r, z, n (G = 3):
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
// Convention: the reset gate applies after the hidden projection, b_hn included ("reset after",
// as PyTorch and cuDNN; Keras calls it reset_after=True). So b_hh is not folded into the input
// projection (hiddenBias 'apart'), and W_hh·h + b_hh of every step is kept for the backward pass.
// The gate buffer keeps the activated gates. Parameters per direction: weight_ih (3H, I),
// weight_hh (3H, H), bias_ih, bias_hh (3H).
//
// The wasm route does not call this step: asm/loop.ts repeats it (its 'gru' step) inside one call
// per direction. test/kernels-loop.test.ts checks the two give the same bits; test/golden.test.ts
// checks both against PyTorch.

import type { Kernels, LoopCell } from '../kernels/types.js';
import { CellBase, type Cell, type CellSpec, type DirectionWeights, type DirectionWorkspace } from './cell.js';

export const GRU: CellSpec = {
  kind: 'gru',
  gates: [
    { name: 'r', act: 'sigmoid', stored: 'activated' }, { name: 'z', act: 'sigmoid', stored: 'activated' },
    { name: 'n', act: 'tanh', stored: 'activated' },
  ],
  forgetGate: null,
  states: 1,
  recurrent: 'matrix',
  hiddenBias: 'apart',
  activations: null,
  // ONNX stacks z r h; linear_before_reset = 1 is PyTorch's placement of the reset gate
  onnx: { op: 'GRU', order: [1, 0, 2], linearBeforeReset: true },
  create: () => new GruCell(),
};

const LOOP: LoopCell = { step: 'gru', gates: 3, cellState: false, hiddenApart: true, act: 'tanh', leak: 0 };

export class GruCell extends CellBase implements Cell {
  readonly loop = LOOP;
  constructor() { super(GRU); }

  stepForward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    const g = 3 * h;
    const gOff = t * b * g;
    k.fillRows(b, g, w.bhh, 0, ws.gh, gOff, g);
    k.gemmPackedB(false, b, g, h, 1, ws.hs, prev * b * h, h, ws.whhT!, 1, ws.gh, gOff, g);
    k.gruForward(b, h, ws.gates, gOff, ws.gh, gOff, ws.hs, prev * b * h, ws.hs, cur * b * h);
  }

  stepBackward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, _cur: number): void {
    const g = 3 * h;
    const gOff = t * b * g;
    k.gruBackward(b, h, ws.gates, gOff, ws.gh, gOff, ws.hs, prev * b * h, ws.dh, 0, ws.dGates, gOff, ws.dGh, gOff, ws.dhPrev, 0);
    // dh_{t−1} = dh ⊙ z (written by the kernel) + dGh (B, 3H) · W_hh (3H, H)
    k.gemmPackedB(false, b, h, g, 1, ws.dGh, gOff, g, ws.whh!, 1, ws.dhPrev, 0, h);
  }
}
