// Elementwise recurrences over all T steps of one direction: IndRNN's h_t = relu(p_t + u ⊙ h_{t−1})
// and the linear recurrence h_t = a_t ⊙ h_{t−1} + v_t of minGRU and minLSTM (the papers' b_t is
// called v here, b being the batch), forward and backward, and the column sums of products (u's
// gradient). The min cells' gate kernels are in asm/min-gates.ts. Same equations and layouts as
// src/kernels/js-scan.ts (the reference).
//
// Layouts (src/cells/cell.ts): a direction's steps are (T, B, H) blocks; the state slots hs are
// (T+1, B, H) blocks `ls` floats apart (ls = B·H but for a single step whose two slots are not
// neighbours: Skip RNN), the forward direction reading slot t and writing t+1, the reverse one
// reading t+1 and writing t. "Processing index" s runs 0..T−1 in the direction's order: step = s forward,
// T−1−s reverse. Every element (row r, unit j) of the B·H block is its own recurrence, so a call
// takes a range [e0, e1) of the flat elements and threads split a call by elements with no
// synchronisation between steps.
//
// Chunks of time (a parallel scan): a call can also cover a range of processing indices [s0, s1).
// The wasm kernel set cuts T into chunks of L steps, scans each chunk from zero while multiplying
// its a's ("local" mode), combines the chunk ends in order (scanForwardCombine), then reruns each
// chunk from its true start. Each chunk's arithmetic does not depend on which thread runs it, so
// results are the same bits for any thread count (they differ from the sequential scan in the last
// bits: the chunk ends come from the combine).
//
// Backward kernels flush values below 2^-100 to zero (see asm/pointwise.ts: the carried gradient
// decays geometrically over long sequences and would reach the slow subnormals).

import { ftz, ld, st } from './pointwise';

// @ts-ignore: decorator
@inline
function zero(): v128 {
  return f32x4.splat(0.0);
}

// @ts-ignore: decorator
@inline
function stepOf(s: i32, t: i32, reverse: i32): i32 {
  return reverse ? t - 1 - s : s;
}

/** Byte address of slot / step `i` of a (·, B, H) buffer whose blocks are n floats. */
// @ts-ignore: decorator
@inline
function block(base: usize, i: i32, n: i32): usize {
  return base + ((<usize>i * <usize>n) << 2);
}

// ---- IndRNN: h = relu(p + u ⊙ hPrev) ----

// @ts-ignore: decorator
@inline
function indrnnAt(p: usize, u: usize, hp: usize, hc: usize, full: bool): void {
  const z = f32x4.add(ld(p, full), f32x4.mul(ld(u, full), ld(hp, full)));
  st(p, z, full);
  st(hc, v128.and(z, f32x4.gt(z, zero())), full);
}

/**
 * IndRNN forward over all t steps, elements [e0, e1) of the B·H block; p (T, B, H) holds the input
 * projection on entry and the pre-activation p + u ⊙ h_{t−1} after (dead units are read from it).
 */
