// What minGRU and minLSTM share: gates that read only x_t make the recurrence linear,
//   h_t = a_t ⊙ h_{t−1} + v_t,
// with a_t and v_t from the input projection P_t alone (G gate blocks). So on the whole-direction
// route the gates of all steps are one kernel call (rows T·B), the recurrence one scan (sequential,
// or chunked by time where the sequence is long and each step's block small: scanChunkLength), and
// backward the reverse scan gives ∂L/∂v_t = g_t and ∂L/∂a_t = g_t ⊙ h_{t−1} (g_t the gradient
// reaching h_t), from which one more call gives the gates' gradients. The step route (variable
// lengths, gradient-flow recording, Skip RNN) runs the same kernels on one step's rows.
//
// Buffers: the gate buffer keeps P (the pre-activations); between forward and backward the
// gate-gradient buffer holds what the cell's backward keeps of its gates (minGRU: z and g;
// minLSTM: the normalised gates' derivatives and g); ws.scan holds a, v, ∂L/∂a, ∂L/∂v,
// (T, B, H) each, and the chunked scan's scratch.

import { scanChunkLength } from '../kernels/scan-types.js';
import type { Float, Kernels } from '../kernels/types.js';
import { CellBase, type Cell, type CellSpec, type DirectionWeights, type DirectionWorkspace, type ScanWorkspace } from './cell.js';

export abstract class LinearScanCell extends CellBase implements Cell {
  readonly loop = null;
  constructor(spec: CellSpec) { super(spec); }

  /**
   * a, v (m, H) from m rows of P (m, G·H), and what the cell's backward keeps of them in `cache`
   * (m, G·H; the gate-gradient buffer, overwritten by the backward); also how the diagnostics read
   * the decays a_t.
   */
  abstract gatesInto(k: Kernels, m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void;
  /** The gradient of m rows of P (m, G·H) from ∂L/∂a, ∂L/∂v (m, H). */
  protected abstract gateGradients(k: Kernels, m: number, h: number, p: Float, pOff: number, s: ScanWorkspace, off: number,
    dP: Float, dPOff: number): void;

  stepForward(k: Kernels, _w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    const s = ws.scan!, n = b * h;
    const at = t * b * this.gates * h; // step t's rows of P (and of the cache)
    this.gatesInto(k, b, h, ws.gates, at, s.a, t * n, s.v, t * n, ws.dGates, at);
    // one step of the scan: slots prev → cur are its 0 → 1 (or 1 → 0 in reverse), |cur − prev|·n apart
    k.scanForward(1, b, h, cur < prev, s.a, t * n, s.v, t * n, ws.hs, Math.min(prev, cur) * n, Math.abs(cur - prev) * n, 0, null);
  }

  stepBackward(k: Kernels, _w: DirectionWeights, ws: DirectionWorkspace, b: number, h: number, t: number, prev: number, cur: number): void {
    const s = ws.scan!, n = b * h, g = this.gates * h;
    // the kernel carries the gradient in place: dhPrev starts as dh and leaves as ∂L/∂h_{t−1}
    ws.dhPrev.set(ws.dh.subarray(0, n));
    k.scanBackward(1, b, h, cur < prev, s.a, t * n, ws.hs, Math.min(prev, cur) * n, Math.abs(cur - prev) * n, null, 0, 0, ws.dhPrev, 0,
      s.dA, t * n, s.dV, t * n, 0, null);
    this.gateGradients(k, b, h, ws.gates, t * b * g, s, t * n, ws.dGates, t * b * g);
  }

  forwardAll(k: Kernels, _w: DirectionWeights, ws: DirectionWorkspace, t: number, b: number, h: number, reverse: boolean): void {
    const s = ws.scan!;
    this.gatesInto(k, t * b, h, ws.gates, 0, s.a, 0, s.v, 0, ws.dGates, 0);
    k.scanForward(t, b, h, reverse, s.a, 0, s.v, 0, ws.hs, 0, b * h, scanChunkLength(t, b * h), s.scratch);
  }

  backwardAll(k: Kernels, _w: DirectionWeights, ws: DirectionWorkspace, t: number, b: number, h: number, reverse: boolean,
    dy: Float | null, dyOff: number, dyLd: number): void {
    const s = ws.scan!;
    k.scanBackward(t, b, h, reverse, s.a, 0, ws.hs, 0, b * h, dy, dyOff, dyLd, ws.dh, 0, s.dA, 0, s.dV, 0, scanChunkLength(t, b * h), s.scratch);
    this.gateGradients(k, t * b, h, ws.gates, 0, s, 0, ws.dGates, 0);
  }
}
