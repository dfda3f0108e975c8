// The numeric primitives everything above runs on. Two implementations share this interface:
// `js` (Float32Array or Float64Array, the reference) and `wasm` (f32, SIMD). Nothing above the
// kernels knows which one it has.
//
// Conventions (all of them, every function):
// - Matrices are row-major, addressed as (array, offset, leading dimension), so a caller can point
//   at a time step inside a (T, B, F) buffer without making a view (no allocation in time loops).
// - Buffers passed to a kernel must come from that kernel set's `alloc` (the wasm kernels need them
//   inside their linear memory).
// - Functions named `...Into` or documented as "adds" write into their last array arguments; no
//   kernel allocates.
// - Gate layouts follow PyTorch: LSTM rows hold [i | f | g | o], GRU rows hold [r | z | n], each
//   block H wide, so a batch of B rows is (B, G·H).

import type { ScanKernels } from './scan-types.js';

export type Float = Float32Array | Float64Array;
export type DType = 'float32' | 'float64';
export type Activation = 'tanh' | 'sigmoid' | 'relu' | 'leaky_relu';

/** op(B) prepared by `packB` for repeated gemms with the same B (the recurrent weight over time). */
export interface PackedB {
  readonly k: number;
  readonly n: number;
}

/** The kernels; the elementwise recurrences of IndRNN, minGRU and minLSTM are in scan-types.ts. */
export interface Kernels extends ScanKernels {
  readonly name: 'js' | 'wasm';
  readonly dtype: DType;

  /** A zero-filled buffer of n elements that this kernel set can compute on. */
  alloc(n: number): Float;
  /** Gives a buffer from `alloc` back; using it afterwards is an error. */
  free(a: Float): void;

  /**
   * C = alpha · op(A) · op(B) + beta · C, with op(X) = X or Xᵀ.
   * op(A) is (m, k), op(B) is (k, n), C is (m, n). A is stored (m, k) with leading dimension lda
   * when !transA, else (k, m). B likewise (k, n) or (n, k). With beta = 0, C is overwritten
   * (NaN in C does not leak through).
   */
  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float, aOff: number, lda: number,
    b: Float, bOff: number, ldb: number,
    beta: number, c: Float, cOff: number, ldc: number,
  ): void;

  /**
   * Prepares op(B) (k, n) for `gemmPackedB`: B stored (k, n), or (n, k) when transB. Into `into`
   * when given (same k and n), else a new pack. Pack again after B changes.
   */
  packB(transB: boolean, k: number, n: number, b: Float, bOff: number, ldb: number, into?: PackedB): PackedB;
  /** gemm with op(B) from `packB`: the same result as `gemm` on the unpacked B, bit for bit. */
  gemmPackedB(transA: boolean, m: number, n: number, k: number, alpha: number,
    a: Float, aOff: number, lda: number, packed: PackedB,
    beta: number, c: Float, cOff: number, ldc: number): void;
  freePackedB(p: PackedB): void;

  /** Every one of the m rows of C (m, n; leading dimension ldc) set to the vector v (n). */
  fillRows(m: number, n: number, v: Float, vOff: number, c: Float, cOff: number, ldc: number): void;

  /** out[j] += Σ_i A[i, j] over the m rows of A (m, n; leading dimension lda): bias gradients. */
  addColumnSums(m: number, n: number, a: Float, aOff: number, lda: number, out: Float, outOff: number): void;

  /** y[i] = act(x[i]) for n elements (x and y may be the same buffer at the same offset). */
  activationForward(act: Activation, leak: number, n: number, x: Float, xOff: number, y: Float, yOff: number): void;
  /**
   * dx[i] = dy[i] · act'(·), with the derivative written in terms of the output y = act(x):
   * tanh 1−y², sigmoid y(1−y), relu [y>0], leaky relu [y>0] + leak·[y≤0].
   */
  activationBackward(act: Activation, leak: number, n: number, y: Float, yOff: number, dy: Float, dyOff: number, dx: Float, dxOff: number): void;

  /**
   * LSTM step, B rows of H units. `gates` (B, 4H) holds pre-activations on entry and is overwritten
   * with the activations i, f, g, o (kept as the cache). Writes c = f·cPrev + i·g and h = o·tanh(c).
   */
  lstmForward(b: number, h: number, gates: Float, gOff: number, cPrev: Float, cPrevOff: number,
    c: Float, cOff: number, hOut: Float, hOff: number): void;
  /**
   * LSTM step backward. Reads the activated gates, cPrev and c of the step, dh (B, H) and dc (B, H),
   * the gradient reaching c_t from later steps. Writes dGates (B, 4H), the gradients of the gate
   * pre-activations, and overwrites dc with the gradient reaching c_{t−1}.
   */
  lstmBackward(b: number, h: number, gates: Float, gOff: number, cPrev: Float, cPrevOff: number,
    c: Float, cOff: number, dh: Float, dhOff: number, dc: Float, dcOff: number,
    dGates: Float, dgOff: number): void;

  /**
   * GRU step. `gx` (B, 3H) holds W_ih·x + b_ih on entry and is overwritten with r, z, n (the cache);
   * `gh` (B, 3H) holds W_hh·h_{t−1} + b_hh and is left as it is (its n block is needed backward).
   * Writes h = (1−z)·n + z·hPrev, with n = tanh(gx_n + r·gh_n) (PyTorch's reset-after form).
   */
  gruForward(b: number, h: number, gx: Float, gxOff: number, gh: Float, ghOff: number,
    hPrev: Float, hPrevOff: number, hOut: Float, hOff: number): void;
  /**
   * GRU step backward. Writes dGx (B, 3H), the gradient of W_ih·x + b_ih; dGh (B, 3H), the gradient
   * of W_hh·h_{t−1} + b_hh; and dhPrev = dh·z (the caller then adds dGh·W_hh to it).
   */
  gruBackward(b: number, h: number, gates: Float, gOff: number, gh: Float, ghOff: number,
    hPrev: Float, hPrevOff: number, dh: Float, dhOff: number,
    dGx: Float, dGxOff: number, dGh: Float, dGhOff: number, dhPrev: Float, dhPrevOff: number): void;
}

