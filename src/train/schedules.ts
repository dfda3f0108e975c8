// Learning-rate schedules that give the same values as torch.optim.lr_scheduler (checked against
// PyTorch in test/optim.test.ts with fixtures from scripts/golden_optim.py).
//
// Conventions:
// - A schedule is a counter n of optimizer steps taken. `lr` (and `momentum`, for OneCycle) is the
//   value for the coming optimizer step: n = 0 before the first step. A training step is
//   `applySchedule(s, opt); opt.step(params); s.step(metric)`: the same order as PyTorch's
//   `optimizer.step(); scheduler.step()`, whose constructor sets the n = 0 value.
// - Every schedule but ReduceLROnPlateau is written in closed form, lr(n) from the base lr.
//   PyTorch's step() uses a recursive ("chainable") form for some (StepLR, ExponentialLR,
//   CosineAnnealingLR, LinearLR); in float64 it agrees with the closed form to ~1e-15 relative over
//   the tested ranges, also past CosineAnnealingLR's T_max, where both rise again with period 2·T_max.
// - Warm-up is PyTorch's SequentialLR([LinearLR(startFactor, iters), S], milestones=[iters]):
//   lr = base·(startFactor + (1 − startFactor)·n/iters) for n < iters, then S from its own n = 0, so
//   the warm-up never reaches base itself before S starts. In front of OneCycleLR, "base" is its
//   starting lr maxLr/divFactor (as in PyTorch). For ReduceLROnPlateau (which PyTorch cannot chain)
//   metrics passed during warm-up are ignored.

import type { AnyOptimizer } from './optimizers.js';

import { invalid, atLeast, wholeAtLeast, unitInterval, oneOf } from '../errors.js';
import type { ScheduleKind, WarmupConfig, PlateauOptions, OneCycleOptions, ScheduleConfig, PlateauState, ScheduleState, Schedule } from './schedule-base.js';

export type { ScheduleKind, WarmupConfig, PlateauOptions, OneCycleOptions, ScheduleConfig, PlateauState, ScheduleState, Schedule } from './schedule-base.js';

// ---- closed-form schedules --------------------------------------------------------------------

/** Shared counter and state for schedules written as lr(n). */
abstract class ClosedForm implements Schedule {
  abstract readonly kind: ScheduleKind;
  private n = 0;

  constructor(readonly baseLr: number) {
    atLeast(new.target.name, 'base lr', baseLr, 0);
  }

  /** The learning rate before optimizer step n + 1 (n = 0 before the first). */
  abstract lrAt(n: number): number;

  momentumAt(_n: number): number | undefined {
    return undefined;
  }

  get stepCount(): number { return this.n; }
  get lr(): number { return this.lrAt(this.n); }
  get momentum(): number | undefined { return this.momentumAt(this.n); }

  step(): void {
    this.n++;
  }

  state(): ScheduleState {
    return { kind: this.kind, step: this.n };
  }

  loadState(s: ScheduleState): void {
    if (s.kind !== this.kind) invalid(this.constructor.name, 'state.kind', `'${this.kind}'`, s.kind);
    this.n = wholeAtLeast(this.constructor.name, 'state.step', s.step, 0);
  }
}

/** The base lr throughout (not PyTorch's ConstantLR, which scales it for a while). */
export class ConstantLR extends ClosedForm {
  readonly kind = 'constant';
  lrAt(_n: number): number { return this.baseLr; }
}

/** base · gamma^⌊n / stepSize⌋. */
export class StepLR extends ClosedForm {
  readonly kind = 'step';
  constructor(baseLr: number, readonly stepSize: number, readonly gamma = 0.1) {
    super(baseLr);
    wholeAtLeast('StepLR', 'stepSize', stepSize, 1);
    atLeast('StepLR', 'gamma', gamma, 0);
  }
  lrAt(n: number): number { return this.baseLr * this.gamma ** Math.floor(n / this.stepSize); }
}

/** base · gamma^(number of milestones ≤ n); a milestone listed twice counts twice, as in PyTorch. */
export class MultiStepLR extends ClosedForm {
  readonly kind = 'multistep';
  readonly milestones: readonly number[];
  constructor(baseLr: number, milestones: readonly number[], readonly gamma = 0.1) {
    super(baseLr);
    if (!Array.isArray(milestones)) invalid('MultiStepLR', 'milestones', 'an array of integers', milestones);
    milestones.forEach((m, i) => wholeAtLeast('MultiStepLR', `milestones[${i}]`, m, 0));
    atLeast('MultiStepLR', 'gamma', gamma, 0);
    this.milestones = [...milestones].sort((a, b) => a - b);
  }
  lrAt(n: number): number {
    let passed = 0;
    while (passed < this.milestones.length && this.milestones[passed]! <= n) passed++;
    return this.baseLr * this.gamma ** passed;
  }
}

