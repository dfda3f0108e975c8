// What a cell is to the time loop. The loop (layers/recurrent.ts) is written once; a cell only
// says how one step goes forward and backward, over buffers the loop owns.
//
// Legend: B batch, T steps, I input width, H hidden width, G gate blocks (RNN 1, LSTM 4, GRU 3).
// Buffers are indexed by time t. The state "slots" run 0..T: for the forward direction the state
// before step t is slot t and after it slot t+1; for the reverse direction before is t+1, after is
// t. So the previous states of all steps, in time order, are one contiguous (T, B, H) block, which
// lets the weight gradient dW_hh be one gemm after the loop.

import type { Activation, Float, Kernels, PackedB } from '../kernels/types.js';

export type CellKind = 'rnn' | 'lstm' | 'gru';

/** One direction's weights, PyTorch layout: W_ih (G·H, I), W_hh (G·H, H), b_ih, b_hh (G·H). */
export interface DirectionWeights {
  wih: Float; whh: Float; bih: Float; bhh: Float;
  gWih: Float; gWhh: Float; gBih: Float; gBhh: Float;
}

/** The per-direction buffers of one forward/backward pass, sized for (T, B). */
export interface DirectionWorkspace {
  /** (T, B, G·H): the input projection W_ih·x + bias on entry, the activated gates after the step. */
  gates: Float;
  /** (T+1, B, H) hidden-state slots. */
  hs: Float;
  /** (T+1, B, H) cell-state slots (LSTM only, else empty). */
  cs: Float;
  /** (T, B, 3H) W_hh·h + b_hh of each step (GRU only: its n block is needed backward). */
  gh: Float;
  /** (T, B, G·H) gradients of the gate pre-activations, input side. */
  dGates: Float;
  /** (T, B, 3H) gradients of W_hh·h + b_hh (GRU only; RNN and LSTM use dGates). */
  dGh: Float;
  /** (B, H) gradient reaching h_t (in), then h_{t−1} (out): the carry of BPTT. */
  dh: Float;
  /** (B, H) scratch for dh_{t−1}. */
  dhPrev: Float;
  /** (B, H) gradient reaching c_t, then c_{t−1} (LSTM only). */
  dc: Float;
  /** W_hhᵀ packed for the forward steps, W_hh for the backward steps (constant over a pass). */
  whhT: PackedB | null;
  whh: PackedB | null;
}

export interface Cell {
  readonly kind: CellKind;
  readonly gates: number;
  readonly hasCellState: boolean;
  /** Whether b_hh is folded into the input projection (true for RNN and LSTM; GRU keeps it apart). */
  readonly foldsHiddenBias: boolean;
  /**
   * One step at time t: reads the input projection in gates[t] and the state in slot `prev`,
   * writes the state into slot `cur`.
   */
  stepForward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void;
  /**
   * One step backward: reads dh (and dc), writes dGates[t] (and dGh[t]) and dhPrev = ∂L/∂h_{t−1}
   * through this step (dc becomes ∂L/∂c_{t−1}).
   */
  stepBackward(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void;
}

export interface RnnCellOptions { activation: Activation; leak: number }
