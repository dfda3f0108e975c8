// Optimizers that follow torch.optim's update equations and defaults (checked against PyTorch in
// test/optim.test.ts with fixtures from scripts/golden_optim.py).
//
// Conventions:
// - step(params, lr) reads each param's `grad` and updates its `value` in place, with learning
//   rate `lr` (default: the optimizer's own `lr`; the trainer passes its scheduled one). Gradients
//   are not zeroed here (the training loop owns them).
// - State (momentum buffers, moment estimates, step counts) is kept per param *name*, allocated on
//   the param's first step with the param's own array type, and never reallocated. Arithmetic is
//   done in JS doubles per element and stored back into the buffer; a buffer value is read back
//   after it is stored, so a Float32Array state behaves like PyTorch's float32 state.
// - Weight decay is PyTorch's L2 form (`g + λ·w`) everywhere but AdamW, whose decay is decoupled
//   (`w ← w·(1 − lr·λ)` before the Adam step, Loshchilov & Hutter).
// - Hyperparameters a schedule may change (lr, momentum, betas) are public fields.

import { atLeast, flag, invalid, unitInterval } from '../errors.js';
import { StatefulOptimizer } from './optimizer-base.js';
import type { Param } from '../tensor/param.js';

export type { Optimizer, OptimizerKind, OptimizerState, ParamState } from './optimizer-base.js';

// ---- SGD --------------------------------------------------------------------------------------

/** PyTorch's defaults: momentum 0, dampening 0, weightDecay 0, nesterov false; lr has none. */
export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  weightDecay?: number;
  nesterov?: boolean;
}

/**
 * d = g + λw; with momentum μ: b = μb + (1 − dampening)·d (b = d on the first step, undampened, as
 * PyTorch does), then d = d + μb (Nesterov) or d = b; w ← w − lr·d.
 */
export class SGD extends StatefulOptimizer {
  readonly kind = 'sgd';
  lr: number;
  momentum: number;
  readonly dampening: number;
  readonly weightDecay: number;
  readonly nesterov: boolean;

  constructor(o: SGDOptions) {
    super('SGD');
    this.lr = atLeast('SGD', 'lr', o.lr, 0);
    this.momentum = atLeast('SGD', 'momentum', o.momentum ?? 0, 0);
    this.dampening = atLeast('SGD', 'dampening', o.dampening ?? 0, 0);
    this.weightDecay = atLeast('SGD', 'weightDecay', o.weightDecay ?? 0, 0);
    this.nesterov = flag('SGD', 'nesterov', o.nesterov ?? false);
    if (this.nesterov && this.momentum <= 0) invalid('SGD', 'momentum', '> 0 with nesterov', this.momentum);
    if (this.nesterov && this.dampening !== 0) invalid('SGD', 'dampening', '0 with nesterov', this.dampening);
  }

  step(params: readonly Param[], lr = this.lr): void {
    const { momentum: mu, dampening, weightDecay: wd, nesterov } = this;
    for (const p of params) {
      const w = p.value, g = p.grad, n = w.length;
      const s = this.slots.slot(p);
      s.step++;
      if (mu === 0) {
        for (let i = 0; i < n; i++) w[i] = w[i]! - lr * (g[i]! + wd * w[i]!);
        continue;
      }
      const first = !s.buffers.has('momentum_buffer') && !('momentum_buffer' in s.restored);
      const buf = this.slots.buffer(p, s, 'momentum_buffer', 0);
      for (let i = 0; i < n; i++) {
        const d = g[i]! + wd * w[i]!;
        buf[i] = first ? d : mu * buf[i]! + (1 - dampening) * d;
        w[i] = w[i]! - lr * (nesterov ? d + mu * buf[i]! : buf[i]!);
      }
    }
  }

  protected hyper(): Record<string, number> {
    return { lr: this.lr, momentum: this.momentum };
  }

