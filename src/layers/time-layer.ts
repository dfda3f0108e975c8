// What a recurrent stack needs of one of its layers: RecurrentLayer (recurrent.ts) is the plain
// one; DilatedLayer (dilated.ts) and SkipLayer (skip.ts) keep the same calls, so the stack, the
// gradient-flow diagnostics and the initializers treat every layer alike.
//
// Shapes as in recurrent.ts: X (T, B, I); Y (T, B, D·H); states (D, B, H).

import type { Cell } from '../cells/cell.js';
import type { Float } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import type { GateParam } from './direction.js';

export interface TimeLayer {
  readonly directions: number;
  readonly params: Param[];
  /** The cell's parameters with their roles (a subset of params, in their order), for the initializers. */
  readonly gateParams: readonly GateParam[];
  readonly cell: Cell;
  readonly inputSize: number;
  readonly hiddenSize: number;
  /** (T, B, D·H) outputs of the last forward pass. */
  readonly y: { data: Float };
  /** (T, B, I) input gradient of the last backward pass. */
  readonly dx: { data: Float };
  recordGradFlow: boolean;
  /** (T) per direction: ‖∂L/∂h_t‖ of the last recorded backward pass. */
  readonly gradFlow: Float64Array[];
  forward(x: Float, xOff: number, t: number, b: number, h0: Float | null, c0: Float | null, lengths: Int32Array | null): void;
  finalState(hN: Float, hOff: number, cN: Float | null, cOff: number): void;
  backward(dy: Float | null, dyOff: number, dhN: Float | null, dcN: Float | null, dh0: Float | null, dc0: Float | null): void;
  /** The gate buffer of direction d after the last forward pass (diagnostics). */
  gateValues(d: number): Float;
}
