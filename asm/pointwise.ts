// Element-wise kernels: bias rows, column sums, activations and the fused LSTM/GRU gate steps.
// Same equations and layouts as src/kernels/js.ts (the reference). Pointers are byte addresses,
// counts and leading dimensions are in elements. Four lanes at a time; the tail of a row goes
// through the same vector code one lane at a time, so every element sees the same arithmetic.
// The gate arithmetic is plain mul/add; exp, sigmoid and tanh use fused multiply-adds in the
// relaxed build (asm/math.ts), so the two builds differ in the last bits there.

import { k, ONE, sigmoidv, tanhv } from './math';

// @ts-ignore: decorator
@inline
export function ld(p: usize, full: bool): v128 {
  return full ? v128.load(p) : f32x4.splat(load<f32>(p));
}

// @ts-ignore: decorator
@inline
export function st(p: usize, v: v128, full: bool): void {
  if (full) v128.store(p, v);
  else store<f32>(p, f32x4.extract_lane(v, 0));
}

// @ts-ignore: decorator
@inline
function ftzMin(): v128 {
  return f32x4.splat(7.888609052210118e-31); // 2^-100
}

/**
 * Flush-to-zero for gradients. WebAssembly cannot set the CPU's FTZ/DAZ modes, and gradients that
 * vanish over hundreds of steps reach float32 subnormals, where x86 arithmetic is tens of times
 * slower (measured: an LSTM at T = 784 spent 90% of its backward pass on subnormal gemms). Values
 * below 2^-100 become 0, not only subnormals: a gate gradient just above FLT_MIN still underflows
 * when the gemms after it multiply it by activations or weights, and 2^-100 leaves 26 binary
 * orders of magnitude for that. No gradient that moves a float32 weight is that small. NaN
 * compares false and is kept, so the NaN guard still sees it.
 */
// @ts-ignore: decorator
@inline
export function ftz(v: v128): v128 {
  return v128.andnot(v, f32x4.lt(f32x4.abs(v), ftzMin()));
}

// @ts-ignore: decorator
@inline
export function one(): v128 {
  return k(ONE);
}

export function fillRows(m: i32, n: i32, v: usize, c: usize, ldc: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>i * <usize>ldc) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) v128.store(row + (<usize>j << 2), v128.load(v + (<usize>j << 2)));
    for (; j < n; j++) store<f32>(row + (<usize>j << 2), load<f32>(v + (<usize>j << 2)));
  }
}

/** out[j] += Σ_i A[i, j], adding rows in order (the reference's order). */
export function addColumnSums(m: i32, n: i32, a: usize, lda: i32, out: usize): void {
  for (let i = 0; i < m; i++) {
    const row = a + ((<usize>i * <usize>lda) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const o = out + (<usize>j << 2);
      v128.store(o, f32x4.add(v128.load(o), v128.load(row + (<usize>j << 2))));
    }
    for (; j < n; j++) {
      const o = out + (<usize>j << 2);
      store<f32>(o, load<f32>(o) + load<f32>(row + (<usize>j << 2)));
    }
  }
}

// Activation codes shared with src/kernels/wasm.ts.
const TANH = 0;
const SIGMOID = 1;
const RELU = 2;
const LEAKY_RELU = 3;

// @ts-ignore: decorator
@inline
function actForward(act: i32, leak: v128, x: v128): v128 {
  if (act == TANH) return tanhv(x);
  if (act == SIGMOID) return sigmoidv(x);
  const pos = f32x4.gt(x, f32x4.splat(0.0));
  if (act == RELU) return v128.and(x, pos);
  return v128.bitselect(x, f32x4.mul(leak, x), pos);
}

export function activationForward(act: i32, leak: f32, n: i32, x: usize, y: usize): void {
  const vl = f32x4.splat(leak);
  let i = 0;
  // One loop per activation so that the branch is not taken per vector.
  if (act == TANH) {
    for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(y + o, tanhv(v128.load(x + o))); }
  } else if (act == SIGMOID) {
    for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(y + o, sigmoidv(v128.load(x + o))); }
  } else {
    for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(y + o, actForward(act, vl, v128.load(x + o))); }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    st(y + o, actForward(act, vl, ld(x + o, false)), false);
  }
}

// @ts-ignore: decorator
@inline
function actBackward(act: i32, leak: v128, y: v128, dy: v128): v128 {
  if (act == TANH) return f32x4.mul(dy, f32x4.sub(one(), f32x4.mul(y, y)));
  if (act == SIGMOID) return f32x4.mul(f32x4.mul(dy, y), f32x4.sub(one(), y));
  const pos = f32x4.gt(y, f32x4.splat(0.0));
  if (act == RELU) return v128.and(dy, pos);
  return v128.bitselect(dy, f32x4.mul(leak, dy), pos);
}

