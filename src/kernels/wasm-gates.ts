// The fused LSTM and GRU gate kernels of the wasm kernel set: argument checks and the split of the
// batch rows over threads (a fixed partition, so 1 and 2 threads give the same bits). The maths is
// asm/pointwise.ts; its js reference is in js.ts. The kernel set (wasm.ts) lends its pointer checks
// and its pool as a host, as it does for the loop kernels (wasm-loop.ts).

import type { Float } from './types.js';
import type { LoopHost } from './wasm-loop.js';
import { JOB, OP } from './wasm-worker.js';

/** What the gate kernels need of the kernel set. */
export type GateHost = Pick<LoopHost, 'x' | 'ptr' | 'parts' | 'job' | 'launch'> & {
  /** Elements (B·H) from which a gate kernel is split over threads. */
  readonly minElements: number;
};

export class WasmGates {
  constructor(private readonly h: GateHost) {}

  lstmForward(b: number, h: number, gates: Float, gOff: number, cPrev: Float, cPrevOff: number,
    c: Float, cOff: number, hOut: Float, hOff: number): void {
    const n = b * h;
    const pg = this.h.ptr(gates, gOff, 1, 4 * n, 0, 'lstm gates');
    const pcp = this.h.ptr(cPrev, cPrevOff, 1, n, 0, 'lstm cPrev'), pc = this.h.ptr(c, cOff, 1, n, 0, 'lstm c');
    const ph = this.h.ptr(hOut, hOff, 1, n, 0, 'lstm h');
    const parts = this.h.parts(n, this.h.minElements, b, 1);
    if (parts === 0) {
      this.h.x.lstmForward(b, h, pg, pcp, pc, ph);
      return;
    }
    this.args(b, h, pg, pcp, pc, ph);
    this.h.launch(OP.LSTM_FORWARD, parts, b, 1);
  }

  lstmBackward(b: number, h: number, gates: Float, gOff: number, cPrev: Float, cPrevOff: number,
    c: Float, cOff: number, dh: Float, dhOff: number, dc: Float, dcOff: number,
    dGates: Float, dgOff: number): void {
    const n = b * h;
    const pg = this.h.ptr(gates, gOff, 1, 4 * n, 0, 'lstm gates');
    const pcp = this.h.ptr(cPrev, cPrevOff, 1, n, 0, 'lstm cPrev'), pc = this.h.ptr(c, cOff, 1, n, 0, 'lstm c');
    const pdh = this.h.ptr(dh, dhOff, 1, n, 0, 'lstm dh'), pdc = this.h.ptr(dc, dcOff, 1, n, 0, 'lstm dc');
    const pdg = this.h.ptr(dGates, dgOff, 1, 4 * n, 0, 'lstm dGates');
    const parts = this.h.parts(n, 2 * this.h.minElements, b, 1);
    if (parts === 0) {
      this.h.x.lstmBackward(b, h, pg, pcp, pc, pdh, pdc, pdg);
      return;
    }
    this.args(b, h, pg, pcp, pc, pdh, pdc, pdg);
    this.h.launch(OP.LSTM_BACKWARD, parts, b, 1);
  }

  gruForward(b: number, h: number, gx: Float, gxOff: number, gh: Float, ghOff: number,
    hPrev: Float, hPrevOff: number, hOut: Float, hOff: number): void {
    const n = b * h;
    const pgx = this.h.ptr(gx, gxOff, 1, 3 * n, 0, 'gru gx'), pgh = this.h.ptr(gh, ghOff, 1, 3 * n, 0, 'gru gh');
    const php = this.h.ptr(hPrev, hPrevOff, 1, n, 0, 'gru hPrev'), ph = this.h.ptr(hOut, hOff, 1, n, 0, 'gru h');
    const parts = this.h.parts(n, this.h.minElements, b, 1);
    if (parts === 0) {
      this.h.x.gruForward(b, h, pgx, pgh, php, ph);
      return;
    }
    this.args(b, h, pgx, pgh, php, ph);
    this.h.launch(OP.GRU_FORWARD, parts, b, 1);
  }

  gruBackward(b: number, h: number, gates: Float, gOff: number, gh: Float, ghOff: number,
    hPrev: Float, hPrevOff: number, dh: Float, dhOff: number,
    dGx: Float, dGxOff: number, dGh: Float, dGhOff: number, dhPrev: Float, dhPrevOff: number): void {
    const n = b * h;
    const pg = this.h.ptr(gates, gOff, 1, 3 * n, 0, 'gru gates'), pgh = this.h.ptr(gh, ghOff, 1, 3 * n, 0, 'gru gh');
    const php = this.h.ptr(hPrev, hPrevOff, 1, n, 0, 'gru hPrev'), pdh = this.h.ptr(dh, dhOff, 1, n, 0, 'gru dh');
    const pdx = this.h.ptr(dGx, dGxOff, 1, 3 * n, 0, 'gru dGx'), pdy = this.h.ptr(dGh, dGhOff, 1, 3 * n, 0, 'gru dGh');
    const pdp = this.h.ptr(dhPrev, dhPrevOff, 1, n, 0, 'gru dhPrev');
    const parts = this.h.parts(n, 2 * this.h.minElements, b, 1);
    if (parts === 0) {
      this.h.x.gruBackward(b, h, pg, pgh, php, pdh, pdx, pdy, pdp);
      return;
    }
    this.args(b, h, pg, pgh, php, pdh, pdx, pdy, pdp);
    this.h.launch(OP.GRU_BACKWARD, parts, b, 1);
  }

  /** Writes a job's integer arguments (no array, so nothing is allocated per call). */
  private args(a0: number, a1: number, a2: number, a3: number, a4: number, a5: number, a6 = 0, a7 = 0, a8 = 0): void {
    const j = this.h.job(), A = JOB.ARGS;
    j[A] = a0; j[A + 1] = a1; j[A + 2] = a2; j[A + 3] = a3;
    j[A + 4] = a4; j[A + 5] = a5; j[A + 6] = a6; j[A + 7] = a7; j[A + 8] = a8;
  }
}
