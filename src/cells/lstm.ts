// LSTM cell, PyTorch's nn.LSTM. Gate blocks stacked i, f, g, o (G = 4, rows of W are 4H):
//   i = σ(W_ii x + b_ii + W_hi h + b_hi)   f = σ(…)   g = tanh(…)   o = σ(…)
//   c_t = f ⊙ c_{t−1} + i ⊙ g              h_t = o ⊙ tanh(c_t)
// The pointwise maths is one fused kernel (lstmForward / lstmBackward).

import type { Kernels } from '../kernels/types.js';
import type { Cell, DirectionWeights, DirectionWorkspace } from './cell.js';

export class LstmCell implements Cell {
  readonly kind = 'lstm' as const;
  readonly gates = 4;
  readonly hasCellState = true;
  readonly foldsHiddenBias = true;

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
