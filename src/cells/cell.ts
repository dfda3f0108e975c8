// What a cell is to the rest of recur. Two halves:
//   CellSpec  the description (one per cell, gathered in table.ts): gate blocks and what each holds,
//             the forget block, the states, which parameters exist and their shapes, the kinds and
//             activations accepted, the ONNX operator. Everything that asks "what is this cell"
//             reads it: the direction controller (layers/direction.ts), the model's initializer,
//             size bound, ONNX export and the saturation diagnostics.
//   Cell      one configured instance (an RNN with its activation): how one step goes forward and
//             backward over buffers the time loop owns, and the typed description of the loop the
//             wasm whole-loop kernel repeats (`loop`), or null when it has none.
// The loop over time (layers/recurrent.ts) is written once; a cell only writes its step.
//
// Legend: B batch, T steps, I input width, H hidden width, G gate blocks (RNN 1, LSTM 4, GRU 3).
// Buffers are indexed by time t. The state "slots" run 0..T: for the forward direction the state
// before step t is slot t and after it slot t+1; for the reverse direction before is t+1, after is
// t. So the previous states of all steps, in time order, are one contiguous (T, B, H) block, which
// lets the weight gradient dW_hh be one gemm after the loop.

import type { Activation, Float, Kernels, LoopCell, PackedB } from '../kernels/types.js';
import type { CellKind } from './table.js';

export type { CellKind };

/** What a gate block of the gate buffer holds after the forward step. */
export interface GateSpec {
  /** Its letter in the cell's equations (PyTorch's gate order). */
  readonly name: string;
  /**
   * Its nonlinearity; 'configured' is the activation the model config chose (RNN); 'g' the min
   * cells' x + 0.5 (x ≥ 0), σ(x) (x < 0).
   */
  readonly act: 'sigmoid' | 'tanh' | 'relu' | 'g' | 'configured';
  /** Whether the buffer keeps the value after the nonlinearity or the pre-activation. */
  readonly stored: 'activated' | 'pre';
}

/**
 * The recurrent weight of one direction: 'matrix' W_hh (G·H, H), applied by one (B, H) × (H, G·H)
 * gemm per step (packed once per pass); 'vector' u (G·H), applied elementwise (no gemm);
 * 'none' (the gates read only x_t, and the recurrence is elementwise).
 */
export type RecurrentWeight = 'matrix' | 'vector' | 'none';

/**
 * Where b_hh and the recurrent term go: 'folded' adds b_hh into the bias of the input projection
 * before the loop (and the recurrent term into P_t); 'apart' keeps W_hh·h + b_hh of each step in
 * its own (T, B, G·H) buffer `gh` (GRU: the reset gate multiplies it); 'none': no b_hh.
 */
export type HiddenBias = 'folded' | 'apart' | 'none';

/** What a parameter of a direction is for (the initializers choose by it, never by its name). */
export type ParamRole = 'input' | 'recurrent' | 'input_bias' | 'hidden_bias';

export interface CellSpec {
  readonly kind: CellKind;
  /** Gate blocks in PyTorch's order; G = gates.length. */
  readonly gates: readonly GateSpec[];
  /** The block of the forget gate (its bias is what `forgetBias` sets), or null. */
  readonly forgetGate: number | null;
  /** 1: h; 2: h and the cell state c. */
  readonly states: 1 | 2;
  readonly recurrent: RecurrentWeight;
  readonly hiddenBias: HiddenBias;
  /** The activations the config may choose (first: the default), or null when the cell has fixed ones. */
  readonly activations: readonly Activation[] | null;
  /** ONNX operator, its gate order (ONNX block k is PyTorch block order[k]) and extra attributes; null: no operator. */
  readonly onnx: { readonly op: string; readonly order: readonly number[]; readonly linearBeforeReset?: boolean } | null;
  /** A configured instance (activation and leak are read only by cells that accept activations). */
  create(activation: Activation, leak: number): Cell;
}

/** One direction's weights, PyTorch layout: W_ih (G·H, I), W_hh (G·H, H) or u (G·H) or empty, b_ih, b_hh (G·H) or empty. */
export interface DirectionWeights {
  wih: Float; whh: Float; bih: Float; bhh: Float;
  gWih: Float; gWhh: Float; gBih: Float; gBhh: Float;
}

