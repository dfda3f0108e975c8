// What every optimizer shares: the Optimizer interface, its state as plain data, and per-param
// state slots allocated once (hyperparameters are checked by the validators of src/errors.ts). The
// optimizers themselves are in optimizers.ts.

import { invalid } from '../errors.js';
import type { Float } from '../kernels/types.js';
import type { Param } from '../tensor/param.js';

export type OptimizerKind = 'sgd' | 'adam' | 'adamw' | 'rmsprop' | 'adagrad';

/** One param's state as plain data: a step count and named buffers (as many numbers as the param). */
export interface ParamState {
  step: number;
  buffers: Record<string, number[]>;
}

/**
 * An optimizer's state as plain data, JSON-safe as long as every value is finite. `hyper` holds lr
 * and the other hyperparameters a schedule may have changed; `params` is keyed by param name.
 * Numbers are copied exactly (float32 values widen to doubles losslessly), so loadState(state())
 * resumes bit for bit.
 */
export interface OptimizerState {
  kind: OptimizerKind;
  hyper: Record<string, number>;
  params: Record<string, ParamState>;
}

export interface Optimizer {
  readonly kind: OptimizerKind;
  lr: number;
  /** Updates every param's value in place from its grad, with learning rate `lr` (default: this.lr). */
  step(params: readonly Param[], lr?: number): void;
  /** A deep copy of the state: later steps do not change it. */
  state(): OptimizerState;
  /** Replaces the state with a copy of `s` (from the same kind of optimizer). */
  loadState(s: OptimizerState): void;
}

// ---- per-param state --------------------------------------------------------------------------

interface Slot {
  step: number;
  readonly buffers: Map<string, Float>;
  /** Buffers restored by loadState that this param has not asked for yet. */
  readonly restored: Record<string, number[]>;
}

/** Null prototype, so that a param named "__proto__" is stored as data. */
export const record = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

export function copyParamState(r: ParamState): ParamState {
  const buffers = record<number[]>();
  for (const k of Object.keys(r.buffers)) buffers[k] = Array.from(r.buffers[k]!);
  return { step: r.step, buffers };
}

/** Per-param state keyed by name, allocated lazily in the param's array type. */
export class SlotStore {
  private slots = new Map<string, Slot>();
  private pending = new Map<string, ParamState>();

  constructor(private readonly owner: string) {}

  slot(p: Param): Slot {
    let s = this.slots.get(p.name);
    if (s === undefined) {
      const r = this.pending.get(p.name);
      this.pending.delete(p.name);
      s = { step: r?.step ?? 0, buffers: new Map(), restored: r?.buffers ?? record() };
      this.slots.set(p.name, s);
    }
    return s;
  }

  /** The named buffer of the param, created on first use filled with `fill` (or its restored values). */
  buffer(p: Param, s: Slot, name: string, fill: number): Float {
    let b = s.buffers.get(name);
    if (b !== undefined) return b;
    const n = p.value.length;
    b = p.value instanceof Float32Array ? new Float32Array(n) : new Float64Array(n);
    const saved = s.restored[name];
    if (saved !== undefined) {
      if (saved.length !== n) invalid(this.owner, `state of ${p.name}.${name}`, `${n} numbers`, saved.length);
      b.set(saved);
      delete s.restored[name];
    } else {
      b.fill(fill);
    }
    s.buffers.set(name, b);
    return b;
  }

  snapshot(): Record<string, ParamState> {
    const out = record<ParamState>();
    for (const [name, r] of this.pending) out[name] = copyParamState(r);
    for (const [name, s] of this.slots) {
      const saved = copyParamState({ step: s.step, buffers: s.restored });
      for (const [k, b] of s.buffers) saved.buffers[k] = Array.from(b);
      out[name] = saved;
    }
    return out;
  }

  /** Checks everything before replacing anything, so a bad state leaves the old one in place. */
  restore(params: Record<string, ParamState>): void {
    const pending = new Map<string, ParamState>();
    for (const name of Object.keys(params)) {
      const r = params[name]!;
      if (!Number.isInteger(r.step) || r.step < 0) invalid(this.owner, `state of ${name}.step`, 'an integer >= 0', r.step);
      for (const [k, v] of Object.entries(r.buffers)) {
        // JSON writes NaN and ±Infinity as null, which a typed array would silently read as 0.
        if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) {
          invalid(this.owner, `state of ${name}.${k}`, 'an array of numbers', JSON.stringify(v).slice(0, 40));
        }
      }
      pending.set(name, copyParamState(r));
    }
    this.slots = new Map();
    this.pending = pending;
  }
}

/** What every optimizer shares: per-param state, and saving it with the scheduled hyperparameters. */
export abstract class StatefulOptimizer implements Optimizer {
  abstract readonly kind: OptimizerKind;
  abstract lr: number;
  protected readonly slots: SlotStore;

  constructor(protected readonly owner: string) {
    this.slots = new SlotStore(owner);
  }

  abstract step(params: readonly Param[], lr?: number): void;
  /** lr and the other hyperparameters a schedule may change. */
  protected abstract hyper(): Record<string, number>;
  /** Validates saved hyperparameters and returns the function that applies them. */
  protected abstract checkHyper(h: Record<string, number>): () => void;

  state(): OptimizerState {
    return { kind: this.kind, hyper: this.hyper(), params: this.slots.snapshot() };
  }

  loadState(s: OptimizerState): void {
    if (s.kind !== this.kind) invalid(this.owner, 'state.kind', `'${this.kind}'`, s.kind);
    const apply = this.checkHyper(s.hyper ?? {});
    this.slots.restore(s.params);
    apply();
  }
}

