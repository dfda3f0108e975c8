// fit, for every high-level object: the engine's Trainer over an in-memory task, counted in epochs
// (passes over the training samples, one evaluation at the end of each by default), with early
// stopping, best weights kept and put back, callbacks that may stop training, and vital signs.
// The same run drives the synchronous form and the asynchronous one, which hands the event loop a
// turn at least every YIELD_MS milliseconds so that pages and servers stay responsive.

import { summarizeVitals } from '../diagnostics/vitals-summary.js';
import { VitalsRecorder, mergeCallbacks } from '../diagnostics/vitals.js';
import { RecurError } from '../errors.js';
import { describeKernels, kernelsText } from '../kernels/index.js';
import type { Float } from '../kernels/types.js';
import type { Sequential } from '../model/sequential.js';
import { Trainer, type TrainCallbacks } from '../train/trainer.js';
import { trainConfigFor, type CheckedFit, type EpochInfo, type EpochTask, type FitResult } from './options.js';

const YIELD_MS = 15;
export const DEFAULT_EPOCHS = 10;

export interface FitSetup {
  seed: number;
  /** Learning rate when the options give none. */
  lr: number;
  /** Whether the task has validation data (early stopping and best weights need it). */
  validated: boolean;
}

export class FitRun {
  readonly trainer: Trainer;
  readonly stepsPerEpoch: number;
  readonly totalSteps: number;
  private readonly recorder: VitalsRecorder | null;
  private readonly history: EpochInfo[] = [];
  private best: { loss: number; step: number | null; weights: Float[] | null } = { loss: Infinity, step: null, weights: null };
  private stoppedByCallback = false;
  private epochLoss = { sum: 0, n: 0 };

  constructor(readonly model: Sequential, readonly task: EpochTask, private readonly c: CheckedFit<unknown>, setup: FitSetup) {
    const o = c.o;
    if ((c.earlyStopping || o.restoreBestWeights) && !setup.validated) {
      throw new RecurError(`fit option ${c.earlyStopping ? 'earlyStopping' : 'restoreBestWeights'}: expected validation data to watch (validationSplit > 0 or validationData), received none`);
    }
    this.stepsPerEpoch = task.stepsPerEpoch(c.batchSize);
    this.totalSteps = o.steps ?? (o.epochs ?? DEFAULT_EPOCHS) * this.stepsPerEpoch;
    const config = trainConfigFor(c, this.totalSteps, o.evalEvery ?? this.stepsPerEpoch, setup.seed, setup.lr);
    const user = o.callbacks ?? {};
    const own: TrainCallbacks = {
      onGradients: user.onGradients, onNanGuard: user.onNanGuard,
      onStep: (s) => {
        if (Number.isFinite(s.loss)) { this.epochLoss.sum += s.loss; this.epochLoss.n++; }
        user.onStep?.(s);
      },
      onEval: (e) => {
        if (setup.validated && e.valLoss < this.best.loss - (c.earlyStopping?.minDelta ?? 0)) {
          this.best = { loss: e.valLoss, step: e.step, weights: o.restoreBestWeights ? model.params.map((p) => p.value.slice()) : null };
        }
        user.onEval?.(e);
      },
      onStepEnd: (s) => { if (s.step % this.stepsPerEpoch === 0 || s.step === this.totalSteps) this.endEpoch(s.step, s.seconds); },
    };
    this.recorder = o.vitals ? new VitalsRecorder(model, { steps: this.totalSteps }) : null;
    this.trainer = new Trainer(model, task, config, this.recorder ? mergeCallbacks(this.recorder.callbacks(), own) : own);
  }

  private endEpoch(step: number, seconds: number): void {
    const last = this.trainer.loop.last;
    const evaluated = last !== null && last.step === step && Number.isFinite(last.valLoss);
    const info: EpochInfo = {
      epoch: step / this.stepsPerEpoch, epochs: this.totalSteps / this.stepsPerEpoch, step,
      trainLoss: this.epochLoss.n > 0 ? this.epochLoss.sum / this.epochLoss.n : NaN,
      valLoss: evaluated ? last.valLoss : null, accuracy: evaluated ? last.accuracy : null, seconds,
    };
    this.epochLoss = { sum: 0, n: 0 };
    this.history.push(info);
    if (this.c.o.callbacks?.onEpochEnd?.(info) === false) {
      this.stoppedByCallback = true;
      this.trainer.loop.done = true;
    }
  }

  /** The training loop, one value per step. */
  steps(): Generator<unknown, void, void> {
    return this.trainer.run();
  }

  /** The outcome; puts back the best weights first when asked. */
  result(): FitResult {
    const r = this.trainer.result();
    this.recorder?.finish();
    let restored = false;
    if (this.c.o.restoreBestWeights && this.best.weights && this.best.step !== r.steps) {
      this.model.params.forEach((p, i) => p.value.set(this.best.weights![i]));
      restored = true;
    }
    const valid = (x: number): number | null => (Number.isFinite(x) ? x : null);
    const atBest = restored ? this.trainer.loop.history.evals.find((e) => e.step === this.best.step) : undefined;
    return {
      epochs: r.steps / this.stepsPerEpoch, steps: r.steps, seconds: r.seconds, trainLoss: r.trainLoss,
      valLoss: valid(atBest ? atBest.valLoss : r.valLoss), accuracy: atBest ? atBest.accuracy : r.accuracy,
      baselineLoss: r.baselineLoss, bestValLoss: valid(this.best.loss), bestStep: this.best.step,
      stopped: this.stoppedByCallback ? 'callback' : r.stoppedEarly ? 'early-stopping' : 'completed', restoredBest: restored,
      nanSkipped: r.nanSkipped, rollbacks: r.rollbacks, history: this.history,
      vitals: this.recorder ? summarizeVitals(this.recorder, { clip: this.trainer.config.clip }) : null,
      kernels: kernelsText(describeKernels(this.model.kernels)),
    };
  }

  runSync(): FitResult {
    for (const _ of this.steps());
    return this.result();
  }

  async runAsync(): Promise<FitResult> {
    let last = performance.now();
    for (const _ of this.steps()) {
      if (performance.now() - last >= YIELD_MS) {
        await nextTurn();
        last = performance.now();
      }
    }
    return this.result();
  }
}

/** A turn of the event loop: setImmediate where there is one (Node), else a zero timeout (browsers). */
function nextTurn(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  return new Promise<void>((resolve) => { if (typeof g.setImmediate === 'function') g.setImmediate(resolve); else setTimeout(resolve, 0); });
}
