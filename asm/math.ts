// Vectorised sigmoid and tanh on f32x4, computed here so that results do not depend on the
// host's Math. Coefficients come from asm/fit_poly.py (least squares reweighted towards minimax
// relative error, then rounded to f32); that script also prints the error of the f32 evaluation.
// Error against float64 over every float32 input (scripts/approx-error.mjs): tanh ≤ 1.51 ulp
// (relaxed build) and 1.52 (plain), sigmoid ≤ 2.40 ulp (both; at x ≈ −4.16, where e/(1+e) rounds
// three times), mean 0.02 and 0.04; test/kernels-parity.test.ts holds them to 2.5 ulp on a sweep.
//
// Special values: sigmoid and tanh saturate exactly to 0/1 and ±1; sigmoid keeps its subnormal
// results down to x ≈ −103; NaN in gives NaN out; no finite input gives NaN; tanh(-0) = -0.

// Constants live in memory as 16-byte vectors: V8 materialises every v128.const from immediates
// where it is used (several instructions, inside the loops), and Binaryen folds constants kept in
// locals back into their uses; a load from this table is one instruction.
//
// e^y = 2^n · (1 + p), n = round(y·log2 e), y = n·ln 2 + r: ln 2 is split for Cody–Waite range
// reduction (LN2_HI has 16 fractional bits, so n·LN2_HI is exact for |n| < 256, fused or not), and
// p = r + r²·P(r) on |r| ≤ ln2/2 (E0..E4; exp to 0.80 ulp in f32). tanh(x) = x + x³·Q(x²) on
// |x| < TANH_SMALL (T0..T4; 0.77 ulp in f32).
//
// Cost (f32x4 operations in the relaxed build): sigmoid 19 and a division, tanh 28 and a division;
// before 2026-12 they took 31 and 43 (about 21 and 28 cycles a vector on a Zen 5 core, then 11
// and 16, now 10 and 14.5). Each caller knows the range of its exponent, so 2^n is one integer add
// and shift (no two-factor scaling against overflow), the clamps are one-sided, the reduction
// steps fuse in the relaxed build, and there the choice between two results is a lane select (one
// blend on x86 where bitselect takes three logic operations; the same bits on a comparison's
// mask). Over all 2^32 inputs the plain build gives the former bits, and the relaxed build too
// but for 121 sigmoid inputs, where the fused reduction moves a last bit.
export const NEG_LN2_HI = 0;
export const NEG_LN2_LO = 1;
export const LOG2E = 2;
export const ROUNDER = 3;
export const SIG_LO = 4;
export const TANH_HI = 5;
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
export const TWO_M64 = 20;
const TABLE = memory.data<f32>([
  -0.693145751953125, -0.693145751953125, -0.693145751953125, -0.693145751953125, // NEG_LN2_HI
  -1.428606765330187e-6, -1.428606765330187e-6, -1.428606765330187e-6, -1.428606765330187e-6, // NEG_LN2_LO
  1.4426950408889634, 1.4426950408889634, 1.4426950408889634, 1.4426950408889634, // LOG2E
  12582912.0, 12582912.0, 12582912.0, 12582912.0, // ROUNDER
  -104.0, -104.0, -104.0, -104.0, // SIG_LO
  9.125, 9.125, 9.125, 9.125, // TANH_HI
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
  5.421010862427522e-20, 5.421010862427522e-20, 5.421010862427522e-20, 5.421010862427522e-20, // TWO_M64 = 2^-64
], 16);
// 2^n is (n + 127) << 23, and n is expRound's t as bits minus ROUNDER's bits (0x4B400000): these
// biases fold the two, so 2^n is one add and one shift (the wrap-around is shifted out). Sigmoid
// builds 2^(n+64) (normal for n ≥ -190).
const BIAS = memory.data<i32>([127 - 0x4B400000, 127 - 0x4B400000, 127 - 0x4B400000, 127 - 0x4B400000], 16);
const BIAS_64 = memory.data<i32>([191 - 0x4B400000, 191 - 0x4B400000, 191 - 0x4B400000, 191 - 0x4B400000], 16);

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

