// The NaN guard: no NaN or Infinity ever reaches the weights.
//
// - A step whose loss or gradients are not finite is not applied (counted as skipped).
// - An update that would make a weight non-finite (overflow at a huge learning rate) is undone:
//   the weights are restored from the copy taken just before the step.
// - After `patience` bad steps in a row, the trainer rolls back to the last good snapshot (weights
//   and optimizer state, taken every `snapshotEvery` good steps) and scales the learning rate by
//   `lrFactor`, because repeated failures at the same rate mean the rate is the problem.

import { fail } from '../errors.js';
import type { Float } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';
import type { Optimizer, OptimizerState } from './optimizers.js';

export interface NanGuardOptions {
  /** Bad steps in a row before a rollback; default 3. */
  patience?: number;
  /** Learning-rate multiplier applied at each rollback; default 0.5. */
  lrFactor?: number;
  /** Good steps between snapshots; default 25. */
  snapshotEvery?: number;
}

/**
 * Plain data for checkpoints: the counters, the learning-rate scale and the last good snapshot
 * (weights and optimizer state) a rollback would restore.
 */
export interface NanGuardState {
  skipped: number;
  rollbacks: number;
  lrScale: number;
  badInARow: number;
  goodSinceSnapshot: number;
  snapshot: { values: Float[]; optimizer: OptimizerState };
}

export interface NanGuardEvent { step: number; kind: 'skip' | 'undo' | 'rollback'; reason: string; lrScale: number }

export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

export class NanGuard {
  readonly patience: number;
  readonly lrFactor: number;
  readonly snapshotEvery: number;
  skipped = 0;
  rollbacks = 0;
  /** Multiplies the scheduled learning rate; lowered at each rollback. */
  lrScale = 1;
  readonly events: NanGuardEvent[] = [];
  private badInARow = 0;
  private goodSinceSnapshot = 0;
  private readonly before: Float[];
  private snapshot: { values: Float[]; optimizer: OptimizerState } | null = null;

  constructor(private readonly params: readonly Param[], private readonly optimizer: Optimizer, o: NanGuardOptions = {}) {
    this.patience = o.patience ?? 3;
    this.lrFactor = o.lrFactor ?? 0.5;
    this.snapshotEvery = o.snapshotEvery ?? 25;
    this.before = params.map((p) => p.value.slice());
    this.takeSnapshot();
  }

  /** True when the loss and every gradient are finite. */
  gradientsOk(loss: number): boolean {
    return Number.isFinite(loss) && this.params.every((p) => allFinite(p.grad));
  }

  /** Copies the weights before an optimizer step, so a non-finite result can be undone. */
  beforeStep(): void {
    this.params.forEach((p, i) => this.before[i].set(p.value));
  }

  /**
   * After an optimizer step: undoes it if a weight became non-finite. Returns whether the step
   * stands.
   */
  afterStep(step: number): boolean {
    if (this.params.every((p) => allFinite(p.value))) {
      this.badInARow = 0;
      if (++this.goodSinceSnapshot >= this.snapshotEvery) this.takeSnapshot();
      return true;
    }
    this.params.forEach((p, i) => p.value.set(this.before[i]));
    this.bad(step, 'undo', 'the update made a weight non-finite');
    return false;
  }

  /** Records a step that was not applied because its loss or gradients were not finite. */
  skip(step: number, loss: number): void {
    this.bad(step, 'skip', Number.isFinite(loss) ? 'non-finite gradient' : `non-finite loss (${loss})`);
  }

  private bad(step: number, kind: 'skip' | 'undo', reason: string): void {
    this.skipped++;
    this.events.push({ step, kind, reason, lrScale: this.lrScale });
    if (++this.badInARow < this.patience) return;
    const snap = this.snapshot!;
    this.params.forEach((p, i) => p.value.set(snap.values[i]));
    this.optimizer.loadState(snap.optimizer);
    this.lrScale *= this.lrFactor;
    this.rollbacks++;
    this.badInARow = 0;
    this.events.push({ step, kind: 'rollback', reason: `${this.patience} bad steps in a row: restored the last good weights, learning rate × ${this.lrFactor}`, lrScale: this.lrScale });
  }

  /** A copy of the guard's state (later steps do not change it). */
  state(): NanGuardState {
    const snap = this.snapshot!;
    return {
      skipped: this.skipped, rollbacks: this.rollbacks, lrScale: this.lrScale, badInARow: this.badInARow,
      goodSinceSnapshot: this.goodSinceSnapshot, snapshot: { values: snap.values.map((v) => v.slice()), optimizer: snap.optimizer },
    };
  }

  /** Replaces the state with a copy of `s`; checks everything first, so a bad state changes nothing. */
  loadState(s: NanGuardState): void {
    const count = (field: string, v: number): number => {
      if (!Number.isSafeInteger(v) || v < 0) fail(`NaN guard state ${field}`, 'a whole number ≥ 0', v);
      return v;
    };
    count('skipped', s.skipped); count('rollbacks', s.rollbacks); count('badInARow', s.badInARow); count('goodSinceSnapshot', s.goodSinceSnapshot);
    if (!(typeof s.lrScale === 'number' && s.lrScale > 0 && Number.isFinite(s.lrScale))) fail('NaN guard state lrScale', 'a finite number > 0', s.lrScale);
    if (s.badInARow >= this.patience) fail('NaN guard state badInARow', `a count below the patience (${this.patience})`, s.badInARow);
    if (s.goodSinceSnapshot >= this.snapshotEvery) fail('NaN guard state goodSinceSnapshot', `a count below snapshotEvery (${this.snapshotEvery})`, s.goodSinceSnapshot);
    const values = s.snapshot.values;
    if (values.length !== this.params.length) fail('NaN guard snapshot', `${this.params.length} parameters`, values.length);
    this.params.forEach((p, i) => {
      if (values[i].length !== p.value.length) fail(`NaN guard snapshot of "${p.name}"`, `${p.value.length} values`, values[i].length);
      if (!allFinite(values[i])) fail(`NaN guard snapshot of "${p.name}"`, 'finite values', 'NaN or Infinity');
    });
    this.skipped = s.skipped;
    this.rollbacks = s.rollbacks;
    this.lrScale = s.lrScale;
    this.badInARow = s.badInARow;
    this.goodSinceSnapshot = s.goodSinceSnapshot;
    this.snapshot = { values: this.params.map((p, i) => { const v = p.value.slice(); v.set(values[i]); return v; }), optimizer: s.snapshot.optimizer };
  }

  private takeSnapshot(): void {
    this.snapshot = { values: this.params.map((p) => p.value.slice()), optimizer: this.optimizer.state() };
    this.goodSinceSnapshot = 0;
  }
}
