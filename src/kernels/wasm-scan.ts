// The scan kernels of the wasm kernel set (scan-types.ts; asm/scan.ts): argument checks, the job
// arguments, and the split over threads. The kernel set (wasm.ts) lends its pointer checks and its
// pool as a host, as for the whole-loop kernels (wasm-loop.ts).
//
// Splits (every one a fixed partition, so 1 and 2 threads give the same bits): the recurrences by
// elements of the B·H block (each element is its own recurrence: no synchronisation between
// steps); the chunked scan by chunks of time, with the combine of the chunk ends on the calling
// thread between the two threaded phases; the gate kernels by batch rows; the column sums of
// products by columns.

import type { ScanKernels } from './scan-types.js';
import type { Float } from './types.js';
import type { LoopHost } from './wasm-loop.js';
import { runScanChunk, SCAN_OP } from './wasm-scan-chunks.js';
import { JOB } from './wasm-worker.js';

export interface ScanHost extends LoopHost {
  /** Elements from which the gate kernels are split over threads (`parallelMinElements`). */
  readonly minElements: number;
}

export class WasmScans implements ScanKernels {
  /** The current job's integer arguments, run here or copied into the pool's job block. */
  private readonly argv = new Int32Array(JOB.SIZE - JOB.ARGS);
  private readonly int = (i: number): number => this.argv[i]!;
  private readonly addr = (i: number): number => this.argv[i]! >>> 0;

  /** Work (elements times steps) from which a recurrence is split (16 · parallelMinElements: a split costs a few µs). */
  private readonly minScanWork: number;

  constructor(private readonly h: ScanHost) {
    this.minScanWork = 16 * h.minElements;
  }

  indrnnForward(t: number, b: number, h: number, reverse: boolean, p: Float, pOff: number,
    u: Float, uOff: number, hs: Float, hsOff: number, hsStride: number): void {
    const n = b * h;
    this.set(b, h, t, reverse ? 1 : 0, this.ptr(p, pOff, t, n, 'indrnn p'), this.ptr(u, uOff, 1, h, 'indrnn u'),
      this.slots(hs, hsOff, t, n, hsStride, 'indrnn hs'), hsStride);
    this.run(SCAN_OP.INDRNN_FORWARD, t * n, this.minScanWork, n, 4);
  }

  indrnnBackward(t: number, b: number, h: number, reverse: boolean, hs: Float, hsOff: number, hsStride: number,
    u: Float, uOff: number, dy: Float | null, dyOff: number, dyLd: number, dh: Float, dhOff: number,
    dP: Float, dPOff: number): void {
    const n = b * h;
    this.set(b, h, t, reverse ? 1 : 0, this.slots(hs, hsOff, t, n, hsStride, 'indrnn hs'), this.ptr(u, uOff, 1, h, 'indrnn u'),
      this.dyPtr(dy, dyOff, t * b, h, dyLd), dyLd, this.ptr(dh, dhOff, 1, n, 'indrnn dh'), this.ptr(dP, dPOff, t, n, 'indrnn dP'), hsStride);
    this.run(SCAN_OP.INDRNN_BACKWARD, t * n, this.minScanWork, n, 4);
  }

  scanForward(t: number, b: number, h: number, reverse: boolean, a: Float, aOff: number, v: Float, vOff: number,
    hs: Float, hsOff: number, hsStride: number, chunk: number, scratch: Float | null): void {
    const n = b * h;
    const pa = this.ptr(a, aOff, t, n, 'scan a'), pv = this.ptr(v, vOff, t, n, 'scan v'), phs = this.slots(hs, hsOff, t, n, hsStride, 'scan hs');
    if (chunk <= 0 || t <= chunk) {
      this.set(b, h, t, reverse ? 1 : 0, pa, pv, phs, hsStride);
      this.run(SCAN_OP.SCAN_FORWARD, t * n, this.minScanWork, n, 4);
      return;
    }
    const chunks = Math.ceil(t / chunk);
    const prods = this.scratchPtr(scratch, chunks, n);
    for (const phase of [1, 3]) {
      this.set(b, h, t, reverse ? 1 : 0, pa, pv, phs, chunk, phase, prods, hsStride);
      this.run(SCAN_OP.SCAN_FORWARD_CHUNKS, t * n, this.minScanWork, chunks, 1);
      if (phase === 1) this.h.x.scanForwardCombine(b, h, 0, n, t, chunk, reverse ? 1 : 0, phs, prods, hsStride);
    }
  }

  scanBackward(t: number, b: number, h: number, reverse: boolean, a: Float, aOff: number, hs: Float, hsOff: number, hsStride: number,
    dy: Float | null, dyOff: number, dyLd: number, dh: Float, dhOff: number,
    dA: Float, dAOff: number, dV: Float, dVOff: number, chunk: number, scratch: Float | null): void {
    const n = b * h;
    const pa = this.ptr(a, aOff, t, n, 'scan a'), phs = this.slots(hs, hsOff, t, n, hsStride, 'scan hs');
    const pdy = this.dyPtr(dy, dyOff, t * b, h, dyLd), pdh = this.ptr(dh, dhOff, 1, n, 'scan dh');
    const pdA = this.ptr(dA, dAOff, t, n, 'scan dA'), pdV = this.ptr(dV, dVOff, t, n, 'scan dV');
    if (chunk <= 0 || t <= chunk) {
      this.set(b, h, t, reverse ? 1 : 0, pa, phs, pdy, dyLd, pdh, pdA, pdV, hsStride);
      this.run(SCAN_OP.SCAN_BACKWARD, t * n, this.minScanWork, n, 4);
      return;
    }
    const chunks = Math.ceil(t / chunk);
    const prods = this.scratchPtr(scratch, chunks, n), carries = prods + 4 * chunks * n;
    const s = scratch!;
    // the last chunk starts from the incoming gradient
    s.set(dh.subarray(dhOff, dhOff + n), (chunks - 1) * n + chunks * n);
    for (const phase of [1, 3]) {
      this.set(b, h, t, reverse ? 1 : 0, pa, phs, pdy, dyLd, 0, pdA, pdV, chunk, phase, prods, carries, hsStride);
      this.run(SCAN_OP.SCAN_BACKWARD_CHUNKS, t * n, this.minScanWork, chunks, 1);
      if (phase === 1) {
        this.h.x.scanBackwardCombine(b, h, 0, n, t, chunk, carries, prods);
        dh.set(s.subarray(chunks * n, chunks * n + n), dhOff);
      }
    }
  }

