// A gemm worker for the wasm kernels: its own instance of the kernel module over the shared memory,
// driven through a control block in that memory (no message per call). The main thread writes a
// job's arguments, bumps SEQ and (only if the worker sleeps) notifies; the worker spins on SEQ for
// a bounded time, then falls back to Atomics.wait. A spinning worker answers in well under a
// microsecond, where a wait/notify round trip costs tens of microseconds.
//
// This file is also imported by wasm.ts for the control-block layout; the worker loop runs only
// when the file is started as a worker by wasm.ts.

import { isMainThread, workerData } from 'node:worker_threads';

/** Int32 slots of a worker's control block (16-byte aligned, 64 slots = 256 bytes). */
export const CTL = {
  SEQ: 0, // job counter, written by the main thread
  DONE: 1, // last job finished, written by the worker
  SLEEPING: 2, // 1 while the worker is (about to be) in Atomics.wait
  READY: 3, // 1 once the worker's instance exists
  ERROR: 4, // 1 if the last job threw
  OP: 5, // OP_GEMM or OP_EXIT
  TRANS_A: 6, TRANS_B: 7, M: 8, N: 9, K: 10,
  A: 11, LDA: 12, B: 13, LDB: 14, C: 15, LDC: 16,
  ALPHA: 17, BETA: 18, // read as float32
  WS: 19, // the worker's gemm workspace
  SIZE: 64,
} as const;
export const OP_GEMM = 1;
export const OP_EXIT = 2;

export interface WorkerData {
  recurWasmWorker: true;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  ctl: number; // byte offset of the control block
  spinMs: number;
}

interface GemmExport {
  gemm(transA: number, transB: number, m: number, n: number, k: number, alpha: number,
    a: number, lda: number, b: number, ldb: number, beta: number, c: number, ldc: number, ws: number): void;
}

function run(d: WorkerData): void {
  const inst = new WebAssembly.Instance(d.module, { env: { memory: d.memory } });
  const x = inst.exports as unknown as GemmExport;
  const ctl = new Int32Array(d.memory.buffer, d.ctl, CTL.SIZE);
  const ctlF = new Float32Array(d.memory.buffer, d.ctl, CTL.SIZE);
  Atomics.store(ctl, CTL.READY, 1);
  let last = Atomics.load(ctl, CTL.SEQ);
  for (;;) {
    let t0 = performance.now();
    let spins = 0;
    let seq: number;
    while ((seq = Atomics.load(ctl, CTL.SEQ)) === last) {
      if ((++spins & 1023) !== 0) continue;
      if (performance.now() - t0 < d.spinMs) continue;
      // Idle for a while: sleep until notified. SLEEPING is set before SEQ is read again, and the
      // main thread sets SEQ before it reads SLEEPING, so a job cannot be missed.
      Atomics.store(ctl, CTL.SLEEPING, 1);
      Atomics.wait(ctl, CTL.SEQ, last);
      Atomics.store(ctl, CTL.SLEEPING, 0);
      t0 = performance.now();
    }
    last = seq;
    if (ctl[CTL.OP] === OP_EXIT) {
      Atomics.store(ctl, CTL.DONE, seq);
      return;
    }
    try {
      x.gemm(ctl[CTL.TRANS_A], ctl[CTL.TRANS_B], ctl[CTL.M], ctl[CTL.N], ctl[CTL.K], ctlF[CTL.ALPHA],
        ctl[CTL.A], ctl[CTL.LDA], ctl[CTL.B], ctl[CTL.LDB], ctlF[CTL.BETA], ctl[CTL.C], ctl[CTL.LDC],
        ctl[CTL.WS]);
      Atomics.store(ctl, CTL.ERROR, 0);
    } catch {
      Atomics.store(ctl, CTL.ERROR, 1);
    }
    Atomics.store(ctl, CTL.DONE, seq);
  }
}

if (!isMainThread && (workerData as Partial<WorkerData> | null)?.recurWasmWorker === true) {
  run(workerData as WorkerData);
}
