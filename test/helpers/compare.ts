// Comparison helpers for tests: relative error against the largest magnitude of the reference,
// so values near zero inside a tensor do not inflate the error.

import assert from 'node:assert/strict';

export function maxRelError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, `length ${got.length} vs expected ${want.length}`);
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]));
    const d = Math.abs(got[i] - want[i]);
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
  }
  return diff / Math.max(scale, 1e-30);
}

export function assertClose(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): number {
  const e = maxRelError(got, want);
  assert.ok(e <= tol, `${what}: relative error ${e.toExponential(3)} exceeds ${tol}`);
  return e;
}

/** Largest |got − want| / (1 + |want|): absolute near zero, relative for large values. */
export function maxMixedError(got: ArrayLike<number>, want: ArrayLike<number>): number {
  assert.equal(got.length, want.length, `length ${got.length} vs expected ${want.length}`);
  let e = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i]));
    e = Number.isNaN(d) ? Infinity : Math.max(e, d);
  }
  return e;
}