/** base · gamma^n. */
export class ExponentialLR extends ClosedForm {
  readonly kind = 'exponential';
  constructor(baseLr: number, readonly gamma: number) {
    super(baseLr);
    atLeast('ExponentialLR', 'gamma', gamma, 0);
  }
  lrAt(n: number): number { return this.baseLr * this.gamma ** n; }
}

/** etaMin + (base − etaMin)·(1 + cos(πn/tMax))/2, periodic in 2·tMax past tMax as in PyTorch. */
export class CosineAnnealingLR extends ClosedForm {
  readonly kind = 'cosine';
  constructor(baseLr: number, readonly tMax: number, readonly etaMin = 0) {
    super(baseLr);
    wholeAtLeast('CosineAnnealingLR', 'tMax', tMax, 1);
    atLeast('CosineAnnealingLR', 'etaMin', etaMin, 0);
  }
  lrAt(n: number): number {
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * n) / this.tMax))) / 2;
  }
}

/**
 * SGDR (Loshchilov & Hutter): cosine from base to etaMin over periods of t0, t0·tMult, t0·tMult², …
 * steps, restarting at base after each.
 */
export class CosineAnnealingWarmRestarts extends ClosedForm {
  readonly kind = 'cosine_restarts';
  constructor(baseLr: number, readonly t0: number, readonly tMult = 1, readonly etaMin = 0) {
    super(baseLr);
    wholeAtLeast('CosineAnnealingWarmRestarts', 't0', t0, 1);
    wholeAtLeast('CosineAnnealingWarmRestarts', 'tMult', tMult, 1);
    atLeast('CosineAnnealingWarmRestarts', 'etaMin', etaMin, 0);
  }
  lrAt(n: number): number {
    let tCur = n, tI = this.t0;
    if (this.tMult === 1) tCur = n % tI;
    else while (tCur >= tI) { tCur -= tI; tI *= this.tMult; }
    return this.etaMin + ((this.baseLr - this.etaMin) * (1 + Math.cos((Math.PI * tCur) / tI))) / 2;
  }
}

interface Phase { end: number; lr: [number, number]; momentum: [number, number] }

/**
 * Smith & Topin's 1cycle, as PyTorch lays it out: from maxLr/divFactor up to maxLr over the first
 * pctStart of totalSteps, then down to maxLr/divFactor/finalDivFactor (three-phase: back to the
 * start value first, then down). Momentum moves the other way, maxMomentum → baseMomentum → max.
 * Phase ends are the fractional steps pct·total − 1 (and 2·pct·total − 2), so lr may never equal
 * maxLr exactly. The base lr is not used. Stepping past totalSteps is an error, as in PyTorch.
 */
export class OneCycleLR extends ClosedForm {
  readonly kind = 'onecycle';
  readonly totalSteps: number;
  readonly cycleMomentum: boolean;
  private readonly phases: Phase[];
  private readonly anneal: (start: number, end: number, pct: number) => number;

  constructor(o: OneCycleOptions) {
    super(0);
    const W = 'OneCycleLR';
    const maxLr = atLeast(W, 'maxLr', o.maxLr, 0, true);
    const total = this.totalSteps = wholeAtLeast(W, 'totalSteps', o.totalSteps, 1);
    const pct = unitInterval(W, 'pctStart', o.pctStart ?? 0.3, true);
    const strategy = oneOf(W, 'annealStrategy', o.annealStrategy ?? 'cos', ['cos', 'linear']);
    const initial = maxLr / atLeast(W, 'divFactor', o.divFactor ?? 25, 0, true);
    const min = initial / atLeast(W, 'finalDivFactor', o.finalDivFactor ?? 1e4, 0, true);
    this.cycleMomentum = o.cycleMomentum ?? true;
    const lo = unitInterval(W, 'baseMomentum', o.baseMomentum ?? 0.85);
    const hi = unitInterval(W, 'maxMomentum', o.maxMomentum ?? 0.95);
    if (lo > hi) invalid(W, 'baseMomentum', `<= maxMomentum (${hi})`, lo);
    this.phases = o.threePhase ?? false
      ? [
        { end: pct * total - 1, lr: [initial, maxLr], momentum: [hi, lo] },
        { end: 2 * pct * total - 2, lr: [maxLr, initial], momentum: [lo, hi] },
        { end: total - 1, lr: [initial, min], momentum: [hi, hi] },
      ]
      : [
        { end: pct * total - 1, lr: [initial, maxLr], momentum: [hi, lo] },
        { end: total - 1, lr: [maxLr, min], momentum: [lo, hi] },
      ];
    let start = 0;
    for (const [i, ph] of this.phases.entries()) {
      // A phase that can be reached but has no length would divide by zero in `at` (PyTorch raises
      // ZeroDivisionError there).
      if ((ph.end >= 0 || i === this.phases.length - 1) && ph.end === start) {
        invalid(W, 'totalSteps', 'large enough for every phase to have a length', total);
      }
      start = ph.end;
    }
    this.anneal = strategy === 'cos'
      ? (a, b, p) => b + ((a - b) / 2) * (Math.cos(Math.PI * p) + 1)
      : (a, b, p) => (b - a) * p + a;
  }