  protected checkHyper(h: Record<string, number>): () => void {
    const lr = atLeast('SGD', 'state.hyper.lr', h['lr']!, 0);
    const momentum = atLeast('SGD', 'state.hyper.momentum', h['momentum']!, 0);
    return () => { this.lr = lr; this.momentum = momentum; };
  }
}

// ---- Adam and AdamW ---------------------------------------------------------------------------

/** PyTorch's defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0 (AdamW 0.01), amsgrad false. */
export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/**
 * The hyperparameters, state and moment step Adam and AdamW share. Bias corrections use the param's
 * own step count t: m = β1·m + (1−β1)·g, v = β2·v + (1−β2)·g², v̂ = max(v̂, v) with AMSGrad (else
 * v̂ = v), w ← w − lr/(1−β1^t) · m / (√v̂/√(1−β2^t) + ε).
 */
abstract class AdamFamily extends StatefulOptimizer {
  lr: number;
  betas: readonly [number, number];
  readonly eps: number;
  readonly weightDecay: number;
  readonly amsgrad: boolean;

  constructor(owner: string, o: AdamOptions, defaultDecay: number) {
    super(owner);
    const betas = o.betas ?? [0.9, 0.999];
    if (!Array.isArray(betas) || betas.length !== 2) invalid(owner, 'betas', 'a pair [beta1, beta2]', betas);
    this.lr = atLeast(owner, 'lr', o.lr ?? 1e-3, 0);
    this.betas = [unitInterval(owner, 'betas[0]', betas[0], false), unitInterval(owner, 'betas[1]', betas[1], false)];
    this.eps = atLeast(owner, 'eps', o.eps ?? 1e-8, 0, true);
    this.weightDecay = atLeast(owner, 'weightDecay', o.weightDecay ?? defaultDecay, 0);
    this.amsgrad = flag(owner, 'amsgrad', o.amsgrad ?? false);
  }

  /** The step with L2 decay `l2` folded into the gradient, after scaling w by `shrink`. */
  protected adamStep(params: readonly Param[], lr: number, l2: number, shrink: number): void {
    const [b1, b2] = this.betas;
    for (const p of params) {
      const w = p.value, g = p.grad, n = w.length;
      const s = this.slots.slot(p);
      const t = ++s.step;
      const m = this.slots.buffer(p, s, 'exp_avg', 0);
      const v = this.slots.buffer(p, s, 'exp_avg_sq', 0);
      const vmax = this.amsgrad ? this.slots.buffer(p, s, 'max_exp_avg_sq', 0) : undefined;
      const stepSize = lr / (1 - b1 ** t);
      const bc2Sqrt = Math.sqrt(1 - b2 ** t);
      for (let i = 0; i < n; i++) {
        if (shrink !== 1) w[i] = w[i]! * shrink;
        const gi = g[i]! + l2 * w[i]!;
        m[i] = b1 * m[i]! + (1 - b1) * gi;
        v[i] = b2 * v[i]! + (1 - b2) * (gi * gi);
        let second = v[i]!;
        if (vmax !== undefined) {
          vmax[i] = Math.max(vmax[i]!, second);
          second = vmax[i]!;
        }
        w[i] = w[i]! - stepSize * (m[i]! / (Math.sqrt(second) / bc2Sqrt + this.eps));
      }
    }
  }

  protected hyper(): Record<string, number> {
    return { lr: this.lr, beta1: this.betas[0], beta2: this.betas[1] };
  }

  protected checkHyper(h: Record<string, number>): () => void {
    const lr = atLeast(this.owner, 'state.hyper.lr', h['lr']!, 0);
    const b1 = unitInterval(this.owner, 'state.hyper.beta1', h['beta1']!, false);
    const b2 = unitInterval(this.owner, 'state.hyper.beta2', h['beta2']!, false);
    return () => { this.lr = lr; this.betas = [b1, b2]; };
  }
}

