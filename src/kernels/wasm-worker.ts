// Gemm workers for the wasm kernels, and the split of a gemm into chunks that the calling thread
// and the workers share.
//
// A worker runs its own instance of the kernel module over the shared memory and is driven through
// a job block in that memory (no message per call). The calling thread writes a job's arguments,
// resets the chunk counters and bumps SEQ (notifying only if a worker sleeps). Every participant,
// the caller included, then claims chunks with Atomics.add on NEXT until none is left, and the
// caller waits until DONE counts them all. Claiming (rather than a fixed chunk per thread) keeps a
// descheduled worker from stalling the call on a busy machine: the caller takes its chunks.
//
// A chunk is a fixed range of output columns (or rows) on tile boundaries, and computes its
// elements exactly as a single-threaded call would (asm/gemm.ts), so results never depend on the
// thread count or on which thread took which chunk.
//
// Idle workers spin on SEQ for a bounded time, then fall back to Atomics.wait: a spinning worker
// picks a job up in well under a microsecond, where a wait/notify round trip costs tens.
//
// This file is also imported by wasm.ts for the job layout and the chunk runner; the worker loop
// runs only when the file is started as a worker by wasm.ts.

import { isMainThread, workerData } from 'node:worker_threads';

/** Int32 slots of the job block (16-byte aligned). */
export const JOB = {
  SEQ: 0, // job counter, bumped by the calling thread once a job is ready
  NEXT: 1, // next chunk to claim
  DONE: 2, // chunks finished
  SLEEPERS: 3, // workers in (or about to enter) Atomics.wait
  ERROR: 4, // set to 1 by a worker whose chunk threw
  READY: 5, // workers whose instance is up
  OP: 6, // OP_GEMM or OP_EXIT
  TRANS_A: 7, TRANS_B: 8, M: 9, N: 10, K: 11,
  A: 12, LDA: 13, B: 14, LDB: 15, C: 16, LDC: 17,
  ALPHA: 18, BETA: 19, // read as float32
  BY_COLS: 20, UNIT: 21, UNITS: 22, PARTS: 23,
  SIZE: 32,
} as const;
export const OP_GEMM = 1;
export const OP_EXIT = 2;

export interface WorkerData {
  recurWasmWorker: true;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  job: number; // byte offset of the job block
  ws: number; // byte offset of this worker's gemm workspace
  spinMs: number;
}

export interface GemmExport {
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, ws: number): void;
}

/** Runs chunk `idx` of the job in `job` (Int32 and Float32 views of the same block). */
export function runChunk(x: GemmExport, job: Int32Array, jobF: Float32Array, idx: number, ws: number): void {
  const ta = job[JOB.TRANS_A]!, tb = job[JOB.TRANS_B]!;
  const m = job[JOB.M]!, n = job[JOB.N]!, k = job[JOB.K]!;
  const lda = job[JOB.LDA]!, ldb = job[JOB.LDB]!, ldc = job[JOB.LDC]!;
  // Addresses are unsigned (memory up to 4 GiB).
  const a = job[JOB.A]! >>> 0, b = job[JOB.B]! >>> 0, c = job[JOB.C]! >>> 0;
  const unit = job[JOB.UNIT]!, units = job[JOB.UNITS]!, parts = job[JOB.PARTS]!;
  const byCols = job[JOB.BY_COLS] === 1;
  const size = byCols ? n : m;
  const s = Math.min(size, Math.round((units * idx) / parts) * unit);
  const e = Math.min(size, Math.round((units * (idx + 1)) / parts) * unit);
  if (e <= s) return;
  const alpha = jobF[JOB.ALPHA]!, beta = jobF[JOB.BETA]!;
  if (byCols) {
    x.gemm(ta, tb, m, e - s, k, alpha, a, lda, b + 4 * s * (tb ? ldb : 1), ldb, beta, c + 4 * s, ldc, ws);
  } else {
    x.gemm(ta, tb, e - s, n, k, alpha, a + 4 * s * (ta ? 1 : lda), lda, b, ldb, beta, c + 4 * s * ldc, ldc, ws);
  }
}

/** Claims and runs chunks of the current job until none is left. */
export function claimChunks(x: GemmExport, job: Int32Array, jobF: Float32Array, ws: number): void {
  const parts = job[JOB.PARTS]!;
  for (;;) {
    const idx = Atomics.add(job, JOB.NEXT, 1);
    if (idx >= parts) return;
    try {
      runChunk(x, job, jobF, idx, ws);
    } catch {
      Atomics.store(job, JOB.ERROR, 1);
    }
    Atomics.add(job, JOB.DONE, 1);
  }
}

function run(d: WorkerData): void {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const x = inst.exports as unknown as GemmExport;
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
      if (performance.now() - t0 < d.spinMs) continue;
      // Idle for a while: sleep until notified. SLEEPERS goes up before SEQ is read again, and
      // the calling thread bumps SEQ before it reads SLEEPERS, so a job cannot be missed.
      Atomics.add(job, JOB.SLEEPERS, 1);
      Atomics.wait(job, JOB.SEQ, last);
      Atomics.sub(job, JOB.SLEEPERS, 1);
      t0 = performance.now();
    }
    last = seq;
    if (Atomics.load(job, JOB.OP) === OP_EXIT) return;
    claimChunks(x, job, jobF, d.ws);
  }
}

if (!isMainThread && (workerData as Partial<WorkerData> | null)?.recurWasmWorker === true) {
  run(workerData as WorkerData);
}
