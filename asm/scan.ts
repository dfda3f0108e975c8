// Elementwise recurrences over all T steps of one direction: IndRNN's h_t = relu(p_t + u ⊙ h_{t−1})
// and the linear recurrence h_t = a_t ⊙ h_{t−1} + v_t of minGRU and minLSTM (the brief's b_t is
// called v here, b being the batch), forward and backward; and the min cells' gate kernels, from
// the input projection to (a, v) and back. Same equations and layouts as src/kernels/js-scan.ts
// (the reference).
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

import { expv, k, ONE } from './math';
import { ftz, ld, one, st } from './pointwise';

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

// ---- the min cells' gates: input projection rows → (a, v) and back ----

// σ(x) and σ(−x) from one exponential e = exp(−|x|) and r = 1/(1 + e): for x ≥ 0, σ(x) = r and
// σ(−x) = e·r, the other way round below 0 (σ(−x) = 1 − σ(x) without the cancellation).

// @ts-ignore: decorator
@inline
function expNegAbs(x: v128): v128 {
  return expv(f32x4.neg(f32x4.abs(x)));
}

// @ts-ignore: decorator
@inline
function recipOnePlus(e: v128): v128 {
  return f32x4.div(k(ONE), f32x4.add(k(ONE), e));
}

/** σ(x) from e = exp(−|x|) and r = 1/(1 + e). */
// @ts-ignore: decorator
@inline
function sigPos(x: v128, e: v128, r: v128): v128 {
  return v128.bitselect(r, f32x4.mul(e, r), f32x4.ge(x, zero()));
}

/** σ(−x) from e = exp(−|x|) and r = 1/(1 + e). */
// @ts-ignore: decorator
@inline
function sigNeg(x: v128, e: v128, r: v128): v128 {
  return v128.bitselect(f32x4.mul(e, r), r, f32x4.ge(x, zero()));
}

/** g(x) = x + 0.5 (x ≥ 0), σ(x) (x < 0): the paper's activation keeping h̃ positive. */
// @ts-ignore: decorator
@inline
function gAct(x: v128, sx: v128): v128 {
  return v128.bitselect(f32x4.add(x, f32x4.splat(0.5)), sx, f32x4.ge(x, zero()));
}

/** g'(x) = 1 (x ≥ 0), σ(x)(1 − σ(x)) (x < 0), from σ(x) and σ(−x). */
// @ts-ignore: decorator
@inline
function gDeriv(x: v128, sx: v128, sn: v128): v128 {
  return v128.bitselect(one(), f32x4.mul(sx, sn), f32x4.ge(x, zero()));
}

// @ts-ignore: decorator
@inline
function minGruAt(p: usize, hb: usize, a: usize, v: usize, cache: usize, full: bool): void {
  const kz = ld(p, full), x = ld(p + hb, full);
  const ez = expNegAbs(kz), rz = recipOnePlus(ez);
  const ex = expNegAbs(x), rx = recipOnePlus(ex);
  const z = sigPos(kz, ez, rz), g = gAct(x, sigPos(x, ex, rx));
  st(a, sigNeg(kz, ez, rz), full);
  st(v, f32x4.mul(z, g), full);
  // the backward's cache: z, and g with the sign of x (g > 0; its sign says which branch of g)
  st(cache, z, full);
  st(cache + hb, v128.bitselect(g, f32x4.neg(g), f32x4.ge(x, zero())), full);
}

/**
 * minGRU gates: p (m, 2H) rows [z | h̃] → a = 1 − z = σ(−k_z), v = z ⊙ g(k_h), each (m, H);
 * cache (m, 2H) receives [z | ±g] for minGruGatesBackward.
 */
export function minGruGates(m: i32, h: i32, p: usize, a: usize, v: usize, cache: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < m; r++) {
    const pr = p + 2 * hb * <usize>r, cr = cache + 2 * hb * <usize>r, s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) { const o = <usize>j << 2; minGruAt(pr + o, hb, a + s + o, v + s + o, cr + o, true); }
    for (; j < h; j++) { const o = <usize>j << 2; minGruAt(pr + o, hb, a + s + o, v + s + o, cr + o, false); }
  }
}

// @ts-ignore: decorator
@inline
function minGruBackAt(cache: usize, hb: usize, a: usize, dA: usize, dV: usize, dp: usize, full: bool): void {
  const z = ld(cache, full), sg = ld(cache + hb, full);
  const g = f32x4.abs(sg);
  const dv = ld(dV, full);
  // a = 1 − z, v = z·g: ∂L/∂z = −dA + dV·g, then through σ (z(1−z) = z·a); ∂L/∂g = dV·z, then
  // g' = 1 (x ≥ 0), σ(x)(1 − σ(x)) = g(1 − g) (x < 0, where the cached g is negative).
  const gp = v128.bitselect(f32x4.mul(g, f32x4.sub(one(), g)), one(), f32x4.lt(sg, zero()));
  const dz = f32x4.sub(f32x4.mul(dv, g), ld(dA, full));
  st(dp, ftz(f32x4.mul(dz, f32x4.mul(z, ld(a, full)))), full);
  st(dp + hb, ftz(f32x4.mul(f32x4.mul(dv, z), gp)), full);
}

