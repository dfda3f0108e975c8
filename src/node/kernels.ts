// The kernels in Node: the wasm builds read from disk (dist/wasm/, built by `npm run build:wasm`),
// threads started with worker_threads, and createKernels / createWasmKernels that use both, so
// `createKernels({ kind: 'auto' })` picks wasm with no further argument.

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { RecurError } from '../errors.js';
import { createKernels as createCoreKernels, type KernelOptions } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import type { WasmKernelOptions } from '../kernels/wasm-defs.js';
import type { StartWorker, WasmBuilds } from '../kernels/wasm-source.js';
import { WasmKernels, type WasmSetup } from '../kernels/wasm.js';

const wasmDir = new URL('../../wasm/', import.meta.url);
const modules = new Map<string, WebAssembly.Module>();

function readModule(file: string): WebAssembly.Module {
  let mod = modules.get(file);
  if (!mod) {
    const url = new URL(file, wasmDir);
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(url));
    } catch (e) {
      throw new RecurError(`wasm kernels: expected a readable ${url.pathname} (run \`npm run build:wasm\`), received ${(e as Error).message}`);
    }
    mod = new WebAssembly.Module(bytes);
    modules.set(file, mod);
  }
  return mod;
}

let relaxedSupport: boolean | undefined;

/** Whether this Node can run the relaxed-SIMD build (turning V8's flag on first where needed). */
export function relaxedSimdAvailable(): boolean {
  if (relaxedSupport === undefined) {
    try {
      const bytes = new Uint8Array(readFileSync(new URL('kernels-relaxed.wasm', wasmDir)));
      relaxedSupport = WebAssembly.validate(bytes);
      if (!relaxedSupport) {
        // Node 20 (V8 11.3) has relaxed SIMD behind this flag (later versions have it on, and the
        // flag is only set where it is needed). It enables a wasm feature; nothing else changes.
        setFlagsFromString('--experimental-wasm-relaxed-simd');
        relaxedSupport = WebAssembly.validate(bytes);
      }
    } catch {
      relaxedSupport = false;
    }
  }
  return relaxedSupport;
}

/** The kernel builds from dist/wasm/, compiled once per process (relaxed only where it runs). */
export function wasmBuildsFromDisk(): WasmBuilds {
  const simd = readModule('kernels-simd.wasm');
  return relaxedSimdAvailable() ? { simd, relaxed: readModule('kernels-relaxed.wasm') } : { simd };
}

/** Starts a wasm kernels' worker as a worker_threads Worker that never keeps the process alive. */
export const startNodeWorker: StartWorker = (data) => {
  const worker = new Worker(new URL('./wasm-thread.js', import.meta.url), { workerData: data });
  worker.unref();
  worker.on('error', (e) => { if (process.env.RECUR_DEBUG_WORKERS) console.error('worker error', e); });
  return worker;
};

/** createKernels (kernels/index.ts) with the wasm builds from disk and worker_threads as defaults. */
export function createKernels(opts: KernelOptions = {}): Kernels {
  return createCoreKernels({ wasm: wasmBuildsFromDisk, startWorker: startNodeWorker, ...opts });
}

type NodeWasmOptions = WasmKernelOptions & Partial<WasmSetup>;

function withDefaults(opts: NodeWasmOptions): WasmKernelOptions & WasmSetup {
  return { ...opts, wasm: opts.wasm ?? wasmBuildsFromDisk, startWorker: opts.startWorker ?? startNodeWorker };
}

/** A wasm kernel set, created synchronously (worker threads, if any, join when they are up). */
export function createWasmKernelsSync(opts: NodeWasmOptions = {}): WasmKernels {
  return new WasmKernels(withDefaults(opts));
}

/** A wasm kernel set whose worker threads are up when the promise resolves. */
export async function createWasmKernels(opts: NodeWasmOptions = {}): Promise<WasmKernels> {
  const k = new WasmKernels(withDefaults(opts));
  await k.ready();
  return k;
}
