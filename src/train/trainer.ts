// The training loop: batches from a task, forward, loss, backward (full or truncated BPTT),
// clipping, the NaN guard, the optimizer and its schedule, evaluation, early stopping, and
// callbacks (among them onRecord, one plain record per step, evaluation and NaN-guard event: the
// Node room's metrics log writes them to a file). Seeded: the same seed gives the same losses bit
// for bit.

import { fail } from '../errors.js';
import type { Float } from '../kernels/types.js';
import type { Sequential } from '../model/sequential.js';
import { truncatedBptt } from '../model/truncated.js';
import { Rng } from '../tensor/rng.js';
import type { Batch, Task } from '../tasks/task.js';
import { AdaptiveClipper, AutoClipper, clipGradAgcInPlace, clipGradNormInPlace, clipGradValueInPlace, gradNorm } from './clip.js';
import { computeLoss, countedRows, paddingMask } from './losses.js';
import { NanGuard, type NanGuardEvent, type NanGuardOptions } from './nan-guard.js';
import { createOptimizer, type AnyOptimizer, type OptimizerConfig } from './optimizers.js';
import { createSchedule, cycleMomentum, type Schedule, type ScheduleConfig } from './schedules.js';

export type ClipConfig =
  | { kind: 'none' }
  | { kind: 'norm'; maxNorm: number }
  | { kind: 'value'; value: number }
  | { kind: 'adaptive'; factor: number }
  /** AGC (Brock et al. 2021): each unit's gradient norm at most factor × its weight norm. */
  | { kind: 'agc'; factor: number; eps?: number }
  /** AutoClip (Seetharaman et al. 2020): the percentile of the norms so far, warm-started. */
  | { kind: 'autoclip'; percentile: number; warmStart?: number; warmCount?: number };

export interface TrainConfig {
  steps: number;
  batchSize: number;
  seed: number;
  optimizer: OptimizerConfig;
  schedule?: ScheduleConfig;
  clip?: ClipConfig;
  /** Truncated BPTT chunk length; full BPTT when omitted. */
  bptt?: number;
  /** Evaluate on the validation set every N steps (and at the end); default 100. */
  evalEvery?: number;
  /** Stop when the validation loss has not improved for this many evaluations. */
  earlyStopping?: { patience: number; minDelta?: number };
  /** Stop as soon as the task counts as solved on validation. */
  stopWhenSolved?: boolean;
  nanGuard?: NanGuardOptions;
  /**
   * A wall-clock budget in seconds: the run ends after the step during which it runs out, and the
   * schedule (all but plateau) runs on time instead of on steps taken: before each step it stands at
   * step ⌊steps · elapsed / seconds⌋ of its `steps`-long horizon, so a cosine reaches its floor when
   * the budget does, however fast the machine goes.
   */
  seconds?: number;
}

export interface StepInfo {
  step: number; loss: number; gradNorm: number; clipped: boolean; lr: number; applied: boolean; seconds: number;
}
export interface EvalInfo { step: number; valLoss: number; accuracy: number | null; solved: boolean; trainLoss: number }

export interface TrainCallbacks {
  /** After backward, before clipping and the update, on steps whose gradients are finite. */
  onGradients?(step: number): void;
  onStep?(s: StepInfo): void;
  onEval?(e: EvalInfo): void;
  /** Before an evaluation's forward passes, which overwrite the buffers the step's forward left in the layers. */
  onEvaluate?(step: number): void;
  onNanGuard?(e: NanGuardEvent): void;
  /** Once a step is complete (evaluation and stopping decided): where a checkpoint is taken. */
  onStepEnd?(s: StepInfo): void;
  /** Each step, evaluation and NaN-guard event as one plain record, in order (a metrics log). */
  onRecord?(r: MetricsRecord): void;
}

/** A line of the metrics log: a step, an evaluation, or a NaN-guard event, with its type. */
export type MetricsRecord = ({ type: 'step' } & StepInfo) | ({ type: 'eval' } & EvalInfo) | ({ type: 'nan_guard' } & NanGuardEvent);

/** The training loop's own state (what a checkpoint must keep besides weights, optimizer and RNG). */
export interface LoopState {
  step: number;
  best: number;
  sinceBest: number;
  stoppedEarly: boolean;
  /** Set when the run stopped before its last step (solved, early stopping). */
  done: boolean;
  /** The last (up to 50) finite training losses, for the running train loss. */
  recent: number[];
  last: EvalInfo | null;
  history: { steps: StepInfo[]; evals: EvalInfo[] };
  /** performance.now() when the current run() began, 0 when none is running. */
  startedAt: number;
  /** Seconds spent in earlier run()s. */
  secondsBefore: number;
}

