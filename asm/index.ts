// Entry point of the wasm kernel module (AssemblyScript, f32, v128 SIMD). Built twice by
// scripts/build-wasm.mjs: plain SIMD, and relaxed SIMD (fused multiply-add in the gemm
// micro-kernel). The memory is imported (shared, owned by src/kernels/wasm.ts, which allocates
// every buffer); nothing in here allocates.

export { gemm, gemmWorkspaceBytes, gemmPacked, packBWhole, packedBBytes } from './gemm';
export { loopForward, loopBackward } from './loop';
export {
  indrnnForward, indrnnBackward, scanForward, scanForwardCombine, scanBackward, scanBackwardCombine, addColumnProductSums,
} from './scan';
export { minGruGates, minGruGatesBackward, minLstmGates, minLstmGatesBackward } from './min-gates';
export {
  fillRows, addColumnSums, activationForward, activationBackward,
  lstmForward, lstmBackward, gruForward, gruBackward,
} from './pointwise';

/** First byte past the module's static data: the JS allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
