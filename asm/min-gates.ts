// The min cells' gate kernels, from rows of the input projection P to the linear recurrence's
// a_t and v_t (h_t = a_t ⊙ h_{t−1} + v_t), and back: minGRU (P rows [z | h̃]) and minLSTM ([f | i |
// h̃]), with the paper's g(x) = x + 0.5 (x ≥ 0), σ(x) (x < 0) on the candidate. Same equations as
// src/kernels/js-scan.ts (the reference); the recurrences themselves are asm/scan.ts. Backward
// kernels flush values below 2^-100 to zero (asm/pointwise.ts).

import { expNegAbsv, k, ONE } from './math';
import { ftz, ld, one, st } from './pointwise';

// @ts-ignore: decorator
@inline
function zero(): v128 {
  return f32x4.splat(0.0);
}

/** Lanes whose sign bit is set: −0 too (a cached −g whose g underflowed still says x < 0). */
// @ts-ignore: decorator
@inline
function negative(x: v128): v128 {
  return i32x4.lt_s(x, i32x4.splat(0));
}

// σ(x) and σ(−x) from one exponential e = exp(−|x|) and r = 1/(1 + e): for x ≥ 0, σ(x) = r and
// σ(−x) = e·r, the other way round below 0 (σ(−x) = 1 − σ(x) without the cancellation).

// @ts-ignore: decorator
@inline
function expNegAbs(x: v128): v128 {
  return expNegAbsv(x);
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
  const gp = v128.bitselect(f32x4.mul(g, f32x4.sub(one(), g)), one(), negative(sg));
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
function minLstmAt(p: usize, hb: usize, a: usize, v: usize, cache: usize, full: bool): void {
  const kf = ld(p, full), ki = ld(p + hb, full), x = ld(p + 2 * hb, full);
  const ef = expNegAbs(kf), ei = expNegAbs(ki), ex = expNegAbs(x);
  const rf = recipOnePlus(ef), ri = recipOnePlus(ei);
  const f = sigPos(kf, ef, rf), i = sigPos(ki, ei, ri);
  const s = f32x4.add(f, i);
  const fa = normGate(f, s, kf, ki), ip = normGate(i, s, ki, kf);
  const g = gAct(x, sigPos(x, ex, recipOnePlus(ex)));
  st(a, fa, full);
  st(v, f32x4.mul(ip, g), full);
  // the backward's cache: ∂a/∂k_f = a·i'·(1−f), −∂a/∂k_i = a·i'·(1−i), and g with the sign of x
  const ai = f32x4.mul(fa, ip);
  st(cache, f32x4.mul(ai, sigNeg(kf, ef, rf)), full);
  st(cache + hb, f32x4.mul(ai, sigNeg(ki, ei, ri)), full);
  st(cache + 2 * hb, v128.bitselect(g, f32x4.neg(g), f32x4.ge(x, zero())), full);
}

/**
 * minLSTM gates: p (m, 3H) rows [f | i | h̃] → a = f/(f+i), v = i/(f+i) ⊙ g(k_h), each (m, H);
 * cache (m, 3H) receives [a·i'·(1−f) | a·i'·(1−i) | ±g] for minLstmGatesBackward.
 */
export function minLstmGates(m: i32, h: i32, p: usize, a: usize, v: usize, cache: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < m; r++) {
    const pr = p + 3 * hb * <usize>r, cr = cache + 3 * hb * <usize>r, s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) { const o = <usize>j << 2; minLstmAt(pr + o, hb, a + s + o, v + s + o, cr + o, true); }
    for (; j < h; j++) { const o = <usize>j << 2; minLstmAt(pr + o, hb, a + s + o, v + s + o, cr + o, false); }
  }
}

// @ts-ignore: decorator
@inline
function minLstmBackAt(cache: usize, hb: usize, v: usize, dA: usize, dV: usize, dp: usize, full: bool): void {
  const cf = ld(cache, full), ci = ld(cache + hb, full), sg = ld(cache + 2 * hb, full);
  const g = f32x4.abs(sg), vv = ld(v, full), dv = ld(dV, full);
  // ∂L/∂a = dA − dV·g (i' = 1 − a); ∂L/∂k_h = dV·i'·g'(x): i' = v/g where x ≥ 0 (g' = 1, g ≥ 0.5),
  // i'·g(1 − g) = v·(1 − g) where x < 0 (no division by a g that may underflow)
  const q = f32x4.sub(ld(dA, full), f32x4.mul(dv, g));
  const ipg = v128.bitselect(f32x4.mul(vv, f32x4.sub(one(), g)), f32x4.div(vv, g), negative(sg));
  st(dp, ftz(f32x4.mul(q, cf)), full);
  st(dp + hb, ftz(f32x4.neg(f32x4.mul(q, ci))), full);
  st(dp + 2 * hb, ftz(f32x4.mul(dv, ipg)), full);
}

/** minLSTM gates backward: from dA, dV (m, H), the cache and v to dP (m, 3H); dP may be the cache. */
export function minLstmGatesBackward(m: i32, h: i32, cache: usize, v: usize, dA: usize, dV: usize, dP: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < m; r++) {
    const cr = cache + 3 * hb * <usize>r, dpr = dP + 3 * hb * <usize>r, s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) { const o = <usize>j << 2; minLstmBackAt(cr + o, hb, v + s + o, dA + s + o, dV + s + o, dpr + o, true); }
    for (; j < h; j++) { const o = <usize>j << 2; minLstmBackAt(cr + o, hb, v + s + o, dA + s + o, dV + s + o, dpr + o, false); }
  }
}

