// Sequences packed for the trip to the training worker: a page's samples × time × features (nested
// arrays, as SequenceClassifier and SequenceRegressor take them) copied into one Float64Array that
// is transferred, not cloned. Structured cloning rebuilds every inner array in the worker: for
// workload A's 64 × 100 × 32 numbers that took 50–70 ms there, and its checks and copying another
// 40–60 ms; packed, the worker only checks that every value is finite. Only regular input is packed
// (every sample an array of steps, every step an array of the same number of numbers, or every step
// a number); anything else goes as it is, for the worker's checks (toSequences) to name what is wrong.
//
// Shapes: values (Σ T_i · F), lengths (N) with T_i ≥ 1, features F.

import { fail } from '../errors.js';
import type { Sequences } from '../tasks/sequences.js';

export interface PackedSequences { values: Float64Array; lengths: Int32Array; features: number; multi: boolean }

type Indexed = { readonly length: number; readonly [i: number]: unknown };
const isList = (v: unknown): v is Indexed => Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));

/** The samples packed, or null when they are not regular (the worker then checks them as they are). */
export function packSequences(x: unknown): PackedSequences | null {
  if (!Array.isArray(x) || x.length === 0) return null;
  const first = x[0] as unknown;
  if (!isList(first) || first.length === 0) return null;
  const multi = isList(first[0]);
  const f = multi ? (first[0] as Indexed).length : 1;
  if (f < 1) return null;
  const lengths = new Int32Array(x.length);
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i] as unknown;
    if (!isList(s) || s.length === 0) return null;
    lengths[i] = s.length;
    total += s.length * f;
  }
  const values = new Float64Array(total);
  let o = 0;
  for (let i = 0; i < x.length; i++) {
    const s = x[i] as Indexed;
    for (let t = 0; t < s.length; t++) {
      const step = s[t];
      if (multi) {
        if (!isList(step) || step.length !== f) return null;
        for (let k = 0; k < f; k++) {
          const v = step[k];
          if (typeof v !== 'number') return null;
          values[o++] = v;
        }
      } else {
        if (typeof step !== 'number') return null;
        values[o++] = step;
      }
    }
  }
  return { values, lengths, features: f, multi };
}

/** The packed samples as toSequences gives them (views of one buffer), every value checked finite. */
export function unpackSequences(p: PackedSequences, what: string): Sequences {
  const f = p.features;
  if (!(p.values instanceof Float64Array) || !(p.lengths instanceof Int32Array) || !Number.isInteger(f) || f < 1) fail(what, 'packed sequences', p);
  const data: Float64Array[] = [], lengths: number[] = [];
  let o = 0;
  for (let i = 0; i < p.lengths.length; i++) {
    const t = p.lengths[i]!;
    if (!(t >= 1) || o + t * f > p.values.length) fail(`${what}[${i}]`, 'packed steps within the values', t);
    const d = p.values.subarray(o, o + t * f);
    for (let j = 0; j < d.length; j++) {
      if (!Number.isFinite(d[j])) fail(`${what}[${i}][${Math.floor(j / f)}]${p.multi ? `[${j % f}]` : ''}`, 'a finite number', d[j]);
    }
    data.push(d);
    lengths.push(t);
    o += t * f;
  }
  if (o !== p.values.length) fail(what, `${o} packed values`, p.values.length);
  return { data, lengths, features: f };
}