/** The steps the whole-loop kernels can repeat (asm/loop.ts): the RNN, LSTM and GRU steps. */
export type LoopStep = 'rnn' | 'lstm' | 'gru';

/**
 * What a whole-loop kernel needs of a cell, given by the cell's description (src/cells/): the step
 * it repeats, the gate width and which buffers the step reads. The kernels know these steps, not
 * the cells.
 */
export interface LoopCell {
  readonly step: LoopStep;
  /** G: gates is (T, B, G·H). */
  readonly gates: number;
  /** Cell-state slots cs and the carry dc are used (LSTM). */
  readonly cellState: boolean;
  /** The hidden projection is kept apart: gh, bhh and dGh are used (GRU). */
  readonly hiddenApart: boolean;
  /** The RNN step's activation (and leaky relu's slope); ignored by the other steps. */
  readonly act: Activation;
  readonly leak: number;
}

/** The arguments of a whole forward time loop of one direction (see `LoopKernels`). */
export interface LoopForwardArgs {
  cell: LoopCell;
  t: number;
  b: number;
  h: number;
  reverse: boolean;
  /** (T, B, G·H) input projections in, activated gates (LSTM, GRU) or pre-activations (RNN) out. */
  gates: Float;
  /** (T+1, B, H) state slots, the initial state already in place. */
  hs: Float;
  /** LSTM: (T+1, B, H) cell-state slots; else unused. */
  cs: Float;
  /** GRU: (T, B, 3H) receives W_hh·h + b_hh of each step; else unused. */
  gh: Float;
  /** GRU: b_hh (3H); else unused. */
  bhh: Float;
  /** W_hhᵀ packed (H × G·H). */
  whhT: PackedB;
  /**
   * When given, the loop makes the input projection itself, each step just before its recurrent
   * product: gates_t = bias + x_t · W_ihᵀ, the same bits as the layer's one gemm over all steps
   * (then gates need not hold it on entry).
   */
  input?: LoopInput;
}

/** The input side of a forward loop: x (T, B, I) at xOff, W_ih (G·H, I), the bias row (G·H). */
export interface LoopInput {
  x: Float;
  xOff: number;
  inputSize: number;
  wih: Float;
  bias: Float;
}

/** The arguments of a whole backward time loop of one direction (see `LoopKernels`). */
export interface LoopBackwardArgs extends Omit<LoopForwardArgs, 'whhT' | 'bhh' | 'input'> {
  dGates: Float;
  /** GRU: (T, B, 3H) gradients of W_hh·h + b_hh; else unused. */
  dGh: Float;
  /** (B, H) the gradient reaching the last processed step's state on entry, the one reaching the initial state on return. */
  dhA: Float;
  /** (B, H) scratch. */
  dhB: Float;
  /** LSTM: (B, H) gradient reaching the cell state, updated in place; else unused. */
  dc: Float;
  /** W_hh packed (G·H × H). */
  whh: PackedB;
  /** Output gradients: step t, row r at dy[dyOff + (t·B + r)·dyLd]; null when none. */
  dy: Float | null;
  dyOff: number;
  dyLd: number;
  /**
   * Gradient-flow recording (layers/recurrent.ts), or null/absent for none: 2·T·B floats (from
   * the kernel set's alloc, so 8-byte aligned) that receive T·B float64 values, at [t·B + r] the
   * sum of squares of row r of ∂L/∂h_t (the output gradient added), each square and sum in float64.
   */
  flow?: Float | null;
}

/**
 * Optional: a kernel set that runs a direction's whole time loop in one call, making the same
 * kernel calls in the same order as the layer's step-by-step loop (so the same bits). The wasm
 * kernels implement it to split the loop by batch rows across threads with no synchronisation
 * between steps. The layer falls back to stepping through the cell when it is absent.
 */
export interface LoopKernels {
  loopForward(a: LoopForwardArgs): void;
  loopBackward(a: LoopBackwardArgs): void;
}
