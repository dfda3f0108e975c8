// Training vital signs, recorded while a Trainer runs, at little cost: every `every` steps
// (default steps/100) and from what the training step computed anyway, never an extra pass.
//
// On a recording step s:
//   before s     the recurrent layers record ‖∂L/∂h_t‖ during the step's own backward (turned on in
//                onStep of s − 1; one norm per time step of layer 0's forward direction)
//   onGradients  per-parameter gradient norms (before clipping); the weights are copied; gate
//                saturation and dead units from the gate buffers of the step's forward pass; every
//                `spectralEvery`-th recording the spectral radius and largest singular value of
//                each H×H gate block of every W_hh (power iteration, the costly part); for IndRNN
//                and the min cells how long each layer remembers (memory.ts)
//   onStep       ‖Δw‖/‖w‖ per parameter against the copy (the update the optimizer made, after
//                clipping and the learning rate)
// On every step: whether clipping acted and the norm it saw (StepInfo); NaN-guard events.
// With truncated BPTT the time-step norms are those of the batch's last chunk.
// vitals-summary.ts turns the records into a table of vital signs and time series.

import { RecurError } from '../errors.js';
import type { Sequential } from '../model/sequential.js';
import type { NanGuardEvent } from '../train/nan-guard.js';
import type { StepInfo, TrainCallbacks } from '../train/trainer.js';
import { recordGradFlow } from './gradflow.js';
import { cellSpec } from '../cells/table.js';
import { cellMemory, type LayerMemory } from './memory.js';
import { gateHealth } from './saturation.js';
import { largestSingularValue, spectralRadius } from './spectral.js';

export interface VitalsOptions {
  /** Record every N steps (and at step 1); default max(1, floor(steps / 100)). */
  every?: number;
  /** The run's planned number of steps, for the default of `every` and `spectralEvery`. */
  steps: number;
  /** Spectral sizes on every k-th recording; default so that a run gets about 20. */
  spectralEvery?: number;
  /** Distance from 0/1 (sigmoid) or ±1 (tanh) that counts as saturated; default 0.05. */
  margin?: number;
  /** Power-iteration counts (spectral radius, largest singular value); default 300 and 200. */
  spectralIters?: [number, number];
  /**
   * A copy of the model at the weights the run starts from (measure.ts's float64Copy, say): the
   * spectral sizes at start are then measured from it when first read, not before the first step.
   */
  atStart?: Sequential;
  /**
   * Leave each record's sweep of the gate buffers (saturation, dead units) to `settle()`, which the
   * caller then calls after the step and before the next forward pass, while the buffers still
   * hold the step's gates (web/session.ts: the page hears of the first step before the sweep). An
   * evaluation after the step settles first (the trainer's onEvaluate).
   */
  deferGates?: boolean;
}

/** Spectral sizes of one H×H block of a W_hh: `name` like "l0 W_hf" (gate f of layer 0). */
export interface SpectralBlock { name: string; radius: number; sigmaMax: number }

export interface VitalsRecord {
  step: number;
  /** ‖grad‖₂ of every parameter before clipping, in model.params order. */
  gradNorms: number[];
  /** ‖Δw‖₂ / ‖w‖₂ of every parameter (NaN where ‖w‖ = 0); null when the step was not applied. */
  updateRatios: number[] | null;
  saturated: number | null;
  dead: number | null;
  spectral: SpectralBlock[] | null;
  /** ‖∂L/∂h_t‖ of layer 0's forward direction over time steps; null if not recorded. */
  gradFlow: number[] | null;
  /** IndRNN and the min cells: how long each layer remembers (memory.ts); null for other cells. */
  memory: LayerMemory[] | null;
}

export interface ClipStats {
  /** Steps whose gradient norm was measured (finite gradients). */
  measured: number;
  clipped: number;
  /** Norms before clipping of the clipped steps: their largest and their sum (for the mean). */
  maxClippedNorm: number;
  sumClippedNorm: number;
  /** Largest finite gradient norm seen on any step, and its step. */
  maxNorm: number;
  maxNormStep: number;
}

