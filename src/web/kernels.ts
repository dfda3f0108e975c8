// The wasm kernels in a page: the module (compile.ts: from a URL, beside the package's module by
// default, or bytes or a compiled module the caller passes; the relaxed-SIMD build where it
// compiles, the plain SIMD build otherwise) instantiated with its threads. Threads are Web Workers
// over the shared WebAssembly.Memory, possible only in a cross-origin isolated page (COOP/COEP:
// SharedArrayBuffer can then be posted) and off the main thread (the calling thread waits with
// Atomics.wait); elsewhere one thread. The kernels' partition is fixed, so every thread count gives
// the same bits.

import { RecurError } from '../errors.js';
import { createKernels, describeKernels, type KernelKind } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import type { StartWorker } from '../kernels/wasm-source.js';
import { WasmKernels } from '../kernels/wasm.js';
import { compileWebKernels, type WasmFrom } from './compile.js';
import { newThreadWorker, releaseThread, threadCount, validThreads } from './threads.js';

export { compileWebKernels, type CompiledKernels, type WasmFrom } from './compile.js';

export interface WebKernelOptions {
  /** 'auto' (default): wasm when it loads, js (with the reason, describeKernels) when it does not. */
  kind?: KernelKind;
  /** The builds: one (taken as plain SIMD) or both; default the package's files beside this module. */
  wasm?: WasmFrom | { simd: WasmFrom; relaxed?: WasmFrom };
  /** Threads, the calling thread included: a number, or 'auto' (up to 2 where threads can run); default 1. */
  threads?: number | 'auto';
  /** The module URL of the thread entry (wasm-thread.js); default beside this module. */
  threadUrl?: string | URL;
  /** Ends of channels to threads started already (wasm-thread.js waiting for its data), used before starting others. */
  threadPorts?: readonly MessagePort[];
  /**
   * Milliseconds to wait for the threads to start (then calls run on those that did; 0: do not
   * wait, the calling thread works alone until they are up, the same bits); default 5000.
   */
  readyTimeoutMs?: number;
}

/** Whether this context can run kernel threads: cross-origin isolated, Workers exist, and not a page's main thread. */
export function threadsPossible(): { ok: boolean; reason: string } {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; document?: unknown };
  if (g.crossOriginIsolated !== true) return { ok: false, reason: 'the page is not cross-origin isolated (serve it with COOP: same-origin and COEP: require-corp)' };
  if (typeof g.Worker !== 'function') return { ok: false, reason: 'this context cannot start Web Workers' };
  if (g.document !== undefined) return { ok: false, reason: "the page's main thread cannot wait on other threads (train in a worker: startTraining)" };
  return { ok: true, reason: 'cross-origin isolated worker' };
}

/**
 * A StartWorker (kernels/wasm-source.ts) for pages: a module Web Worker running wasm-thread.js
 * (beside this module by default). With `ports` (channel ends to threads started already, each
 * waiting for its data: training.ts starts them from the page), those are used first, one per
 * thread, and taken out of the array.
 */
export function webWorkerStarter(url?: string | URL, ports: MessagePort[] = []): StartWorker {
  return (data) => {
    const port = ports.shift();
    if (port) {
      port.postMessage(data);
      port.close();
      // the page owns that thread: it ends when runWasmWorker returns (the kernels' close) or with the page's run
      return { terminate: () => {} };
    }
    const w = newThreadWorker(url);
    w.postMessage(data);
    return w;
  };
}

/**
 * Kernels for a page or a worker, ready to use: wasm (loaded as above, with its threads up) or,
 * for kind 'auto' when the wasm does not load, the js kernels with the reason in describeKernels.
 */
export async function loadWebKernels(opts: WebKernelOptions = {}): Promise<Kernels> {
  const kind = opts.kind ?? 'auto';
  if (kind === 'js') return createKernels({ kind: 'js' });
  const possible = threadsPossible();
  const asked = opts.threads ?? 1;
  if (!validThreads(asked)) {
    throw new RecurError(`web kernels: threads expected a whole number from 1 to 64 or 'auto', received ${String(asked)}`);
  }
  const threads = threadCount(asked, possible.ok);
  // the page's threads (a channel end each) are taken first; those left over are told to end
  const ports = [...(opts.threadPorts ?? [])];
  let k: Kernels;
  try {
    let chosen: { module: WebAssembly.Module; relaxed: boolean };
    try {
      chosen = await compileWebKernels(opts.wasm);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      if (kind === 'wasm') throw e instanceof RecurError ? e : new RecurError(`wasm kernels: did not load (${why})`);
      return createKernels({ kind: 'auto', wasm: () => { throw new RecurError(why); } });
    }
    k = createKernels({
      kind, dtype: 'float32', threads,
      wasm: chosen.relaxed ? { simd: chosen.module, relaxed: chosen.module } : chosen.module,
      startWorker: webWorkerStarter(opts.threadUrl, ports),
    });
  } finally {
    for (const p of ports.splice(0)) releaseThread(p);
  }
  const wait = opts.readyTimeoutMs ?? 5000;
  if (k instanceof WasmKernels && threads > 1 && wait > 0) {
    await Promise.race([k.ready(), new Promise((r) => setTimeout(r, wait))]);
  }
  return k;
}

/** Why the kernels have the threads they have (for a page to show). */
export function webKernelsText(k: Kernels): string {
  const c = describeKernels(k);
  const base = c.kind === 'wasm' ? `wasm (${c.relaxed ? 'relaxed SIMD' : 'SIMD'}, ${c.threads} thread${c.threads === 1 ? '' : 's'})` : `js ${c.dtype} (${c.reason})`;
  const t = threadsPossible();
  return c.kind === 'wasm' && c.threads === 1 && !t.ok ? `${base}; one thread: ${t.reason}` : base;
}
