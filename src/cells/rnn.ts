// Elman RNN cell, PyTorch's nn.RNN:  h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
// act ∈ tanh, sigmoid, relu, leaky relu (slope `leak` for x ≤ 0). One gate block (G = 1).

import type { Activation, Kernels } from '../kernels/types.js';
import type { Cell, DirectionWeights, DirectionWorkspace } from './cell.js';

export class RnnCell implements Cell {
  readonly kind = 'rnn' as const;
  readonly gates = 1;
  readonly hasCellState = false;
  readonly foldsHiddenBias = true;
  constructor(readonly activation: Activation, readonly leak: number) {}

  stepForward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    const pre = t * b * h;
    // pre-activation += h_{t−1} W_hhᵀ, then h_t = act(pre); gates keeps the pre-activation
    k.gemmPackedB(false, b, h, h, 1, ws.hs, prev * b * h, h, ws.whhT!, 1, ws.gates, pre, h);
    k.activationForward(this.activation, this.leak, b * h, ws.gates, pre, ws.hs, cur * b * h);
  }

  stepBackward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, _prev: number, cur: number): void {
    const pre = t * b * h;
    // through act (its derivative from the output h_t), then through W_hh
    k.activationBackward(this.activation, this.leak, b * h, ws.hs, cur * b * h, ws.dh, 0, ws.dGates, pre);
    k.gemmPackedB(false, b, h, h, 1, ws.dGates, pre, h, ws.whh!, 0, ws.dhPrev, 0, h);
  }
}
