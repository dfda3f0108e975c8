// Reading JSON that came from a file (checkpoint metadata, saved configs, safetensors headers):
// parsed only after a scan for duplicate and forbidden keys and deep nesting (scanJsonKeys, the
// one owner of that scan and of the list of forbidden keys), then read field by field into typed
// values.
// Nothing read here is merged into a live object. Every error is a RecurError that names the field
// (`where`), says what was expected and quotes what came, briefly.
//
// Numbers that must come back bit for bit go through f64: JSON keeps every finite double exactly
// (JSON.stringify writes the shortest text that parses back to the same double), but not −0, NaN
// or ±Infinity, so those four are written as the strings "-0", "NaN", "Infinity", "-Infinity".

import { RecurError } from '../errors.js';

/** Keys refused in any JSON read from outside (prototype pollution), by the scan and by `object`/`record`. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A short, bounded description of an untrusted value (never recurses more than one level). */
export function brief(v: unknown, inner = false): string {
  if (typeof v === 'string') {
    const cut = v.length > 60 ? `${v.slice(0, 60)}…` : v;
    return JSON.stringify(cut);
  }
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) {
    if (inner) return v.length === 0 ? '[]' : '[…]';
    const items = v.slice(0, 8).map((x) => brief(x, true));
    return `[${items.join(', ')}${v.length > 8 ? `, … (${v.length} items)` : ''}]`;
  }
  if (typeof v === 'object') return inner ? '{…}' : 'an object';
  return typeof v;
}

function scanReject(what: string, expected: string, received: string): never {
  throw new RecurError(`${what}: expected ${expected}, received ${received}`);
}

// ---------------------------------------------------------------------------------------------
// JSON key scanner. JSON.parse keeps the last of duplicate keys without a word; this walks the
// text once, iteratively, and refuses duplicate or forbidden keys and nesting deeper than
// maxDepth. It runs before JSON.parse (so a deeply nested text is never built into objects) and
// is exact on valid JSON; on invalid JSON it may report a different problem than JSON.parse
// would, but always as a RecurError, and JSON.parse still has the last word on syntax.

export function scanJsonKeys(text: string, where: string, maxDepth: number): void {
  // one frame per open container: the keys seen so far (null for arrays) and what it is called
  const keys: (Set<string> | null)[] = [];
  const names: string[] = [];
  let lastKey = '';
  let expectKey = false;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 0x5c /* \ */) j += 2;
        else if (d === 0x22) break;
        else j++;
      }
      const top = keys.length > 0 ? keys[keys.length - 1] : null;
      if (top && expectKey) {
        let key: unknown;
        try { key = JSON.parse(text.slice(i, j + 1)); } catch { key = undefined; }
        if (typeof key !== 'string') scanReject(where, 'valid JSON', `a malformed key at character ${i}`);
        const inside = keys.length === 1 ? 'at the top level' : `inside ${brief(names[names.length - 1])}`;
        if (FORBIDDEN_KEYS.has(key)) scanReject(where, 'no key named __proto__, constructor or prototype', `the key ${brief(key)} ${inside}`);
        if (top.has(key)) scanReject(where, 'each key once per object (JSON keeps only the last of duplicates)', `the key ${brief(key)} twice ${inside}`);
        top.add(key);
        lastKey = key;
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (keys.length >= maxDepth) scanReject(where, `JSON nested at most ${maxDepth} levels deep`, `deeper nesting at character ${i}`);
      names.push(keys.length === 0 ? '(top level)' : keys[keys.length - 1] ? lastKey : names[names.length - 1]);
      keys.push(c === 0x7b ? new Set() : null);
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      keys.pop();
      names.pop();
      expectKey = false;
    } else if (c === 0x2c /* , */) {
      expectKey = keys.length > 0 && keys[keys.length - 1] !== null;
    }
  }
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = Record<string, unknown>;

function reject(where: string, expected: string, received: unknown): never {
  throw new RecurError(`${where}: expected ${expected}, received ${brief(received)}`);
}

/** Scans (keys, nesting) and parses `text`; a RecurError names `where` on any problem. */
export function parseJsonText(text: string, where: string, maxDepth: number): unknown {
  if (typeof text !== 'string') reject(where, 'JSON text', text);
  scanJsonKeys(text, where, maxDepth);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new RecurError(`${where}: expected valid JSON, received a syntax error (${e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 100) : 'unknown'})`);
  }
}

