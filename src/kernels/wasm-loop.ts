// The whole-loop kernels of the wasm kernel set (loopForward / loopBackward of `LoopKernels`):
// argument checks, the job block, and the split of the batch rows over threads. The time loop
// itself is asm/loop.ts; the kernel set (wasm.ts) lends its pointer checks and its pool as a host.

import type { Float, LoopBackwardArgs, LoopForwardArgs, PackedB as AnyPackedB } from './types.js';
import { ACT, LOOP_STEP, MR, type PackedB } from './wasm-defs.js';
import { JOB, OP, type Exports } from './wasm-worker.js';

/** What the loops need of the kernel set. */
export interface LoopHost {
  readonly x: Exports;
  /** The calling thread's gemm workspace. */
  readonly ws: number;
  readonly threads: number;
  /** Multiply-adds from which work is split over threads. */
  readonly minMacs: number;
  /** Byte address of a[off] after checking that rows × cols at leading dimension ld fit. */
  ptr(a: Float, off: number, rows: number, cols: number, ld: number, what: string): number;
  /** Chunks to cut a call into (0: alone). */
  parts(work: number, minWork: number, span: number, unit: number): number;
  job(): Int32Array;
  jobF(): Float32Array;
  launch(op: number, parts: number, span: number, unit: number): void;
  /** Packs op(B) = Bᵀ (B stored (n, k)) into `into`, or a new pack when it is null or another shape. */
  packT(k: number, n: number, b: Float, ldb: number, into: PackedB | null): PackedB;
}

/** Floats of packed weights (512 KB) up to which a loop is cut into more chunks than threads (see `parts`). */
const L2_WEIGHTS = 1 << 17;

export class WasmLoops {
  /** W_ihᵀ packed for the loop's input projection, repacked on every forward call (the weights change between calls). */
  private wihT: PackedB | null = null;

  constructor(private readonly h: LoopHost) {}

  /**
   * A direction's whole forward time loop in one call. With threads, the batch rows are cut into
   * chunks (see `parts`) and a thread runs every step of the chunks it claims: the rows are
   * independent sequences, so there is no synchronisation between steps. Same calls, same bits as
   * stepping, whoever runs which chunk.
   */
  forward(a: LoopForwardArgs): void {
    const { t, b, h } = a;
    const c = a.cell, g = c.gates * h;
    const p = this.pointers(a, g);
    const pbhh = c.hiddenApart ? this.h.ptr(a.bhh, 0, 1, g, g, 'loop bhh') : 0;
    const pw = this.packPtr(a.whhT, h, g);
    const inp = a.input, inW = inp?.inputSize ?? 0;
    let px = 0, pwih = 0, pbias = 0;
    if (inp) {
      px = this.h.ptr(inp.x, inp.xOff, t * b, inW, inW, 'loop x');
      pbias = this.h.ptr(inp.bias, 0, 1, g, g, 'loop bias');
      this.wihT = this.h.packT(inW, g, inp.wih, inW, this.wihT);
      pwih = this.packPtr(this.wihT, inW, g);
    }
    const kind = LOOP_STEP[c.step].code, act = ACT[c.act];
    const parts = this.parts(t * b * g * (h + inW), b, g * (h + inW));
    if (parts === 0) {
      this.h.x.loopForward(kind, act, c.leak, t, b, h, 0, b, a.reverse ? 1 : 0, p.gates, p.hs, p.cs, p.gh, pbhh, pw,
        px, inW, pwih, pbias, this.h.ws);
      return;
    }
    const j = this.h.job(), A = JOB.ARGS;
    j[A] = kind; j[A + 1] = act; j[A + 2] = t; j[A + 3] = b; j[A + 4] = h; j[A + 5] = a.reverse ? 1 : 0;
    j[A + 6] = p.gates; j[A + 7] = p.hs; j[A + 8] = p.cs; j[A + 9] = p.gh; j[A + 10] = pbhh; j[A + 11] = pw;
    j[A + 12] = px; j[A + 13] = inW; j[A + 14] = pwih; j[A + 15] = pbias;
    this.h.jobF()[JOB.F0] = c.leak;
    this.h.launch(OP.LOOP_FORWARD, parts, b, this.unit(b));
  }

