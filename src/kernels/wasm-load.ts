// Loading the compiled kernels (dist/wasm/kernels-{simd,relaxed}.wasm, built by `npm run build:wasm`)
// once per process, and choosing the relaxed-SIMD build where this Node runs it.

import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';

const wasmDir = new URL('../../wasm/', import.meta.url);
const modules = new Map<string, WebAssembly.Module>();

export function loadModule(file: string): WebAssembly.Module {
  let mod = modules.get(file);
  if (!mod) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(new URL(file, wasmDir)));
    } catch (e) {
      throw new Error(`wasm kernels: cannot read ${new URL(file, wasmDir).pathname} (run \`npm run build:wasm\`): ${(e as Error).message}`);
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
