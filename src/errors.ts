// One error class for everything a user can get wrong (shapes, values, configs, files). The message
// always says what was expected and what came, so the CLI can print it as its one line.

export class RecurError extends Error {
  override readonly name = 'RecurError';
}

/** Throws a RecurError saying `what` expected `expected` but received `received`. */
export function fail(what: string, expected: string, received: unknown): never {
  throw new RecurError(`${what}: expected ${expected}, received ${describe(received)}`);
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

export function checkPositiveInt(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) fail(what, 'a whole number ≥ 1', v);
  return v;
}

/** Index of the first non-finite element, or -1. */
export function firstNonFinite(a: ArrayLike<number>, n = a.length): number {
  for (let i = 0; i < n; i++) if (!Number.isFinite(a[i])) return i;
  return -1;
}
