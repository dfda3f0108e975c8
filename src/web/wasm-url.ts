// Where the page finds the wasm kernels by default: beside the module, in the package's dist/wasm/
// (this file is dist/src/web/wasm-url.js). Written as `new URL('…', import.meta.url)` with a
// literal path, the form bundlers (Vite, webpack, Parcel) recognise and copy as an asset.
// scripts/build-web.mjs rewrites the path for its own bundles, which keep the wasm in ./wasm/.
// The worker modules are named where the workers start (training.ts, kernels.ts), in the form
// `new Worker(new URL('./x.js', import.meta.url), { type: 'module' })` that bundlers follow.

/** The plain-SIMD build's URL. */
export function simdUrl(): URL {
  return new URL('../../wasm/kernels-simd.wasm', import.meta.url);
}

/** The relaxed-SIMD build's URL (fused multiply-add; used where WebAssembly.validate accepts it). */
export function relaxedUrl(): URL {
  return new URL('../../wasm/kernels-relaxed.wasm', import.meta.url);
}
