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
// micro-kernel, about +25%); Node 20 needs a V8 flag for it, set before validating. Where it does
// not validate, dist/wasm/kernels-simd.wasm (plain SIMD) is used. The two round differently, so
// compare them with tolerances, not bits.
//
// Threads: with `threads` > 1, large gemms, gate kernels and tanh/sigmoid are split over
// worker_threads that run their own instance over the same memory (wasm-worker.ts). The output is
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
import { loadModule, relaxedSimdAvailable } from './wasm-load.js';
import { Pool } from './wasm-pool.js';
import type { Activation, Float, Kernels, LoopBackwardArgs, LoopForwardArgs, LoopKernels, PackedB as AnyPackedB } from './types.js';
import { claimChunks, type Exports, JOB, OP } from './wasm-worker.js';

export interface WasmKernelOptions {
  /** Threads a large gemm is split over, the calling thread included (default 1). */
  threads?: number;
  /** Use the relaxed-SIMD build where it validates (default true). */
  relaxed?: boolean;
  /** How long an idle worker spins before it sleeps, in ms (default 10: waking a sleeping worker took long enough here that the adaptive check then ran alone; a training step leaves gaps of a few ms between jobs). */
  spinMs?: number;
  /** Multiply-adds (m·n·k) from which a gemm is split over threads (default 1 << 17: measured break-even is near 1 << 16). */
  parallelMinMacs?: number;
  /**
   * Elements (B·H) from which a gate kernel, tanh or sigmoid is split over threads (default
   * 1 << 10, measured break-even near 1 << 9; the backward gate kernels, which do less per
   * element, from twice that).
   */
  parallelMinElements?: number;
  /**
   * Run alone for a while when workers stall or never get to a chunk (a machine busier than its
   * cores); default true. Tests turn it off to be sure the threaded path runs.
   */
  adaptive?: boolean;
}

/**
 * op(B) (k × n) packed once for gemmPackedB: the recurrent weight W_hhᵀ is the same B for every
 * time step of a sequence. Packing it on every call costs 5–18% of the per-step gemm at B = 32–64
 * (H = 128) and 40–75% at B ≤ 8 (measured).
 * Holds a buffer from `alloc`: give it back with `freePackedB`. Pack it again after the weight
 * changes (packB with `into`).
 */
export interface PackedB {
  readonly k: number;
  readonly n: number;
  readonly data: Float32Array;
}

/** How the work of threaded calls was shared (for diagnostics and tests). */
export interface ThreadStats {
  /** Calls split into chunks. */
  splitCalls: number;
  /** Chunks of those calls that workers ran (the calling thread ran the rest). */
  workerChunks: number;
  /** Chunks in all. */
  chunks: number;
}

const ACT: Record<Activation, number> = { tanh: 0, sigmoid: 1, relu: 2, leaky_relu: 3 };
// Must match asm/gemm.ts: thread shares of C start on tile boundaries.
const MR = 4;
/** A split call counts as stalled when the caller waited this long (ms) beyond twice its own share. */
const STALL_MS = 1;
const GATES = { rnn: 1, lstm: 4, gru: 3 } as const;
const LOOP_KIND = { rnn: 0, lstm: 1, gru: 2 } as const;
const NR = 8;

// ---- the kernel set ----

