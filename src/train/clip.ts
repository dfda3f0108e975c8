// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_ (checked against
// PyTorch in test/optim.test.ts), plus an adaptive threshold after Pascanu, Mikolov & Bengio (2013),
// "On the difficulty of training recurrent neural networks".
//
// One deliberate difference from PyTorch: when the total norm is NaN or ±Infinity, PyTorch (with its
// default error_if_nonfinite=False) multiplies every gradient by NaN or 0; here the gradients are
// left exactly as they were and the non-finite norm is returned, so the caller (a NaN guard) sees
// it and decides (skip the step, roll back).

import { invalid } from '../errors.js';
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
