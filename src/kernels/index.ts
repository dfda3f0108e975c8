// Choosing a kernel set, once, at start-up.
//
// kind 'js'   the reference kernels (float32 or float64), run anywhere.
// kind 'wasm' the WebAssembly SIMD kernels (float32 only; asking for float64 is an error).
// kind 'auto' (the default) wasm when the dtype is float32 and the module loads, js otherwise.
//
// The environment variable RECUR_KERNELS=js|wasm overrides 'auto' (and only 'auto': an explicit
// kind is what the caller asked for). With RECUR_KERNELS=wasm a float32 set is wasm or an error if
// the module does not load; float64 stays js, the only kind that has it. The variable is read
// here, at the boundary, and nowhere else.

import { JsKernels } from './js.js';
import type { DType, Kernels } from './types.js';
import { createWasmKernelsSync } from './wasm.js';

export type KernelKind = 'js' | 'wasm' | 'auto';

export interface KernelOptions {
  kind?: KernelKind;
  dtype?: DType;
  /** Threads for the wasm gemm, the calling thread included (default 1). */
  threads?: number;
}

export function createKernels(opts: KernelOptions = {}): Kernels {
  const dtype = opts.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new RangeError(`kernels: dtype must be 'float32' or 'float64', received ${String(dtype)}`);
  }
  let kind = opts.kind ?? 'auto';
  if (kind !== 'js' && kind !== 'wasm' && kind !== 'auto') {
    throw new RangeError(`kernels: kind must be 'js', 'wasm' or 'auto', received ${String(kind)}`);
  }
  if (kind === 'auto') {
    const env = process.env['RECUR_KERNELS'];
    if (env === 'js' || (env === 'wasm' && dtype === 'float32')) kind = env;
    else if (env !== undefined && env !== '' && env !== 'auto' && env !== 'wasm') {
      throw new RangeError(`kernels: RECUR_KERNELS must be 'js', 'wasm' or 'auto', received ${JSON.stringify(env)}`);
    }
  }
  if (kind === 'js') return new JsKernels(dtype);
  if (kind === 'wasm') {
    if (dtype !== 'float32') {
      throw new RangeError(`kernels: the wasm kernels are float32 only; use kind 'js' for ${dtype}`);
    }
    return createWasmKernelsSync({ threads: opts.threads });
  }
  if (dtype === 'float64') return new JsKernels(dtype);
  try {
    return createWasmKernelsSync({ threads: opts.threads });
  } catch {
    return new JsKernels(dtype);
  }
}

export { JsKernels } from './js.js';
export { WasmKernels, createWasmKernels, createWasmKernelsSync, relaxedSimdAvailable } from './wasm.js';
export type { PackedB, ThreadStats, WasmKernelOptions } from './wasm.js';
export type { Activation, DType, Float, Kernels } from './types.js';