export interface TrainResult {
  steps: number;
  seconds: number;
  trainLoss: number;
  valLoss: number;
  accuracy: number | null;
  baselineLoss: number | null;
  solved: boolean;
  nanSkipped: number;
  rollbacks: number;
  stoppedEarly: boolean;
  history: { steps: StepInfo[]; evals: EvalInfo[] };
}

/** Mean validation loss (weighted by rows that count) and accuracy of a model on a task. */
export function evaluate(model: Sequential, task: Task): { loss: number; accuracy: number | null } {
  let sum = 0, n = 0, correct = 0, total = 0;
  let grad = new Float64Array(0); // the loss's gradient, unused here; one buffer for the whole pass
  for (const batch of task.validation()) {
    const y = model.forward(batch.x, batch.t, batch.b, { lengths: batch.lengths });
    const rowWeight = rowWeightOf(task, batch);
    const rows = countedRows(task.loss, batch.rows, batch.target, rowWeight);
    if (grad.length < y.data.length) grad = new Float64Array(y.data.length);
    sum += computeLoss(task.loss, { pred: y.data, rows: batch.rows, cols: task.outputSize, target: batch.target, rowWeight }, grad.subarray(0, y.data.length)) * rows;
    n += rows;
    if (task.accuracy) { const a = task.accuracy(y.data, batch); correct += a.correct; total += a.total; }
  }
  return { loss: n > 0 ? sum / n : NaN, accuracy: task.accuracy && total > 0 ? correct / total : null };
}

/** Row weights of steps t0 … t0+tc−1 of a batch: padding masked for losses on every step, else null. */
function rowWeightOf(task: Task, batch: Batch, t0 = 0, tc = batch.t): Float64Array | null {
  return task.outputMode === 'every' ? paddingMask(batch.lengths, t0, tc, batch.b) : null;
}

/** Hands the event loop a turn: setImmediate where there is one (Node), else a zero timeout. */
export const nextTurn: () => Promise<void> = typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
  ? () => new Promise((resolve) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(resolve))
  : () => new Promise((resolve) => setTimeout(resolve, 0));

export class Trainer {
  readonly optimizer: AnyOptimizer;
  readonly schedule: Schedule | null;
  readonly guard: NanGuard;
  readonly rng: Rng;
  /** The adaptive clipper, for clip kind 'adaptive' (its running mean is checkpointed). */
  readonly adaptive: AdaptiveClipper | null;
  /** The AutoClip clipper, for clip kind 'autoclip' (its history is checkpointed). */
  readonly autoclip: AutoClipper | null;
  private readonly dOut: { data: Float } ;

  constructor(readonly model: Sequential, readonly task: Task, readonly config: TrainConfig, readonly callbacks: TrainCallbacks = {}) {
    if (!(Number.isInteger(config.steps) && config.steps >= 1)) fail('steps', 'a whole number ≥ 1', config.steps);
    if (!(Number.isInteger(config.batchSize) && config.batchSize >= 1)) fail('batch size', 'a whole number ≥ 1', config.batchSize);
    if (config.seconds !== undefined && !(config.seconds > 0 && Number.isFinite(config.seconds))) fail('seconds', 'a finite number > 0', config.seconds);
    if (model.config.outputSize !== task.outputSize) fail('model output size', `${task.outputSize} (the task's)`, model.config.outputSize);
    if (model.config.outputMode !== task.outputMode) fail('model output mode', `"${task.outputMode}" (the task's)`, model.config.outputMode);
    this.optimizer = createOptimizer(config.optimizer);
    this.schedule = config.schedule ? createSchedule(config.schedule, this.optimizer.lr) : null;
    this.guard = new NanGuard(model.params, this.optimizer, config.nanGuard);
    this.rng = new Rng(config.seed);
    const clip = config.clip ?? { kind: 'none' };
    this.adaptive = clip.kind === 'adaptive' ? new AdaptiveClipper({ factor: clip.factor }) : null;
    this.autoclip = clip.kind === 'autoclip' ? new AutoClipper({ percentile: clip.percentile, warmStart: clip.warmStart, warmCount: clip.warmCount }) : null;
    if (clip.kind === 'agc') clipGradAgcInPlace([], clip.factor, clip.eps); // checks the settings now
    this.dOut = { data: model.kernels.alloc(0) };
  }