export function activationBackward(act: i32, leak: f32, n: i32, y: usize, dy: usize, dx: usize): void {
  const vl = f32x4.splat(leak);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, ftz(actBackward(act, vl, v128.load(y + o), v128.load(dy + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    st(dx + o, ftz(actBackward(act, vl, ld(y + o, false), ld(dy + o, false))), false);
  }
}

// ---- LSTM: rows of gates hold [i | f | g | o], each h wide ----

// The step in two passes over a row: the gates and c, then h = o·tanh(c) from the stored c and o.
// The same operations on the same values (so the same bits) as in one pass, but each pass's chains
// of dependent operations are shorter, so an out-of-order core keeps more vectors in flight: one
// pass's exp, division and tanh chains held about 3 vectors in the window, and the step ran at
// half the core's throughput.

// @ts-ignore: decorator
@inline
function lstmCellAt(g: usize, hb: usize, cPrev: usize, c: usize, full: bool): void {
  const ig = sigmoidv(ld(g, full));
  const fg = sigmoidv(ld(g + hb, full));
  const gg = tanhv(ld(g + 2 * hb, full));
  const og = sigmoidv(ld(g + 3 * hb, full));
  st(g, ig, full);
  st(g + hb, fg, full);
  st(g + 2 * hb, gg, full);
  st(g + 3 * hb, og, full);
  st(c, f32x4.add(f32x4.mul(fg, ld(cPrev, full)), f32x4.mul(ig, gg)), full);
}

/** h = o·tanh(c), o from the gates' last block as lstmCellAt stored it. */
// @ts-ignore: decorator
@inline
function lstmOutAt(g: usize, hb: usize, c: usize, hOut: usize, full: bool): void {
  st(hOut, f32x4.mul(ld(g + 3 * hb, full), tanhv(ld(c, full))), full);
}

export function lstmForward(b: i32, h: i32, gates: usize, cPrev: usize, c: usize, hOut: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < b; r++) {
    const g = gates + 4 * hb * <usize>r;
    const s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const o = <usize>j << 2;
      lstmCellAt(g + o, hb, cPrev + s + o, c + s + o, true);
    }
    for (; j < h; j++) {
      const o = <usize>j << 2;
      lstmCellAt(g + o, hb, cPrev + s + o, c + s + o, false);
    }
    j = 0;
    for (; j + 4 <= h; j += 4) {
      const o = <usize>j << 2;
      lstmOutAt(g + o, hb, c + s + o, hOut + s + o, true);
    }
    for (; j < h; j++) {
      const o = <usize>j << 2;
      lstmOutAt(g + o, hb, c + s + o, hOut + s + o, false);
    }
  }
}

// @ts-ignore: decorator
@inline
function lstmBackwardAt(g: usize, hb: usize, cPrev: usize, c: usize, dh: usize, dc: usize, dg: usize,
  full: bool): void {
  const ig = ld(g, full);
  const fg = ld(g + hb, full);
  const gg = ld(g + 2 * hb, full);
  const og = ld(g + 3 * hb, full);
  const tc = tanhv(ld(c, full));
  const dht = ld(dh, full);
  // Through h = o·tanh(c), then c = f·cPrev + i·g.
  const dct = f32x4.add(ld(dc, full), f32x4.mul(f32x4.mul(dht, og), f32x4.sub(one(), f32x4.mul(tc, tc))));
  st(dg, ftz(f32x4.mul(f32x4.mul(dct, gg), f32x4.mul(ig, f32x4.sub(one(), ig)))), full);
  st(dg + hb, ftz(f32x4.mul(f32x4.mul(dct, ld(cPrev, full)), f32x4.mul(fg, f32x4.sub(one(), fg)))), full);
  st(dg + 2 * hb, ftz(f32x4.mul(f32x4.mul(dct, ig), f32x4.sub(one(), f32x4.mul(gg, gg)))), full);
  st(dg + 3 * hb, ftz(f32x4.mul(f32x4.mul(dht, tc), f32x4.mul(og, f32x4.sub(one(), og)))), full);
  st(dc, ftz(f32x4.mul(dct, fg)), full);
}

