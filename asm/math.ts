// Vectorised exp, sigmoid and tanh on f32x4, computed here so that results do not depend on the
// host's Math. Coefficients come from asm/fit_poly.py (least squares reweighted towards minimax
// relative error, then rounded to f32); that script also prints the error of the f32 evaluation.
// Measured against float64 by test/kernels-parity.test.ts: exp ≤ 1 ulp, tanh and sigmoid ≤ 2 ulp.
//
// Special values: exp(-inf) = 0, exp(+inf) = +inf; sigmoid and tanh saturate exactly to 0/1 and
// ±1; NaN in gives NaN out; no finite input gives NaN; tanh(-0) = -0.

// ln 2 split for Cody–Waite range reduction: LN2_HI has 16 fractional bits, so n·LN2_HI is exact
// for |n| < 256.
const LN2_HI: f32 = 0.693145751953125;
const LN2_LO: f32 = 1.428606765330187e-6;
const LOG2E: f32 = 1.4426950408889634;
// exp(r) = 1 + r + r²·P(r) on |r| ≤ ln2/2 (0.80 ulp in f32).
const E0: f32 = 0.4999999403953552;
const E1: f32 = 0.1666652113199234;
const E2: f32 = 0.04166838899254799;
const E3: f32 = 0.008368710055947304;
const E4: f32 = 0.0013814610429108143;
// tanh(x) = x + x³·Q(x²) on |x| < TANH_SMALL (0.77 ulp in f32).
const TANH_SMALL: f32 = 0.625;
const T0: f32 = -0.3333328068256378;
const T1: f32 = 0.13331441581249237;
const T2: f32 = -0.05373971164226532;
const T3: f32 = 0.020639078691601753;
const T4: f32 = -0.005704978480935097;

/** e^x lane by lane. */
// @ts-ignore: decorator
@inline
export function expv(x: v128): v128 {
  // Beyond these bounds the result is 0 or +inf anyway; clamping keeps n within [-150, 128].
  // f32x4.min/max propagate NaN, which then flows through to the result.
  x = f32x4.max(f32x4.min(x, f32x4.splat(89.0)), f32x4.splat(-104.0));
  const nf = f32x4.nearest(f32x4.mul(x, f32x4.splat(LOG2E)));
  let r = f32x4.sub(x, f32x4.mul(nf, f32x4.splat(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(nf, f32x4.splat(LN2_LO)));
  let p = f32x4.add(f32x4.mul(f32x4.splat(E4), r), f32x4.splat(E3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(E0));
  p = f32x4.add(f32x4.splat(1.0), f32x4.add(r, f32x4.mul(f32x4.mul(r, r), p)));
  // 2^n as two factors 2^n1 · 2^n2 (each within the normal range), so that n = 128 overflows
  // to +inf only when the true result does, and results down to the subnormals round once.
  const n = i32x4.trunc_sat_f32x4_s(nf);
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** 1 / (1 + e^-x) lane by lane, as e/(1+e) with e = e^-|x| so that nothing overflows. */
// @ts-ignore: decorator
@inline
export function sigmoidv(x: v128): v128 {
  const e = expv(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(f32x4.splat(1.0), e, f32x4.ge(x, f32x4.splat(0.0)));
  return f32x4.div(num, f32x4.add(f32x4.splat(1.0), e));
}

/** tanh lane by lane: an odd polynomial near 0, (1 − e)/(1 + e) with e = e^-2|x| elsewhere. */
// @ts-ignore: decorator
@inline
export function tanhv(x: v128): v128 {
  // Both branches on |x|, then the sign of x put back (so tanh(-0) = -0).
  const a = f32x4.abs(x);
  const s = f32x4.mul(a, a);
  let q = f32x4.add(f32x4.mul(f32x4.splat(T4), s), f32x4.splat(T3));
  q = f32x4.add(f32x4.mul(q, s), f32x4.splat(T2));
  q = f32x4.add(f32x4.mul(q, s), f32x4.splat(T1));
  q = f32x4.add(f32x4.mul(q, s), f32x4.splat(T0));
  const small = f32x4.add(a, f32x4.mul(f32x4.mul(a, s), q));
  const e = expv(f32x4.mul(a, f32x4.splat(-2.0)));
  const large = f32x4.div(f32x4.sub(f32x4.splat(1.0), e), f32x4.add(f32x4.splat(1.0), e));
  const t = v128.bitselect(small, large, f32x4.lt(a, f32x4.splat(TANH_SMALL)));
  return v128.or(t, v128.and(x, f32x4.splat(-0.0)));
}