  minGruGates(m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void {
    this.gates(SCAN_OP.MINGRU_GATES, 2, m, h, p, pOff, a, aOff, v, vOff, cache, cacheOff);
  }

  minGruGatesBackward(m: number, h: number, cache: Float, cacheOff: number, a: Float, aOff: number, dA: Float, dAOff: number,
    dV: Float, dVOff: number, dP: Float, dPOff: number): void {
    this.gatesBackward(SCAN_OP.MINGRU_GATES_BACKWARD, 2, m, h, cache, cacheOff, a, aOff, dA, dAOff, dV, dVOff, dP, dPOff);
  }

  minLstmGates(m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void {
    this.gates(SCAN_OP.MINLSTM_GATES, 3, m, h, p, pOff, a, aOff, v, vOff, cache, cacheOff);
  }

  minLstmGatesBackward(m: number, h: number, cache: Float, cacheOff: number, v: Float, vOff: number, dA: Float, dAOff: number,
    dV: Float, dVOff: number, dP: Float, dPOff: number): void {
    this.gatesBackward(SCAN_OP.MINLSTM_GATES_BACKWARD, 3, m, h, cache, cacheOff, v, vOff, dA, dAOff, dV, dVOff, dP, dPOff);
  }

  addColumnProductSums(m: number, n: number, a: Float, aOff: number, lda: number, b: Float, bOff: number, ldb: number,
    out: Float, outOff: number): void {
    this.set(m, this.h.ptr(a, aOff, m, n, lda, 'column products A'), lda, this.h.ptr(b, bOff, m, n, ldb, 'column products B'), ldb,
      this.ptr(out, outOff, 1, n, 'column products out'));
    this.run(SCAN_OP.COLUMN_PRODUCT_SUMS, m * n, this.minScanWork, n, 4);
  }

  private gates(op: number, g: number, m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void {
    this.set(h, this.ptr(p, pOff, m, g * h, 'gates p'), this.ptr(a, aOff, m, h, 'gates a'), this.ptr(v, vOff, m, h, 'gates v'),
      this.ptr(cache, cacheOff, m, g * h, 'gates cache'));
    this.run(op, m * h, this.h.minElements, m, 1);
  }

  /** The backward from the cache, with a (minGRU) or v (minLSTM): memory-bound, so split only large calls. */
  private gatesBackward(op: number, g: number, m: number, h: number, cache: Float, cacheOff: number, av: Float, avOff: number,
    dA: Float, dAOff: number, dV: Float, dVOff: number, dP: Float, dPOff: number): void {
    this.set(h, this.ptr(cache, cacheOff, m, g * h, 'gates cache'), this.ptr(av, avOff, m, h, 'gates a or v'),
      this.ptr(dA, dAOff, m, h, 'gates dA'), this.ptr(dV, dVOff, m, h, 'gates dV'), this.ptr(dP, dPOff, m, g * h, 'gates dP'));
    this.run(op, m * h, this.minScanWork, m, 1);
  }

  /** Runs the job in argv over [0, span): here, or cut into chunks of `unit` shared with the workers. */
  private run(op: number, work: number, minWork: number, span: number, unit: number): void {
    if (span <= 0) return;
    const parts = this.h.parts(work, minWork, span, unit);
    if (parts === 0) {
      runScanChunk(this.h.x, op, this.int, this.addr, 0, span);
      return;
    }
    this.h.job().set(this.argv, JOB.ARGS);
    this.h.launch(op, parts, span, unit);
  }

  private set(...values: number[]): void {
    this.argv.fill(0);
    this.argv.set(values);
  }

  /** Byte address of a dense (rows, cols) block at a[off], checked. */
  private ptr(a: Float, off: number, rows: number, cols: number, what: string): number {
    return this.h.ptr(a, off, rows, cols, cols, what);
  }

  /** Byte address of t + 1 state slots of n floats, `stride` floats apart, at hs[off], checked. */
  private slots(hs: Float, off: number, t: number, n: number, stride: number, what: string): number {
    if (!(Number.isInteger(stride) && stride >= n)) throw new RangeError(`wasm kernels: ${what}: slot stride ${stride} below the block size ${n}`);
    return this.h.ptr(hs, off, t + 1, n, stride, what);
  }

  private dyPtr(dy: Float | null, off: number, rows: number, h: number, ld: number): number {
    return dy ? this.h.ptr(dy, off, rows, h, ld, 'scan dy') : 0;
  }

  private scratchPtr(scratch: Float | null, chunks: number, n: number): number {
    if (!scratch) throw new RangeError('wasm kernels: the chunked scan needs a scratch buffer');
    return this.ptr(scratch, 0, 2 * chunks, n, 'scan scratch');
  }
}
