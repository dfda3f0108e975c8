// What the wasm kernels get from whoever creates them, since the core cannot read files or start
// threads itself: the compiled kernel module (or its bytes), and a way to start a worker thread.
// The Node room (src/node/kernels.ts) reads dist/wasm/*.wasm from disk and starts worker_threads;
// a page passes bytes or a module it fetched, and Web Workers.

import { RecurError } from '../errors.js';
import type { WorkerData } from './wasm-worker.js';

/** A compiled kernel module, or the bytes of one (a .wasm file's content). */
export type WasmBinary = WebAssembly.Module | ArrayBuffer | ArrayBufferView;

/**
 * The two builds of asm/ (scripts/build-wasm.mjs): plain SIMD, and relaxed SIMD (fused
 * multiply-add in the gemm micro-kernel, about +25%), used when given and it validates here.
 */
export interface WasmBuilds {
  simd: WasmBinary;
  relaxed?: WasmBinary;
}

/** What a started worker thread must offer: a way to stop it. */
export interface WorkerHandle {
  terminate(): unknown;
}

/**
 * Starts one worker thread that calls `runWasmWorker(data)` (wasm-worker.ts) with `data`, which
 * holds a WebAssembly.Module and a shared WebAssembly.Memory (both can be posted to a thread).
 * The worker must never keep the process alive, and one that fails to start is harmless: it
 * never counts as ready, and the calling thread does its share.
 */
export type StartWorker = (data: WorkerData) => WorkerHandle;

/** Where the kernel builds come from: the builds, one binary (taken as the plain SIMD build), or a loader called only when wasm is wanted. */
export type WasmInput = WasmBuilds | WasmBinary | (() => WasmBuilds | WasmBinary);

const compiled = new WeakMap<object, WebAssembly.Module>();

function isBinary(v: unknown): v is WasmBinary {
  return v instanceof WebAssembly.Module || v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

function bytesOf(b: ArrayBuffer | ArrayBufferView): Uint8Array {
  return b instanceof ArrayBuffer ? new Uint8Array(b) : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** The module of a binary, compiled once per bytes object (synchronously: fine for the kernels' ~30 kB). */
export function compileWasm(b: WasmBinary, what = 'wasm kernels'): WebAssembly.Module {
  if (b instanceof WebAssembly.Module) return b;
  if (!isBinary(b)) throw new RecurError(`${what}: expected a WebAssembly.Module or the bytes of one, received ${Object.prototype.toString.call(b)}`);
  let mod = compiled.get(b);
  if (!mod) {
    try {
      mod = new WebAssembly.Module(bytesOf(b) as Uint8Array<ArrayBuffer>);
    } catch (e) {
      throw new RecurError(`${what}: expected the bytes of a WebAssembly module, received bytes that do not compile (${(e as Error).message})`);
    }
    compiled.set(b, mod);
  }
  return mod;
}

/** Whether a relaxed build can run here (a compiled module already did validate). */
function runs(b: WasmBinary): boolean {
  return b instanceof WebAssembly.Module || WebAssembly.validate(bytesOf(b) as Uint8Array<ArrayBuffer>);
}

/** The builds from a WasmInput (calling the loader, whose errors pass through). */
export function resolveWasm(input: WasmInput): WasmBuilds {
  const v = typeof input === 'function' ? input() : input;
  if (isBinary(v)) return { simd: v };
  if (typeof v !== 'object' || v === null || !isBinary((v as WasmBuilds).simd)) {
    throw new RecurError(`wasm kernels: expected a WebAssembly.Module, its bytes, or { simd, relaxed? } of those, received ${Object.prototype.toString.call(v)}`);
  }
  return v;
}

/** The module to run and whether it is the relaxed build: relaxed when wanted, given and it runs here. */
export function chooseBuild(builds: WasmBuilds, relaxedWanted: boolean): { module: WebAssembly.Module; relaxed: boolean } {
  if (relaxedWanted && builds.relaxed !== undefined && runs(builds.relaxed)) {
    return { module: compileWasm(builds.relaxed, 'wasm kernels (relaxed SIMD build)'), relaxed: true };
  }
  return { module: compileWasm(builds.simd, 'wasm kernels'), relaxed: false };
}