export function indrnnForward(b: i32, h: i32, e0: i32, e1: i32, t: i32, reverse: i32, p: usize, u: usize, hs: usize, ls: i32): void {
  const n = b * h;
  for (let s = 0; s < t; s++) {
    const step = stepOf(s, t, reverse);
    const ps = block(p, step, n), hp = block(hs, reverse ? step + 1 : step, ls), hc = block(hs, reverse ? step : step + 1, ls);
    for (let r = e0 / h; r * h < e1; r++) {
      const j1 = min(e1 - r * h, h);
      let j = max(e0 - r * h, 0);
      const row = <usize>(r * h) << 2;
      for (; j + 4 <= j1; j += 4) {
        const o = row + (<usize>j << 2);
        indrnnAt(ps + o, u + (<usize>j << 2), hp + o, hc + o, true);
      }
      for (; j < j1; j++) {
        const o = row + (<usize>j << 2);
        indrnnAt(ps + o, u + (<usize>j << 2), hp + o, hc + o, false);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function indrnnBackAt(hc: usize, u: usize, dy: usize, dh: usize, dp: usize, full: bool): void {
  let g = ld(dh, full);
  if (dy != 0) g = f32x4.add(g, ld(dy, full));
  // Through relu (its derivative from the output), then through u ⊙ h_{t−1}.
  const dz = ftz(v128.and(g, f32x4.gt(ld(hc, full), zero())));
  st(dp, dz, full);
  st(dh, ftz(f32x4.mul(dz, ld(u, full))), full);
}

/**
 * IndRNN backward over all t steps (in reverse of the forward's order), elements [e0, e1). dh
 * (B, H): the gradient reaching the last processed state on entry, the initial state's on exit.
 * dy (0: none): step t, row r at dy + (t·B + r)·dyLd floats. Writes dP (T, B, H).
 */
export function indrnnBackward(b: i32, h: i32, e0: i32, e1: i32, t: i32, reverse: i32, hs: usize, u: usize,
  dy: usize, dyLd: i32, dh: usize, dP: usize, ls: i32): void {
  const n = b * h;
  for (let s = t - 1; s >= 0; s--) {
    const step = stepOf(s, t, reverse);
    const hc = block(hs, reverse ? step : step + 1, ls), dps = block(dP, step, n);
    for (let r = e0 / h; r * h < e1; r++) {
      const j1 = min(e1 - r * h, h);
      let j = max(e0 - r * h, 0);
      const row = <usize>(r * h) << 2;
      const dyr = dy == 0 ? 0 : dy + ((<usize>(step * b + r) * <usize>dyLd) << 2);
      for (; j + 4 <= j1; j += 4) {
        const o = row + (<usize>j << 2), jo = <usize>j << 2;
        indrnnBackAt(hc + o, u + jo, dyr == 0 ? 0 : dyr + jo, dh + o, dps + o, true);
      }
      for (; j < j1; j++) {
        const o = row + (<usize>j << 2), jo = <usize>j << 2;
        indrnnBackAt(hc + o, u + jo, dyr == 0 ? 0 : dyr + jo, dh + o, dps + o, false);
      }
    }
  }
}

// ---- the linear recurrence h = a ⊙ hPrev + v ----

/**
 * Forward over processing indices [s0, s1), elements [e0, e1). With prod = 0 the scan starts
 * from the slot before s0. With prod ≠ 0 ("local" mode, a chunk scanned from zero) the state
 * before s0 counts as 0 and prod (B, H) receives the product of the chunk's a's.
 */
export function scanForward(b: i32, h: i32, e0: i32, e1: i32, t: i32, s0: i32, s1: i32, reverse: i32,
  a: usize, v: usize, hs: usize, prod: usize, ls: i32): void {
  const n = b * h;
  for (let s = s0; s < s1; s++) {
    const step = stepOf(s, t, reverse);
    const as = block(a, step, n), vs = block(v, step, n);
    const hp = block(hs, reverse ? step + 1 : step, ls), hc = block(hs, reverse ? step : step + 1, ls);
    const first = prod != 0 && s == s0;
    let e = e0;
    for (; e + 4 <= e1; e += 4) {
      const o = <usize>e << 2;
      const av = v128.load(as + o);
      if (first) {
        v128.store(hc + o, v128.load(vs + o));
        v128.store(prod + o, av);
      } else {
        v128.store(hc + o, f32x4.add(f32x4.mul(av, v128.load(hp + o)), v128.load(vs + o)));
        if (prod != 0) v128.store(prod + o, f32x4.mul(av, v128.load(prod + o)));
      }
    }
    for (; e < e1; e++) {
      const o = <usize>e << 2;
      const av = load<f32>(as + o);
      if (first) {
        store<f32>(hc + o, load<f32>(vs + o));
        store<f32>(prod + o, av);
      } else {
        store<f32>(hc + o, av * load<f32>(hp + o) + load<f32>(vs + o));
        if (prod != 0) store<f32>(prod + o, av * load<f32>(prod + o));
      }
    }
  }
}

/**
 * The combine of the chunked forward scan, elements [e0, e1): after every chunk c ≥ 1 was scanned
 * from zero (its end slot holding the local end, prods + c·B·H the product of its a's), each chunk
 * end becomes local end + product · (previous chunk's true end), in order.
 */
export function scanForwardCombine(b: i32, h: i32, e0: i32, e1: i32, t: i32, chunk: i32, reverse: i32, hs: usize, prods: usize, ls: i32): void {
  const n = b * h;
  const chunks = (t + chunk - 1) / chunk;
  for (let c = 1; c < chunks; c++) {
    const endPrev = stepOf(c * chunk - 1, t, reverse), end = stepOf(min(t, (c + 1) * chunk) - 1, t, reverse);
    const hp = block(hs, reverse ? endPrev : endPrev + 1, ls), hc = block(hs, reverse ? end : end + 1, ls);
    const pc = block(prods, c, n);
    let e = e0;
    for (; e + 4 <= e1; e += 4) {
      const o = <usize>e << 2;
      v128.store(hc + o, f32x4.add(v128.load(hc + o), f32x4.mul(v128.load(pc + o), v128.load(hp + o))));
    }
    for (; e < e1; e++) {
      const o = <usize>e << 2;
      store<f32>(hc + o, load<f32>(hc + o) + load<f32>(pc + o) * load<f32>(hp + o));
    }
  }
}

// @ts-ignore: decorator
@inline
function scanBackAt(a: usize, hp: usize, dy: usize, carry: usize, dA: usize, dV: usize, prod: usize, full: bool): void {
  let g = ld(carry, full);
  if (dy != 0) g = f32x4.add(g, ld(dy, full));
  const av = ld(a, full);
  if (prod != 0) {
    st(prod, f32x4.mul(av, ld(prod, full)), full);
  } else {
    st(dV, g, full);
    st(dA, ftz(f32x4.mul(g, ld(hp, full))), full);
  }
  st(carry, ftz(f32x4.mul(av, g)), full);
}

/**
 * Backward over processing indices [s0, s1), from s1 − 1 down to s0, elements [e0, e1). carry
 * (B, H): the gradient reaching the state after step s1 − 1 on entry, the state before s0 on exit.
 * Writes dV = ∂L/∂v (T, B, H) and dA = ∂L/∂a = dV ⊙ h_{t−1}. dy (0: none) as in indrnnBackward.
 * With prod ≠ 0 ("local" mode, a chunk scanned from zero) the carry starts at zero, prod (B, H)
 * receives the product of the chunk's a's, and dA, dV are not written.
 */
export function scanBackward(b: i32, h: i32, e0: i32, e1: i32, t: i32, s0: i32, s1: i32, reverse: i32,
  a: usize, hs: usize, dy: usize, dyLd: i32, carry: usize, dA: usize, dV: usize, prod: usize, ls: i32): void {
  const n = b * h;
  for (let s = s1 - 1; s >= s0; s--) {
    const step = stepOf(s, t, reverse);
    const as = block(a, step, n), hp = block(hs, reverse ? step + 1 : step, ls);
    const das = block(dA, step, n), dvs = block(dV, step, n);
    if (prod != 0 && s == s1 - 1) {
      // local mode: the carry starts at zero and the product at one
      for (let e = e0; e < e1; e++) {
        store<f32>(carry + (<usize>e << 2), 0);
        store<f32>(prod + (<usize>e << 2), 1);
      }
    }
    for (let r = e0 / h; r * h < e1; r++) {
      const j1 = min(e1 - r * h, h);
      let j = max(e0 - r * h, 0);
      const row = <usize>(r * h) << 2;
      const dyr = dy == 0 ? 0 : dy + ((<usize>(step * b + r) * <usize>dyLd) << 2);
      for (; j + 4 <= j1; j += 4) {
        const o = row + (<usize>j << 2);
        scanBackAt(as + o, hp + o, dyr == 0 ? 0 : dyr + (<usize>j << 2), carry + o, das + o, dvs + o, prod == 0 ? 0 : prod + o, true);
      }
      for (; j < j1; j++) {
        const o = row + (<usize>j << 2);
        scanBackAt(as + o, hp + o, dyr == 0 ? 0 : dyr + (<usize>j << 2), carry + o, das + o, dvs + o, prod == 0 ? 0 : prod + o, false);
      }
    }
  }
}

/**
 * The combine of the chunked backward scan, elements [e0, e1): carries + c·B·H holds the carry out
 * of chunk c scanned from zero (for the last chunk, from the true incoming gradient), prods + c·B·H
 * the product of its a's; from the last chunk down, each carry becomes
 * local carry + product · (the next chunk's true carry).
 */
export function scanBackwardCombine(b: i32, h: i32, e0: i32, e1: i32, t: i32, chunk: i32, carries: usize, prods: usize): void {
  const n = b * h;
  const chunks = (t + chunk - 1) / chunk;
  for (let c = chunks - 2; c >= 0; c--) {
    const kc = block(carries, c, n), kn = block(carries, c + 1, n), pc = block(prods, c, n);
    let e = e0;
    for (; e + 4 <= e1; e += 4) {
      const o = <usize>e << 2;
      v128.store(kc + o, ftz(f32x4.add(v128.load(kc + o), f32x4.mul(v128.load(pc + o), v128.load(kn + o)))));
    }
    for (; e < e1; e++) {
      const o = <usize>e << 2;
      st(kc + o, ftz(f32x4.add(ld(kc + o, false), f32x4.mul(ld(pc + o, false), ld(kn + o, false)))), false);
    }
  }
}

/** out[j] += Σ_i A[i, j]·B[i, j] over the m rows, for columns [j0, j1), rows added in order. */
export function addColumnProductSums(m: i32, j0: i32, j1: i32, a: usize, lda: i32, b: usize, ldb: i32, out: usize): void {
  for (let i = 0; i < m; i++) {
    const ar = a + ((<usize>i * <usize>lda) << 2), br = b + ((<usize>i * <usize>ldb) << 2);
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const o = <usize>j << 2;
      v128.store(out + o, f32x4.add(v128.load(out + o), f32x4.mul(v128.load(ar + o), v128.load(br + o))));
    }
    for (; j < j1; j++) {
      const o = <usize>j << 2;
      store<f32>(out + o, load<f32>(out + o) + load<f32>(ar + o) * load<f32>(br + o));
    }
  }
}
