// Definitions shared by the wasm kernel set (wasm.ts): its options, its packed-B handle, its
// thread statistics, and the codes and tile sizes that must match the AssemblyScript side (asm/).

import type { Activation, LoopStep } from './types.js';

export interface WasmKernelOptions {
  /** Threads a large gemm is split over, the calling thread included (default 1). */
  threads?: number;
  /** Use the relaxed-SIMD build where it validates (default true). */
  relaxed?: boolean;
  /** How long an idle worker spins before it sleeps, in ms (default 10: waking a sleeping worker took long enough here that the adaptive check then ran alone; a training step leaves gaps of a few ms between jobs). */
  spinMs?: number;
  /** Multiply-adds (m·n·k) from which a gemm is split over threads (default 1 << 17: measured break-even is near 1 << 16). */
  parallelMinMacs?: number;
  /**
   * Elements (B·H) from which a gate kernel, tanh or sigmoid is split over threads (default
   * 1 << 10, measured break-even near 1 << 9; the backward gate kernels, which do less per
   * element, from twice that).
   */
  parallelMinElements?: number;
  /**
   * Run alone for a while when workers stall or never get to a chunk (a machine busier than its
   * cores); default true. Tests turn it off to be sure the threaded path runs.
   */
  adaptive?: boolean;
}

/**
 * op(B) (k × n) packed once for gemmPackedB: the recurrent weight W_hhᵀ is the same B for every
 * time step of a sequence. Packing it on every call costs 5–18% of the per-step gemm at B = 32–64
 * (H = 128) and 40–75% at B ≤ 8 (measured).
 * Holds a buffer from `alloc`: give it back with `freePackedB`. Pack it again after the weight
 * changes (packB with `into`).
 */
export interface PackedB {
  readonly k: number;
  readonly n: number;
  readonly data: Float32Array;
}

/** How the work of threaded calls was shared (for diagnostics and tests). */
export interface ThreadStats {
  /** Calls split into chunks. */
  splitCalls: number;
  /** Chunks of those calls that workers ran (the calling thread ran the rest). */
  workerChunks: number;
  /** Chunks in all. */
  chunks: number;
}

export const ACT: Record<Activation, number> = { tanh: 0, sigmoid: 1, relu: 2, leaky_relu: 3 };
// Must match asm/gemm.ts: thread shares of C start on tile boundaries.
export const MR = 4;
/** A split call counts as stalled when the caller waited this long (ms) beyond twice its own share. */
export const STALL_MS = 1;
/**
 * The whole-loop kernel's steps (asm/loop.ts): their codes, and the gate width each is written for
 * (asm's gatesOf), against which the cell's description is checked before a call.
 */
export const LOOP_STEP: Record<LoopStep, { code: number; gates: number }> = { rnn: { code: 0, gates: 1 }, lstm: { code: 1, gates: 4 }, gru: { code: 2, gates: 3 } };
export const NR = 8;
