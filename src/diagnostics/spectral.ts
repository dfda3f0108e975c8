// Spectral size of a recurrent weight matrix, by power iteration (no eigen-solver needed).
//
// spectralRadius: ρ(W) = max |λ| governs how a linearized recurrence h ← W h grows or decays over
// many steps (‖W^k v‖ ~ ρ^k). Plain power iteration's Rayleigh quotient fails when the dominant
// eigenvalue is complex (a pair λ, λ̄: the iterate rotates in a plane instead of settling), or when
// several eigenvalues share the largest modulus (a rotation). The growth rate works in every case:
// with v renormalized each step and ℓ_k = log ‖W^k v‖ accumulated,
//   ρ ≈ exp((ℓ_K − ℓ_{K/2}) / (K/2)),
// the mean growth over the second half (the first half lets the other modes die out). For a real
// dominant eigenvalue with a gap the error falls like |λ₂/λ₁|^K; for a complex pair ‖W^k v‖/ρ^k
// oscillates between two positive bounds m ≤ M and the error is at most log(M/m)/(K/2), which
// is why the default runs 1000 iterations: a few parts in 1e3 even for a non-normal W.
//
// largestSingularValue: σ₁(W) = ‖W‖₂ = √λ_max(WᵀW), by power iteration on the symmetric WᵀW,
// whose dominant eigenvalue is real and non-negative, so the iterate does converge.
//
// Both start from a fixed pseudo-random vector (seeded), so results are reproducible.

import { RecurError } from '../errors.js';
import type { Float } from '../kernels/types.js';
import { Rng } from '../tensor/rng.js';

function startVector(n: number, seed: number): Float64Array<ArrayBuffer> {
  const rng = new Rng(seed);
  const v = Float64Array.from({ length: n }, () => rng.normal());
  const s = norm(v);
  for (let i = 0; i < n; i++) v[i] /= s;
  return v;
}

function norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** out = W v for W (rows, cols) row-major. */
function matVecInto(w: ArrayLike<number>, rows: number, cols: number, v: Float64Array, out: Float64Array): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += w[r * cols + c] * v[c];
    out[r] = s;
  }
}

/** out = Wᵀ u for W (rows, cols) row-major. */
function matTVecInto(w: ArrayLike<number>, rows: number, cols: number, u: Float64Array, out: Float64Array): void {
  out.fill(0);
  for (let r = 0; r < rows; r++) {
    const ur = u[r];
    for (let c = 0; c < cols; c++) out[c] += w[r * cols + c] * ur;
  }
}

function checkSize(w: ArrayLike<number>, n: number, what: string): void {
  if (!Number.isInteger(n) || n <= 0 || w.length < n) throw new RecurError(`${what}: expected ${n} values in W, received ${w.length}`);
}

/** Spectral radius of the (n, n) row-major matrix W, from the growth rate of ‖W^k v‖ (see the header). */
export function spectralRadius(W: Float | ArrayLike<number>, n: number, iters = 1000, seed = 1): number {
  checkSize(W, n * n, 'spectralRadius');
  const k = Math.max(2, Math.floor(iters));
  let v = startVector(n, seed);
  let next: Float64Array<ArrayBuffer> = new Float64Array(n);
  let logNorm = 0;
  let logHalf = 0;
  const half = Math.floor(k / 2);
  for (let i = 1; i <= k; i++) {
    matVecInto(W, n, n, v, next);
    const s = norm(next);
    if (s === 0) return 0; // W^i v = 0: nilpotent on the start vector (W = 0 included)
    for (let j = 0; j < n; j++) next[j] /= s;
    logNorm += Math.log(s);
    if (i === half) logHalf = logNorm;
    const t = v; v = next; next = t;
  }
  return Math.exp((logNorm - logHalf) / (k - half));
}

/** Largest singular value ‖W‖₂ of the (rows, cols) row-major matrix W, by power iteration on WᵀW. */
export function largestSingularValue(W: Float | ArrayLike<number>, rows: number, cols: number, iters = 500, seed = 1): number {
  checkSize(W, rows * cols, 'largestSingularValue');
  let v = startVector(cols, seed);
  const u = new Float64Array(rows);
  let next: Float64Array<ArrayBuffer> = new Float64Array(cols);
  let sigma = 0;
  for (let i = 0; i < iters; i++) {
    matVecInto(W, rows, cols, v, u);
    matTVecInto(W, rows, cols, u, next);
    const s = norm(next); // ‖WᵀW v‖ ≤ σ₁², with equality once v is the top right singular vector
    if (s === 0) return 0;
    for (let j = 0; j < cols; j++) next[j] /= s;
    const t = v; v = next; next = t;
    const est = Math.sqrt(s);
    if (Math.abs(est - sigma) <= 1e-15 * est) return est;
    sigma = est;
  }
  return sigma;
}
