// Compiling the wasm kernels for a page or a worker, without instantiating them (so that this file
// stays small: training.ts imports it on the page): the module fetched from a URL (beside the
// package's module by default, see wasm-url.ts) with WebAssembly.compileStreaming, which compiles
// while it downloads (arrayBuffer + compile where the server sends another MIME type), or from
// bytes or a compiled module the caller passes. The relaxed-SIMD build where it compiles (exactly
// where WebAssembly.validate accepts it), the plain SIMD build otherwise.

import { RecurError } from '../errors.js';
import type { WasmBinary } from '../kernels/wasm-source.js';
import { relaxedUrl, simdUrl } from './wasm-url.js';

/** One build: where it is (a URL) or what it is (bytes, a compiled module). */
export type WasmFrom = string | URL | WasmBinary;

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

const isWhere = (w: WasmFrom): w is string | URL => typeof w === 'string' || w instanceof URL;

/** A compiled build and whether it is the relaxed-SIMD one. */
export interface CompiledKernels { module: WebAssembly.Module; relaxed: boolean }

/**
 * The module to run: the relaxed build where it compiles (it compiles exactly where
 * WebAssembly.validate accepts it), else the plain SIMD one. URLs compile while they download.
 * A page can call this while its training worker starts and post the module to it (training.ts).
 */
export async function compileWebKernels(wasm?: WasmFrom | { simd: WasmFrom; relaxed?: WasmFrom }): Promise<CompiledKernels> {
  const builds = wasm === undefined ? { simd: simdUrl(), relaxed: relaxedUrl() as WasmFrom | undefined }
    : typeof wasm === 'object' && !isWhere(wasm) && 'simd' in wasm ? wasm : { simd: wasm as WasmFrom, relaxed: undefined };
  if (builds.relaxed !== undefined) {
    try {
      const r = builds.relaxed;
      if (r instanceof WebAssembly.Module) return { module: r, relaxed: true };
      if (isWhere(r)) return { module: await compileUrl(r), relaxed: true };
      const bytes = r instanceof ArrayBuffer ? new Uint8Array(r) : new Uint8Array(r.buffer, r.byteOffset, r.byteLength);
      if (WebAssembly.validate(bytes as Uint8Array<ArrayBuffer>)) return { module: await WebAssembly.compile(bytes as Uint8Array<ArrayBuffer>), relaxed: true };
    } catch {
      // no relaxed build here: the plain one below
    }
  }
  const s = builds.simd;
  return { module: isWhere(s) ? await compileUrl(s) : s instanceof WebAssembly.Module ? s : await WebAssembly.compile(s as BufferSource), relaxed: false };
}

