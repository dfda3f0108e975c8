// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_ (checked against
// PyTorch in test/optim.test.ts), plus an adaptive threshold after Pascanu, Mikolov & Bengio (2013),
// "On the difficulty of training recurrent neural networks".
//
// One deliberate difference from PyTorch: when the total norm is NaN or ±Infinity, PyTorch (with its
// default error_if_nonfinite=False) multiplies every gradient by NaN or 0; here the gradients are
// left exactly as they were and the non-finite norm is returned, so the caller (a NaN guard) sees
// it and decides (skip the step, roll back).

import { fail as failRecur, invalid } from '../errors.js';
import type { Param } from '../tensor/param.js';


function checkNormType(owner: string, normType: number): void {
  if (typeof normType !== 'number' || !(normType === Infinity || (Number.isFinite(normType) && normType > 0))) {
    invalid(owner, 'normType', 'a number > 0 or Infinity', normType);
  }
}

/** The p-norm of one buffer, accumulated in doubles; scaled by its largest entry only if squares overflow. */
function bufferNorm(g: ArrayLike<number>, p: number): number {
  const n = g.length;
  if (p === Infinity) {
    let m = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(g[i]!);
      if (a > m || a !== a) m = a;
      if (m !== m) return NaN;
    }
    return m;
  }
  let s = 0;
  if (p === 2) for (let i = 0; i < n; i++) s += g[i]! * g[i]!;
  else for (let i = 0; i < n; i++) s += Math.abs(g[i]!) ** p;
  if (Number.isFinite(s)) return p === 2 ? Math.sqrt(s) : s ** (1 / p);
  const m = bufferNorm(g, Infinity);
  if (!Number.isFinite(m)) return m;
  s = 0;
  for (let i = 0; i < n; i++) s += Math.abs(g[i]! / m) ** p;
  return m * s ** (1 / p);
}

/**
 * The norm of all gradients taken together, as PyTorch computes it: the norm of the per-param norms.
 * NaN if any gradient is NaN; Infinity if one is infinite.
 */
export function gradNorm(params: readonly Param[], normType = 2): number {
  checkNormType('gradNorm', normType);
  const norms = params.map((p) => bufferNorm(p.grad, normType));
  return bufferNorm(norms, normType);
}

function scaleGrads(params: readonly Param[], coef: number): void {
  for (const p of params) {
    const g = p.grad;
    for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef;
  }
}

/**
 * Scales all gradients by maxNorm / (norm + 1e-6) when that is below 1 (PyTorch's coefficient, the
 * 1e-6 guarding against a zero norm), and returns the total norm before clipping. A non-finite norm
 * is returned with the gradients untouched.
 */
export function clipGradNormInPlace(params: readonly Param[], maxNorm: number, normType = 2): number {
  if (typeof maxNorm !== 'number' || !(maxNorm > 0) || !Number.isFinite(maxNorm)) {
    invalid('clipGradNormInPlace', 'maxNorm', 'a finite number > 0', maxNorm);
  }
  checkNormType('clipGradNormInPlace', normType);
  const norm = gradNorm(params, normType);
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) scaleGrads(params, coef);
  return norm;
}

/** Clamps every gradient element to [−clipValue, clipValue] (NaN stays NaN); returns how many changed. */
export function clipGradValueInPlace(params: readonly Param[], clipValue: number): number {
  if (typeof clipValue !== 'number' || !(clipValue > 0) || !Number.isFinite(clipValue)) {
    invalid('clipGradValueInPlace', 'clipValue', 'a finite number > 0', clipValue);
  }
  let changed = 0;
  for (const p of params) {
    const g = p.grad;
    for (let i = 0; i < g.length; i++) {
      const v = g[i]!;
      if (v > clipValue) { g[i] = clipValue; changed++; }
      else if (v < -clipValue) { g[i] = -clipValue; changed++; }
    }
  }
  return changed;
}

export interface AdaptiveClipOptions {
  /** K: clip at K times the running average norm. Pascanu et al. suggest 0.5 to 10. Default 2. */
  factor?: number;
  /** Weight of the past in the moving average; 0.98 averages over roughly the last 50 steps. */
  decay?: number;
  /** Steps that only feed the average, never clipped, before it is trusted. Default 10. */
  warmupSteps?: number;
  normType?: number;
}

export interface ClipResult {
  /** The total norm before clipping (possibly NaN or Infinity: then nothing was changed). */
  norm: number;
  clipped: boolean;
  /** The norm the gradients were clipped to, or would have been; Infinity during warm-up. */
  threshold: number;
}

/** Plain data for checkpoints: the moving average of log norms (before bias correction) and its count. */
export interface AdaptiveClipState {
  logEma: number;
  count: number;
}