  private at(n: number, which: 'lr' | 'momentum'): number {
    if (n > this.totalSteps) invalid('OneCycleLR', 'step count', `<= totalSteps (${this.totalSteps})`, n);
    let start = 0;
    for (const [i, ph] of this.phases.entries()) {
      if (n <= ph.end || i === this.phases.length - 1) {
        return this.anneal(ph[which][0], ph[which][1], (n - start) / (ph.end - start));
      }
      start = ph.end;
    }
    throw new Error('unreachable');
  }

  lrAt(n: number): number { return this.at(n, 'lr'); }
  override momentumAt(n: number): number | undefined { return this.cycleMomentum ? this.at(n, 'momentum') : undefined; }

  override step(): void {
    if (this.stepCount + 1 > this.totalSteps) {
      invalid('OneCycleLR', 'step count', `<= totalSteps (${this.totalSteps})`, this.stepCount + 1);
    }
    super.step();
  }
}

// ---- ReduceLROnPlateau ------------------------------------------------------------------------

/**
 * Multiplies lr by `factor` (not below minLr) once the metric has failed to improve for more than
 * `patience` steps, then waits `cooldown` steps during which bad steps are not counted. "Improves"
 * means below best·(1 − threshold) (rel) or best − threshold (abs) in mode min, mirrored for max.
 */
export class ReduceLROnPlateau implements Schedule {
  readonly kind = 'plateau';
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLr: number;
  readonly eps: number;
  private n = 0;
  private s: PlateauState;

  constructor(readonly baseLr: number, o: PlateauOptions = {}) {
    const W = 'ReduceLROnPlateau';
    atLeast(W, 'base lr', baseLr, 0);
    this.mode = oneOf(W, 'mode', o.mode ?? 'min', ['min', 'max']);
    this.factor = unitInterval(W, 'factor', o.factor ?? 0.1);
    this.patience = wholeAtLeast(W, 'patience', o.patience ?? 10, 0);
    this.threshold = atLeast(W, 'threshold', o.threshold ?? 1e-4, 0);
    this.thresholdMode = oneOf(W, 'thresholdMode', o.thresholdMode ?? 'rel', ['rel', 'abs']);
    this.cooldown = wholeAtLeast(W, 'cooldown', o.cooldown ?? 0, 0);
    this.minLr = atLeast(W, 'minLr', o.minLr ?? 0, 0);
    this.eps = atLeast(W, 'eps', o.eps ?? 1e-8, 0);
    this.s = { lr: baseLr, best: null, numBadEpochs: 0, cooldownCounter: 0 };
  }

  get stepCount(): number { return this.n; }
  get lr(): number { return this.s.lr; }
  get momentum(): undefined { return undefined; }

  private isBetter(a: number): boolean {
    const best = this.s.best ?? (this.mode === 'min' ? Infinity : -Infinity);
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < best * (1 - t) : a < best - t;
    return this.thresholdMode === 'rel' ? a > best * (t + 1) : a > best + t;
  }

  step(metric?: number): void {
    if (typeof metric !== 'number') invalid('ReduceLROnPlateau', 'metric', 'a number', metric);
    const s = this.s;
    this.n++;
    // NaN is never better, so it counts as a bad step (as in PyTorch).
    if (this.isBetter(metric)) {
      s.best = metric;
      s.numBadEpochs = 0;
    } else {
      s.numBadEpochs++;
    }
    if (s.cooldownCounter > 0) {
      s.cooldownCounter--;
      s.numBadEpochs = 0;
    }
    if (s.numBadEpochs > this.patience) {
      const reduced = Math.max(s.lr * this.factor, this.minLr);
      if (s.lr - reduced > this.eps) s.lr = reduced;
      s.cooldownCounter = this.cooldown;
      s.numBadEpochs = 0;
    }
  }

  state(): ScheduleState {
    return { kind: 'plateau', step: this.n, plateau: { ...this.s } };
  }

