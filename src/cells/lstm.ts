// LSTM cell, PyTorch's nn.LSTM. Gate blocks stacked i, f, g, o (G = 4, rows of W are 4H):
//   i = σ(W_ii x + b_ii + W_hi h + b_hi)   f = σ(…)   g = tanh(…)   o = σ(…)
//   c_t = f ⊙ c_{t−1} + i ⊙ g              h_t = o ⊙ tanh(c_t)
// The pointwise maths is one fused kernel (lstmForward / lstmBackward); the gate buffer keeps the
// activated gates. Two states (h, c); the forget gate is block 1. b_hh is folded into the input
// projection. Parameters per direction: weight_ih (4H, I), weight_hh (4H, H), bias_ih, bias_hh (4H).
//
// The wasm route does not call this step: asm/loop.ts repeats it (its 'lstm' step) inside one call
// per direction. test/kernels-loop.test.ts checks the two give the same bits; test/golden.test.ts
// checks both against PyTorch.

import type { Kernels, LoopCell } from '../kernels/types.js';
import { CellBase, type Cell, type CellSpec, type DirectionWeights, type DirectionWorkspace } from './cell.js';

export const LSTM: CellSpec = {
  kind: 'lstm',
  gates: [
    { name: 'i', act: 'sigmoid', stored: 'activated' }, { name: 'f', act: 'sigmoid', stored: 'activated' },
    { name: 'g', act: 'tanh', stored: 'activated' }, { name: 'o', act: 'sigmoid', stored: 'activated' },
  ],
  forgetGate: 1,
  states: 2,
  recurrent: 'matrix',
  hiddenBias: 'folded',
  activations: null,
  // ONNX stacks i o f c
  onnx: { op: 'LSTM', order: [0, 3, 1, 2] },
  create: () => new LstmCell(),
};

const LOOP: LoopCell = { step: 'lstm', gates: 4, cellState: true, hiddenApart: false, act: 'tanh', leak: 0 };

export class LstmCell extends CellBase implements Cell {
  readonly loop = LOOP;
  constructor() { super(LSTM); }

  stepForward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    const g = 4 * h;
    const gOff = t * b * g;
    k.gemmPackedB(false, b, g, h, 1, ws.hs, prev * b * h, h, ws.whhT!, 1, ws.gates, gOff, g);
    k.lstmForward(b, h, ws.gates, gOff, ws.cs, prev * b * h, ws.cs, cur * b * h, ws.hs, cur * b * h);
  }

  stepBackward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    const g = 4 * h;
    const gOff = t * b * g;
    k.lstmBackward(b, h, ws.gates, gOff, ws.cs, prev * b * h, ws.cs, cur * b * h, ws.dh, 0, ws.dc, 0, ws.dGates, gOff);
    // dh_{t−1} = dGates (B, 4H) · W_hh (4H, H)
    k.gemmPackedB(false, b, h, g, 1, ws.dGates, gOff, g, ws.whh!, 0, ws.dhPrev, 0, h);
  }
}
