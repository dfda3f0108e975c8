// Workers for the wasm kernels, and the split of a call (a gemm, a gate kernel, an activation) into
// chunks that the calling thread and the workers share.
//
// A worker runs its own instance of the kernel module over the shared memory and is driven through
// a job block in that memory (no message per call). The calling thread writes a job's arguments,
// resets the chunk counters and bumps SEQ (notifying only if a worker sleeps). Every participant,
// the caller included, then claims chunks with Atomics.add on NEXT until none is left, and the
// caller waits until DONE counts them all. Claiming (rather than a fixed chunk per thread) keeps a
// descheduled worker from stalling the call on a busy machine: the caller takes its chunks.
//
// A chunk is a fixed range of the output (gemm: columns or rows on tile boundaries; gate kernels:
// batch rows; activations: elements) and computes its elements exactly as a single-threaded call
// would (see asm/gemm.ts for the gemm's summation order), so results never depend on the thread
// count or on which thread took which chunk.
//
// Idle workers spin on SEQ for a bounded time, then fall back to Atomics.wait: a spinning worker
// picks a job up in well under a microsecond, where a wait/notify round trip costs tens.
//
// wasm.ts imports this file for the job layout and the chunk runner; a worker thread's entry
// (src/node/wasm-thread.ts for worker_threads) calls runWasmWorker with its WorkerData.

import { runScanChunk, type ScanExports } from './wasm-scan-chunks.js';

/** Int32 slots of the job block (16-byte aligned). */
export const JOB = {
  SEQ: 0, // job counter, bumped by the calling thread once a job is ready
  NEXT: 1, // next chunk to claim
  DONE: 2, // chunks finished
  SLEEPERS: 3, // workers in (or about to enter) Atomics.wait
  ERROR: 4, // set to 1 by a worker whose chunk threw
  READY: 5, // workers whose instance is up
  CALLER_WAITING: 13, // 1 while the calling thread sleeps on DONE
  TOUCH_NEXT: 14, TOUCH_END: 15, // pages (4 KiB) idle workers fault in: [NEXT, END), claimed TOUCH_CHUNK at a time
  OP: 6, // one of OP
  PARTS: 7, UNIT: 8, UNITS: 9, SPAN: 10, // chunk i covers [i·units/parts, (i+1)·units/parts) units, clipped to SPAN
  F0: 11, F1: 12, // float32 arguments (alpha, beta; leak)
  ARGS: 16, // integer arguments and byte addresses, in the order of the kernel's parameters
  SIZE: 40,
} as const;

/** What a job computes. */
export const OP = {
  EXIT: 0, GEMM: 1, LSTM_FORWARD: 2, LSTM_BACKWARD: 3, GRU_FORWARD: 4, GRU_BACKWARD: 5,
  ACTIVATION_FORWARD: 6, ACTIVATION_BACKWARD: 7, GEMM_PACKED: 8,
  LOOP_FORWARD: 9, LOOP_BACKWARD: 10, FILL_ROWS: 11, ADD_COLUMN_SUMS: 12,
} as const;

export interface WorkerData {
  recurWasmWorker: true;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  job: number; // byte offset of the job block
  ws: number; // byte offset of this worker's gemm workspace
  spinMs: number;
}

/** The exports of the kernel module (asm/index.ts); addresses are byte offsets. */
export interface Exports extends ScanExports {
  heapBase(): number;
  gemmWorkspaceBytes(): number;
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, ws: number): void;
  packedBBytes(k: number, n: number): number;
  packBWhole(transB: number, k: number, n: number, b: number, ldb: number, dst: number): void;
  gemmPacked(transA: number, m: number, n: number, k: number, alpha: number, a: number, lda: number,
    packed: number, j0: number, beta: number, c: number, ldc: number, ws: number): void;
  fillRows(m: number, n: number, v: number, c: number, ldc: number): void;
  addColumnSums(m: number, n: number, a: number, lda: number, out: number): void;
  activationForward(act: number, leak: number, n: number, x: number, y: number): void;
  activationBackward(act: number, leak: number, n: number, y: number, dy: number, dx: number): void;
  lstmForward(b: number, h: number, gates: number, cPrev: number, c: number, hOut: number): void;
  lstmBackward(b: number, h: number, gates: number, cPrev: number, c: number, dh: number, dc: number, dGates: number): void;
  gruForward(b: number, h: number, gx: number, gh: number, hPrev: number, hOut: number): void;
  gruBackward(b: number, h: number, gates: number, gh: number, hPrev: number, dh: number,
    dGx: number, dGh: number, dhPrev: number): void;
  loopForward(kind: number, act: number, leak: number, t: number, b: number, h: number, r0: number, r1: number,
    reverse: number, gates: number, hs: number, cs: number, gh: number, bhh: number, whhT: number,
    x: number, inW: number, wihT: number, bias: number, ws: number): void;
  loopBackward(kind: number, act: number, leak: number, t: number, b: number, h: number, r0: number, r1: number,
    reverse: number, gates: number, hs: number, cs: number, gh: number, dGates: number, dGh: number,
    dhA: number, dhB: number, dc: number, whh: number, dy: number, dyLd: number, flow: number, ws: number): void;
}

