// The wasm kernels in a page: the module fetched from a URL (beside the package's module by
// default, see wasm-url.ts) with WebAssembly.compileStreaming, falling back to arrayBuffer +
// compile where the server sends another MIME type; or from bytes or a compiled module the caller
// passes. The relaxed-SIMD build is used where WebAssembly.validate accepts it, the plain SIMD
// build otherwise. Threads are Web Workers over the shared WebAssembly.Memory, possible only in a
// cross-origin isolated page (COOP/COEP: SharedArrayBuffer can then be posted) and off the main
// thread (the calling thread waits with Atomics.wait); elsewhere one thread. The kernels' partition
// is fixed, so every thread count gives the same bits.

import { RecurError } from '../errors.js';
import { createKernels, describeKernels, type KernelKind } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import type { StartWorker, WasmBinary } from '../kernels/wasm-source.js';
import { WasmKernels } from '../kernels/wasm.js';
import { relaxedUrl, simdUrl, workerUrl } from './wasm-url.js';

/** One build: where it is (a URL) or what it is (bytes, a compiled module). */
export type WasmFrom = string | URL | WasmBinary;

export interface WebKernelOptions {
  /** 'auto' (default): wasm when it loads, js (with the reason, describeKernels) when it does not. */
  kind?: KernelKind;
  /** The builds: one (taken as plain SIMD) or both; default the package's files beside this module. */
  wasm?: WasmFrom | { simd: WasmFrom; relaxed?: WasmFrom };
  /** Threads, the calling thread included: a number, or 'auto' (up to 2 where threads can run); default 1. */
  threads?: number | 'auto';
  /** The module URL of the thread entry (wasm-thread.js); default beside this module. */
  threadUrl?: string | URL;
  /** Milliseconds to wait for the threads to start (then calls run on those that did); default 5000. */
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

/** A StartWorker (kernels/wasm-source.ts) for pages: a module Web Worker running wasm-thread.js. */
export function webWorkerStarter(url: string | URL = workerUrl('wasm-thread')): StartWorker {
  return (data) => {
    const w = new Worker(url, { type: 'module', name: 'recur-wasm-thread' });
    // a thread that fails to load never counts as ready; the calling thread does its share
    w.onerror = (e) => { e.preventDefault(); };
    w.postMessage(data);
    return w;
  };
}

async function compileUrl(url: string | URL): Promise<WebAssembly.Module> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new RecurError(`wasm kernels: expected ${String(url)} to load, received a network error (${(e as Error).message})`);
  }
  if (!response.ok) throw new RecurError(`wasm kernels: expected ${String(url)} to load, received HTTP ${response.status}`);
  const wasmType = (response.headers.get('content-type') ?? '').startsWith('application/wasm');
  try {
    if (wasmType && typeof WebAssembly.compileStreaming === 'function') return await WebAssembly.compileStreaming(response);
    return await WebAssembly.compile(await response.arrayBuffer());
  } catch (e) {
    throw new RecurError(`wasm kernels: expected a WebAssembly module at ${String(url)}, received one that does not compile here (${(e as Error).message})`);
  }
}

async function fetchBytes(url: string | URL): Promise<ArrayBuffer> {
  const response = await fetch(url);
  if (!response.ok) throw new RecurError(`wasm kernels: expected ${String(url)} to load, received HTTP ${response.status}`);
  return response.arrayBuffer();
}

const isWhere = (w: WasmFrom): w is string | URL => typeof w === 'string' || w instanceof URL;

/** The module to run: the relaxed build where it validates, else the plain SIMD one. */
async function chooseModule(opts: WebKernelOptions): Promise<{ module: WebAssembly.Module; relaxed: boolean }> {
  const given = opts.wasm;
  const builds = given === undefined ? { simd: simdUrl(), relaxed: relaxedUrl() as WasmFrom | undefined }
    : typeof given === 'object' && !isWhere(given) && 'simd' in given ? given : { simd: given as WasmFrom, relaxed: undefined };
  if (builds.relaxed !== undefined) {
    try {
      const r = isWhere(builds.relaxed) ? await fetchBytes(builds.relaxed) : builds.relaxed;
      if (r instanceof WebAssembly.Module) return { module: r, relaxed: true };
      const bytes = r instanceof ArrayBuffer ? new Uint8Array(r) : new Uint8Array(r.buffer, r.byteOffset, r.byteLength);
      if (WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return { module: await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), relaxed: true };
    } catch {
      // no relaxed build here: the plain one below
    }
  }
  const s = builds.simd;
  return { module: isWhere(s) ? await compileUrl(s) : s instanceof WebAssembly.Module ? s : await WebAssembly.compile(s as BufferSource), relaxed: false };
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
  if (asked !== 'auto' && (!Number.isInteger(asked) || asked < 1 || asked > 64)) {
    throw new RecurError(`web kernels: threads expected a whole number from 1 to 64 or 'auto', received ${String(asked)}`);
  }
  const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency ?? 1;
  const threads = !possible.ok ? 1 : asked === 'auto' ? Math.max(1, Math.min(2, cores)) : asked;
  let chosen: { module: WebAssembly.Module; relaxed: boolean };
  try {
    chosen = await chooseModule(opts);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    if (kind === 'wasm') throw e instanceof RecurError ? e : new RecurError(`wasm kernels: did not load (${why})`);
    return createKernels({ kind: 'auto', wasm: () => { throw new RecurError(why); } });
  }
  const k = createKernels({
    kind, dtype: 'float32', threads,
    wasm: chosen.relaxed ? { simd: chosen.module, relaxed: chosen.module } : chosen.module,
    startWorker: webWorkerStarter(opts.threadUrl),
  });
  if (k instanceof WasmKernels && threads > 1) {
    await Promise.race([k.ready(), new Promise((r) => setTimeout(r, opts.readyTimeoutMs ?? 5000))]);
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