/** An object with exactly the keys `required` plus any of `optional`. */
export function object(v: unknown, where: string, required: readonly string[], optional: readonly string[] = []): JsonObject {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) reject(where, 'a JSON object', Array.isArray(v) ? 'an array' : v);
  const o = v as JsonObject;
  for (const k of Object.keys(o)) {
    // JSON.parse makes "__proto__" an own key: refused here too, for values parsed elsewhere
    if (FORBIDDEN_KEYS.has(k)) reject(where, 'no key named __proto__, constructor or prototype', k);
    if (!required.includes(k) && !optional.includes(k)) {
      throw new RecurError(`${where}: unknown field ${brief(k)} (expected ${[...required, ...optional].join(', ')})`);
    }
  }
  for (const k of required) if (!Object.hasOwn(o, k)) throw new RecurError(`${where}: expected a field "${k}", received none`);
  return o;
}

/** An object used as a map: any keys (scanJsonKeys has refused the forbidden ones), in a null-prototype record. */
export function record<T>(v: unknown, where: string, maxKeys: number, read: (x: unknown, where: string, key: string) => T): Record<string, T> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) reject(where, 'a JSON object', Array.isArray(v) ? 'an array' : v);
  const keys = Object.keys(v);
  if (keys.length > maxKeys) reject(where, `at most ${maxKeys} entries`, `${keys.length}`);
  const out = Object.create(null) as Record<string, T>;
  for (const k of keys) out[k] = read((v as JsonObject)[k], `${where}[${brief(k)}]`, k);
  return out;
}

export function int(v: unknown, where: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) reject(where, `a whole number in [${min}, ${max}]`, v);
  return v + 0;
}

/** A finite number in [lo, hi]. */
export function number(v: unknown, where: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) reject(where, `a number in [${lo}, ${hi}]`, v);
  return v;
}

export function bool(v: unknown, where: string): boolean {
  if (typeof v !== 'boolean') reject(where, 'true or false', v);
  return v;
}

export function string(v: unknown, where: string, maxLength = 1000): string {
  if (typeof v !== 'string' || v.length > maxLength) reject(where, `a string of at most ${maxLength} characters`, v);
  return v;
}

export function oneOf<T extends string>(v: unknown, where: string, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) reject(where, allowed.join(' | '), v);
  return v as T;
}

export function array(v: unknown, where: string, minLength: number, maxLength: number): unknown[] {
  if (!Array.isArray(v) || v.length < minLength || v.length > maxLength) {
    reject(where, minLength === maxLength ? `an array of ${minLength} values` : `an array of ${minLength} to ${maxLength} values`, v);
  }
  return v;
}

const SPECIAL: Readonly<Record<string, number>> = { '-0': -0, NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A double written by toF64: a JSON number, or one of the strings for −0, NaN and ±Infinity. */
export function f64(v: unknown, where: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && Object.hasOwn(SPECIAL, v)) return SPECIAL[v];
  return reject(where, 'a number (or "NaN", "Infinity", "-Infinity", "-0")', v);
}

/** A finite double (−0 allowed) written by toF64. */
export function finite(v: unknown, where: string): number {
  const x = f64(v, where);
  if (!Number.isFinite(x)) reject(where, 'a finite number', v);
  return x;
}

/** The JSON form of a double that f64 reads back exactly. */
export function toF64(x: number): number | string {
  if (Number.isFinite(x) && !Object.is(x, -0)) return x;
  return Object.is(x, -0) ? '-0' : String(x);
}

/**
 * The first place where two JSON values differ, as a path ("optimizer.lr", "schedule.warmup") with
 * both values briefly; null when equal. `live` is what this run has, `saved` what a file holds.
 */
export function firstDifference(live: unknown, saved: unknown, path = ''): { path: string; live: string; saved: string } | null {
  const here = (): { path: string; live: string; saved: string } => ({ path: path || '(the whole value)', live: brief(live), saved: brief(saved) });
  const isObj = (x: unknown): x is JsonObject => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (Array.isArray(live) && Array.isArray(saved)) {
    if (live.length !== saved.length) return here();
    for (let i = 0; i < live.length; i++) {
      const d = firstDifference(live[i], saved[i], `${path}[${i}]`);
      if (d) return d;
    }
    return null;
  }
  if (isObj(live) && isObj(saved)) {
    const keys = [...new Set([...Object.keys(live), ...Object.keys(saved)])].sort();
    for (const k of keys) {
      const d = firstDifference(live[k], saved[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
    return null;
  }
  return Object.is(live, saved) ? null : here();
}

/** A value as plain JSON data (undefined fields dropped), the way it would be saved. */
export function plain(v: unknown): Json {
  return v === undefined ? null : JSON.parse(JSON.stringify(v)) as Json;
}
