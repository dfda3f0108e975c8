// The kernel sets a numeric test runs on: js in float64 and float32, and wasm (float32) where
// it loads. Tolerances follow the precision.

import { JsKernels } from '../../src/kernels/js.js';
import type { Kernels } from '../../src/kernels/types.js';

export interface KernelSet { label: string; kernels: Kernels; tol: number }

export async function kernelSets(): Promise<KernelSet[]> {
  const sets: KernelSet[] = [
    { label: 'js float64', kernels: new JsKernels('float64'), tol: 1e-10 },
    { label: 'js float32', kernels: new JsKernels('float32'), tol: 1e-5 },
  ];
  const wasm = await loadWasm();
  if (wasm) sets.push({ label: 'wasm float32', kernels: wasm, tol: 1e-5 });
  return sets;
}

async function loadWasm(): Promise<Kernels | null> {
  try {
    const path = '../../src/node/kernels.js';
    const mod = (await import(path)) as { createKernels?: (o: { kind: string; dtype: string }) => Kernels };
    return mod.createKernels ? mod.createKernels({ kind: 'wasm', dtype: 'float32' }) : null;
  } catch {
    return null;
  }
}