/** The per-direction buffers of one forward/backward pass, sized for (T, B). */
export interface DirectionWorkspace {
  /** (T, B, G·H): the input projection W_ih·x + bias on entry, the gates after the step (see GateSpec.stored). */
  gates: Float;
  /** (slots, B, H) hidden-state slots (T+1 for a plain layer). */
  hs: Float;
  /** (slots, B, H) cell-state slots (two-state cells only, else empty). */
  cs: Float;
  /** (T, B, G·H) W_hh·h + b_hh of each step (hiddenBias 'apart' only: GRU's n block needs it backward). */
  gh: Float;
  /** (T, B, G·H) gradients of the gate pre-activations, input side. */
  dGates: Float;
  /** (T, B, G·H) gradients of W_hh·h + b_hh (hiddenBias 'apart' only; else dGates serves). */
  dGh: Float;
  /** (B, H) gradient reaching h_t (in), then h_{t−1} (out): the carry of BPTT. */
  dh: Float;
  /** (B, H) scratch for dh_{t−1}. */
  dhPrev: Float;
  /** (B, H) gradient reaching c_t, then c_{t−1} (two-state cells only). */
  dc: Float;
  /** W_hhᵀ packed for the forward steps, W_hh for the backward steps (recurrent 'matrix' only; constant over a pass). */
  whhT: PackedB | null;
  whh: PackedB | null;
  /** The linear recurrence's buffers (recurrent 'none': minGRU, minLSTM), else null. */
  scan: ScanWorkspace | null;
}

/**
 * The buffers of a linear recurrence h_t = a_t ⊙ h_{t−1} + v_t (cells/linear-scan.ts): a, v and
 * their gradients, (T, B, H) each, and the chunked scan's scratch (kernels/scan-types.ts).
 */
export interface ScanWorkspace { a: Float; v: Float; dA: Float; dV: Float; scratch: Float }

export interface Cell {
  readonly spec: CellSpec;
  readonly kind: CellKind;
  /** G, the number of gate blocks. */
  readonly gates: number;
  readonly hasCellState: boolean;
  /** What the wasm whole-loop kernel (asm/loop.ts) needs to repeat this cell's step; null: the layer steps. */
  readonly loop: LoopCell | null;
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
  /**
   * Cells whose recurrence is elementwise (IndRNN, minGRU, minLSTM): the whole direction's
   * forward in one pass, on every kernel set (their scan kernels split the units, or chunks of
   * time, over threads). Reads the input projection of all steps in gates and the initial state in
   * its slot. The layer uses it where it would use `loop` (full lengths).
   */
  forwardAll?(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, t: number, b: number, h: number, reverse: boolean): void;
  /**
   * Its backward in one pass: dy (step t, row r at dy[dyOff + (t·B + r)·dyLd]) or null, ws.dh the
   * gradient reaching the final state on entry and the initial state on exit; writes dGates.
   */
  backwardAll?(k: Kernels, w: DirectionWeights, ws: DirectionWorkspace, t: number, b: number, h: number, reverse: boolean,
    dy: Float | null, dyOff: number, dyLd: number): void;
}

/** The fields of a Cell that follow from its spec. */
export abstract class CellBase {
  readonly kind: CellKind;
  readonly gates: number;
  readonly hasCellState: boolean;
  constructor(readonly spec: CellSpec) {
    this.kind = spec.kind;
    this.gates = spec.gates.length;
    this.hasCellState = spec.states === 2;
  }
}

/** One parameter of a direction as the description declares it: PyTorch base name, role, shape. */
export interface ParamDecl { readonly base: string; readonly role: ParamRole; readonly shape: readonly number[] }

/**
 * The parameters of one direction, in PyTorch's order: weight_ih (G·H, I); weight_hh (G·H, H) for a
 * 'matrix' recurrent weight, (G·H) for a 'vector' one, none for 'none'; bias_ih (G·H); bias_hh
 * (G·H) unless hiddenBias is 'none'.
 */
export function directionParams(spec: CellSpec, inputSize: number, hiddenSize: number): ParamDecl[] {
  const g = spec.gates.length * hiddenSize;
  const out: ParamDecl[] = [{ base: 'weight_ih', role: 'input', shape: [g, inputSize] }];
  if (spec.recurrent !== 'none') out.push({ base: 'weight_hh', role: 'recurrent', shape: spec.recurrent === 'matrix' ? [g, hiddenSize] : [g] });
  out.push({ base: 'bias_ih', role: 'input_bias', shape: [g] });
  if (spec.hiddenBias !== 'none') out.push({ base: 'bias_hh', role: 'hidden_bias', shape: [g] });
  return out;
}