  /** A direction's whole backward time loop in one call, split by batch rows like loopForward. */
  backward(a: LoopBackwardArgs): void {
    const { t, b, h } = a;
    const c = a.cell, g = c.gates * h;
    const p = this.pointers(a, g);
    const pdg = this.h.ptr(a.dGates, 0, t * b, g, g, 'loop dGates');
    const pdgh = c.hiddenApart ? this.h.ptr(a.dGh, 0, t * b, g, g, 'loop dGh') : 0;
    const pa = this.h.ptr(a.dhA, 0, b, h, h, 'loop dhA'), pb = this.h.ptr(a.dhB, 0, b, h, h, 'loop dhB');
    const pdc = c.cellState ? this.h.ptr(a.dc, 0, b, h, h, 'loop dc') : 0;
    const pdy = a.dy ? this.h.ptr(a.dy, a.dyOff, t * b, h, a.dyLd, 'loop dy') : 0;
    const pflow = a.flow ? this.h.ptr(a.flow, 0, 1, 2 * t * b, 2 * t * b, 'loop flow') : 0;
    if (pflow % 8 !== 0) throw new RangeError('wasm kernels: loop flow: expected an 8-byte aligned buffer (one from alloc)');
    const pw = this.packPtr(a.whh, g, h);
    const kind = LOOP_STEP[c.step].code, act = ACT[c.act];
    const parts = this.parts(2 * t * b * g * h, b, g * h);
    if (parts === 0) {
      this.h.x.loopBackward(kind, act, c.leak, t, b, h, 0, b, a.reverse ? 1 : 0, p.gates, p.hs, p.cs, p.gh,
        pdg, pdgh, pa, pb, pdc, pw, pdy, a.dyLd, pflow, this.h.ws);
      return;
    }
    const j = this.h.job(), A = JOB.ARGS;
    j[A] = kind; j[A + 1] = act; j[A + 2] = t; j[A + 3] = b; j[A + 4] = h; j[A + 5] = a.reverse ? 1 : 0;
    j[A + 6] = p.gates; j[A + 7] = p.hs; j[A + 8] = p.cs; j[A + 9] = p.gh; j[A + 10] = pdg; j[A + 11] = pdgh;
    j[A + 12] = pa; j[A + 13] = pb; j[A + 14] = pdc; j[A + 15] = pw; j[A + 16] = pdy; j[A + 17] = a.dyLd; j[A + 18] = pflow;
    this.h.jobF()[JOB.F0] = c.leak;
    this.h.launch(OP.LOOP_BACKWARD, parts, b, this.unit(b));
  }

  private pointers(a: LoopForwardArgs | LoopBackwardArgs, g: number): { gates: number; hs: number; cs: number; gh: number } {
    const { t, b, h } = a;
    const c = a.cell;
    if (ACT[c.act] === undefined) throw new RangeError(`wasm kernels: unknown activation ${String(c.act)}`);
    const step = LOOP_STEP[c.step];
    if (step?.gates !== c.gates) throw new RangeError(`wasm kernels: the loop step ${String(c.step)} takes ${step?.gates ?? 'no'} gate blocks, received ${c.gates}`);
    return {
      gates: this.h.ptr(a.gates, 0, t * b, g, g, 'loop gates'),
      hs: this.h.ptr(a.hs, 0, (t + 1) * b, h, h, 'loop hs'),
      cs: c.cellState ? this.h.ptr(a.cs, 0, (t + 1) * b, h, h, 'loop cs') : 0,
      gh: c.hiddenApart ? this.h.ptr(a.gh, 0, t * b, g, g, 'loop gh') : 0,
    };
  }

  private packPtr(any: AnyPackedB, k: number, n: number): number {
    const p = any as PackedB;
    if (p.k !== k || p.n !== n) throw new RangeError(`wasm kernels: loop needs a ${k}×${n} pack, received ${p.k}×${p.n}`);
    return this.h.ptr(p.data, 0, 1, p.data.length, p.data.length, 'loop packed W_hh');
  }

  /** Row shares of a loop: whole micro-kernel tiles where the batch allows. */
  private unit(b: number): number {
    return b >= 2 * MR * this.h.threads ? MR : 1;
  }

  /**
   * The host's split (0: run alone; else up to two chunks per thread that is up, whole tiles of
   * rows where the batch allows), for loops of at least parallelMinMacs multiply-adds. Two chunks a
   * thread: one descheduled on a busy machine leaves its second chunk to the others instead of
   * holding the whole call. But every chunk streams the packed weights of a step (`weights`
   * floats) once per step: while they fit in a core's L2 (H = 128: 320 KB), a loop over 8 rows
   * costs no more per row than over 16 or 32 (E's shape, forward and backward, 1 thread by CPU
   * time: within 3%); D's 1.25 MB come from L3, where 16-row chunks cost 4% more than 32-row ones
   * with two processes sharing it. So more chunks than threads only for weights within L2_WEIGHTS
   * and while each chunk keeps at least 2·MR rows.
   */
  private parts(work: number, b: number, weights: number): number {
    const n = this.h.parts(work, this.h.minMacs, b, this.unit(b));
    const threads = this.h.threads;
    return Math.min(n, weights <= L2_WEIGHTS ? Math.max(threads, Math.floor(b / (2 * MR))) : threads);
  }
}
