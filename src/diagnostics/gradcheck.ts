// Central-difference gradient check, for float64 models on the js kernels. The caller gives a
// function that recomputes the loss from the current parameter values, and the buffers holding the
// analytic gradient; every element (or a sample of them) is nudged by ±eps and ±2·eps.
//
// The five-point central stencil f'(x) ≈ [8(f(x+h) − f(x−h)) − (f(x+2h) − f(x−2h))] / 12h has
// truncation error O(h⁴), so h can be 1e-3, where float64 rounding in the loss (~1e-16·|L|/h) stays
// near 1e-12. The two-point stencil needs h ≈ 1e-6 and then loses ~1e-9 to rounding, which is a
// relative error of 1e-4 on the small gradients that long sequences produce.
//
// Relative error of one element: |a − n| / max(|a|, |n|), with elements where both are below
// `floor` compared absolutely instead (a relative error between two numbers that are both ~0 is
// noise). The check reports the largest error and where it was.

import type { Float } from '../kernels/types.js';
import { Rng } from '../tensor/rng.js';

export interface GradCheckTarget {
  name: string;
  /** The values to perturb (a parameter's value, or an input buffer). */
  value: Float;
  /** The analytic gradient of the loss with respect to `value`. */
  grad: ArrayLike<number>;
}

export interface GradCheckResult {
  maxRelError: number;
  worst: { name: string; index: number; analytic: number; numeric: number } | null;
  checked: number;
}

export interface GradCheckOptions {
  eps?: number;
  floor?: number;
  /** Check at most this many elements per target (chosen at random, seeded); default all. */
  maxPerTarget?: number;
  seed?: number;
  /** Below this error the wide stencil is trusted; above it a narrower one is tried too. */
  tolerance?: number;
}

export function gradCheck(loss: () => number, targets: readonly GradCheckTarget[], o: GradCheckOptions = {}): GradCheckResult {
  const eps = o.eps ?? 1e-3;
  const floor = o.floor ?? 1e-7;
  const tolerance = o.tolerance ?? 1e-7;
  const rng = new Rng(o.seed ?? 1);
  let result: GradCheckResult = { maxRelError: 0, worst: null, checked: 0 };
  for (const t of targets) {
    if (!(t.value instanceof Float64Array)) throw new Error(`gradCheck needs float64 values (${t.name} is ${t.value.constructor.name})`);
    const n = t.value.length;
    const idx = o.maxPerTarget && o.maxPerTarget < n
      ? Array.from({ length: o.maxPerTarget }, () => rng.int(n))
      : Array.from({ length: n }, (_, i) => i);
    for (const i of idx) {
      const keep = t.value[i];
      const at = (d: number): number => { t.value[i] = keep + d; return loss(); };
      const stencil = (h: number): number => (8 * (at(h) - at(-h)) - (at(2 * h) - at(-2 * h))) / (12 * h);
      const analytic = t.grad[i];
      const errorOf = (numeric: number): number => {
        const big = Math.max(Math.abs(numeric), Math.abs(analytic));
        return big < floor ? Math.abs(numeric - analytic) : Math.abs(numeric - analytic) / big;
      };
      let numeric = stencil(eps);
      let err = errorOf(numeric);
      if (!(err <= tolerance)) {
        // A relu kink within 2h of the point spoils the wide stencil; one ten times narrower
        // only sees kinks within 2h/10. Keep whichever agrees better.
        const narrow = stencil(eps / 10);
        if (errorOf(narrow) < err) { numeric = narrow; err = errorOf(narrow); }
      }
      t.value[i] = keep;
      result.checked++;
      if (!(err <= result.maxRelError)) {
        result = { ...result, maxRelError: Number.isNaN(err) ? Infinity : err, worst: { name: t.name, index: i, analytic, numeric } };
      }
    }
  }
  return result;
}
