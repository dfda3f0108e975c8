// How many kernel threads a run gets, the calling thread included: the one rule for the page (which
// starts the threads of a run, training.ts) and the worker (whose kernels use them, kernels.ts).
// 'auto' is up to 2, as many as the cores; where threads cannot run, 1.

/** Threads for `asked` (a number, or 'auto'), given whether threads can run here. */
export function threadCount(asked: number | 'auto', possible: boolean): number {
  if (!possible) return 1;
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  return asked === 'auto' ? Math.max(1, Math.min(2, cores)) : asked;
}
