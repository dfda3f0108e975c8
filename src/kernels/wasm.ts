// The wasm kernels: float32, v128 SIMD, compiled from asm/ (AssemblyScript) by
// scripts/build-wasm.mjs into dist/wasm/. Same interface and semantics as the js reference
// (js.ts); test/kernels-parity.test.ts holds them to it.
//
// Memory: one shared WebAssembly.Memory per kernel set (maximum 4 GiB), grown as needed. Every
// buffer comes from `alloc`, a JS-side allocator with a free list (16-byte aligned blocks), and is
// a Float32Array view into that memory. A kernel call turns each array argument into its byte
// address and refuses arrays that are not views of this memory, or whose addressed span falls
// outside the array. Growing shared memory does not detach views, but `memory.buffer` then returns
// a new SharedArrayBuffer object (and V8 may hand out a fresh wrapper of the same memory at other
// times too), so the identity check knows the buffer object of every array `alloc` returned.
//
// Builds: dist/wasm/kernels-relaxed.wasm uses relaxed SIMD (fused multiply-add in the gemm
// micro-kernel, about +25%); where it is not given or does not validate, dist/wasm/kernels-simd.wasm
// (plain SIMD) is used. The two round differently, so compare them with tolerances, not bits. The
// builds come from the caller (`wasm`, wasm-source.ts): the core reads no files.
//
// Threads: with `threads` > 1, large gemms, gate kernels and tanh/sigmoid are split over worker
// threads (started by the caller's `startWorker`) that run their own instance over the same
// memory (wasm-worker.ts). The output is
// cut into chunks at fixed points (gemm: columns or rows on tile boundaries; gates: batch rows);
// every element is computed by one thread exactly as a single-threaded call computes it, so results
// are bit-identical whatever the thread count or timing. Threads pay off only on idle cores: on a
// machine busier than its cores (another process training, parallel test files) a split call waits
// for descheduled workers, so the default is 1 thread, and with `adaptive` (default) a kernel set
// that sees its workers stall runs alone for a while.
//
// Beyond the Kernels interface: packB / gemmPackedB (B packed once, for W_hh over the time steps),
// threadStats, close.

import { Allocator, MAX_PAGES } from './wasm-alloc.js';
import { RecurError } from '../errors.js';
import { Pool } from './wasm-pool.js';
import { chooseBuild, resolveWasm, type StartWorker, type WasmInput } from './wasm-source.js';
import type { Activation, Float, Kernels, LoopBackwardArgs, LoopForwardArgs, LoopKernels } from './types.js';
import { type Exports, JOB, OP } from './wasm-worker.js';
import { ACT, MR, NR, type PackedB, type ThreadStats, type WasmKernelOptions } from './wasm-defs.js';
import { WasmGates } from './wasm-gates.js';
import { WasmLoops } from './wasm-loop.js';
import { WasmScans } from './wasm-scan.js';
import type { ScanKernels } from './scan-types.js';

export type { PackedB, ThreadStats, WasmKernelOptions } from './wasm-defs.js';

/** What the core cannot find itself: the kernel module, and (for threads > 1) how to start a thread. */
export interface WasmSetup {
  wasm: WasmInput;
  startWorker?: StartWorker;
}

/**
 * Elements of B (k·n) from which a gemm split by rows packs B once for all its chunks: below it,
 * the packing costs less than the job's other overheads.
 */
const SHARE_B_MIN = 1 << 14;

/**
 * The most memory `prefault` grows and faults in ahead of use: 64 MiB (a caller's estimate may run
 * high, and what is faulted in stays in the process's memory).
 */
export const PREFAULT_MAX = 2 ** 26;

// ---- the kernel set ----

export class WasmKernels implements Kernels, LoopKernels {
  readonly name = 'wasm' as const;
  readonly dtype = 'float32' as const;
  /** Whether the relaxed-SIMD (fused multiply-add) build is running. */
  readonly relaxed: boolean;
  /** Threads a large gemm is split over, the calling thread included. */
  readonly threads: number;
  readonly memory: WebAssembly.Memory;
  private readonly x: Exports;
  private readonly heap: Allocator;
  private readonly buffers = new WeakSet<ArrayBufferLike>();
  /** The live arrays `alloc` returned, by byte offset: `free` takes exactly these. */
  private readonly views = new Map<number, Float32Array>();
  private readonly ws: number;
  private pool: Pool | null = null;
  /** B packed once for a gemm split by rows, which every chunk then shares (grown as needed). */
  private shareB: Float32Array | null = null;
  private readonly parallelMinMacs: number;
  private readonly parallelMinElements: number;
  private readonly stats: ThreadStats = { splitCalls: 0, workerChunks: 0, chunks: 0 };
  private readonly loops: WasmLoops;
  private readonly gates: WasmGates;
  private readonly scans: WasmScans;