  loadState(st: ScheduleState): void {
    const W = 'ReduceLROnPlateau';
    if (st.kind !== 'plateau') invalid(W, 'state.kind', "'plateau'", st.kind);
    const p = st.plateau;
    if (p === undefined) invalid(W, 'state.plateau', 'present', p);
    if (p.best !== null && typeof p.best !== 'number') invalid(W, 'state.plateau.best', 'a number or null', p.best);
    const next: PlateauState = {
      lr: atLeast(W, 'state.plateau.lr', p.lr, 0),
      best: p.best,
      numBadEpochs: wholeAtLeast(W, 'state.plateau.numBadEpochs', p.numBadEpochs, 0),
      cooldownCounter: wholeAtLeast(W, 'state.plateau.cooldownCounter', p.cooldownCounter, 0),
    };
    this.n = wholeAtLeast(W, 'state.step', st.step, 0);
    this.s = next;
  }
}

// ---- warm-up ----------------------------------------------------------------------------------

/** Linear warm-up over `iters` steps, then `inner` from its own step 0. */
export class LinearWarmup implements Schedule {
  private n = 0;
  readonly startFactor: number;
  readonly iters: number;

  constructor(readonly baseLr: number, w: WarmupConfig, readonly inner: Schedule) {
    this.iters = wholeAtLeast('LinearWarmup', 'warmup.iters', w.iters, 1);
    const f = w.startFactor ?? 1 / 3;
    if (typeof f !== 'number' || !(f > 0 && f <= 1)) invalid('LinearWarmup', 'warmup.startFactor', 'in (0, 1]', f);
    this.startFactor = f;
  }

  get kind(): ScheduleKind { return this.inner.kind; }
  get stepCount(): number { return this.n; }
  get lr(): number {
    if (this.n >= this.iters) return this.inner.lr;
    return this.baseLr * (this.startFactor + ((1 - this.startFactor) * this.n) / this.iters);
  }
  /** During warm-up, the inner schedule's first value (PyTorch leaves it as set at construction). */
  get momentum(): number | undefined { return this.inner.momentum; }

  step(metric?: number): void {
    this.n++;
    if (this.n > this.iters) this.inner.step(metric);
  }

  state(): ScheduleState {
    return { ...this.inner.state(), step: this.n };
  }

  loadState(s: ScheduleState): void {
    const n = wholeAtLeast('LinearWarmup', 'state.step', s.step, 0);
    this.inner.loadState({ ...s, step: Math.max(0, n - this.iters) });
    this.n = n;
  }
}

// ---- configs and optimizers -------------------------------------------------------------------

/** A schedule from its config; `baseLr` is the optimizer's lr (OneCycle uses maxLr instead). */
export function createSchedule(config: ScheduleConfig, baseLr: number): Schedule {
  const inner = createBare(config, baseLr);
  if (config.warmup === undefined) return inner;
  // OneCycleLR replaces the optimizer's initial lr with maxLr/divFactor, so in PyTorch the warm-up
  // in front of it rises towards that value.
  const warmTo = inner instanceof OneCycleLR ? inner.lrAt(0) : baseLr;
  return new LinearWarmup(warmTo, config.warmup, inner);
}

function createBare(c: ScheduleConfig, baseLr: number): Schedule {
  switch (c.kind) {
    case 'constant': return new ConstantLR(baseLr);
    case 'step': return new StepLR(baseLr, c.stepSize, c.gamma);
    case 'multistep': return new MultiStepLR(baseLr, c.milestones, c.gamma);
    case 'exponential': return new ExponentialLR(baseLr, c.gamma);
    case 'cosine': return new CosineAnnealingLR(baseLr, c.tMax, c.etaMin);
    case 'cosine_restarts': return new CosineAnnealingWarmRestarts(baseLr, c.t0, c.tMult, c.etaMin);
    case 'plateau': return new ReduceLROnPlateau(baseLr, c);
    case 'onecycle': return new OneCycleLR(c);
    default: {
      const kinds = 'constant, step, multistep, exponential, cosine, cosine_restarts, plateau or onecycle';
      return invalid('createSchedule', 'kind', kinds, (c as { kind: unknown }).kind);
    }
  }
}

/**
 * Writes the schedule's lr into the optimizer, and its momentum, when it cycles one, into SGD's or
 * RMSprop's `momentum` or Adam's and AdamW's beta1 (PyTorch's choice: betas when the optimizer has
 * them). Adagrad has no momentum to cycle: an error, as in PyTorch.
 */
export function applySchedule(schedule: Schedule, opt: AnyOptimizer): void {
  opt.lr = schedule.lr;
  cycleMomentum(schedule, opt);
}

/** Sets the momentum (or beta1) a cycling schedule (OneCycle) gives the coming step; no-op for the others. */
export function cycleMomentum(schedule: Schedule, opt: AnyOptimizer): void {
  const m = schedule.momentum;
  if (m === undefined) return;
  switch (opt.kind) {
    case 'sgd': case 'rmsprop': opt.momentum = m; break;
    case 'adam': case 'adamw': opt.betas = [m, opt.betas[1]]; break;
    case 'adagrad': invalid('applySchedule', 'optimizer', 'one with momentum or betas to cycle', opt.kind);
  }
}
