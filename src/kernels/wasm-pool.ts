// The wasm kernels' worker threads: each runs its own instance on the shared memory and takes
// chunks of a job from a job block in that memory (see wasm-worker.ts). How a thread starts is the
// caller's (StartWorker: worker_threads in Node, Web Workers in a page). The pool also decides how
// many chunks a call is cut into and runs it (parts, run), backing off to the calling thread alone
// while its workers stall; and it hands idle workers pages to fault in (prefault).

import { STALL_MS, type ThreadStats } from './wasm-defs.js';
import type { StartWorker, WorkerHandle } from './wasm-source.js';
import { claimChunks, type Exports, JOB, OP, OS_PAGE, type WorkerData } from './wasm-worker.js';

/** NEXT while no job is open: far above any chunk count, so a late claim gets nothing. */
const CLOSED = 1 << 30;

export class Pool {
  private readonly workers: WorkerHandle[] = [];
  readonly job: Int32Array;
  readonly jobF: Float32Array;
  private readonly adaptive: boolean;
  private readonly stats: ThreadStats;
  private stalls = 0; // recent calls that waited long for a worker
  private soloUntil = 0; // performance.now() before which calls run on the calling thread alone

  /** `split.stats` is the caller's (WasmKernels.threadStats): counted here, kept there past close. */
  constructor(module: WebAssembly.Module, memory: WebAssembly.Memory, count: number, spinMs: number,
    allocBytes: (n: number) => number, wsBytes: number, startWorker: StartWorker, split: { adaptive: boolean; stats: ThreadStats }) {
    this.adaptive = split.adaptive;
    this.stats = split.stats;
    const jobOff = allocBytes(JOB.SIZE * 4);
    this.job = new Int32Array(memory.buffer, jobOff, JOB.SIZE);
    this.jobF = new Float32Array(memory.buffer, jobOff, JOB.SIZE);
    Atomics.store(this.job, JOB.NEXT, CLOSED);
    for (let w = 0; w < count; w++) {
      const data: WorkerData = { recurWasmWorker: true, module, memory, job: jobOff, ws: allocBytes(wsBytes), spinMs };
      // One that fails to start never counts as ready and never claims a chunk; the calling
      // thread does its share.
      this.workers.push(startWorker(data));
    }
  }

  /** Workers whose instance is up. */
  get ready(): number {
    return Atomics.load(this.job, JOB.READY);
  }

  /** Resolves once every worker is up (or after timeoutMs). */
  async whenReady(timeoutMs = 10000): Promise<void> {
    const t0 = Date.now();
    while (this.ready < this.workers.length && Date.now() - t0 < timeoutMs) {
      await new Promise((r) => setTimeout(r, 1));
    }
  }

  /**
   * Asks the workers to fault in the pages of bytes [from, to) while they are idle (touchPages in
   * wasm-worker.ts); sleeping workers are woken for it.
   */
  prefault(from: number, to: number): void {
    const j = this.job;
    Atomics.store(j, JOB.TOUCH_END, 0);
    Atomics.store(j, JOB.TOUCH_NEXT, Math.floor(from / OS_PAGE));
    Atomics.store(j, JOB.TOUCH_END, Math.ceil(to / OS_PAGE));
    if (Atomics.load(j, JOB.SLEEPERS) > 0) Atomics.notify(j, JOB.SEQ);
  }

  /** Pages (4 KiB) of the last prefault no worker has claimed yet. */
  get prefaultLeft(): number {
    return Math.max(0, Atomics.load(this.job, JOB.TOUCH_END) - Atomics.load(this.job, JOB.TOUCH_NEXT));
  }

  /**
   * How many chunks to cut a call into (0: run it on the calling thread alone): none below
   * `minWork`, or while no worker is up; else two per thread, so that a thread late to start
   * leaves its chunks to the others.
   */
  parts(work: number, minWork: number, span: number, unit: number): number {
    if (work < minWork) return 0;
    if (this.soloUntil !== 0) {
      if (performance.now() < this.soloUntil) return 0;
      this.soloUntil = 0;
    }
    const ready = this.ready;
    if (ready === 0) return 0;
    const parts = Math.min(2 * (ready + 1), Math.ceil(span / unit));
    return parts >= 2 ? parts : 0;
  }

  /** Runs the job whose ARGS (and F0, F1) are in place, the calling thread (instance `x`, workspace `ws`) sharing its chunks. */
  run(op: number, parts: number, span: number, unit: number, x: Exports, ws: number): void {
    const j = this.job;
    j[JOB.OP] = op; j[JOB.PARTS] = parts; j[JOB.UNIT] = unit; j[JOB.UNITS] = Math.ceil(span / unit); j[JOB.SPAN] = span;
    const t0 = performance.now();
    this.start();
    const ran = claimChunks(x, j, this.jobF, ws);
    const t1 = performance.now();
    this.finish();
    // On a machine busier than its cores, workers get descheduled: either the calling thread ends
    // up running every chunk (paying for the split and for nothing), or it waits for a chunk far
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

  /** Publishes the job whose arguments are in place (all but the counters) and wakes sleepers. */
  start(): void {
    const j = this.job;
    Atomics.store(j, JOB.ERROR, 0);
    Atomics.store(j, JOB.DONE, 0);
    Atomics.store(j, JOB.NEXT, 0); // from here on, chunks can be claimed
    Atomics.add(j, JOB.SEQ, 1);
    if (Atomics.load(j, JOB.SLEEPERS) > 0) Atomics.notify(j, JOB.SEQ);
  }

  /** Waits until every chunk of the current job is done. */
  finish(): void {
    const j = this.job;
    const parts = j[JOB.PARTS]!;
    let spins = 0;
    let t0 = 0;
    let done: number;
    while ((done = Atomics.load(j, JOB.DONE)) < parts) {
      if (++spins < 2048) continue;
      // A worker holds a chunk past a short spin: it was probably descheduled (a busy machine).
      // Sleep until a chunk completes instead of taking a core from it.
      if (t0 === 0) t0 = performance.now();
      else if (performance.now() - t0 > 60000) throw new Error('wasm kernels: a worker did not finish its chunk within 60 s');
      Atomics.store(j, JOB.CALLER_WAITING, 1);
      Atomics.wait(j, JOB.DONE, done, 1);
      Atomics.store(j, JOB.CALLER_WAITING, 0);
    }
    // Close the job: a worker that wakes late for it (or for an older one) and claims a chunk
    // must get nothing, even once the next job's arguments (and a larger PARTS) are being written.
    // Only start() reopens claiming, after every argument is in place.
    Atomics.store(j, JOB.NEXT, CLOSED);
    if (Atomics.load(j, JOB.ERROR) !== 0) throw new Error('wasm kernels: a chunk failed in a worker');
  }

  close(): void {
    Atomics.store(this.job, JOB.OP, OP.EXIT);
    Atomics.add(this.job, JOB.SEQ, 1);
    Atomics.notify(this.job, JOB.SEQ);
    for (const w of this.workers) void w.terminate();
    this.workers.length = 0;
  }
}
