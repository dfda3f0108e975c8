// Elman RNN cell, PyTorch's nn.RNN:  h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh)
// act ∈ tanh, sigmoid, relu, leaky relu (slope `leak` for x ≤ 0). One gate block (G = 1); the
// gate buffer keeps the pre-activation. b_hh is folded into the input projection.
// Parameters per direction: weight_ih (H, I), weight_hh (H, H), bias_ih (H), bias_hh (H).
//
// The wasm route does not call this step: asm/loop.ts repeats it (its 'rnn' step) inside one call
// per direction. test/kernels-loop.test.ts checks the two give the same bits; test/golden.test.ts
// checks both against PyTorch.

import type { Activation, Kernels, LoopCell } from '../kernels/types.js';
import { CellBase, type Cell, type CellSpec, type DirectionWeights, type DirectionWorkspace } from './cell.js';

export const RNN: CellSpec = {
  kind: 'rnn',
  gates: [{ name: 'h', act: 'configured', stored: 'pre' }],
  forgetGate: null,
  states: 1,
  recurrent: 'matrix',
  hiddenBias: 'folded',
  activations: ['tanh', 'sigmoid', 'relu', 'leaky_relu'],
  onnx: { op: 'RNN', order: [0] },
  create: (activation, leak) => new RnnCell(activation, leak),
};

export class RnnCell extends CellBase implements Cell {
  readonly loop: LoopCell;
  constructor(readonly activation: Activation, readonly leak: number) {
    super(RNN);
    this.loop = { step: 'rnn', gates: 1, cellState: false, hiddenApart: false, act: activation, leak };
  }

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