function norm2(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/**
 * Spectral radius and σ₁ of every H×H gate block of every W_hh of the model (none for cells
 * without a matrix W_hh: IndRNN's u is in the cell-memory vitals, memory.ts).
 */
export function spectralBlocks(model: Sequential, iters: [number, number] = [300, 200]): SpectralBlock[] {
  const h = model.config.hiddenSize;
  const spec = cellSpec(model.config.cell);
  const out: SpectralBlock[] = [];
  if (spec.recurrent !== 'matrix') return out;
  for (const p of model.params) {
    const m = /^rnn\.weight_hh_l(\d+)(_reverse)?$/.exec(p.name);
    if (!m) continue;
    spec.gates.forEach((g, i) => {
      const name = `l${m[1]}${m[2] ? ' reverse' : ''} W_h${g.name}`;
      const w = p.value.subarray(i * h * h, (i + 1) * h * h);
      out.push({ name, radius: spectralRadius(w, h, iters[0]), sigmaMax: largestSingularValue(w, h, h, iters[1]) });
    });
  }
  return out;
}

export class VitalsRecorder {
  readonly every: number;
  readonly spectralEvery: number;
  readonly margin: number;
  private readonly recorded: VitalsRecord[] = [];
  /** A step-1 record whose spectral sizes are those at start (the same weights), filled when these are measured. */
  private sharesStart: VitalsRecord | null = null;
  readonly clip: ClipStats = { measured: 0, clipped: 0, maxClippedNorm: 0, sumClippedNorm: 0, maxNorm: 0, maxNormStep: 0 };
  readonly nanEvents: NanGuardEvent[] = [];
  private startSpectral: SpectralBlock[] | null = null;
  private startModel: Sequential | null;
  private readonly iters: [number, number];
  private readonly before: Float64Array[];
  private pending: VitalsRecord | null = null;
  /** A record whose gate sweep waits for settle() (deferGates). */
  private unswept: VitalsRecord | null = null;
  private readonly deferGates: boolean;
  private recordings = 0;

  constructor(readonly model: Sequential, o: VitalsOptions) {
    this.every = o.every ?? Math.max(1, Math.floor(o.steps / 100));
    if (!(Number.isInteger(this.every) && this.every >= 1)) throw new RecurError(`vitals: every: expected a whole number ≥ 1, received ${this.every}`);
    this.spectralEvery = o.spectralEvery ?? Math.max(1, Math.round(o.steps / this.every / 20));
    this.margin = o.margin ?? 0.05;
    this.iters = o.spectralIters ?? [300, 200];
    this.before = model.params.map((p) => new Float64Array(p.value.length));
    this.startModel = o.atStart ?? null;
    this.deferGates = o.deferGates === true;
    if (!this.startModel) this.startSpectral = spectralBlocks(model, this.iters);
  }

  /** Spectral sizes before the first recorded step (the weights the run started from). */
  get spectralAtStart(): SpectralBlock[] {
    if (!this.startSpectral) {
      this.startSpectral = spectralBlocks(this.startModel!, this.iters);
      this.startModel = null;
    }
    if (this.sharesStart) {
      this.sharesStart.spectral = this.startSpectral;
      this.sharesStart = null;
    }
    return this.startSpectral;
  }

  /** The recordings so far, oldest first. */
  get records(): VitalsRecord[] {
    if (this.sharesStart) void this.spectralAtStart;
    return this.recorded;
  }

  /** Is step s (1-based) a recording step? */
  isRecordingStep(step: number): boolean {
    return step === 1 || step % this.every === 0;
  }

  /**
   * The callbacks to hand a Trainer (merge them with others by `mergeCallbacks`). `firstStep` is
   * the step the trainer will take next (1 for a fresh run).
   */
  callbacks(firstStep = 1): TrainCallbacks {
    recordGradFlow(this.model, this.isRecordingStep(firstStep));
    return {
      onGradients: (step) => this.onGradients(step),
      onStep: (s) => this.onStep(s),
      onEvaluate: () => this.settle(),
      onNanGuard: (e) => { this.nanEvents.push(e); },
    };
  }

  private onGradients(step: number): void {
    if (!this.isRecordingStep(step)) return;
    const { model } = this;
    const params = model.params;
    params.forEach((p, i) => this.before[i].set(p.value));
    const layer0 = model.rnn.layers[0];
    const flow = layer0.recordGradFlow ? layer0.gradFlow[0] : undefined;
    if (this.unswept) throw new RecurError('vitals: deferGates: settle() was not called after the last recorded step');
    const health = this.deferGates ? { saturated: null, dead: null } : gateHealth(model, this.margin);
    // step 1 of a run measured at start later (atStart): its weights are the start's, so are its spectral sizes
    const sameAsStart = this.recordings === 0 && step === 1 && this.startModel !== null;
    const spectral = this.recordings % this.spectralEvery === 0 && !sameAsStart ? spectralBlocks(model, this.iters) : null;
    this.recordings++;
    this.pending = {
      step, gradNorms: params.map((p) => norm2(p.grad)), updateRatios: null,
      saturated: health.saturated, dead: health.dead, spectral, gradFlow: flow ? Array.from(flow) : null,
      memory: cellMemory(model),
    };
    if (sameAsStart) this.sharesStart = this.pending;
    if (this.deferGates) this.unswept = this.pending;
  }

  /** With deferGates: the sweep of the last recorded step's gates (nothing when there is none to make). */
  settle(): void {
    const rec = this.unswept;
    if (!rec) return;
    this.unswept = null;
    const health = gateHealth(this.model, this.margin);
    rec.saturated = health.saturated;
    rec.dead = health.dead;
  }

  private onStep(s: StepInfo): void {
    const c = this.clip;
    if (Number.isFinite(s.gradNorm)) {
      c.measured++;
      if (s.gradNorm > c.maxNorm) { c.maxNorm = s.gradNorm; c.maxNormStep = s.step; }
      if (s.clipped) { c.clipped++; c.maxClippedNorm = Math.max(c.maxClippedNorm, s.gradNorm); c.sumClippedNorm += s.gradNorm; }
    }
    const rec = this.pending;
    if (rec && rec.step === s.step) {
      if (s.applied) {
        rec.updateRatios = this.model.params.map((p, i) => {
          const w0 = this.before[i];
          let dd = 0, ww = 0;
          for (let j = 0; j < w0.length; j++) { const d = p.value[j] - w0[j]; dd += d * d; ww += w0[j] * w0[j]; }
          return ww > 0 ? Math.sqrt(dd / ww) : NaN;
        });
      }
      this.recorded.push(rec);
      this.pending = null;
    }
    recordGradFlow(this.model, this.isRecordingStep(s.step + 1));
  }

  /** Spectral sizes of the weights as they are now; set by finish(). */
  spectralAtEnd: SpectralBlock[] | null = null;

  /** Stops the per-step recording in the model's layers and measures the final weights (call when the run is over). */
  finish(): void {
    recordGradFlow(this.model, false);
    this.spectralAtEnd = spectralBlocks(this.model, this.iters);
  }
}

/** One set of callbacks that calls each given set in order. */
export function mergeCallbacks(...sets: TrainCallbacks[]): TrainCallbacks {
  return {
    onGradients: (step) => { for (const s of sets) s.onGradients?.(step); },
    onStep: (info) => { for (const s of sets) s.onStep?.(info); },
    onEval: (e) => { for (const s of sets) s.onEval?.(e); },
    onEvaluate: (step) => { for (const s of sets) s.onEvaluate?.(step); },
    onNanGuard: (e) => { for (const s of sets) s.onNanGuard?.(e); },
    onStepEnd: (info) => { for (const s of sets) s.onStepEnd?.(info); },
    onRecord: (r) => { for (const s of sets) s.onRecord?.(r); },
  };
}