  constructor(opts: WasmKernelOptions & WasmSetup) {
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      throw new RecurError(`wasm kernels: threads must be a whole number from 1 to 64, received ${threads}`);
    }
    if (threads > 1 && typeof opts.startWorker !== 'function') {
      throw new RecurError(`wasm kernels: threads ${threads} expected a startWorker function to start them with, received ${typeof opts.startWorker}`);
    }
    const { module, relaxed } = chooseBuild(resolveWasm(opts.wasm), opts.relaxed ?? true);
    this.relaxed = relaxed;
    this.memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
    this.x = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as Exports;
    this.buffers.add(this.memory.buffer);
    this.heap = new Allocator(this.memory, Math.max(1024, this.x.heapBase()), () => this.buffers.add(this.memory.buffer));
    const wsBytes = this.x.gemmWorkspaceBytes();
    this.ws = this.heap.alloc(wsBytes);
    this.threads = threads;
    this.parallelMinMacs = opts.parallelMinMacs ?? 1 << 17;
    this.parallelMinElements = opts.parallelMinElements ?? 1 << 10;
    if (threads > 1) {
      this.pool = new Pool(module, this.memory, threads - 1, opts.spinMs ?? 10, (n) => this.heap.alloc(n), wsBytes, opts.startWorker!,
        { adaptive: opts.adaptive ?? true, stats: this.stats });
    }
    const host = {
      x: this.x, ws: this.ws, threads, minMacs: this.parallelMinMacs, minElements: this.parallelMinElements,
      ptr: (a: Float, off: number, rows: number, cols: number, ld: number, what: string) => this.ptr(a, off, rows, cols, ld, what),
      parts: (work: number, minWork: number, span: number, unit: number) => this.parts(work, minWork, span, unit),
      job: () => this.pool!.job, jobF: () => this.pool!.jobF,
      launch: (op: number, parts: number, span: number, unit: number) => this.launch(op, parts, span, unit),
      packT: (k: number, n: number, b: Float, ldb: number, into: PackedB | null) => {
        if (into && (into.k !== k || into.n !== n)) { this.freePackedB(into); into = null; }
        return this.packB(true, k, n, b, 0, ldb, into ?? undefined);
      },
    };
    this.loops = new WasmLoops(host);
    this.gates = new WasmGates(host);
    this.scans = new WasmScans(host);
  }

  /** Resolves once the worker threads are up (calls before that run on fewer threads). */
  async ready(): Promise<void> {
    if (this.pool) await this.pool.whenReady();
  }

  /** Stops the worker threads; later calls run single-threaded. */
  close(): void {
    this.pool?.close();
    this.pool = null;
  }

  /** How threaded calls shared their chunks so far. */
  threadStats(): ThreadStats {
    return { ...this.stats };
  }

  /**
   * Has idle worker threads fault in the memory the next `bytes` of buffers will take (at most
   * PREFAULT_MAX), so that the first step's writes to it do not each pay a page fault on this
   * thread (wasm-worker.ts's touchPages). The memory grows by that much now. Nothing else
   * changes: no buffer is handed out and no value moves. Returns the bytes asked of the workers
   * (0 without worker threads, where it does nothing).
   */
  prefault(bytes: number): number {
    if (this.pool === null || !(bytes > 0)) return 0;
    const [from, to] = this.heap.reserveAhead(Math.min(bytes, PREFAULT_MAX));
    this.pool.prefault(from, to);
    return to - from;
  }

  /** Pages (4 KiB) of the last prefault that no worker has reached yet (0 without worker threads). */
  get prefaultLeft(): number {
    return this.pool?.prefaultLeft ?? 0;
  }

  /** Bytes held by live buffers (workspaces included). */
  get bytesInUse(): number {
    return this.heap.bytesInUse;
  }

  alloc(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new RecurError(`wasm kernels: alloc(n) needs a whole number ≥ 0, received ${n}`);
    const off = this.heap.alloc(n * 4);
    const a = new Float32Array(this.memory.buffer, off, n);
    this.buffers.add(a.buffer);
    this.views.set(off, a);
    return a;
  }

  free(a: Float): void {
    this.check(a, 'free');
    if (this.views.get(a.byteOffset) !== a) {
      throw new Error('wasm kernels: free() takes an array returned by alloc that is still allocated (this one was freed already, or is another view)');
    }
    this.views.delete(a.byteOffset);
    this.heap.release(a.byteOffset);
  }

  /** Throws unless `a` is a Float32Array view of this kernel set's memory. */
  private check(a: Float, what: string): void {
    if (!(a instanceof Float32Array)) {
      throw new RecurError(`wasm kernels: ${what} must be a Float32Array from this kernel set's alloc, received ${Object.prototype.toString.call(a)}`);
    }
    if (!this.buffers.has(a.buffer)) {
      this.buffers.add(this.memory.buffer);
      if (!this.buffers.has(a.buffer)) {
        throw new Error(`wasm kernels: ${what} is not a buffer from this kernel set's alloc (it is not in its wasm memory)`);
      }
    }
  }

  /** Byte address of a[off], after checking that rows × cols at leading dimension ld fit in a. */
  private ptr(a: Float, off: number, rows: number, cols: number, ld: number, what: string): number {
    this.check(a, what);
    if (rows > 0 && cols > 0) {
      const last = off + (rows - 1) * ld + cols - 1;
      if (!(off >= 0 && last < a.length && Number.isInteger(off) && Number.isInteger(ld) && ld >= 0)) {
        throw new RecurError(`wasm kernels: ${what}: ${rows}×${cols} at offset ${off}, leading dimension ${ld}, does not fit in an array of ${a.length}`);
      }
    }
    return a.byteOffset + 4 * off;
  }

  gemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float, aOff: number, lda: number,
    b: Float, bOff: number, ldb: number,
    beta: number, c: Float, cOff: number, ldc: number,
  ): void {
    const pa = this.ptr(a, aOff, transA ? k : m, transA ? m : k, lda, 'gemm A');
    const pb = this.ptr(b, bOff, transB ? n : k, transB ? k : n, ldb, 'gemm B');
    const pc = this.ptr(c, cOff, m, n, ldc, 'gemm C');
    const ta = transA ? 1 : 0, tb = transB ? 1 : 0;
    // Chunks of the wider side of C, on tile boundaries.
    const byCols = n >= m;
    const unit = byCols ? NR : MR;
    const parts = this.parts(m * n * k, this.parallelMinMacs, byCols ? n : m, unit);
    if (parts === 0) {
      this.x.gemm(ta, tb, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, this.ws);
      return;
    }
    if (!byCols && k * n >= SHARE_B_MIN) {
      // Chunks of rows would each pack all of B: pack it once here and let them share it (the
      // same bits: gemmPacked is gemm without the packing).
      const bytes = this.x.packedBBytes(k, n);
      if (!this.shareB || this.shareB.byteLength < bytes) {
        if (this.shareB) this.free(this.shareB);
        this.shareB = this.alloc(bytes / 4);
      }
      const pp = this.shareB.byteOffset;
      this.x.packBWhole(tb, k, n, pb, ldb, pp);
      this.setArgs(ta, m, n, k, pa, lda, pp, pc, ldc);
      this.pool!.job[JOB.ARGS + 9] = 0;
      this.pool!.jobF[JOB.F0] = alpha; this.pool!.jobF[JOB.F1] = beta;
      this.launch(OP.GEMM_PACKED, parts, m, unit);
      return;
    }
    const j = this.pool!.job;
    const A = JOB.ARGS;
    j[A] = ta; j[A + 1] = tb; j[A + 2] = m; j[A + 3] = n; j[A + 4] = k;
    j[A + 5] = pa; j[A + 6] = lda; j[A + 7] = pb; j[A + 8] = ldb; j[A + 9] = pc; j[A + 10] = ldc;
    j[A + 11] = byCols ? 1 : 0;
    this.pool!.jobF[JOB.F0] = alpha; this.pool!.jobF[JOB.F1] = beta;
    this.launch(OP.GEMM, parts, byCols ? n : m, unit);
  }

  /** How many chunks to cut a call into (0: run it on this thread alone; Pool.parts). */
  private parts(work: number, minWork: number, span: number, unit: number): number {
    return this.pool === null ? 0 : this.pool.parts(work, minWork, span, unit);
  }

  /** Runs the job whose ARGS (and F0, F1) are in place, sharing its chunks with the workers. */
  private launch(op: number, parts: number, span: number, unit: number): void {
    this.pool!.run(op, parts, span, unit, this.x, this.ws);
  }

  /**
   * Packs op(B) (k × n; B stored (k, n), or (n, k) when transB) for gemmPackedB, into a new
   * buffer or into `into` (same k and n).
   */
  packB(transB: boolean, k: number, n: number, b: Float, bOff: number, ldb: number, into?: PackedB): PackedB {
    if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || n < 1) {
      throw new RecurError(`wasm kernels: packB needs whole k, n ≥ 1, received k = ${k}, n = ${n}`);
    }
    const pb = this.ptr(b, bOff, transB ? n : k, transB ? k : n, ldb, 'packB B');
    const len = this.x.packedBBytes(k, n) / 4;
    let p = into;
    if (p) {
      if (p.k !== k || p.n !== n) throw new RecurError(`wasm kernels: packB into a ${p.k}×${p.n} pack, asked for ${k}×${n}`);
      this.ptr(p.data, 0, 1, len, len, 'packB into');
    } else {
      p = { k, n, data: this.alloc(len) };
    }
    this.x.packBWhole(transB ? 1 : 0, k, n, pb, ldb, p.data.byteOffset);
    return p;
  }

  freePackedB(p: PackedB): void {
    this.free(p.data);
  }

  /** gemm with op(B) from packB (n and k its own): the same results, bit for bit, without packing B. */
  gemmPackedB(transA: boolean, m: number, n: number, k: number, alpha: number,
    a: Float, aOff: number, lda: number, packed: PackedB,
    beta: number, c: Float, cOff: number, ldc: number): void {
    if (packed.k !== k || packed.n !== n) {
      throw new RecurError(`wasm kernels: gemmPackedB with k = ${k}, n = ${n} on a ${packed.k}×${packed.n} pack`);
    }
    const pa = this.ptr(a, aOff, transA ? k : m, transA ? m : k, lda, 'gemm A');
    const pp = this.ptr(packed.data, 0, 1, packed.data.length, packed.data.length, 'packed B');
    const pc = this.ptr(c, cOff, m, n, ldc, 'gemm C');
    const ta = transA ? 1 : 0;
    const byCols = n >= m;
    const unit = byCols ? NR : MR;
    const parts = this.parts(m * n * k, this.parallelMinMacs, byCols ? n : m, unit);
    if (parts === 0) {
      this.x.gemmPacked(ta, m, n, k, alpha, pa, lda, pp, 0, beta, pc, ldc, this.ws);
      return;
    }
    this.setArgs(ta, m, n, k, pa, lda, pp, pc, ldc);
    this.pool!.job[JOB.ARGS + 9] = byCols ? 1 : 0;
    this.pool!.jobF[JOB.F0] = alpha; this.pool!.jobF[JOB.F1] = beta;
    this.launch(OP.GEMM_PACKED, parts, byCols ? n : m, unit);
  }

  fillRows(m: number, n: number, v: Float, vOff: number, c: Float, cOff: number, ldc: number): void {
    const pv = this.ptr(v, vOff, 1, n, n, 'fillRows v');
    const pc = this.ptr(c, cOff, m, n, ldc, 'fillRows C');
    // memory-bound, so split only large fills (the bias rows of a whole sequence's projection)
    const parts = this.parts(m * n, 64 * this.parallelMinElements, m, 1);
    if (parts === 0) {
      this.x.fillRows(m, n, pv, pc, ldc);
      return;
    }
    this.setArgs(m, n, pv, pc, ldc);
    this.launch(OP.FILL_ROWS, parts, m, 1);
  }

  addColumnSums(m: number, n: number, a: Float, aOff: number, lda: number, out: Float, outOff: number): void {
    const pa = this.ptr(a, aOff, m, n, lda, 'addColumnSums A');
    const po = this.ptr(out, outOff, 1, n, n, 'addColumnSums out');
    // memory-bound like fillRows; split by columns, each summed over its rows in order (same bits)
    const parts = this.parts(m * n, 64 * this.parallelMinElements, n, 4);
    if (parts === 0) {
      this.x.addColumnSums(m, n, pa, lda, po);
      return;
    }
    this.setArgs(m, n, pa, lda, po);
    this.launch(OP.ADD_COLUMN_SUMS, parts, n, 4);
  }

  activationForward(act: Activation, leak: number, n: number, x: Float, xOff: number, y: Float, yOff: number): void {
    const code = ACT[act];
    if (code === undefined) throw new RecurError(`wasm kernels: unknown activation ${String(act)}`);
    const px = this.ptr(x, xOff, 1, n, n, 'activation x'), py = this.ptr(y, yOff, 1, n, n, 'activation y');
    // relu and leaky relu are memory-bound: no gain from threads.
    const parts = code <= ACT.sigmoid ? this.parts(n, this.parallelMinElements, n, 4) : 0;
    if (parts === 0) {
      this.x.activationForward(code, leak, n, px, py);
      return;
    }
    this.setArgs(code, n, px, py);
    this.pool!.jobF[JOB.F0] = leak;
    this.launch(OP.ACTIVATION_FORWARD, parts, n, 4);
  }

  activationBackward(act: Activation, leak: number, n: number, y: Float, yOff: number, dy: Float, dyOff: number, dx: Float, dxOff: number): void {
    const code = ACT[act];
    if (code === undefined) throw new RecurError(`wasm kernels: unknown activation ${String(act)}`);
    this.x.activationBackward(code, leak, n, this.ptr(y, yOff, 1, n, n, 'activation y'),
      this.ptr(dy, dyOff, 1, n, n, 'activation dy'), this.ptr(dx, dxOff, 1, n, n, 'activation dx'));
  }

  // The fused LSTM and GRU gate kernels (wasm-gates.ts).
  lstmForward(...a: Parameters<Kernels['lstmForward']>): void { this.gates.lstmForward(...a); }
  lstmBackward(...a: Parameters<Kernels['lstmBackward']>): void { this.gates.lstmBackward(...a); }
  gruForward(...a: Parameters<Kernels['gruForward']>): void { this.gates.gruForward(...a); }
  gruBackward(...a: Parameters<Kernels['gruBackward']>): void { this.gates.gruBackward(...a); }

  /**
   * A direction's whole forward time loop in one call (wasm-loop.ts): with threads, each thread
   * runs every step on its share of the batch rows, with no synchronisation between steps.
   */
  loopForward(a: LoopForwardArgs): void {
    this.loops.forward(a);
  }

  /** A direction's whole backward time loop in one call, split by batch rows like loopForward. */
  loopBackward(a: LoopBackwardArgs): void {
    this.loops.backward(a);
  }

  // The elementwise recurrences (scan-types.ts), run by wasm-scan.ts.
  indrnnForward(...a: Parameters<ScanKernels['indrnnForward']>): void { this.scans.indrnnForward(...a); }
  indrnnBackward(...a: Parameters<ScanKernels['indrnnBackward']>): void { this.scans.indrnnBackward(...a); }
  scanForward(...a: Parameters<ScanKernels['scanForward']>): void { this.scans.scanForward(...a); }
  scanBackward(...a: Parameters<ScanKernels['scanBackward']>): void { this.scans.scanBackward(...a); }
  minGruGates(...a: Parameters<ScanKernels['minGruGates']>): void { this.scans.minGruGates(...a); }
  minGruGatesBackward(...a: Parameters<ScanKernels['minGruGatesBackward']>): void { this.scans.minGruGatesBackward(...a); }
  minLstmGates(...a: Parameters<ScanKernels['minLstmGates']>): void { this.scans.minLstmGates(...a); }
  minLstmGatesBackward(...a: Parameters<ScanKernels['minLstmGatesBackward']>): void { this.scans.minLstmGatesBackward(...a); }
  addColumnProductSums(...a: Parameters<ScanKernels['addColumnProductSums']>): void { this.scans.addColumnProductSums(...a); }

  /** Writes a job's integer arguments (no array, so nothing is allocated per call). */
  private setArgs(a0: number, a1: number, a2: number, a3: number, a4?: number, a5?: number, a6?: number,
    a7?: number, a8?: number): void {
    const j = this.pool!.job;
    const A = JOB.ARGS;
    j[A] = a0; j[A + 1] = a1; j[A + 2] = a2; j[A + 3] = a3;
    j[A + 4] = a4 ?? 0; j[A + 5] = a5 ?? 0; j[A + 6] = a6 ?? 0; j[A + 7] = a7 ?? 0; j[A + 8] = a8 ?? 0;
  }
}

/** A wasm kernel set, created synchronously (worker threads, if any, join when they are up). */
export function createWasmKernelsSync(opts: WasmKernelOptions & WasmSetup): WasmKernels {
  return new WasmKernels(opts);
}

/** A wasm kernel set whose worker threads are up when the promise resolves. */
export async function createWasmKernels(opts: WasmKernelOptions & WasmSetup): Promise<WasmKernels> {
  const k = new WasmKernels(opts);
  await k.ready();
  return k;
}
