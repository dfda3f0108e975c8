// minGRU (Feng et al., 2024, "Were RNNs All We Needed?"), the paper's log-space version: the
// candidate goes through g in the sequential mode too (its appendix), so h stays positive for a
// positive h_0 and the sequential and parallel modes compute the same function. Gate blocks z, h̃
// (G = 2, rows of W_ih are 2H), both read x_t only:
//   z_t = σ(W_z x_t + b_z)          h̃_t = g(W_h x_t + b_h)          g(x) = x + 0.5 (x ≥ 0), σ(x) (x < 0)
//   h_t = (1 − z_t) ⊙ h_{t−1} + z_t ⊙ h̃_t            i.e. a_t = 1 − z_t = σ(−(W_z x_t + b_z)), v_t = z_t ⊙ h̃_t
// The paper stacks several such layers with residual connections (they need depth: a single layer's
// gates cannot see the state). No recurrent weight, no b_hh. Parameters per direction:
// weight_ih (2H, I), bias_ih (2H), PyTorch's default init; the names of
// scripts/recur_cells_torch.py's reference module, where the paper's log-space parallel form
// (parallel_scan_log) is checked against the loop.
//
// Routes and buffers: linear-scan.ts; the gate kernel caches z and g in the gate-gradient buffer,
// so the backward needs no exponential. Kernels: minGruGates / minGruGatesBackward and the scan
// (src/kernels/js-scan.ts, asm/scan.ts). test/newcells.test.ts checks them against PyTorch and
// float64 finite differences.

import type { Float, Kernels } from '../kernels/types.js';
import type { CellSpec, ScanWorkspace } from './cell.js';
import { LinearScanCell } from './linear-scan.js';

export const MINGRU: CellSpec = {
  kind: 'mingru',
  gates: [{ name: 'z', act: 'sigmoid', stored: 'pre' }, { name: 'h̃', act: 'g', stored: 'pre' }],
  forgetGate: null,
  states: 1,
  recurrent: 'none',
  hiddenBias: 'none',
  activations: null,
  onnx: null,
  create: () => new MinGruCell(),
};

export class MinGruCell extends LinearScanCell {
  constructor() { super(MINGRU); }

  gatesInto(k: Kernels, m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void {
    k.minGruGates(m, h, p, pOff, a, aOff, v, vOff, cache, cacheOff);
  }

  protected gateGradients(k: Kernels, m: number, h: number, _p: Float, _pOff: number, s: ScanWorkspace, off: number, dP: Float, dPOff: number): void {
    // the forward cached z and ±g in dP's place: no exponential here
    k.minGruGatesBackward(m, h, dP, dPOff, s.a, off, s.dA, off, s.dV, off, dP, dPOff);
  }
}