/**
 * Runs chunk `idx` of the job in `job` (Int32 and Float32 views of the same block): a range of
 * output columns or rows for a gemm, of batch rows for a gate kernel, of elements for an
 * activation. Each element is computed as a whole-range call would compute it.
 */
export function runChunk(x: Exports, job: Int32Array, jobF: Float32Array, idx: number, ws: number): void {
  const unit = job[JOB.UNIT]!, units = job[JOB.UNITS]!, parts = job[JOB.PARTS]!, span = job[JOB.SPAN]!;
  const s = Math.min(span, Math.round((units * idx) / parts) * unit);
  const e = Math.min(span, Math.round((units * (idx + 1)) / parts) * unit);
  if (e <= s) return;
  const A = JOB.ARGS;
  const int = (i: number): number => job[A + i]!;
  const addr = (i: number): number => job[A + i]! >>> 0; // addresses are unsigned (up to 4 GiB)
  switch (job[JOB.OP]) {
    case OP.GEMM: {
      // ARGS: transA, transB, m, n, k, a, lda, b, ldb, c, ldc, byCols
      const ta = int(0), tb = int(1), m = int(2), n = int(3), k = int(4), lda = int(6), ldb = int(8), ldc = int(10);
      const a = addr(5), b = addr(7), c = addr(9);
      if (int(11) === 1) {
        x.gemm(ta, tb, m, e - s, k, jobF[JOB.F0]!, a, lda, b + 4 * s * (tb ? ldb : 1), ldb, jobF[JOB.F1]!, c + 4 * s, ldc, ws);
      } else {
        x.gemm(ta, tb, e - s, n, k, jobF[JOB.F0]!, a + 4 * s * (ta ? 1 : lda), lda, b, ldb, jobF[JOB.F1]!, c + 4 * s * ldc, ldc, ws);
      }
      return;
    }
    case OP.GEMM_PACKED: {
      // ARGS: transA, m, n, k, a, lda, packed, c, ldc, byCols
      const ta = int(0), m = int(1), n = int(2), k = int(3), lda = int(5), ldc = int(8);
      const a = addr(4), packed = addr(6), c = addr(7);
      if (int(9) === 1) {
        x.gemmPacked(ta, m, e - s, k, jobF[JOB.F0]!, a, lda, packed, s, jobF[JOB.F1]!, c + 4 * s, ldc, ws);
      } else {
        x.gemmPacked(ta, e - s, n, k, jobF[JOB.F0]!, a + 4 * s * (ta ? 1 : lda), lda, packed, 0, jobF[JOB.F1]!, c + 4 * s * ldc, ldc, ws);
      }
      return;
    }
    case OP.LSTM_FORWARD: {
      // ARGS: b, h, gates, cPrev, c, hOut; chunks of batch rows
      const r = 4 * int(1) * s, q = int(1) * 4 * s;
      x.lstmForward(e - s, int(1), addr(2) + 4 * r, addr(3) + q, addr(4) + q, addr(5) + q);
      return;
    }
    case OP.LSTM_BACKWARD: {
      // ARGS: b, h, gates, cPrev, c, dh, dc, dGates
      const r = 4 * int(1) * s, q = int(1) * 4 * s;
      x.lstmBackward(e - s, int(1), addr(2) + 4 * r, addr(3) + q, addr(4) + q, addr(5) + q, addr(6) + q, addr(7) + 4 * r);
      return;
    }
    case OP.GRU_FORWARD: {
      // ARGS: b, h, gx, gh, hPrev, hOut
      const r = 3 * int(1) * s, q = int(1) * 4 * s;
      x.gruForward(e - s, int(1), addr(2) + 4 * r, addr(3) + 4 * r, addr(4) + q, addr(5) + q);
      return;
    }
    case OP.GRU_BACKWARD: {
      // ARGS: b, h, gates, gh, hPrev, dh, dGx, dGh, dhPrev
      const r = 3 * int(1) * s, q = int(1) * 4 * s;
      x.gruBackward(e - s, int(1), addr(2) + 4 * r, addr(3) + 4 * r, addr(4) + q, addr(5) + q,
        addr(6) + 4 * r, addr(7) + 4 * r, addr(8) + q);
      return;
    }
    case OP.FILL_ROWS:
      x.fillRows(e - s, int(1), addr(2), addr(3) + 4 * s * int(4), int(4));
      return;
    case OP.ADD_COLUMN_SUMS:
      // ARGS: m, n, a, lda, out; chunks of columns (every row of a column in order, as one call)
      x.addColumnSums(int(0), e - s, addr(2) + 4 * s, int(3), addr(4) + 4 * s);
      return;
    case OP.LOOP_FORWARD:
      x.loopForward(int(0), int(1), jobF[JOB.F0]!, int(2), int(3), int(4), s, e, int(5),
        addr(6), addr(7), addr(8), addr(9), addr(10), addr(11), addr(12), int(13), addr(14), addr(15), ws);
      return;
    case OP.LOOP_BACKWARD:
      x.loopBackward(int(0), int(1), jobF[JOB.F0]!, int(2), int(3), int(4), s, e, int(5),
        addr(6), addr(7), addr(8), addr(9), addr(10), addr(11), addr(12), addr(13), addr(14), addr(15),
        addr(16), int(17), addr(18), ws);
      return;
    case OP.ACTIVATION_FORWARD:
      // ARGS: act, n, x, y; chunks of elements
      x.activationForward(int(0), jobF[JOB.F0]!, e - s, addr(2) + 4 * s, addr(3) + 4 * s);
      return;
    case OP.ACTIVATION_BACKWARD:
      // ARGS: act, n, y, dy, dx
      x.activationBackward(int(0), jobF[JOB.F0]!, e - s, addr(2) + 4 * s, addr(3) + 4 * s, addr(4) + 4 * s);
      return;
    default:
      if (!runScanChunk(x, job[JOB.OP]!, int, addr, s, e)) throw new Error(`wasm kernels: unknown job ${job[JOB.OP]}`);
  }
}