  /** Runs forward and backward on one batch; returns the loss. Gradients are left in the params. */
  private lossAndGradients(batch: Batch): number {
    const { model, task } = this;
    model.zeroGrad();
    const chunk = this.config.bptt;
    if (!chunk || chunk >= batch.t) {
      const y = model.forward(batch.x, batch.t, batch.b, { lengths: batch.lengths, training: true });
      const input = { pred: y.data, rows: batch.rows, cols: task.outputSize, target: batch.target, rowWeight: rowWeightOf(task, batch) };
      const loss = computeLoss(task.loss, input, this.gradBuffer(y.data.length));
      model.backward({ data: this.dOut.data, t: y.t, b: y.b, f: y.f });
      return loss + model.auxLoss();
    }
    // Truncated BPTT: each chunk's share of the batch loss, so the sum is the batch mean.
    const every = task.outputMode === 'every';
    // from the batch's own lengths: the model has not seen this batch yet
    const total = countedRows(task.loss, batch.rows, batch.target, rowWeightOf(task, batch));
    const r = truncatedBptt(model, batch.x, batch.t, batch.b, chunk, (y, t0, tc) => {
      const g = this.gradBuffer(y.data.length);
      if (!every && t0 + tc < batch.t) { g.fill(0); return { loss: 0, dOut: { data: g, t: y.t, b: y.b, f: y.f } }; }
      const rows = every ? tc * batch.b : batch.rows;
      const target = every ? batch.target.subarray(t0 * batch.b * (task.loss === 'cross_entropy' ? 1 : task.outputSize), (t0 + tc) * batch.b * (task.loss === 'cross_entropy' ? 1 : task.outputSize)) : batch.target;
      const rowWeight = rowWeightOf(task, batch, t0, tc);
      const counted = countedRows(task.loss, rows, target, rowWeight);
      const loss = computeLoss(task.loss, { pred: y.data, rows, cols: task.outputSize, target, rowWeight }, g);
      const share = counted / total;
      for (let i = 0; i < g.length; i++) g[i] *= share;
      return { loss: loss * share, dOut: { data: g, t: y.t, b: y.b, f: y.f } };
    }, { lengths: batch.lengths, training: true });
    return r.loss;
  }

  private gradBuffer(n: number): Float {
    if (this.dOut.data.length !== n) { this.model.kernels.free(this.dOut.data); this.dOut.data = this.model.kernels.alloc(n); }
    return this.dOut.data;
  }

  private clip(): { norm: number; clipped: boolean } {
    const params = this.model.params;
    const c = this.config.clip ?? { kind: 'none' };
    switch (c.kind) {
      case 'none': return { norm: gradNorm(params), clipped: false };
      case 'norm': { const norm = clipGradNormInPlace(params, c.maxNorm); return { norm, clipped: norm > c.maxNorm }; }
      case 'value': { const norm = gradNorm(params); return { norm, clipped: clipGradValueInPlace(params, c.value) > 0 }; }
      case 'adaptive': { const r = this.adaptive!.clipInPlace(params); return { norm: r.norm, clipped: r.clipped }; }
      case 'autoclip': { const r = this.autoclip!.clipInPlace(params); return { norm: r.norm, clipped: r.clipped }; }
      case 'agc': { const r = clipGradAgcInPlace(params, c.factor, c.eps); return { norm: r.norm, clipped: r.clippedUnits > 0 }; }
    }
  }

  /** Training progress so far: the loop's state lives here so a run can be paused, inspected and resumed. */
  readonly loop: LoopState = {
    step: 0, best: Infinity, sinceBest: 0, stoppedEarly: false, done: false, recent: [], last: null,
    history: { steps: [], evals: [] }, startedAt: 0, secondsBefore: 0,
  };

  /** Runs every remaining step. */
  train(): TrainResult {
    for (const _ of this.run());
    return this.result();
  }

  /**
   * Runs every remaining step, handing the event loop a turn every `yieldEvery` steps (default 1),
   * so servers (the dashboard) and timers keep running while training.
   */
  async trainAsync(yieldEvery = 1): Promise<TrainResult> {
    let n = 0;
    for (const _ of this.run()) {
      if (++n % yieldEvery === 0) await nextTurn();
    }
    return this.result();
  }

  /** The training loop as a generator: one value per step taken (after its callbacks ran). */
  *run(): Generator<StepInfo, void, void> {
    const { config, loop } = this;
    loop.startedAt = performance.now();
    const evalEvery = config.evalEvery ?? Math.min(100, config.steps);
    while (!loop.done && loop.step < config.steps && !(config.seconds !== undefined && this.seconds() >= config.seconds)) {
      const info = this.step();
      if (info.step % evalEvery === 0 || info.step === config.steps) this.evaluation(info.step);
      this.callbacks.onStepEnd?.(info);
      yield info;
    }
    loop.secondsBefore = this.seconds();
    loop.startedAt = 0;
  }

