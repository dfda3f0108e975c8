// The recurrent time loop of one direction, run inside wasm over a range of batch rows [r0, r1):
// the same kernel calls, in the same order, that src/layers/recurrent.ts makes step by step, so
// the results are the same bits. Batch rows are independent sequences, so threads can each run
// the whole loop on their own chunks of rows with no synchronisation between steps (the per-step
// work, a (B, H) × (H, G·H) product, is too small to split well across threads at every step).
//
// Layouts are those of src/cells/cell.ts: gates (T, B, G·H), state slots hs/cs (T+1, B, H), for the
// forward direction the state before step t in slot t and after it in slot t+1, for the reverse
// direction t+1 and t. Pointers are byte addresses; whhT/whh are packBWhole packs of W_hhᵀ
// (H × G·H) and W_hh (G·H × H); ws is this thread's gemm workspace.
//
// The forward loop can also make the input projection, step by step on its own rows: gates_t =
// bias + x_t · W_ihᵀ just before h_{t−1} · W_hhᵀ is added, the bits of the layer's one gemm over
// all steps (asm/gemm.ts: an element's value does not depend on where it sits), while the block
// is still in this core's cache, and with no pass of its own over threads.

import { gemmPacked, gemmPackedBias } from './gemm';
import { activationBackward, activationForward, gruBackward, gruForward, lstmBackward, lstmForward } from './pointwise';

// The steps (codes and widths as LOOP_STEP in src/kernels/wasm-defs.ts) repeat the cells' own
// steps, src/cells/rnn.ts, lstm.ts and gru.ts; test/kernels-loop.test.ts holds them together.
const RNN = 0;
const LSTM = 1;

function gatesOf(kind: i32): i32 {
  return kind == RNN ? 1 : kind == LSTM ? 4 : 3;
}

/**
 * Forward over all T steps for rows [r0, r1). GRU: bhh is b_hh (G·H), gh receives W_hh·h + b_hh.
 * x (0: the projection is already in gates): the (T, B, I) input, wihT a pack of W_ihᵀ (I × G·H),
 * bias the G·H values added to the projection.
 */
export function loopForward(kind: i32, act: i32, leak: f32, t: i32, b: i32, h: i32, r0: i32, r1: i32, reverse: i32,
  gates: usize, hs: usize, cs: usize, gh: usize, bhh: usize, whhT: usize,
  x: usize, inW: i32, wihT: usize, bias: usize, ws: usize): void {
  const m = r1 - r0;
  if (m <= 0) return;
  const g = gatesOf(kind) * h;
  const hRow = <usize>h << 2;
  const gRow = <usize>g << 2;
  for (let s = 0; s < t; s++) {
    const step = reverse ? t - 1 - s : s;
    const prev = reverse ? step + 1 : step;
    const cur = reverse ? step : step + 1;
    const hp = hs + <usize>(prev * b + r0) * hRow;
    const hc = hs + <usize>(cur * b + r0) * hRow;
    const gt = gates + <usize>(step * b + r0) * gRow;
    if (x != 0) gemmPackedBias(0, m, g, inW, 1, x + (<usize>(step * b + r0) * <usize>inW << 2), inW, wihT, bias, gt, g, ws);
    if (kind == RNN) {
      gemmPacked(0, m, h, h, 1, hp, h, whhT, 0, 1, gt, h, ws);
      activationForward(act, leak, m * h, gt, hc);
    } else if (kind == LSTM) {
      gemmPacked(0, m, g, h, 1, hp, h, whhT, 0, 1, gt, g, ws);
      lstmForward(m, h, gt, cs + <usize>(prev * b + r0) * hRow, cs + <usize>(cur * b + r0) * hRow, hc);
    } else {
      const ght = gh + <usize>(step * b + r0) * gRow;
      gemmPackedBias(0, m, g, h, 1, hp, h, whhT, bhh, ght, g, ws);
      gruForward(m, h, gt, ght, hp, hc);
    }
  }
}

/**
 * Backward over all T steps for rows [r0, r1). dhA holds ∂L/∂h at the last processed step on
 * entry (rows of a (B, H) block), dhB is scratch; they trade places after every step, and on
 * return the gradient reaching the initial state is in dhA, where the layer's step route leaves it.
 * dy (0: none) is the output gradient: step t, row r at dy + ((t·B + r)·dyLd) floats.
 * flow (0: none; the gradient-flow recording of src/layers/recurrent.ts): (T, B) float64 values,
 * at flow + (t·B + r)·8 the sum of squares of row r of ∂L/∂h_t (the output gradient added), in
 * float64, where no float32 value's square overflows.
 */
export function loopBackward(kind: i32, act: i32, leak: f32, t: i32, b: i32, h: i32, r0: i32, r1: i32, reverse: i32,
  gates: usize, hs: usize, cs: usize, gh: usize, dGates: usize, dGh: usize,
  dhA: usize, dhB: usize, dc: usize, whh: usize, dy: usize, dyLd: i32, flow: usize, ws: usize): void {
  const m = r1 - r0;
  if (m <= 0) return;
  const g = gatesOf(kind) * h;
  const hRow = <usize>h << 2;
  const gRow = <usize>g << 2;
  const rows = <usize>r0 * hRow;
  let dh = dhA + rows, dhPrev = dhB + rows;
  const dcr = dc + rows;
  for (let s = t - 1; s >= 0; s--) {
    const step = reverse ? t - 1 - s : s;
    const prev = reverse ? step + 1 : step;
    const cur = reverse ? step : step + 1;
    if (dy != 0) {
      for (let r = 0; r < m; r++) {
        const src = dy + (<usize>(step * b + r0 + r) * <usize>dyLd << 2);
        const dst = dh + <usize>r * hRow;
        let j = 0;
        for (; j + 4 <= h; j += 4) {
          const o = <usize>j << 2;
          v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
        }
        for (; j < h; j++) {
          const o = <usize>j << 2;
          store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
        }
      }
    }
    if (flow != 0) {
      for (let r = 0; r < m; r++) {
        const row = dh + <usize>r * hRow;
        let ss: f64 = 0;
        for (let j = 0; j < h; j++) { const v = <f64>load<f32>(row + (<usize>j << 2)); ss += v * v; }
        store<f64>(flow + (<usize>(step * b + r0 + r) << 3), ss);
      }
    }
    const gt = gates + <usize>(step * b + r0) * gRow;
    const dgt = dGates + <usize>(step * b + r0) * gRow;
    if (kind == RNN) {
      activationBackward(act, leak, m * h, hs + <usize>(cur * b + r0) * hRow, dh, dgt);
      gemmPacked(0, m, h, h, 1, dgt, h, whh, 0, 0, dhPrev, h, ws);
    } else if (kind == LSTM) {
      lstmBackward(m, h, gt, cs + <usize>(prev * b + r0) * hRow, cs + <usize>(cur * b + r0) * hRow, dh, dcr, dgt);
      gemmPacked(0, m, h, g, 1, dgt, g, whh, 0, 0, dhPrev, h, ws);
    } else {
      const off = <usize>(step * b + r0) * gRow;
      gruBackward(m, h, gt, gh + off, hs + <usize>(prev * b + r0) * hRow, dh, dgt, dGh + off, dhPrev);
      gemmPacked(0, m, h, g, 1, dGh + off, g, whh, 0, 1, dhPrev, h, ws);
    }
    const swap = dh; dh = dhPrev; dhPrev = swap;
  }
  // an odd number of steps left the result in dhB's rows
  if (dh != dhA + rows) memory.copy(dhA + rows, dh, <usize>m * hRow);
}