/** Pages (4 KiB) an idle worker claims at a time to fault in. */
export const TOUCH_CHUNK = 16;
/** The operating system's page, what a fault brings in. */
export const OS_PAGE = 4096;

/**
 * Idle work: faults in the next pages of the span the calling thread asked for (WasmKernels.prefault).
 * The first write to a page of fresh memory costs a page fault, 12–25 µs on the machines measured
 * here: for a training step's 24 MB of new buffers, about 100 ms of a run's first step. An idle
 * worker takes that cost ahead of time, on its own core. The calling thread may already be
 * writing into these pages (the allocator hands them out meanwhile), so a page is touched with an
 * atomic add of 0: it faults the page in as writable and cannot undo a concurrent write, where a
 * plain store of 0 could. Stops at once when a job arrives (SEQ moves); pages left untouched
 * then fault where they are first written, as without this. Returns whether it touched any.
 */
export function touchPages(memory: WebAssembly.Memory, job: Int32Array, seq: number): boolean {
  const end = Atomics.load(job, JOB.TOUCH_END);
  if (Atomics.load(job, JOB.TOUCH_NEXT) >= end) return false;
  const at = Atomics.add(job, JOB.TOUCH_NEXT, TOUCH_CHUNK);
  const stop = Math.min(at + TOUCH_CHUNK, end, Math.floor(memory.buffer.byteLength / OS_PAGE));
  if (at >= stop) return false;
  const pages = new Int32Array(memory.buffer, at * OS_PAGE, (stop - at) * (OS_PAGE / 4));
  for (let i = 0; i < pages.length; i += OS_PAGE / 4) {
    if (Atomics.load(job, JOB.SEQ) !== seq) break;
    Atomics.add(pages, i, 0);
  }
  return true;
}

/** Claims and runs chunks of the current job until none is left; returns how many it ran. */
export function claimChunks(x: Exports, job: Int32Array, jobF: Float32Array, ws: number): number {
  for (let ran = 0; ; ran++) {
    const idx = Atomics.add(job, JOB.NEXT, 1);
    // PARTS read after the claim: this loop may have started on an earlier job with fewer parts,
    // and a chunk claimed from the current one must never be dropped on a stale count.
    if (idx >= job[JOB.PARTS]!) return ran;
    try {
      runChunk(x, job, jobF, idx, ws);
    } catch {
      Atomics.store(job, JOB.ERROR, 1);
    }
    Atomics.add(job, JOB.DONE, 1);
    if (Atomics.load(job, JOB.CALLER_WAITING) === 1) Atomics.notify(job, JOB.DONE);
  }
}

/** A worker thread's whole life: its own instance over the shared memory, taking chunks until EXIT. */
export function runWasmWorker(d: WorkerData): void {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const x = inst.exports as unknown as Exports;
  const job = new Int32Array(d.memory.buffer, d.job, JOB.SIZE);
  const jobF = new Float32Array(d.memory.buffer, d.job, JOB.SIZE);
  let last = Atomics.load(job, JOB.SEQ);
  Atomics.add(job, JOB.READY, 1);
  for (;;) {
    let t0 = performance.now();
    let spins = 0;
    let seq: number;
    while ((seq = Atomics.load(job, JOB.SEQ)) === last) {
      if ((++spins & 1023) !== 0) continue;
      if (touchPages(d.memory, job, last)) { t0 = performance.now(); continue; }
      if (performance.now() - t0 < d.spinMs) continue;
      // Idle for a while: sleep until notified. SLEEPERS goes up before SEQ is read again, and
      // the calling thread bumps SEQ before it reads SLEEPERS, so a job cannot be missed.
      Atomics.add(job, JOB.SLEEPERS, 1);
      Atomics.wait(job, JOB.SEQ, last);
      Atomics.sub(job, JOB.SLEEPERS, 1);
      t0 = performance.now();
    }
    last = seq;
    if (Atomics.load(job, JOB.OP) === OP.EXIT) return;
    claimChunks(x, job, jobF, d.ws);
  }
}