/**
 * a where the mask lane is all ones, b where it is all zeros (a mask from a comparison). The
 * relaxed build's lane select is one blend instruction on x86 where bitselect takes three; on such
 * masks both give the same bits.
 */
// @ts-ignore: decorator
@inline
export function select(a: v128, b: v128, mask: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_laneselect(a, b, mask);
  return v128.bitselect(a, b, mask);
}

/** Constant number i of the table, in all four lanes. */
// @ts-ignore: decorator
@inline
export function k(i: i32): v128 {
  return v128.load(TABLE + (<usize>i << 4));
}

/** x·log2 e + 1.5·2^23: the sum's low mantissa bits are n = round(x·log2 e) (plus an offset). */
// @ts-ignore: decorator
@inline
function expRound(x: v128): v128 {
  return madd(x, k(LOG2E), k(ROUNDER));
}

/** 2^n (n within the normal exponents, after adding the exponent `bias` − 127) from expRound's t. */
// @ts-ignore: decorator
@inline
function expScale(t: v128, bias: usize): v128 {
  return i32x4.shl(i32x4.add(t, v128.load(bias)), 23);
}

/** e^r − 1 as r + r²·P(r), where x = n·ln 2 + r (|r| ≤ ln2/2) and t = expRound(x). */
// @ts-ignore: decorator
@inline
function expReduced(x: v128, t: v128): v128 {
  const nf = f32x4.sub(t, k(ROUNDER));
  let r = madd(nf, k(NEG_LN2_HI), x);
  r = madd(nf, k(NEG_LN2_LO), r);
  let p = madd(k(E4), r, k(E3));
  p = madd(p, r, k(E2));
  p = madd(p, r, k(E1));
  p = madd(p, r, k(E0));
  return madd(f32x4.mul(r, r), p, r);
}

/** e^-|x| lane by lane (sigmoid's exponential; the min cells' gates use it too). */
// @ts-ignore: decorator
@inline
export function expNegAbsv(x: v128): v128 {
  // −|x|, clamped where e underflows to 0 anyway; pmax keeps its first operand, so NaN flows through.
  const y = f32x4.pmax(v128.or(x, k(SIGN)), k(SIG_LO));
  const t = expRound(y);
  // e = 2^n·(1 + p) with n ≥ −150: built as 2^(n+64)·(1 + p) (normal, rounded once) times 2^-64,
  // which rounds once more only where e is subnormal, as the exact result would.
  const p = expReduced(y, t);
  const s = expScale(t, BIAS_64);
  return f32x4.mul(madd(s, p, s), k(TWO_M64));
}

/** 1 / (1 + e^-x) lane by lane, as e/(1+e) with e = e^-|x| so that nothing overflows. */
// @ts-ignore: decorator
@inline
export function sigmoidv(x: v128): v128 {
  const e = expNegAbsv(x);
  const num = select(k(ONE), e, f32x4.ge(x, f32x4.splat(0.0)));
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
  // Past |x| = 9.125 tanh rounds to 1 (as it does from 9.01), and e = e^-18.25 is still normal,
  // so 2^n needs one factor. pmin keeps its first operand, so NaN flows through.
  const y = f32x4.mul(f32x4.pmin(a, k(TANH_HI)), k(MINUS_TWO));
  const te = expRound(y);
  const p = expReduced(y, te);
  const sc = expScale(te, BIAS);
  const e = madd(sc, p, sc);
  const large = f32x4.div(f32x4.sub(k(ONE), e), f32x4.add(k(ONE), e));
  const t = select(small, large, f32x4.lt(a, k(TANH_SMALL)));
  return v128.or(t, v128.and(x, k(SIGN)));
}
