// The reference kernels of the elementwise recurrences (scan-types.ts): plain loops over Float32Array
// or Float64Array. asm/scan.ts is checked against these, and the float64 gradient checks run on
// them. The chunked scan is the same three phases as the wasm one (scan each chunk from zero while
// multiplying its a's, combine the chunk ends in order, rerun each chunk from its true start), so
// that its results can be compared with the sequential pass here, in float64.

import type { ScanKernels } from './scan-types.js';
import type { Float } from './types.js';

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
/** The min cells' g: x + 0.5 for x ≥ 0, σ(x) below (positive, continuous, increasing). */
const gAct = (x: number): number => (x >= 0 ? x + 0.5 : sigmoid(x));

/** The sign bit, −0 included (a cached −g whose g underflowed to 0 in float32 still says x < 0). */
const negative = (x: number): boolean => x < 0 || Object.is(x, -0);

/** minLSTM's a = f/(f+i) and i' = i/(f+i); where f + i underflows, their limits σ(k_f − k_i), σ(k_i − k_f). */
function minLstmNorm(kf: number, ki: number): [number, number] {
  const f = sigmoid(kf), i = sigmoid(ki), s = f + i;
  if (s < 1e-30) return [sigmoid(kf - ki), sigmoid(ki - kf)];
  return [f / s, i / s];
}

/** Processing index s (the direction's order) → time step. */
const stepOf = (s: number, t: number, reverse: boolean): number => (reverse ? t - 1 - s : s);

export class JsScans implements ScanKernels {
  indrnnForward(t: number, b: number, h: number, reverse: boolean, p: Float, pOff: number,
    u: Float, uOff: number, hs: Float, hsOff: number, hsStride: number): void {
    const n = b * h;
    for (let s = 0; s < t; s++) {
      const step = stepOf(s, t, reverse);
      const ps = pOff + step * n, hp = hsOff + (reverse ? step + 1 : step) * hsStride, hc = hsOff + (reverse ? step : step + 1) * hsStride;
      for (let e = 0; e < n; e++) {
        const z = p[ps + e] + u[uOff + (e % h)] * hs[hp + e];
        p[ps + e] = z;
        hs[hc + e] = z > 0 ? z : 0;
      }
    }
  }

  indrnnBackward(t: number, b: number, h: number, reverse: boolean, hs: Float, hsOff: number, hsStride: number,
    u: Float, uOff: number, dy: Float | null, dyOff: number, dyLd: number, dh: Float, dhOff: number,
    dP: Float, dPOff: number): void {
    const n = b * h;
    for (let s = t - 1; s >= 0; s--) {
      const step = stepOf(s, t, reverse);
      const hc = hsOff + (reverse ? step : step + 1) * hsStride, dps = dPOff + step * n;
      for (let e = 0; e < n; e++) {
        const j = e % h;
        const g = dh[dhOff + e] + (dy ? dy[dyOff + (step * b + (e - j) / h) * dyLd + j] : 0);
        // through relu (its derivative from the output), then through u ⊙ h_{t−1}
        const dz = hs[hc + e] > 0 ? g : 0;
        dP[dps + e] = dz;
        dh[dhOff + e] = dz * u[uOff + j];
      }
    }
  }

