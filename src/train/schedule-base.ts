// The schedule interface, configs and state as plain data, shared by the schedules in
// schedules.ts (hyperparameters are checked by the validators of src/errors.ts).

export type ScheduleKind =
  | 'constant' | 'step' | 'multistep' | 'exponential' | 'cosine' | 'cosine_restarts' | 'plateau' | 'onecycle';

/** Linear warm-up before a schedule; startFactor defaults to LinearLR's 1/3. */
export interface WarmupConfig {
  iters: number;
  startFactor?: number;
}

/** PyTorch's defaults: mode min, factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0, minLr 0, eps 1e-8. */
export interface PlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number;
  /** A reduction smaller than this is skipped (PyTorch's `eps`). */
  eps?: number;
}

/**
 * PyTorch's defaults: pctStart 0.3, annealStrategy cos, divFactor 25, finalDivFactor 1e4, threePhase
 * false, cycleMomentum true, baseMomentum 0.85, maxMomentum 0.95.
 */
export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  /** Cycle momentum (SGD, RMSprop) or beta1 (Adam, AdamW) between baseMomentum and maxMomentum. */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
}

/** Defaults are PyTorch's: StepLR/MultiStepLR gamma 0.1, etaMin 0, tMult 1. */
export type ScheduleConfig = (
  | { kind: 'constant' }
  | { kind: 'step'; stepSize: number; gamma?: number }
  | { kind: 'multistep'; milestones: readonly number[]; gamma?: number }
  | { kind: 'exponential'; gamma: number }
  | { kind: 'cosine'; tMax: number; etaMin?: number }
  | { kind: 'cosine_restarts'; t0: number; tMult?: number; etaMin?: number }
  | ({ kind: 'plateau' } & PlateauOptions)
  | ({ kind: 'onecycle' } & OneCycleOptions)
) & { warmup?: WarmupConfig };

export interface PlateauState {
  lr: number;
  /** null until a first metric is seen (PyTorch's ±inf, kept JSON-safe). */
  best: number | null;
  numBadEpochs: number;
  cooldownCounter: number;
}

/** Plain data: how many steps were taken, and ReduceLROnPlateau's own record. */
export interface ScheduleState {
  kind: ScheduleKind;
  step: number;
  plateau?: PlateauState;
}

export interface Schedule {
  readonly kind: ScheduleKind;
  /** Optimizer steps taken so far. */
  readonly stepCount: number;
  /** The learning rate for the coming optimizer step. */
  readonly lr: number;
  /** momentum or beta1 for the coming step when the schedule cycles it (OneCycle), else undefined. */
  readonly momentum: number | undefined;
  /** Advances one optimizer step. ReduceLROnPlateau needs the step's metric. */
  step(metric?: number): void;
  state(): ScheduleState;
  loadState(s: ScheduleState): void;
}