/**
 * Clips the gradient norm at K times a running average of past norms.
 *
 * The average is geometric: an exponential moving average of log(norm), bias-corrected as in Adam
 * (ema / (1 − decay^count)), so early values are not pulled towards zero. Averaging logs keeps one
 * exploding step from dragging the threshold up (a 100× spike moves it by 100^(1−decay), under 10%
 * at decay 0.98), and lets K be below 1 without the threshold collapsing. The norm before clipping
 * enters the average. Zero and non-finite norms carry no scale and are left out; a non-finite norm
 * is returned with the gradients untouched. The first `warmupSteps` counted steps are not clipped.
 */
export class AdaptiveClipper {
  readonly factor: number;
  readonly decay: number;
  readonly warmupSteps: number;
  readonly normType: number;
  private logEma = 0;
  private count = 0;

  constructor(o: AdaptiveClipOptions = {}) {
    const W = 'AdaptiveClipper';
    this.factor = o.factor ?? 2;
    if (typeof this.factor !== 'number' || !(this.factor > 0) || !Number.isFinite(this.factor)) {
      invalid(W, 'factor', 'a finite number > 0', this.factor);
    }
    this.decay = o.decay ?? 0.98;
    if (typeof this.decay !== 'number' || !(this.decay >= 0 && this.decay < 1)) invalid(W, 'decay', 'in [0, 1)', this.decay);
    this.warmupSteps = o.warmupSteps ?? 10;
    if (!Number.isInteger(this.warmupSteps) || this.warmupSteps < 1) invalid(W, 'warmupSteps', 'an integer >= 1', this.warmupSteps);
    this.normType = o.normType ?? 2;
    checkNormType(W, this.normType);
  }

  /** The current threshold: K times the running average norm, Infinity until warm-up is over. */
  get threshold(): number {
    if (this.count < this.warmupSteps) return Infinity;
    return this.factor * Math.exp(this.logEma / (1 - this.decay ** this.count));
  }

  clipInPlace(params: readonly Param[]): ClipResult {
    const norm = gradNorm(params, this.normType);
    const threshold = this.threshold;
    if (!Number.isFinite(norm)) return { norm, clipped: false, threshold };
    const coef = threshold / (norm + 1e-6);
    const clipped = coef < 1;
    if (clipped) scaleGrads(params, coef);
    if (norm > 0) {
      this.logEma = this.decay * this.logEma + (1 - this.decay) * Math.log(norm);
      this.count++;
    }
    return { norm, clipped, threshold };
  }

  state(): AdaptiveClipState {
    return { logEma: this.logEma, count: this.count };
  }

  loadState(s: AdaptiveClipState): void {
    if (typeof s.logEma !== 'number' || !Number.isFinite(s.logEma)) invalid('AdaptiveClipper', 'state.logEma', 'a finite number', s.logEma);
    if (!Number.isInteger(s.count) || s.count < 0) invalid('AdaptiveClipper', 'state.count', 'an integer >= 0', s.count);
    this.logEma = s.logEma;
    this.count = s.count;
  }
}

// ---------------------------------------------------------------------------------------------
// Clipping that works from the first step: AGC (relative to the weights, no history needed) and
// AutoClip (a percentile of the norms seen so far, warm-started so it has a history at step 1).

export interface AgcResult {
  /** The total gradient norm before clipping (NaN/Infinity: nothing was changed). */
  norm: number;
  /** Units (rows of a matrix, whole vectors) whose gradient was scaled down. */
  clippedUnits: number;
  units: number;
}

/**
 * Adaptive gradient clipping, unit-wise (Brock, De, Smith & Simonyan 2021, "High-Performance
 * Large-Scale Image Recognition Without Normalization", §4.1): for each unit i,
 *   G_i ← λ · max(‖W_i‖, ε) / ‖G_i‖ · G_i   when ‖G_i‖ > λ · max(‖W_i‖, ε),   else unchanged,
 * where a unit is one row of a matrix (one output unit: PyTorch's layout (out, in), the norm over
 * every dimension but the first) and the whole of a vector (a bias). ε (1e-3) keeps weights at
 * zero, such as fresh biases, from freezing. The denominator is max(‖G_i‖, 1e-6), as timm's
 * adaptive_clip_grad. A step whose total norm is non-finite is left untouched (see the header).
 */