/** minGRU gates backward: from dA, dV (m, H), the cache and a to dP (m, 2H); dP may be the cache. */
export function minGruGatesBackward(m: i32, h: i32, cache: usize, a: usize, dA: usize, dV: usize, dP: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < m; r++) {
    const cr = cache + 2 * hb * <usize>r, dpr = dP + 2 * hb * <usize>r, s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) { const o = <usize>j << 2; minGruBackAt(cr + o, hb, a + s + o, dA + s + o, dV + s + o, dpr + o, true); }
    for (; j < h; j++) { const o = <usize>j << 2; minGruBackAt(cr + o, hb, a + s + o, dA + s + o, dV + s + o, dpr + o, false); }
  }
}

/**
 * One of minLSTM's normalised gates, num/(f+i) (a = f/(f+i) with num = f, i' = i/(f+i) with
 * num = i); where f + i underflows (both pre-activations below about −87), its limit
 * σ(k_num − k_other).
 */
// @ts-ignore: decorator
@inline
function normGate(num: v128, s: v128, kNum: v128, kOther: v128): v128 {
  let q = f32x4.div(num, s);
  const tiny = f32x4.lt(s, f32x4.splat(1e-30));
  if (v128.any_true(tiny)) {
    const d = f32x4.sub(kNum, kOther), e = expNegAbs(d);
    q = v128.bitselect(sigPos(d, e, recipOnePlus(e)), q, tiny);
  }
  return q;
}

// @ts-ignore: decorator
@inline
function minLstmAt(p: usize, hb: usize, a: usize, v: usize, full: bool): void {
  const kf = ld(p, full), ki = ld(p + hb, full), x = ld(p + 2 * hb, full);
  const ef = expNegAbs(kf), ei = expNegAbs(ki), ex = expNegAbs(x);
  const f = sigPos(kf, ef, recipOnePlus(ef)), i = sigPos(ki, ei, recipOnePlus(ei));
  const s = f32x4.add(f, i);
  st(a, normGate(f, s, kf, ki), full);
  st(v, f32x4.mul(normGate(i, s, ki, kf), gAct(x, sigPos(x, ex, recipOnePlus(ex)))), full);
}

/** minLSTM gates: p (m, 3H) rows [f | i | h̃] → a = f/(f+i), v = i/(f+i) ⊙ g(k_h), each (m, H). */
export function minLstmGates(m: i32, h: i32, p: usize, a: usize, v: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < m; r++) {
    const pr = p + 3 * hb * <usize>r, s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) { const o = <usize>j << 2; minLstmAt(pr + o, hb, a + s + o, v + s + o, true); }
    for (; j < h; j++) { const o = <usize>j << 2; minLstmAt(pr + o, hb, a + s + o, v + s + o, false); }
  }
}

// @ts-ignore: decorator
@inline
function minLstmBackAt(p: usize, hb: usize, dA: usize, dV: usize, dp: usize, full: bool): void {
  const kf = ld(p, full), ki = ld(p + hb, full), x = ld(p + 2 * hb, full);
  const ef = expNegAbs(kf), ei = expNegAbs(ki), ex = expNegAbs(x);
  const rf = recipOnePlus(ef), ri = recipOnePlus(ei), rx = recipOnePlus(ex);
  const f = sigPos(kf, ef, rf), i = sigPos(ki, ei, ri), sx = sigPos(x, ex, rx);
  const s = f32x4.add(f, i);
  const a = normGate(f, s, kf, ki), ip = normGate(i, s, ki, kf);
  const dv = ld(dV, full);
  // a = f/(f+i), i' = 1 − a: ∂L/∂a = dA − dV·g; ∂a/∂k_f = a·i'·(1−f), ∂a/∂k_i = −a·i'·(1−i).
  const q = f32x4.mul(f32x4.sub(ld(dA, full), f32x4.mul(dv, gAct(x, sx))), f32x4.mul(a, ip));
  st(dp, ftz(f32x4.mul(q, sigNeg(kf, ef, rf))), full);
  st(dp + hb, ftz(f32x4.neg(f32x4.mul(q, sigNeg(ki, ei, ri)))), full);
  st(dp + 2 * hb, ftz(f32x4.mul(f32x4.mul(dv, ip), gDeriv(x, sx, sigNeg(x, ex, rx)))), full);
}

/** minLSTM gates backward: from dA, dV (m, H) to dP (m, 3H), recomputing the gates from p. */
export function minLstmGatesBackward(m: i32, h: i32, p: usize, dA: usize, dV: usize, dP: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < m; r++) {
    const pr = p + 3 * hb * <usize>r, dpr = dP + 3 * hb * <usize>r, s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) { const o = <usize>j << 2; minLstmBackAt(pr + o, hb, dA + s + o, dV + s + o, dpr + o, true); }
    for (; j < h; j++) { const o = <usize>j << 2; minLstmBackAt(pr + o, hb, dA + s + o, dV + s + o, dpr + o, false); }
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