/** Adam (Kingma & Ba) with PyTorch's L2 weight decay added to the gradient; optional AMSGrad. */
export class Adam extends AdamFamily {
  readonly kind = 'adam';
  constructor(o: AdamOptions = {}) {
    super('Adam', o, 0);
  }
  step(params: readonly Param[], lr = this.lr): void {
    this.adamStep(params, lr, this.weightDecay, 1);
  }
}

/** AdamW: Adam with decoupled weight decay, w ← w·(1 − lr·λ) before the moment step; λ defaults to 0.01. */
export class AdamW extends AdamFamily {
  readonly kind = 'adamw';
  constructor(o: AdamOptions = {}) {
    super('AdamW', o, 0.01);
  }
  step(params: readonly Param[], lr = this.lr): void {
    this.adamStep(params, lr, 0, 1 - lr * this.weightDecay);
  }
}

// ---- RMSprop ----------------------------------------------------------------------------------

/** PyTorch's defaults: lr 0.01, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false. */
export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

/**
 * g ← g + λw; s = αs + (1−α)g²; centered: ḡ = αḡ + (1−α)g and a = √(s − ḡ²) + ε, else a = √s + ε;
 * with momentum μ > 0: b = μb + g/a and w ← w − lr·b; else w ← w − lr·g/a. Note ε is added
 * outside the square root (as in PyTorch; Tieleman & Hinton's slides do not fix a convention).
 */
export class RMSprop extends StatefulOptimizer {
  readonly kind = 'rmsprop';
  lr: number;
  momentum: number;
  readonly alpha: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly centered: boolean;

  constructor(o: RMSpropOptions = {}) {
    super('RMSprop');
    this.lr = atLeast('RMSprop', 'lr', o.lr ?? 0.01, 0);
    this.alpha = unitInterval('RMSprop', 'alpha', o.alpha ?? 0.99, true);
    this.eps = atLeast('RMSprop', 'eps', o.eps ?? 1e-8, 0, true);
    this.weightDecay = atLeast('RMSprop', 'weightDecay', o.weightDecay ?? 0, 0);
    this.momentum = atLeast('RMSprop', 'momentum', o.momentum ?? 0, 0);
    this.centered = flag('RMSprop', 'centered', o.centered ?? false);
  }

  step(params: readonly Param[], lr = this.lr): void {
    const { alpha, eps, weightDecay: wd, momentum: mu, centered } = this;
    for (const p of params) {
      const w = p.value, g = p.grad, n = w.length;
      const s = this.slots.slot(p);
      s.step++;
      const sq = this.slots.buffer(p, s, 'square_avg', 0);
      const ga = centered ? this.slots.buffer(p, s, 'grad_avg', 0) : undefined;
      const buf = mu > 0 ? this.slots.buffer(p, s, 'momentum_buffer', 0) : undefined;
      for (let i = 0; i < n; i++) {
        const gi = g[i]! + wd * w[i]!;
        sq[i] = alpha * sq[i]! + (1 - alpha) * (gi * gi);
        let a: number;
        if (ga !== undefined) {
          ga[i] = alpha * ga[i]! + (1 - alpha) * gi;
          a = Math.sqrt(sq[i]! - ga[i]! * ga[i]!) + eps;
        } else {
          a = Math.sqrt(sq[i]!) + eps;
        }
        if (buf !== undefined) {
          buf[i] = mu * buf[i]! + gi / a;
          w[i] = w[i]! - lr * buf[i]!;
        } else {
          w[i] = w[i]! - lr * (gi / a);
        }
      }
    }
  }

  protected hyper(): Record<string, number> {
    return { lr: this.lr, momentum: this.momentum };
  }

  protected checkHyper(h: Record<string, number>): () => void {
    const lr = atLeast('RMSprop', 'state.hyper.lr', h['lr']!, 0);
    const momentum = atLeast('RMSprop', 'state.hyper.momentum', h['momentum']!, 0);
    return () => { this.lr = lr; this.momentum = momentum; };
  }
}

// ---- Adagrad ----------------------------------------------------------------------------------

