// minLSTM (Feng et al., 2024, "Were RNNs All We Needed?"), the paper's log-space version (g on the
// candidate in both modes, as minGRU). Gate blocks f, i, h̃ (G = 3, rows of W_ih are 3H), all
// reading x_t only, the forget and input gates normalised so that the state stays on the scale of
// h̃ whatever T:
//   f_t = σ(W_f x_t + b_f)    i_t = σ(W_i x_t + b_i)    h̃_t = g(W_h x_t + b_h)
//   f'_t = f_t / (f_t + i_t)  i'_t = i_t / (f_t + i_t)
//   h_t = f'_t ⊙ h_{t−1} + i'_t ⊙ h̃_t                 i.e. a_t = f'_t, v_t = i'_t ⊙ h̃_t
// Where f + i underflows (both pre-activations below about −87) the kernels take the limits
// f' = σ(k_f − k_i), i' = σ(k_i − k_f). The forget gate is block 0 (forgetBias sets b_f). No
// recurrent weight, no b_hh. Parameters per direction: weight_ih (3H, I), bias_ih (3H).
//
// Routes and buffers: linear-scan.ts; the gate kernel caches the gates' derivatives and g in the
// gate-gradient buffer, so the backward needs no exponential. Kernels: minLstmGates /
// minLstmGatesBackward and the scan.

import type { Float, Kernels } from '../kernels/types.js';
import type { CellSpec, ScanWorkspace } from './cell.js';
import { LinearScanCell } from './linear-scan.js';

export const MINLSTM: CellSpec = {
  kind: 'minlstm',
  gates: [
    { name: 'f', act: 'sigmoid', stored: 'pre' }, { name: 'i', act: 'sigmoid', stored: 'pre' },
    { name: 'h̃', act: 'g', stored: 'pre' },
  ],
  forgetGate: 0,
  states: 1,
  recurrent: 'none',
  hiddenBias: 'none',
  activations: null,
  onnx: null,
  create: () => new MinLstmCell(),
};

export class MinLstmCell extends LinearScanCell {
  constructor() { super(MINLSTM); }

  gatesInto(k: Kernels, m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void {
    k.minLstmGates(m, h, p, pOff, a, aOff, v, vOff, cache, cacheOff);
  }

  protected gateGradients(k: Kernels, m: number, h: number, _p: Float, _pOff: number, s: ScanWorkspace, off: number, dP: Float, dPOff: number): void {
    // the forward cached the gates' derivatives and ±g in dP's place: no exponential here
    k.minLstmGatesBackward(m, h, dP, dPOff, s.v, off, s.dA, off, s.dV, off, dP, dPOff);
  }
}