  scanForward(t: number, b: number, h: number, reverse: boolean, a: Float, aOff: number, v: Float, vOff: number,
    hs: Float, hsOff: number, hsStride: number, chunk: number, scratch: Float | null): void {
    const n = b * h;
    const range = (s0: number, s1: number, prodOff: number): void => {
      for (let s = s0; s < s1; s++) {
        const step = stepOf(s, t, reverse);
        const as = aOff + step * n, vs = vOff + step * n;
        const hp = hsOff + (reverse ? step + 1 : step) * hsStride, hc = hsOff + (reverse ? step : step + 1) * hsStride;
        const first = prodOff >= 0 && s === s0;
        for (let e = 0; e < n; e++) {
          const av = a[as + e];
          hs[hc + e] = first ? v[vs + e] : av * hs[hp + e] + v[vs + e];
          if (prodOff >= 0) scratch![prodOff + e] = first ? av : av * scratch![prodOff + e];
        }
      }
    };
    if (chunk <= 0) { range(0, t, -1); return; }
    const chunks = Math.ceil(t / chunk);
    const end = (c: number): number => Math.min(t, (c + 1) * chunk);
    const slot = (s: number): number => hsOff + (reverse ? stepOf(s, t, reverse) : s + 1) * hsStride;
    // 1: chunk 0 from the initial state, every other chunk from zero with the product of its a's
    for (let c = 0; c < chunks; c++) range(c * chunk, end(c), c === 0 ? -1 : c * n);
    // 2: each chunk's end = its local end + its product · the previous chunk's true end
    for (let c = 1; c < chunks; c++) {
      const hp = slot(c * chunk - 1), hc = slot(end(c) - 1);
      for (let e = 0; e < n; e++) hs[hc + e] = hs[hc + e] + scratch![c * n + e] * hs[hp + e];
    }
    // 3: every chunk but the first again, from its true start, all but its (combined) end
    for (let c = 1; c < chunks; c++) range(c * chunk, end(c) - 1, -1);
  }

  scanBackward(t: number, b: number, h: number, reverse: boolean, a: Float, aOff: number, hs: Float, hsOff: number, hsStride: number,
    dy: Float | null, dyOff: number, dyLd: number, dh: Float, dhOff: number,
    dA: Float, dAOff: number, dV: Float, dVOff: number, chunk: number, scratch: Float | null): void {
    const n = b * h;
    // [s0, s1) backward with the carry at carry[cOff..]; local: from zero, product into prod[pOff..], dA/dV untouched
    const range = (s0: number, s1: number, carry: Float, cOff: number, pOff: number): void => {
      if (pOff >= 0) for (let e = 0; e < n; e++) { carry[cOff + e] = 0; scratch![pOff + e] = 1; }
      for (let s = s1 - 1; s >= s0; s--) {
        const step = stepOf(s, t, reverse);
        const as = aOff + step * n, hp = hsOff + (reverse ? step + 1 : step) * hsStride;
        for (let e = 0; e < n; e++) {
          const j = e % h;
          const g = carry[cOff + e] + (dy ? dy[dyOff + (step * b + (e - j) / h) * dyLd + j] : 0);
          const av = a[as + e];
          if (pOff >= 0) {
            scratch![pOff + e] = av * scratch![pOff + e];
          } else {
            dV[dVOff + step * n + e] = g;
            dA[dAOff + step * n + e] = g * hs[hp + e];
          }
          carry[cOff + e] = av * g;
        }
      }
    };
    if (chunk <= 0) { range(0, t, dh, dhOff, -1); return; }
    const chunks = Math.ceil(t / chunk);
    const end = (c: number): number => Math.min(t, (c + 1) * chunk);
    const carries = chunks * n; // scratch: products (C, B, H), then carries (C, B, H)
    // 1: the last chunk from the incoming gradient, every other chunk from zero
    for (let e = 0; e < n; e++) scratch![carries + (chunks - 1) * n + e] = dh[dhOff + e];
    for (let c = chunks - 1; c >= 0; c--) {
      range(c * chunk, end(c), scratch!, carries + c * n, c === chunks - 1 ? -1 : c * n);
    }
    // 2: from the last chunk down, each carry = its local carry + its product · the next chunk's carry
    for (let c = chunks - 2; c >= 0; c--) {
      for (let e = 0; e < n; e++) {
        const kc = carries + c * n + e;
        scratch![kc] = scratch![kc] + scratch![c * n + e] * scratch![carries + (c + 1) * n + e];
      }
    }
    for (let e = 0; e < n; e++) dh[dhOff + e] = scratch![carries + e];
    // 3: every chunk but the last again, from the true carry of the chunk after it
    for (let c = chunks - 2; c >= 0; c--) range(c * chunk, end(c), scratch!, carries + (c + 1) * n, -1);
  }