  /** One training step: a batch, forward and backward, the NaN guard, clipping and the update. */
  private step(): StepInfo {
    const { model, task, config, optimizer, schedule, guard, loop, callbacks } = this;
    const step = ++loop.step;
    const loss = this.lossAndGradients(task.trainBatch(this.rng, config.batchSize));
    if (schedule && config.seconds !== undefined && config.schedule?.kind !== 'plateau') {
      // on time: the share of the budget spent so far, as a step of the schedule's horizon
      const n = Math.min(config.steps, Math.floor((config.steps * this.seconds()) / config.seconds));
      schedule.loadState({ ...schedule.state(), step: n });
    }
    const lr = (schedule ? schedule.lr : optimizer.lr) * guard.lrScale;
    if (schedule) cycleMomentum(schedule, optimizer);
    let applied = false, norm = NaN, clipped = false;
    if (guard.gradientsOk(loss)) {
      callbacks.onGradients?.(step);
      ({ norm, clipped } = this.clip());
      guard.beforeStep();
      optimizer.step(model.params, lr);
      model.constrain();
      applied = guard.afterStep(step);
    } else {
      guard.skip(step, loss);
    }
    for (const e of guard.events.splice(0)) { callbacks.onNanGuard?.(e); callbacks.onRecord?.({ type: 'nan_guard', ...e }); }
    if (schedule && config.schedule?.kind !== 'plateau') schedule.step();
    const info: StepInfo = { step, loss, gradNorm: norm, clipped, lr, applied, seconds: this.seconds() };
    loop.history.steps.push(info);
    if (Number.isFinite(loss)) loop.recent.push(loss);
    if (loop.recent.length > 50) loop.recent = loop.recent.slice(-50);
    callbacks.onStep?.(info);
    callbacks.onRecord?.({ type: 'step', ...info });
    return info;
  }

  /** Evaluates on the validation set, then steps a plateau schedule and decides whether to stop. */
  private evaluation(step: number): void {
    const { model, task, config, schedule, loop, callbacks } = this;
    callbacks.onEvaluate?.(step);
    const v = evaluate(model, task);
    const trainLoss = loop.recent.length ? loop.recent.reduce((a, b) => a + b, 0) / loop.recent.length : NaN;
    const last: EvalInfo = { step, valLoss: v.loss, accuracy: v.accuracy, solved: task.solved(v.loss, v.accuracy), trainLoss };
    loop.last = last;
    loop.history.evals.push(last);
    callbacks.onEval?.(last);
    callbacks.onRecord?.({ type: 'eval', ...last });
    if (schedule && config.schedule?.kind === 'plateau') schedule.step(v.loss);
    if (config.stopWhenSolved && last.solved) loop.done = true;
    else if (config.earlyStopping) this.earlyStop(v.loss, config.earlyStopping);
  }

  /** Early stopping: done once the validation loss has not improved by minDelta for `patience` evaluations. */
  private earlyStop(valLoss: number, o: { patience: number; minDelta?: number }): void {
    const { loop } = this;
    if (valLoss < loop.best - (o.minDelta ?? 0)) { loop.best = valLoss; loop.sinceBest = 0; }
    else if (++loop.sinceBest >= o.patience) { loop.stoppedEarly = true; loop.done = true; }
  }

  /** Seconds spent training, over every run() of this trainer. */
  private seconds(): number {
    return this.loop.secondsBefore + (this.loop.startedAt ? (performance.now() - this.loop.startedAt) / 1000 : 0);
  }

  /** The result of the steps taken so far (evaluates once more if the last step was not evaluated). */
  result(): TrainResult {
    const { model, task, loop } = this;
    if (!loop.last || loop.last.step !== loop.step) {
      const v = evaluate(model, task);
      loop.last = { step: loop.step, valLoss: v.loss, accuracy: v.accuracy, solved: task.solved(v.loss, v.accuracy), trainLoss: loop.recent.at(-1) ?? NaN };
      loop.history.evals.push(loop.last);
    }
    return this.resultOf(loop.last, loop.last.trainLoss);
  }

  /** The run as it stands, without evaluating: the last evaluation's figures, the running train loss (a live view). */
  progress(): TrainResult {
    const recent = this.loop.recent;
    return this.resultOf(this.loop.last, recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN);
  }

  private resultOf(last: EvalInfo | null, trainLoss: number): TrainResult {
    const { task, guard, loop } = this;
    return {
      steps: loop.step, seconds: this.seconds(), trainLoss, valLoss: last?.valLoss ?? NaN,
      accuracy: last?.accuracy ?? null, baselineLoss: task.baselineLoss, solved: last?.solved ?? false,
      nanSkipped: guard.skipped, rollbacks: guard.rollbacks, stoppedEarly: loop.stoppedEarly, history: loop.history,
    };
  }
}
