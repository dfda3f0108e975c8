// The timing policy every system shares (bench/torch_bench.py implements the same one in Python):
//
// - warm-up: at least `warmup` steps (default 3) and at least `warmupMinSeconds` (1 s: tfjs's JS
//   around its kernels takes a few hundred ms of steps to reach speed), but stop warming up once
//   `warmupMaxSeconds` have passed with at least one step done (a 20-second tfjs-cpu step is warm
//   after one);
// - timed: step until at least `minSeconds` have passed AND at least `minSteps` (3) steps are
//   timed, and never more than `maxSteps`.
//
// Every timed step is kept (ms), so the harness can pool them across rounds.

import { Rng } from '../src/tensor/rng.js';

export interface MeasureOptions {
  warmup: number;
  warmupMinSeconds: number;
  warmupMaxSeconds: number;
  minSeconds: number;
  minSteps: number;
  maxSteps: number;
}

export const DEFAULT_MEASURE: MeasureOptions = {
  warmup: 3,
  warmupMinSeconds: 1,
  warmupMaxSeconds: 10,
  minSeconds: 5,
  minSteps: 3,
  maxSteps: 100_000,
};

export interface Measurement {
  msPerStep: number[];
  warmupSteps: number;
  warmupMs: number;
  /** Human-readable remarks on how the policy applied (cut warm-up, slow steps). */
  remarks: string[];
}

type StepFn = () => unknown;

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

export async function measure(step: StepFn, opts: MeasureOptions): Promise<Measurement> {
  const remarks: string[] = [];
  const w0 = performance.now();
  let warmupSteps = 0;
  for (;;) {
    const elapsed = (performance.now() - w0) / 1000;
    if (warmupSteps >= opts.warmup && elapsed >= opts.warmupMinSeconds) break;
    if (warmupSteps >= 1 && elapsed >= opts.warmupMaxSeconds) {
      if (warmupSteps < opts.warmup) {
        remarks.push(`warm-up cut to ${warmupSteps} of ${opts.warmup} step(s) by the ${opts.warmupMaxSeconds} s warm-up cap`);
      }
      break;
    }
    const r = step();
    if (isThenable(r)) await r;
    warmupSteps++;
  }
  const warmupMs = performance.now() - w0;

  const msPerStep: number[] = [];
  const t0 = performance.now();
  for (;;) {
    const s = performance.now();
    const r = step();
    if (isThenable(r)) await r;
    const e = performance.now();
    msPerStep.push(e - s);
    const elapsed = (e - t0) / 1000;
    if (msPerStep.length >= opts.maxSteps) {
      if (elapsed < opts.minSeconds) remarks.push(`stopped at the ${opts.maxSteps}-step cap before ${opts.minSeconds} s`);
      break;
    }
    if (elapsed >= opts.minSeconds && msPerStep.length >= opts.minSteps) {
      if (msPerStep.length === opts.minSteps && elapsed > opts.minSeconds * 1.5) {
        remarks.push(`slow: timed only the minimum ${opts.minSteps} steps (${elapsed.toFixed(1)} s)`);
      }
      break;
    }
  }
  return { msPerStep, warmupSteps, warmupMs, remarks };
}

export interface Stats { median: number; min: number; max: number }

export function stats(xs: readonly number[]): Stats {
  if (xs.length === 0) return { median: NaN, min: NaN, max: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  const median = s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]! };
}

/** Seeded standard-normal samples (recur's Rng), so every run feeds the same data. */
export function normalArray(n: number, seed = 1234): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal();
  return out;
}

/** The last line of `text` that parses as a JSON object (a child process's result line). */
export function lastJsonLine(text: string): Record<string, unknown> | undefined {
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const v: unknown = JSON.parse(lines[i]!);
      if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // not JSON: keep looking
    }
  }
  return undefined;
}

/** Seeded integers in [0, k). */
export function randomInts(n: number, k: number, seed = 99): Int32Array {
  const u = normalArray(n, seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.abs(Math.floor(u[i]! * 1000)) % k;
  return out;
}