  minGruGates(m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void {
    for (let r = 0; r < m; r++) {
      const pr = pOff + r * 2 * h, cr = cacheOff + r * 2 * h;
      for (let j = 0; j < h; j++) {
        const kz = p[pr + j], x = p[pr + h + j];
        const z = sigmoid(kz), g = gAct(x);
        a[aOff + r * h + j] = sigmoid(-kz);
        v[vOff + r * h + j] = z * g;
        cache[cr + j] = z;
        cache[cr + h + j] = x >= 0 ? g : -g;
      }
    }
  }

  minGruGatesBackward(m: number, h: number, cache: Float, cacheOff: number, a: Float, aOff: number, dA: Float, dAOff: number,
    dV: Float, dVOff: number, dP: Float, dPOff: number): void {
    for (let r = 0; r < m; r++) {
      const cr = cacheOff + r * 2 * h, dpr = dPOff + r * 2 * h;
      for (let j = 0; j < h; j++) {
        const z = cache[cr + j], sg = cache[cr + h + j], g = Math.abs(sg);
        const dv = dV[dVOff + r * h + j];
        // a = 1 − z, v = z·g: ∂L/∂z = −dA + dV·g, then σ' = z(1−z) = z·a; ∂L/∂g = dV·z, then
        // g' = 1 (x ≥ 0) or σ(x)(1 − σ(x)) = g(1 − g) (x < 0: the cached g is negative)
        dP[dpr + j] = (dv * g - dA[dAOff + r * h + j]) * z * a[aOff + r * h + j];
        dP[dpr + h + j] = dv * z * (negative(sg) ? g * (1 - g) : 1);
      }
    }
  }

  minLstmGates(m: number, h: number, p: Float, pOff: number, a: Float, aOff: number, v: Float, vOff: number,
    cache: Float, cacheOff: number): void {
    for (let r = 0; r < m; r++) {
      const pr = pOff + r * 3 * h, cr = cacheOff + r * 3 * h;
      for (let j = 0; j < h; j++) {
        const kf = p[pr + j], ki = p[pr + h + j], x = p[pr + 2 * h + j];
        const [fa, ip] = minLstmNorm(kf, ki), g = gAct(x);
        a[aOff + r * h + j] = fa;
        v[vOff + r * h + j] = ip * g;
        // ∂a/∂k_f = a·i'·(1−f), −∂a/∂k_i = a·i'·(1−i); g with the sign of x
        cache[cr + j] = fa * ip * sigmoid(-kf);
        cache[cr + h + j] = fa * ip * sigmoid(-ki);
        cache[cr + 2 * h + j] = x >= 0 ? g : -g;
      }
    }
  }

  minLstmGatesBackward(m: number, h: number, cache: Float, cacheOff: number, v: Float, vOff: number, dA: Float, dAOff: number,
    dV: Float, dVOff: number, dP: Float, dPOff: number): void {
    for (let r = 0; r < m; r++) {
      const cr = cacheOff + r * 3 * h, dpr = dPOff + r * 3 * h;
      for (let j = 0; j < h; j++) {
        const cf = cache[cr + j], ci = cache[cr + h + j], sg = cache[cr + 2 * h + j], g = Math.abs(sg);
        const vv = v[vOff + r * h + j], dv = dV[dVOff + r * h + j];
        // a = f/(f+i), i' = 1 − a: ∂L/∂a = dA − dV·g; ∂L/∂k_h = dV·i'·g'(x), with i'·g' = v/g
        // (x ≥ 0, g' = 1) or i'·g(1−g) = v(1−g) (x < 0)
        const q = dA[dAOff + r * h + j] - dv * g;
        dP[dpr + j] = q * cf;
        dP[dpr + h + j] = -q * ci;
        dP[dpr + 2 * h + j] = dv * (negative(sg) ? vv * (1 - g) : vv / g);
      }
    }
  }

  addColumnProductSums(m: number, n: number, a: Float, aOff: number, lda: number, b: Float, bOff: number, ldb: number,
    out: Float, outOff: number): void {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) out[outOff + j] += a[aOff + i * lda + j] * b[bOff + i * ldb + j];
    }
  }
}
