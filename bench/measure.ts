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

/** Seeded standard-normal samples (mulberry32 + Box–Muller), so every run feeds the same data. */
export function normalArray(n: number, seed = 1234): Float32Array {
  let a = seed >>> 0;
  const uniform = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = uniform() || 1e-12;
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Seeded integers in [0, k). */
export function randomInts(n: number, k: number, seed = 99): Int32Array {
  const u = normalArray(n, seed);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.abs(Math.floor(u[i]! * 1000)) % k;
  return out;
}