export function clipGradAgcInPlace(params: readonly Param[], factor: number, eps = 1e-3): AgcResult {
  if (typeof factor !== 'number' || !(factor > 0) || !Number.isFinite(factor)) failRecur('AGC clip factor', 'a finite number > 0', factor);
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) failRecur('AGC eps', 'a finite number > 0', eps);
  const norm = gradNorm(params);
  let clippedUnits = 0, units = 0;
  if (!Number.isFinite(norm)) return { norm, clippedUnits, units };
  for (const p of params) {
    const rows = p.shape.length <= 1 ? 1 : p.shape[0];
    const cols = rows === 0 ? 0 : p.value.length / rows;
    const w = p.value, g = p.grad;
    for (let r = 0; r < rows; r++) {
      const o = r * cols;
      let ww = 0, gg = 0;
      for (let c = 0; c < cols; c++) { ww += w[o + c]! * w[o + c]!; gg += g[o + c]! * g[o + c]!; }
      const maxNorm = factor * Math.max(Math.sqrt(ww), eps);
      const gn = Math.sqrt(gg);
      units++;
      if (gn > maxNorm) {
        const coef = maxNorm / Math.max(gn, 1e-6);
        for (let c = 0; c < cols; c++) g[o + c] = g[o + c]! * coef;
        clippedUnits++;
      }
    }
  }
  return { norm, clippedUnits, units };
}

export interface AutoClipOptions {
  /** p: clip the norm at the p-th percentile of the norms seen so far (Seetharaman et al.: 10). */
  percentile?: number;
  /** The warm start: the history begins with `warmCount` norms of this value. Default 1. */
  warmStart?: number;
  /** How many observations the warm start counts as. Default 10. */
  warmCount?: number;
}

/** Plain data for checkpoints: every finite, non-zero norm observed, in order. */
export interface AutoClipState { norms: number[] }

/**
 * AutoClip (Seetharaman, Wichern, Pardo & Le Roux 2020, "AutoClip: Adaptive Gradient Clipping for
 * Source Separation Networks"): after backward, the step's norm joins the history and the gradient
 * is norm-clipped at the p-th percentile of the history (linear interpolation between ranks, as
 * numpy.percentile). Without a warm start the first step's threshold is its own norm, so nothing is
 * clipped until a history exists and an explosion in the first steps gets through; here the
 * history starts with `warmCount` copies of `warmStart`, which weigh less as real norms come in.
 */
export class AutoClipper {
  readonly percentile: number;
  readonly warmStart: number;
  readonly warmCount: number;
  /** The observed norms, sorted (the warm start is not stored). */
  private sorted: number[] = [];
  private observed: number[] = [];

  constructor(o: AutoClipOptions = {}) {
    this.percentile = o.percentile ?? 10;
    if (typeof this.percentile !== 'number' || !(this.percentile > 0 && this.percentile <= 100)) failRecur('AutoClip percentile', 'a number in (0, 100]', this.percentile);
    this.warmStart = o.warmStart ?? 1;
    if (typeof this.warmStart !== 'number' || !(this.warmStart > 0) || !Number.isFinite(this.warmStart)) failRecur('AutoClip warm start', 'a finite number > 0', this.warmStart);
    this.warmCount = o.warmCount ?? 10;
    if (!Number.isInteger(this.warmCount) || this.warmCount < 0) failRecur('AutoClip warm count', 'a whole number ≥ 0', this.warmCount);
  }

  /** The p-th percentile of the warm start and the observed norms (Infinity with neither). */
  get threshold(): number {
    const n = this.warmCount + this.sorted.length;
    if (n === 0) return Infinity;
    const rank = (this.percentile / 100) * (n - 1);
    const lo = Math.floor(rank), hi = Math.min(lo + 1, n - 1);
    const at = (k: number): number => {
      // the warm start's copies sit at their sorted place among the observed norms
      const below = lowerBound(this.sorted, this.warmStart);
      if (k < below) return this.sorted[k]!;
      if (k < below + this.warmCount) return this.warmStart;
      return this.sorted[k - this.warmCount]!;
    };
    return at(lo) + (rank - lo) * (at(hi) - at(lo));
  }

  clipInPlace(params: readonly Param[]): ClipResult {
    const norm = gradNorm(params);
    if (!Number.isFinite(norm)) return { norm, clipped: false, threshold: this.threshold };
    if (norm > 0) {
      this.sorted.splice(lowerBound(this.sorted, norm), 0, norm);
      this.observed.push(norm);
    }
    const threshold = this.threshold;
    const coef = threshold / (norm + 1e-6);
    const clipped = coef < 1;
    if (clipped) scaleGrads(params, coef);
    return { norm, clipped, threshold };
  }

  state(): AutoClipState {
    return { norms: [...this.observed] };
  }

  loadState(s: AutoClipState): void {
    if (!Array.isArray(s?.norms) || !s.norms.every((x) => typeof x === 'number' && Number.isFinite(x) && x > 0)) failRecur('AutoClipper state.norms', 'an array of finite norms > 0', s?.norms);
    this.observed = [...s.norms];
    this.sorted = [...s.norms].sort((a, b) => a - b);
  }
}

/** First index of sorted `a` whose value is ≥ x. */
function lowerBound(a: readonly number[], x: number): number {
  let lo = 0, hi = a.length;
  while (lo < hi) { const mid = (lo + hi) >>> 1; if (a[mid]! < x) lo = mid + 1; else hi = mid; }
  return lo;
}
