// Choosing a kernel set, once, at start-up.
//
// kind 'js'   the reference kernels (float32 or float64), run anywhere.
// kind 'wasm' the WebAssembly SIMD kernels (float32 only; asking for float64 is an error).
// kind 'auto' (the default) wasm when the dtype is float32 and the module is given and compiles,
//             js otherwise.
//
// The core reads no files and no environment: the wasm module (or its bytes, or a loader) comes
// from the caller (`wasm`), as does the way to start threads (`startWorker`). The Node room's
// createKernels (src/node/kernels.ts) fills both in from dist/wasm/ and worker_threads. Which
// kernels were chosen, and why 'auto' fell back, is `describeKernels(kernels)`.

import { RecurError } from '../errors.js';
import { JsKernels } from './js.js';
import type { DType, Kernels } from './types.js';
import type { WasmKernelOptions } from './wasm-defs.js';
import type { StartWorker, WasmBinary, WasmInput } from './wasm-source.js';
import { compileWasm } from './wasm-source.js';
import { WasmKernels } from './wasm.js';

export type KernelKind = 'js' | 'wasm' | 'auto';

export interface KernelOptions {
  kind?: KernelKind;
  dtype?: DType;
  /** Threads for the wasm gemm, the calling thread included (default 1; above 1 needs startWorker). */
  threads?: number;
  /** The wasm kernel module: builds, one binary, or a loader called only when wasm is wanted. */
  wasm?: WasmInput;
  /** Starts a worker thread for the wasm kernels (see wasm-source.ts). */
  startWorker?: StartWorker;
  /** Further wasm options (relaxed, spinMs, thresholds); threads is the field above. */
  wasmOptions?: Omit<WasmKernelOptions, 'threads'>;
}

/** Which kernels run, as asked and as chosen, and why when 'auto' did not get wasm. */
export interface KernelChoice {
  kind: 'js' | 'wasm';
  requested: KernelKind;
  dtype: DType;
  threads: number;
  /** The wasm kernels run the relaxed-SIMD build. */
  relaxed: boolean;
  /** Why these kernels: what was asked, or why 'auto' fell back to js. */
  reason: string;
}

const choices = new WeakMap<Kernels, KernelChoice>();

export function createKernels(opts: KernelOptions = {}): Kernels {
  const dtype = opts.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new RecurError(`kernels: dtype expected 'float32' or 'float64', received ${String(dtype)}`);
  }
  const kind = opts.kind ?? 'auto';
  if (kind !== 'js' && kind !== 'wasm' && kind !== 'auto') {
    throw new RecurError(`kernels: kind expected 'js', 'wasm' or 'auto', received ${String(kind)}`);
  }
  const js = (reason: string): Kernels => remember(new JsKernels(dtype), { kind: 'js', requested: kind, dtype, threads: 1, relaxed: false, reason });
  if (kind === 'js') return js('asked for');
  if (dtype !== 'float32') {
    if (kind === 'wasm') throw new RecurError(`kernels: the wasm kernels expected float32, received ${dtype}; use kind 'js' for ${dtype}`);
    return js('auto: only the js kernels have float64');
  }
  if (opts.wasm === undefined) {
    if (kind === 'wasm') throw new RecurError("kernels: kind 'wasm' expected the kernel module (option wasm: a WebAssembly.Module, its bytes or a loader), received none");
    return js('auto: no wasm module was given');
  }
  try {
    const k = new WasmKernels({ ...opts.wasmOptions, threads: opts.threads, wasm: opts.wasm, startWorker: opts.startWorker });
    return remember(k, { kind: 'wasm', requested: kind, dtype, threads: k.threads, relaxed: k.relaxed, reason: kind === 'auto' ? 'auto: the wasm module loaded' : 'asked for' });
  } catch (e) {
    if (kind === 'wasm') throw e instanceof RecurError ? e : new RecurError(`kernels: the wasm kernels did not load: ${(e as Error).message}`);
    return js(`auto: the wasm kernels did not load (${(e as Error).message})`);
  }
}

function remember(k: Kernels, c: KernelChoice): Kernels {
  choices.set(k, c);
  return k;
}

/** Which kernels these are and why (for kernel sets made directly: what they are). */
export function describeKernels(k: Kernels): KernelChoice {
  const known = choices.get(k);
  if (known) return { ...known };
  const wasm = k instanceof WasmKernels;
  return { kind: k.name, requested: k.name, dtype: k.dtype, threads: wasm ? k.threads : 1, relaxed: wasm && k.relaxed, reason: 'created directly' };
}

/** One line: "wasm (relaxed SIMD, 2 threads)", "js float32 (auto: no wasm module was given)". */
export function kernelsText(c: KernelChoice): string {
  if (c.kind === 'wasm') return `wasm (${c.relaxed ? 'relaxed SIMD' : 'SIMD'}, ${c.threads} thread${c.threads === 1 ? '' : 's'})`;
  return `js ${c.dtype}${c.requested === 'auto' ? ` (${c.reason})` : ''}`;
}

/** Where loadKernels finds the module: a URL to fetch, bytes, or a compiled module. */
export type KernelSource = { url: string | URL } | { bytes: ArrayBuffer | ArrayBufferView } | { module: WebAssembly.Module };

/**
 * createKernels with the module fetched or compiled asynchronously first (what a page does:
 * WebAssembly.compileStreaming on a URL). A source that fails to arrive is an error for kind
 * 'wasm' and a js fallback, with the reason, for 'auto'.
 */
export async function loadKernels(source: KernelSource, opts: Omit<KernelOptions, 'wasm'> = {}): Promise<Kernels> {
  let wasm: WasmBinary | (() => never);
  try {
    wasm = await moduleFrom(source);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    wasm = () => { throw new RecurError(`kernels: expected a wasm module from ${describeSource(source)}, received an error (${why})`); };
  }
  return createKernels({ ...opts, wasm });
}

async function moduleFrom(source: KernelSource): Promise<WebAssembly.Module> {
  if ('module' in source) return compileWasm(source.module);
  if ('bytes' in source) return compileWasm(source.bytes);
  const response = await fetch(source.url);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const type = response.headers.get('content-type') ?? '';
  return type.startsWith('application/wasm') ? WebAssembly.compileStreaming(response) : WebAssembly.compile(await response.arrayBuffer());
}

function describeSource(source: KernelSource): string {
  return 'url' in source ? String(source.url) : 'module' in source ? 'a module' : 'bytes';
}

export { JsKernels } from './js.js';
export { WasmKernels, createWasmKernels, createWasmKernelsSync } from './wasm.js';
export type { WasmSetup } from './wasm.js';
export type { PackedB, ThreadStats, WasmKernelOptions } from './wasm.js';
export type { StartWorker, WasmBinary, WasmBuilds, WasmInput, WorkerHandle } from './wasm-source.js';
export { runWasmWorker, type WorkerData } from './wasm-worker.js';
export type { Activation, DType, Float, Kernels } from './types.js';