export function lstmBackward(b: i32, h: i32, gates: usize, cPrev: usize, c: usize, dh: usize,
  dc: usize, dGates: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < b; r++) {
    const g = gates + 4 * hb * <usize>r;
    const dg = dGates + 4 * hb * <usize>r;
    const s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const o = <usize>j << 2;
      lstmBackwardAt(g + o, hb, cPrev + s + o, c + s + o, dh + s + o, dc + s + o, dg + o, true);
    }
    for (; j < h; j++) {
      const o = <usize>j << 2;
      lstmBackwardAt(g + o, hb, cPrev + s + o, c + s + o, dh + s + o, dc + s + o, dg + o, false);
    }
  }
}

// ---- GRU: rows of gx and gh hold [r | z | n], each h wide (PyTorch's reset-after form) ----

// @ts-ignore: decorator
@inline
function gruForwardAt(gx: usize, gh: usize, hb: usize, hPrev: usize, hOut: usize, full: bool): void {
  const rg = sigmoidv(f32x4.add(ld(gx, full), ld(gh, full)));
  const zg = sigmoidv(f32x4.add(ld(gx + hb, full), ld(gh + hb, full)));
  const ng = tanhv(f32x4.add(ld(gx + 2 * hb, full), f32x4.mul(rg, ld(gh + 2 * hb, full))));
  st(gx, rg, full);
  st(gx + hb, zg, full);
  st(gx + 2 * hb, ng, full);
  st(hOut, f32x4.add(f32x4.mul(f32x4.sub(one(), zg), ng), f32x4.mul(zg, ld(hPrev, full))), full);
}

export function gruForward(b: i32, h: i32, gx: usize, gh: usize, hPrev: usize, hOut: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < b; r++) {
    const x = gx + 3 * hb * <usize>r;
    const y = gh + 3 * hb * <usize>r;
    const s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const o = <usize>j << 2;
      gruForwardAt(x + o, y + o, hb, hPrev + s + o, hOut + s + o, true);
    }
    for (; j < h; j++) {
      const o = <usize>j << 2;
      gruForwardAt(x + o, y + o, hb, hPrev + s + o, hOut + s + o, false);
    }
  }
}

// @ts-ignore: decorator
@inline
function gruBackwardAt(g: usize, gh: usize, hb: usize, hPrev: usize, dh: usize, dgx: usize, dgh: usize,
  dhPrev: usize, full: bool): void {
  const rg = ld(g, full);
  const zg = ld(g + hb, full);
  const ng = ld(g + 2 * hb, full);
  const dht = ld(dh, full);
  const hp = ld(hPrev, full);
  // Through h = (1−z)·n + z·hPrev, then n = tanh(gx_n + r·gh_n).
  const dnPre = f32x4.mul(f32x4.mul(dht, f32x4.sub(one(), zg)), f32x4.sub(one(), f32x4.mul(ng, ng)));
  const dzPre = f32x4.mul(f32x4.mul(dht, f32x4.sub(hp, ng)), f32x4.mul(zg, f32x4.sub(one(), zg)));
  const drPre = f32x4.mul(f32x4.mul(dnPre, ld(gh + 2 * hb, full)), f32x4.mul(rg, f32x4.sub(one(), rg)));
  st(dgx, ftz(drPre), full);
  st(dgx + hb, ftz(dzPre), full);
  st(dgx + 2 * hb, ftz(dnPre), full);
  st(dgh, ftz(drPre), full);
  st(dgh + hb, ftz(dzPre), full);
  st(dgh + 2 * hb, ftz(f32x4.mul(dnPre, rg)), full);
  st(dhPrev, ftz(f32x4.mul(dht, zg)), full);
}

export function gruBackward(b: i32, h: i32, gates: usize, gh: usize, hPrev: usize, dh: usize,
  dGx: usize, dGh: usize, dhPrev: usize): void {
  const hb = <usize>h << 2;
  for (let r = 0; r < b; r++) {
    const g = gates + 3 * hb * <usize>r;
    const y = gh + 3 * hb * <usize>r;
    const dx = dGx + 3 * hb * <usize>r;
    const dy = dGh + 3 * hb * <usize>r;
    const s = hb * <usize>r;
    let j = 0;
    for (; j + 4 <= h; j += 4) {
      const o = <usize>j << 2;
      gruBackwardAt(g + o, y + o, hb, hPrev + s + o, dh + s + o, dx + o, dy + o, dhPrev + s + o, true);
    }
    for (; j < h; j++) {
      const o = <usize>j << 2;
      gruBackwardAt(g + o, y + o, hb, hPrev + s + o, dh + s + o, dx + o, dy + o, dhPrev + s + o, false);
    }
  }
}