/** PyTorch's defaults: lr 0.01, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10. */
export interface AdagradOptions {
  lr?: number;
  lrDecay?: number;
  weightDecay?: number;
  initialAccumulatorValue?: number;
  eps?: number;
}

/** g ← g + λw; Σ += g²; w ← w − lr/(1 + (t−1)·lrDecay) · g/(√Σ + ε), t the param's step count. */
export class Adagrad extends StatefulOptimizer {
  readonly kind = 'adagrad';
  lr: number;
  readonly lrDecay: number;
  readonly weightDecay: number;
  readonly initialAccumulatorValue: number;
  readonly eps: number;

  constructor(o: AdagradOptions = {}) {
    super('Adagrad');
    this.lr = atLeast('Adagrad', 'lr', o.lr ?? 0.01, 0);
    this.lrDecay = atLeast('Adagrad', 'lrDecay', o.lrDecay ?? 0, 0);
    this.weightDecay = atLeast('Adagrad', 'weightDecay', o.weightDecay ?? 0, 0);
    this.initialAccumulatorValue = atLeast('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue ?? 0, 0);
    this.eps = atLeast('Adagrad', 'eps', o.eps ?? 1e-10, 0, true);
  }

  step(params: readonly Param[], lr = this.lr): void {
    const { weightDecay: wd, eps } = this;
    for (const p of params) {
      const w = p.value, g = p.grad, n = w.length;
      const s = this.slots.slot(p);
      const t = ++s.step;
      const sum = this.slots.buffer(p, s, 'sum', this.initialAccumulatorValue);
      const clr = lr / (1 + (t - 1) * this.lrDecay);
      for (let i = 0; i < n; i++) {
        const gi = g[i]! + wd * w[i]!;
        sum[i] = sum[i]! + gi * gi;
        w[i] = w[i]! - clr * (gi / (Math.sqrt(sum[i]!) + eps));
      }
    }
  }

  protected hyper(): Record<string, number> {
    return { lr: this.lr };
  }

  protected checkHyper(h: Record<string, number>): () => void {
    const lr = atLeast('Adagrad', 'state.hyper.lr', h['lr']!, 0);
    return () => { this.lr = lr; };
  }
}

// ---- configs ----------------------------------------------------------------------------------

export type AnyOptimizer = SGD | Adam | AdamW | RMSprop | Adagrad;

/**
 * What a CLI flag or JSON config names. `momentum` is SGD with momentum 0.9 unless given;
 * `nesterov` is the same with Nesterov's correction. SGD has no default lr (as in PyTorch).
 */
export type OptimizerConfig =
  | ({ kind: 'sgd' } & SGDOptions)
  | ({ kind: 'momentum' } & Omit<SGDOptions, 'nesterov'>)
  | ({ kind: 'nesterov' } & Omit<SGDOptions, 'nesterov'>)
  | ({ kind: 'adam' } & AdamOptions)
  | ({ kind: 'adamw' } & AdamOptions)
  | ({ kind: 'rmsprop' } & RMSpropOptions)
  | ({ kind: 'adagrad' } & AdagradOptions);

export function createOptimizer(config: OptimizerConfig): AnyOptimizer {
  const { kind, ...o } = config;
  switch (config.kind) {
    case 'sgd': return new SGD(o as SGDOptions);
    case 'momentum': return new SGD({ ...(o as SGDOptions), momentum: config.momentum ?? 0.9, nesterov: false });
    case 'nesterov': return new SGD({ ...(o as SGDOptions), momentum: config.momentum ?? 0.9, nesterov: true });
    case 'adam': return new Adam(o);
    case 'adamw': return new AdamW(o);
    case 'rmsprop': return new RMSprop(o);
    case 'adagrad': return new Adagrad(o);
    default: return invalid('createOptimizer', 'kind', 'sgd, momentum, nesterov, adam, adamw, rmsprop or adagrad', kind);
  }
}
