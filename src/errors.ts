// One error class for everything a user can get wrong (shapes, values, configs, files), and the
// one set of validators that throw it. The message always says what was expected and what came,
// so the CLI can print it as its one line.

export class RecurError extends Error {
  override readonly name = 'RecurError';
}

/** Throws a RecurError saying `what` expected `expected` but received `received`. */
export function fail(what: string, expected: string, received: unknown): never {
  throw new RecurError(`${what}: expected ${expected}, received ${describe(received)}`);
}

/** As fail, with what was received already put in words (not quoted): "an empty array". */
export function failWith(what: string, expected: string, receivedWords: string): never {
  throw new RecurError(`${what}: expected ${expected}, received ${receivedWords}`);
}

export function describe(v: unknown, depth = 0): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 80 ? v.slice(0, 80) + '…' : v);
  if (Array.isArray(v)) {
    if (depth >= 2) return '[…]';
    return `[${v.slice(0, 8).map((x) => describe(x, depth + 1)).join(', ')}${v.length > 8 ? ', …' : ''}]`;
  }
  if (typeof v === 'object' && v !== null) return 'an object';
  return String(v);
}

// ---- validators of hyperparameters: "<owner>: <field> must be <expected>, received <value>" ------

/** Throws a RecurError saying `owner`'s `field` must be `expected` but was `received`. */
export function invalid(owner: string, field: string, expected: string, received: unknown): never {
  throw new RecurError(`${owner}: ${field} must be ${expected}, received ${String(received)}`);
}

/** v itself, if a finite number >= min (> min when strict). */
export function atLeast(owner: string, field: string, v: number, min: number, strict = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || (strict ? v <= min : v < min)) {
    invalid(owner, field, `a finite number ${strict ? '>' : '>='} ${min}`, v);
  }
  return v;
}

/** v itself, if an integer >= min. */
export function wholeAtLeast(owner: string, field: string, v: number, min: number): number {
  if (!Number.isInteger(v) || v < min) invalid(owner, field, `an integer >= ${min}`, v);
  return v;
}

/** v itself, if in [0, 1) (or [0, 1] when closedAbove). */
export function unitInterval(owner: string, field: string, v: number, closedAbove = false): number {
  if (typeof v !== 'number' || !(v >= 0 && (closedAbove ? v <= 1 : v < 1))) invalid(owner, field, closedAbove ? 'in [0, 1]' : 'in [0, 1)', v);
  return v;
}

export function flag(owner: string, field: string, v: boolean): boolean {
  if (typeof v !== 'boolean') invalid(owner, field, 'true or false', v);
  return v;
}

export function oneOf<T extends string>(owner: string, field: string, v: T, options: readonly T[]): T {
  if (!options.includes(v)) invalid(owner, field, options.map((o) => `'${o}'`).join(' or '), v);
  return v;
}

export function checkPositiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(what, 'a whole number ≥ 1', v);
  return v;
}

/**
 * Index of the first non-finite element, or -1. First a pass that only says whether there is one
 * (v·0 is NaN exactly for NaN and ±Infinity, and ±0 otherwise; four independent sums), a third of
 * the time of Number.isFinite element by element on the model's input every forward pass.
 */
export function firstNonFinite(a: ArrayLike<number>, n = a.length): number {
  // (the quick pass only on typed arrays: in a plain array a string or null times 0 is 0, not NaN)
  if (!ArrayBuffer.isView(a)) {
    for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) return i;
    return -1;
  }
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, i = 0;
  for (; i + 4 <= n; i += 4) {
    s0 += a[i]! * 0; s1 += a[i + 1]! * 0; s2 += a[i + 2]! * 0; s3 += a[i + 3]! * 0;
  }
  for (; i < n; i++) s0 += a[i]! * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (i = 0; i < n; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