export { relaxedSimdAvailable } from './wasm-load.js';

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
  private readonly parallelMinMacs: number;
  private readonly parallelMinElements: number;
  private readonly adaptive: boolean;
  private readonly stats: ThreadStats = { splitCalls: 0, workerChunks: 0, chunks: 0 };
  private stalls = 0; // recent calls that waited long for a worker
  private soloUntil = 0; // performance.now() before which calls run on this thread alone

  constructor(opts: WasmKernelOptions = {}) {
    const threads = opts.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
      throw new RangeError(`wasm kernels: threads must be a whole number from 1 to 64, received ${threads}`);
    }
    this.relaxed = (opts.relaxed ?? true) && relaxedSimdAvailable();
    const module = loadModule(this.relaxed ? 'kernels-relaxed.wasm' : 'kernels-simd.wasm');
    this.memory = new WebAssembly.Memory({ initial: 32, maximum: MAX_PAGES, shared: true });
    this.x = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as Exports;
    this.buffers.add(this.memory.buffer);
    this.heap = new Allocator(this.memory, Math.max(1024, this.x.heapBase()), () => this.buffers.add(this.memory.buffer));
    const wsBytes = this.x.gemmWorkspaceBytes();
    this.ws = this.heap.alloc(wsBytes);
    this.threads = threads;
    this.parallelMinMacs = opts.parallelMinMacs ?? 1 << 17;
    this.parallelMinElements = opts.parallelMinElements ?? 1 << 10;
    this.adaptive = opts.adaptive ?? true;
    if (threads > 1) {
      this.pool = new Pool(module, this.memory, threads - 1, opts.spinMs ?? 10, (n) => this.heap.alloc(n), wsBytes);
    }
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

  /** Bytes held by live buffers (workspaces included). */
  get bytesInUse(): number {
    return this.heap.bytesInUse;
  }

  alloc(n: number): Float32Array {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`wasm kernels: alloc(n) needs a whole number ≥ 0, received ${n}`);
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
      throw new TypeError(`wasm kernels: ${what} must be a Float32Array from this kernel set's alloc, received ${Object.prototype.toString.call(a)}`);
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
        throw new RangeError(`wasm kernels: ${what}: ${rows}×${cols} at offset ${off}, leading dimension ${ld}, does not fit in an array of ${a.length}`);
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
    const j = this.pool!.job;
    const A = JOB.ARGS;
    j[A] = ta; j[A + 1] = tb; j[A + 2] = m; j[A + 3] = n; j[A + 4] = k;
    j[A + 5] = pa; j[A + 6] = lda; j[A + 7] = pb; j[A + 8] = ldb; j[A + 9] = pc; j[A + 10] = ldc;
    j[A + 11] = byCols ? 1 : 0;
    this.pool!.jobF[JOB.F0] = alpha; this.pool!.jobF[JOB.F1] = beta;
    this.launch(OP.GEMM, parts, byCols ? n : m, unit);
  }

  /**
   * How many chunks to cut a call into (0: run it on this thread alone): none below `minWork`, or
   * while no worker is up; else two per thread, so that a thread late to start leaves its chunks
   * to the others.
   */
  private parts(work: number, minWork: number, span: number, unit: number): number {
    const pool = this.pool;
    if (pool === null || work < minWork) return 0;
    if (this.soloUntil !== 0) {
      if (performance.now() < this.soloUntil) return 0;
      this.soloUntil = 0;
    }
    const ready = pool.ready;
    if (ready === 0) return 0;
    const parts = Math.min(2 * (ready + 1), Math.ceil(span / unit));
    return parts >= 2 ? parts : 0;
  }

  /** Runs the job whose ARGS (and F0, F1) are in place, sharing its chunks with the workers. */
  private launch(op: number, parts: number, span: number, unit: number): void {
    const pool = this.pool!;
    const j = pool.job;
    j[JOB.OP] = op; j[JOB.PARTS] = parts; j[JOB.UNIT] = unit; j[JOB.UNITS] = Math.ceil(span / unit); j[JOB.SPAN] = span;
    const t0 = performance.now();
    pool.start();
    const ran = claimChunks(this.x, j, pool.jobF, this.ws);
    const t1 = performance.now();
    pool.finish();
    // On a machine busier than its cores, workers get descheduled: either this thread ends up
    // running every chunk (paying for the split and for nothing), or it waits for a chunk far
    // longer than the work takes. After a few such calls in a row, run alone for a while; the
    // workers then go to sleep and give their cores back. Results are the same bits either way.
    const waited = performance.now() - t1;
    this.stats.splitCalls++;
    this.stats.chunks += parts;
    this.stats.workerChunks += parts - ran;
    if (!this.adaptive) return;
    if (ran === parts || waited > STALL_MS + 2 * (t1 - t0)) {
      if (++this.stalls >= 4) {
        this.stalls = 0;
        this.soloUntil = performance.now() + 250;
      }
    } else if (this.stalls > 0) {
      this.stalls--;
    }
  }

  /**
   * Packs op(B) (k × n; B stored (k, n), or (n, k) when transB) for gemmPackedB, into a new
   * buffer or into `into` (same k and n).
   */
  packB(transB: boolean, k: number, n: number, b: Float, bOff: number, ldb: number, into?: PackedB): PackedB {
    if (!Number.isInteger(k) || !Number.isInteger(n) || k < 1 || n < 1) {
      throw new RangeError(`wasm kernels: packB needs whole k, n ≥ 1, received k = ${k}, n = ${n}`);
    }
    const pb = this.ptr(b, bOff, transB ? n : k, transB ? k : n, ldb, 'packB B');
    const len = this.x.packedBBytes(k, n) / 4;
    let p = into;
    if (p) {
      if (p.k !== k || p.n !== n) throw new RangeError(`wasm kernels: packB into a ${p.k}×${p.n} pack, asked for ${k}×${n}`);
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
      throw new RangeError(`wasm kernels: gemmPackedB with k = ${k}, n = ${n} on a ${packed.k}×${packed.n} pack`);
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
    this.x.addColumnSums(m, n, pa, lda, po);
  }

  activationForward(act: Activation, leak: number, n: number, x: Float, xOff: number, y: Float, yOff: number): void {
    const code = ACT[act];
    if (code === undefined) throw new RangeError(`wasm kernels: unknown activation ${String(act)}`);
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
    if (code === undefined) throw new RangeError(`wasm kernels: unknown activation ${String(act)}`);
    this.x.activationBackward(code, leak, n, this.ptr(y, yOff, 1, n, n, 'activation y'),
      this.ptr(dy, dyOff, 1, n, n, 'activation dy'), this.ptr(dx, dxOff, 1, n, n, 'activation dx'));
  }

  lstmForward(b: number, h: number, gates: Float, gOff: number, cPrev: Float, cPrevOff: number,
    c: Float, cOff: number, hOut: Float, hOff: number): void {
    const n = b * h;
    const pg = this.ptr(gates, gOff, 1, 4 * n, 0, 'lstm gates');
    const pcp = this.ptr(cPrev, cPrevOff, 1, n, 0, 'lstm cPrev'), pc = this.ptr(c, cOff, 1, n, 0, 'lstm c');
    const ph = this.ptr(hOut, hOff, 1, n, 0, 'lstm h');
    const parts = this.parts(n, this.parallelMinElements, b, 1);
    if (parts === 0) {
      this.x.lstmForward(b, h, pg, pcp, pc, ph);
      return;
    }
    this.setArgs(b, h, pg, pcp, pc, ph);
    this.launch(OP.LSTM_FORWARD, parts, b, 1);
  }

  lstmBackward(b: number, h: number, gates: Float, gOff: number, cPrev: Float, cPrevOff: number,
    c: Float, cOff: number, dh: Float, dhOff: number, dc: Float, dcOff: number,
    dGates: Float, dgOff: number): void {
    const n = b * h;
    const pg = this.ptr(gates, gOff, 1, 4 * n, 0, 'lstm gates');
    const pcp = this.ptr(cPrev, cPrevOff, 1, n, 0, 'lstm cPrev'), pc = this.ptr(c, cOff, 1, n, 0, 'lstm c');
    const pdh = this.ptr(dh, dhOff, 1, n, 0, 'lstm dh'), pdc = this.ptr(dc, dcOff, 1, n, 0, 'lstm dc');
    const pdg = this.ptr(dGates, dgOff, 1, 4 * n, 0, 'lstm dGates');
    const parts = this.parts(n, 2 * this.parallelMinElements, b, 1);
    if (parts === 0) {
      this.x.lstmBackward(b, h, pg, pcp, pc, pdh, pdc, pdg);
      return;
    }
    this.setArgs(b, h, pg, pcp, pc, pdh, pdc, pdg);
    this.launch(OP.LSTM_BACKWARD, parts, b, 1);
  }

  gruForward(b: number, h: number, gx: Float, gxOff: number, gh: Float, ghOff: number,
    hPrev: Float, hPrevOff: number, hOut: Float, hOff: number): void {
    const n = b * h;
    const pgx = this.ptr(gx, gxOff, 1, 3 * n, 0, 'gru gx'), pgh = this.ptr(gh, ghOff, 1, 3 * n, 0, 'gru gh');
    const php = this.ptr(hPrev, hPrevOff, 1, n, 0, 'gru hPrev'), ph = this.ptr(hOut, hOff, 1, n, 0, 'gru h');
    const parts = this.parts(n, this.parallelMinElements, b, 1);
    if (parts === 0) {
      this.x.gruForward(b, h, pgx, pgh, php, ph);
      return;
    }
    this.setArgs(b, h, pgx, pgh, php, ph);
    this.launch(OP.GRU_FORWARD, parts, b, 1);
  }

  gruBackward(b: number, h: number, gates: Float, gOff: number, gh: Float, ghOff: number,
    hPrev: Float, hPrevOff: number, dh: Float, dhOff: number,
    dGx: Float, dGxOff: number, dGh: Float, dGhOff: number, dhPrev: Float, dhPrevOff: number): void {
    const n = b * h;
    const pg = this.ptr(gates, gOff, 1, 3 * n, 0, 'gru gates'), pgh = this.ptr(gh, ghOff, 1, 3 * n, 0, 'gru gh');
    const php = this.ptr(hPrev, hPrevOff, 1, n, 0, 'gru hPrev'), pdh = this.ptr(dh, dhOff, 1, n, 0, 'gru dh');
    const pdx = this.ptr(dGx, dGxOff, 1, 3 * n, 0, 'gru dGx'), pdy = this.ptr(dGh, dGhOff, 1, 3 * n, 0, 'gru dGh');
    const pdp = this.ptr(dhPrev, dhPrevOff, 1, n, 0, 'gru dhPrev');
    const parts = this.parts(n, 2 * this.parallelMinElements, b, 1);
    if (parts === 0) {
      this.x.gruBackward(b, h, pg, pgh, php, pdh, pdx, pdy, pdp);
      return;
    }
    this.setArgs(b, h, pg, pgh, php, pdh, pdx, pdy, pdp);
    this.launch(OP.GRU_BACKWARD, parts, b, 1);
  }

  /**
   * A direction's whole forward time loop in one call. With threads, the batch rows are cut into
   * one share per thread and each thread runs every step on its rows: the rows are independent
   * sequences, so there is no synchronisation between steps. Same calls, same bits as stepping.
   */
  loopForward(a: LoopForwardArgs): void {
    const { t, b, h } = a;
    const g = GATES[a.kind] * h;
    const p = this.loopPointers(a, g);
    const pbhh = a.kind === 'gru' ? this.ptr(a.bhh, 0, 1, g, g, 'loop bhh') : 0;
    const pw = this.packPtr(a.whhT, h, g);
    const kind = LOOP_KIND[a.kind], act = ACT[a.act] ?? 0;
    const parts = this.loopParts(t * b * g * h, b);
    if (parts === 0) {
      this.x.loopForward(kind, act, a.leak, t, b, h, 0, b, a.reverse ? 1 : 0, p.gates, p.hs, p.cs, p.gh, pbhh, pw, this.ws);
      return;
    }
    const j = this.pool!.job, A = JOB.ARGS;
    j[A] = kind; j[A + 1] = act; j[A + 2] = t; j[A + 3] = b; j[A + 4] = h; j[A + 5] = a.reverse ? 1 : 0;
    j[A + 6] = p.gates; j[A + 7] = p.hs; j[A + 8] = p.cs; j[A + 9] = p.gh; j[A + 10] = pbhh; j[A + 11] = pw;
    this.pool!.jobF[JOB.F0] = a.leak;
    this.launch(OP.LOOP_FORWARD, parts, b, this.loopUnit(b));
  }

  /** A direction's whole backward time loop in one call, split by batch rows like loopForward. */
  loopBackward(a: LoopBackwardArgs): void {
    const { t, b, h } = a;
    const g = GATES[a.kind] * h;
    const p = this.loopPointers(a, g);
    const pdg = this.ptr(a.dGates, 0, t * b, g, g, 'loop dGates');
    const pdgh = a.kind === 'gru' ? this.ptr(a.dGh, 0, t * b, g, g, 'loop dGh') : 0;
    const pa = this.ptr(a.dhA, 0, b, h, h, 'loop dhA'), pb = this.ptr(a.dhB, 0, b, h, h, 'loop dhB');
    const pdc = a.kind === 'lstm' ? this.ptr(a.dc, 0, b, h, h, 'loop dc') : 0;
    const pdy = a.dy ? this.ptr(a.dy, a.dyOff, t * b, h, a.dyLd, 'loop dy') : 0;
    const pw = this.packPtr(a.whh, g, h);
    const kind = LOOP_KIND[a.kind], act = ACT[a.act] ?? 0;
    const parts = this.loopParts(2 * t * b * g * h, b);
    if (parts === 0) {
      this.x.loopBackward(kind, act, a.leak, t, b, h, 0, b, a.reverse ? 1 : 0, p.gates, p.hs, p.cs, p.gh,
        pdg, pdgh, pa, pb, pdc, pw, pdy, a.dyLd, this.ws);
      return;
    }
    const j = this.pool!.job, A = JOB.ARGS;
    j[A] = kind; j[A + 1] = act; j[A + 2] = t; j[A + 3] = b; j[A + 4] = h; j[A + 5] = a.reverse ? 1 : 0;
    j[A + 6] = p.gates; j[A + 7] = p.hs; j[A + 8] = p.cs; j[A + 9] = p.gh; j[A + 10] = pdg; j[A + 11] = pdgh;
    j[A + 12] = pa; j[A + 13] = pb; j[A + 14] = pdc; j[A + 15] = pw; j[A + 16] = pdy; j[A + 17] = a.dyLd;
    this.pool!.jobF[JOB.F0] = a.leak;
    this.launch(OP.LOOP_BACKWARD, parts, b, this.loopUnit(b));
  }

  private loopPointers(a: LoopForwardArgs | LoopBackwardArgs, g: number): { gates: number; hs: number; cs: number; gh: number } {
    const { t, b, h } = a;
    if (ACT[a.act] === undefined) throw new RangeError(`wasm kernels: unknown activation ${String(a.act)}`);
    return {
      gates: this.ptr(a.gates, 0, t * b, g, g, 'loop gates'),
      hs: this.ptr(a.hs, 0, (t + 1) * b, h, h, 'loop hs'),
      cs: a.kind === 'lstm' ? this.ptr(a.cs, 0, (t + 1) * b, h, h, 'loop cs') : 0,
      gh: a.kind === 'gru' ? this.ptr(a.gh, 0, t * b, g, g, 'loop gh') : 0,
    };
  }

  private packPtr(any: AnyPackedB, k: number, n: number): number {
    const p = any as PackedB;
    if (p.k !== k || p.n !== n) throw new RangeError(`wasm kernels: loop needs a ${k}×${n} pack, received ${p.k}×${p.n}`);
    return this.ptr(p.data, 0, 1, p.data.length, p.data.length, 'loop packed W_hh');
  }

  /** Row shares of a loop: whole micro-kernel tiles where the batch allows. */
  private loopUnit(b: number): number {
    return b >= 2 * MR * this.threads ? MR : 1;
  }

  /** One share per thread (0: run alone), for loops of at least parallelMinMacs multiply-adds. */
  private loopParts(work: number, b: number): number {
    const n = this.parts(work, this.parallelMinMacs, b, this.loopUnit(b));
    return n === 0 ? 0 : Math.min(n, this.pool!.ready + 1);
  }

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
export function createWasmKernelsSync(opts: WasmKernelOptions = {}): WasmKernels {
  return new WasmKernels(opts);
}

/** A wasm kernel set whose worker threads are up when the promise resolves. */
export async function createWasmKernels(opts: WasmKernelOptions = {}): Promise<WasmKernels> {
  const k = new WasmKernels(opts);
  await k.ready();
  return k;
}
