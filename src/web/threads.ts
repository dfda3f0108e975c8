// The kernel threads of a page, for the page (which starts the threads of a run, training.ts) and
// the worker (whose kernels use them, or start their own, kernels.ts): how many a run gets, the
// calling thread included ('auto' is up to 2, as many as the cores; where threads cannot run, 1),
// how one starts, and how a thread started ahead and not needed is told to end.

/** Whether `asked` is a thread count a run may ask for: a whole number from 1 to 64, or 'auto'. */
export function validThreads(asked: unknown): asked is number | 'auto' {
  return asked === 'auto' || (Number.isInteger(asked) && (asked as number) >= 1 && (asked as number) <= 64);
}

/** Threads for `asked` (a number, or 'auto'), given whether threads can run here. */
export function threadCount(asked: number | 'auto', possible: boolean): number {
  if (!possible) return 1;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return asked === 'auto' ? Math.max(1, Math.min(2, cores)) : asked;
}

/** A kernel thread: a module Web Worker running wasm-thread.js (beside this module by default). */
export function newThreadWorker(url?: string | URL): Worker {
  // written out in the form bundlers (Vite, webpack) recognise, so that they bundle the thread's module too
  const w = url !== undefined ? new Worker(url, { type: 'module', name: 'recur-wasm-thread' })
    : new Worker(new URL('./wasm-thread.js', import.meta.url), { type: 'module', name: 'recur-wasm-thread' });
  // a thread that fails to load never counts as ready; the calling thread and the others do its share
  w.onerror = (e) => { e.preventDefault(); };
  return w;
}

/** Tells a thread started ahead (waiting on the other end of `port` for its data) that it is not needed: it ends. */
export function releaseThread(port: MessagePort): void {
  port.postMessage(null);
  port.close();
}
