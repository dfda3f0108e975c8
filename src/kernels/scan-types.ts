// The kernels of the elementwise recurrences (IndRNN, minGRU, minLSTM), part of `Kernels`.
// Reference: js-scan.ts; wasm SIMD: asm/scan.ts through wasm-scan.ts.
//
// Legend: T steps, B batch rows, H units; a direction's per-step buffers are (T, B, H) blocks and
// its state slots hs are T+1 blocks of (B, H) (src/cells/cell.ts), `hsStride` elements apart (B·H
// for a whole direction; one step may name any two slots: Skip RNN's candidate slots): the
// forward direction reads slot t and writes t+1 (initial state in slot 0), the reverse one reads
// t+1 and writes t (initial state in slot T). The linear recurrence is h_t = a_t ⊙ h_{t−1} + v_t (v is the b_t of the papers; b is the
// batch here). Backward kernels take the gradient carry dh (B, H): on entry the gradient reaching
// the last processed state from beyond the outputs, on exit the gradient reaching the initial
// state. Output gradients dy (or null): step t, row r at dy[dyOff + (t·B + r)·dyLd].

import type { Float } from './types.js';

export interface ScanKernels {
  /**
   * IndRNN over t steps: h_t = relu(p_t + u ⊙ h_{t−1}). p (T, B, H) holds the input projection on
   * entry and the pre-activation p_t + u ⊙ h_{t−1} after; u (H).
   */
  indrnnForward(t: number, b: number, h: number, reverse: boolean, p: Float, pOff: number,
    u: Float, uOff: number, hs: Float, hsOff: number, hsStride: number): void;
  /**
   * IndRNN backward over t steps. Writes dP (T, B, H), the gradient of p (and of the
   * pre-activation); u's gradient is then addColumnProductSums(dP, previous states).
   */
  indrnnBackward(t: number, b: number, h: number, reverse: boolean, hs: Float, hsOff: number, hsStride: number,
    u: Float, uOff: number, dy: Float | null, dyOff: number, dyLd: number, dh: Float, dhOff: number,
    dP: Float, dPOff: number): void;

  /**
   * h_t = a_t ⊙ h_{t−1} + v_t over t steps; a, v (T, B, H). chunk 0: one sequential pass; chunk
   * L > 0: the chunked (parallel) scan in chunks of L steps, with scratch of at least
   * 2·⌈T/L⌉·B·H elements (see `scanChunkLength`).
   */
  scanForward(t: number, b: number, h: number, reverse: boolean, a: Float, aOff: number, v: Float, vOff: number,
    hs: Float, hsOff: number, hsStride: number, chunk: number, scratch: Float | null): void;
  /**
   * Backward of scanForward: with g_t = dy_t + a_{t+1} ⊙ g_{t+1} (the carry), writes dV = g
   * (T, B, H) and dA = g ⊙ h_{t−1} (T, B, H). Same chunk and scratch rules.
   */
  scanBackward(t: number, b: number, h: number, reverse: boolean, a: Float, aOff: number, hs: Float, hsOff: number, hsStride: number,
    dy: Float | null, dyOff: number, dyLd: number, dh: Float, dhOff: number,
    dA: Float, dAOff: number, dV: Float, dVOff: number, chunk: number, scratch: Float | null): void;

  /**
   * minGRU gates of m rows: p (m, 2H) [z | h̃] → a = 1 − z, v = z ⊙ g(h̃), each (m, H); cache (m, 2H)
   * receives [z | ±g(h̃)] for the backward (g's sign is that of h̃'s pre-activation, g itself > 0),
   * which then needs no exponential.
   */
  minGruGates(m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void;
  /** From dA, dV (m, H) to dP (m, 2H), with the forward's cache and a; dP may be the cache itself. */
  minGruGatesBackward(m: number, h: number, cache: Float, cacheOff: number, a: Float, aOff: number, dA: Float, dAOff: number,
    dV: Float, dVOff: number, dP: Float, dPOff: number): void;
  /**
   * minLSTM gates of m rows: p (m, 3H) [f | i | h̃] → a = f/(f+i), v = i/(f+i) ⊙ g(h̃), each (m, H);
   * cache (m, 3H) receives [a·i'·(1−f) | a·i'·(1−i) | ±g(h̃)] (i' = i/(f+i)) for the backward.
   */
  minLstmGates(m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void;
  /** From dA, dV (m, H) to dP (m, 3H), with the forward's cache and v; dP may be the cache itself. */
  minLstmGatesBackward(m: number, h: number, cache: Float, cacheOff: number, v: Float, vOff: number, dA: Float, dAOff: number,
    dV: Float, dVOff: number, dP: Float, dPOff: number): void;

  /** out[j] += Σ_i A[i, j]·B[i, j] over the m rows (rows in order): IndRNN's du. */
  addColumnProductSums(m: number, n: number, a: Float, aOff: number, lda: number, b: Float, bOff: number, ldb: number,
    out: Float, outOff: number): void;
}

/**
 * The chunk length of the scan kernels for t steps of n = B·H elements (0: sequential). Chunks
 * pay where the steps are long and each step's block small: there threads have too little to
 * share within a step. Depends on (t, n) only, never on the thread count, so that every kernel
 * set gives the same bits with 1 or 2 threads.
 */
export function scanChunkLength(t: number, n: number): number {
  if (n >= 256 || t < 256) return 0;
  return 64;
}

/** Scratch elements the chunked scan needs. */
export function scanScratchSize(t: number, n: number, chunk: number): number {
  return chunk > 0 ? 2 * Math.ceil(t / chunk) * n : 0;
}
