// Vectorised exp, sigmoid and tanh on f32x4, computed here so that results do not depend on the
// host's Math. Coefficients come from asm/fit_poly.py (least squares reweighted towards minimax
// relative error, then rounded to f32); that script also prints the error of the f32 evaluation.
// Measured against float64 (2·10⁶ points, log-uniform 1e-12..1e2 and uniform near 0): tanh ≤ 1.5 ulp,
// sigmoid ≤ 2.1 ulp (mean 0.19 and 0.27); test/kernels-parity.test.ts holds them to 2.5 ulp.
//
// Special values: exp(-inf) = 0, exp(+inf) = +inf; sigmoid and tanh saturate exactly to 0/1 and
// ±1; NaN in gives NaN out; no finite input gives NaN; tanh(-0) = -0.

// Constants live in memory as 16-byte vectors: V8 materialises every v128.const from immediates
// where it is used (several instructions, inside the loops), and Binaryen folds constants kept in
// locals back into their uses; a load from this table is one instruction.
//
// ln 2 is split for Cody–Waite range reduction: LN2_HI has 16 fractional bits, so n·LN2_HI is
// exact for |n| < 256. exp(r) = 1 + r + r²·P(r) on |r| ≤ ln2/2 (E0..E4; 0.80 ulp in f32).
// tanh(x) = x + x³·Q(x²) on |x| < TANH_SMALL (T0..T4; 0.77 ulp in f32).
export const EXP_HI = 0;
export const EXP_LO = 1;
export const LOG2E = 2;
export const ROUNDER = 3;
export const LN2_HI = 4;
export const LN2_LO = 5;
export const E0 = 6;
export const E1 = 7;
export const E2 = 8;
export const E3 = 9;
export const E4 = 10;
export const ONE = 11;
export const MINUS_TWO = 12;
export const SIGN = 13;
export const TANH_SMALL = 14;
export const T0 = 15;
export const T1 = 16;
export const T2 = 17;
export const T3 = 18;
export const T4 = 19;
const TABLE = memory.data<f32>([
  89.0, 89.0, 89.0, 89.0, // EXP_HI
  -104.0, -104.0, -104.0, -104.0, // EXP_LO
  1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634, // LOG2E
  12582912.0, 12582912.0, 12582912.0, 12582912.0, // ROUNDER
  0.693145751953125, 0.693145751953125, 0.693145751953125, 0.693145751953125, // LN2_HI
  1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6, 1.428606765330187e-6, // LN2_LO
  0.4999999403953552, 0.4999999403953552, 0.4999999403953552, 0.4999999403953552, // E0
  0.1666652113199234, 0.1666652113199234, 0.1666652113199234, 0.1666652113199234, // E1
  0.04166838899254799, 0.04166838899254799, 0.04166838899254799, 0.04166838899254799, // E2
  0.008368710055947304, 0.008368710055947304, 0.008368710055947304, 0.008368710055947304, // E3
  0.0013814610429108143, 0.0013814610429108143, 0.0013814610429108143, 0.0013814610429108143, // E4
  1.0, 1.0, 1.0, 1.0, // ONE
  -2.0, -2.0, -2.0, -2.0, // MINUS_TWO
  -0.0, -0.0, -0.0, -0.0, // SIGN
  0.625, 0.625, 0.625, 0.625, // TANH_SMALL
  -0.3333328068256378, -0.3333328068256378, -0.3333328068256378, -0.3333328068256378, // T0
  0.13331441581249237, 0.13331441581249237, 0.13331441581249237, 0.13331441581249237, // T1
  -0.05373971164226532, -0.05373971164226532, -0.05373971164226532, -0.05373971164226532, // T2
  0.020639078691601753, 0.020639078691601753, 0.020639078691601753, 0.020639078691601753, // T3
  -0.005704978480935097, -0.005704978480935097, -0.005704978480935097, -0.005704978480935097, // T4
], 16);
const BIAS = memory.data<i32>([127, 127, 127, 127], 16);

/**
 * a·b + c. The relaxed build fuses it (one rounding, where the hardware has FMA), so the two
 * builds differ in the last bits; both stay within the error bounds above.
 */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Constant number i of the table, in all four lanes. */
// @ts-ignore: decorator
@inline
export function k(i: i32): v128 {
  return v128.load(TABLE + (<usize>i << 4));
}

/** e^x lane by lane. */
// @ts-ignore: decorator
@inline
export function expv(x: v128): v128 {
  // Beyond these bounds the result is 0 or +inf anyway; clamping keeps n within [-150, 128].
  // pmin/pmax return their first operand when a comparison fails, so NaN flows through.
  x = f32x4.pmax(f32x4.pmin(x, k(EXP_HI)), k(EXP_LO));
  // n = round(x·log2 e) by adding 1.5·2^23: the sum's low mantissa bits are n (plus an offset).
  const t = f32x4.add(f32x4.mul(x, k(LOG2E)), k(ROUNDER));
  const nf = f32x4.sub(t, k(ROUNDER));
  const n = i32x4.sub(t, k(ROUNDER));
  let r = f32x4.sub(x, f32x4.mul(nf, k(LN2_HI)));
  r = f32x4.sub(r, f32x4.mul(nf, k(LN2_LO)));
  let p = madd(k(E4), r, k(E3));
  p = madd(p, r, k(E2));
  p = madd(p, r, k(E1));
  p = madd(p, r, k(E0));
  p = f32x4.add(k(ONE), madd(f32x4.mul(r, r), p, r));
  // 2^n as two factors 2^n1 · 2^n2 (each within the normal range), so that n = 128 overflows
  // to +inf only when the true result does, and results down to the subnormals round once.
  const n1 = i32x4.shr_s(n, 1);
  const n2 = i32x4.sub(n, n1);
  const bias = v128.load(BIAS);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23);
  const s2 = i32x4.shl(i32x4.add(n2, bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** 1 / (1 + e^-x) lane by lane, as e/(1+e) with e = e^-|x| so that nothing overflows. */
// @ts-ignore: decorator
@inline
export function sigmoidv(x: v128): v128 {
  const e = expv(f32x4.neg(f32x4.abs(x)));
  const num = v128.bitselect(k(ONE), e, f32x4.ge(x, f32x4.splat(0.0)));
  return f32x4.div(num, f32x4.add(k(ONE), e));
}

/** tanh lane by lane: an odd polynomial near 0, (1 − e)/(1 + e) with e = e^-2|x| elsewhere. */
// @ts-ignore: decorator
@inline
export function tanhv(x: v128): v128 {
  // Both branches on |x|, then the sign of x put back (so tanh(-0) = -0).
  const a = f32x4.abs(x);
  const s = f32x4.mul(a, a);
  let q = madd(k(T4), s, k(T3));
  q = madd(q, s, k(T2));
  q = madd(q, s, k(T1));
  q = madd(q, s, k(T0));
  const small = madd(f32x4.mul(a, s), q, a);
  const e = expv(f32x4.mul(a, k(MINUS_TWO)));
  const large = f32x4.div(f32x4.sub(k(ONE), e), f32x4.add(k(ONE), e));
  const t = v128.bitselect(small, large, f32x4.lt(a, k(TANH_SMALL)));
  return v128.or(t, v128.and(x, k(SIGN)));
}
