// Axis ticks, scales and tick labels for the SVG charts.
//
// Linear axes step in 1-2-5 multiples of a power of ten; log axes put a major tick on every
// decade (every 2nd, 3rd, ... when there are many) with minor ticks at 2..9 × 10^k, and fall
// back to labelled 2× and 5× ticks when the data spans less than a decade.

export type AxisKind = 'linear' | 'log';

export interface Tick { value: number; label: string }

export interface AxisTicks {
  kind: AxisKind;
  /** The data range the axis shows, [low, high], low < high (both > 0 on a log axis). */
  domain: [number, number];
  /** Labelled ticks (with grid lines). */
  major: Tick[];
  /** Unlabelled ticks (lighter grid lines); only on log axes. */
  minor: number[];
}

const EPS = 1e-9;

/** A power of ten as the nearest double (10 ** -7 drifts; parsing '1e-7' does not). */
export function pow10(k: number): number {
  return Number(`1e${k}`);
}

/** The 1-2-5 step that cuts `span` into about `target` intervals. */
export function niceStep(span: number, target: number): number {
  const raw = span / Math.max(1, target);
  const k = Math.floor(Math.log10(raw));
  const f = raw / pow10(k);
  const m = f <= 1 + EPS ? 1 : f <= 2 + EPS ? 2 : f <= 5 + EPS ? 5 : 10;
  return m * pow10(k);
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + EPS));
}

/**
 * Ticks of a linear axis over [min, max]. With `nice` the domain grows to the enclosing ticks
 * (0.03..0.97 shows 0..1); without, the domain is the data range and ticks fall inside it.
 */
export function linearTicks(min: number, max: number, target = 5, nice = true): AxisTicks {
  [min, max] = spreadIfFlat(min, max);
  const step = niceStep(max - min, target);
  const dec = decimalsOf(step);
  const first = nice ? Math.floor(min / step + EPS) : Math.ceil(min / step - EPS);
  const last = nice ? Math.ceil(max / step - EPS) : Math.floor(max / step + EPS);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(Number((i * step).toFixed(Math.min(dec, 20))));
  const domain: [number, number] = nice ? [values[0]!, values[values.length - 1]!] : [min, max];
  const label = linearFormatter(values, step);
  return { kind: 'linear', domain, major: values.map((value) => ({ value, label: label(value) })), minor: [] };
}

function spreadIfFlat(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  if (max - min > Math.abs(max) * 1e-12) return [min, max];
  const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
  return [min - pad, max + pad];
}

/**
 * Ticks of a log axis over [min, max] (both > 0). A range of two decades or more snaps outward to
 * whole decades; a shorter one is padded by a little in log space.
 */
export function logTicks(min: number, max: number, maxLabels = 8): AxisTicks {
  if (!(min > 0) || !(max > 0) || !Number.isFinite(min) || !Number.isFinite(max)) { min = 1; max = 10; }
  let lo = Math.log10(min), hi = Math.log10(max);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  if (hi - lo >= 2) { lo = Math.floor(lo + EPS); hi = Math.ceil(hi - EPS); }
  else { const pad = (hi - lo) * 0.06; lo -= pad; hi += pad; }
  const domain: [number, number] = [pow10Frac(lo), pow10Frac(hi)];
  const kLo = Math.ceil(lo - EPS), kHi = Math.floor(hi + EPS);
  const decades = kHi - kLo + 1;
  const every = Math.max(1, Math.ceil(decades / maxLabels));
  const major: Tick[] = [];
  const minor: number[] = [];
  for (let k = kLo; k <= kHi; k++) {
    const v = pow10(k);
    if ((k - kLo) % every === 0) major.push({ value: v, label: formatCompact(v) });
    else minor.push(v);
  }
  const inside = (v: number) => v >= domain[0] * (1 - EPS) && v <= domain[1] * (1 + EPS);
  const short = major.length < 2;
  if (short) {
    // Less than a decade in view: label 2× and 5× (then every integer multiple) as well.
    for (const set of [[2, 5], [2, 3, 5], [2, 3, 4, 5, 6, 7, 8, 9]]) {
      for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
        for (const m of set) {
          const v = m * pow10(k);
          if (inside(v) && !major.some((t) => Math.abs(t.value - v) <= v * EPS)) major.push({ value: v, label: formatCompact(v) });
        }
      }
      if (major.length >= 3) break;
    }
    major.sort((a, b) => a.value - b.value);
  }
  if (decades <= 8 || short) {
    for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
      for (let m = 2; m <= 9; m++) {
        const v = m * pow10(k);
        if (inside(v) && !major.some((t) => Math.abs(t.value - v) <= v * EPS)) minor.push(v);
      }
    }
  }
  minor.sort((a, b) => a - b);
  return { kind: 'log', domain, major, minor };
}

function pow10Frac(e: number): number {
  return Math.abs(e - Math.round(e)) < EPS ? pow10(Math.round(e)) : 10 ** e;
}

/** Ticks of either kind for the data range [min, max]. */
export function axisTicks(kind: AxisKind, min: number, max: number, target = 5, nice = true): AxisTicks {
  return kind === 'log' ? logTicks(min, max) : linearTicks(min, max, target, nice);
}

/** Maps data values on an axis to pixels between `from` (domain low) and `to` (domain high). */
export function scale(kind: AxisKind, domain: [number, number], from: number, to: number): (v: number) => number {
  const f = kind === 'log' ? Math.log10 : (v: number) => v;
  const d0 = f(domain[0]), d1 = f(domain[1]);
  const k = d1 === d0 ? 0 : (to - from) / (d1 - d0);
  return (v) => from + (f(v) - d0) * k;
}

/** Can `v` be drawn on an axis of this kind? */
export function drawable(kind: AxisKind, v: number): boolean {
  return Number.isFinite(v) && (kind === 'linear' || v > 0);
}

/** Short text for one number: 0.25, 12.5, 1.2k, 3M, 1e-3, 2.5e-4. */
export function formatCompact(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 0.01 || a >= 1e15) return formatExp(v, digits);
  for (const [unit, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (a >= unit) return trimZeros((v / unit).toPrecision(digits)) + suffix;
  }
  return trimZeros(v.toPrecision(digits));
}

function formatExp(v: number, digits: number): string {
  const [m, e] = v.toExponential(Math.max(0, digits - 1)).split('e') as [string, string];
  return `${trimZeros(m)}e${e.replace('+', '')}`;
}

function trimZeros(s: string): string {
  if (s.includes('e')) return formatExp(Number(s), 3);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** One label style for a whole linear axis, with as many decimals as its step needs. */
function linearFormatter(values: number[], step: number): (v: number) => string {
  const maxAbs = Math.max(...values.map(Math.abs));
  if (maxAbs >= 1e15 || (maxAbs < 0.01 && maxAbs > 0)) {
    const digits = Math.min(4, Math.max(1, Math.floor(Math.log10(maxAbs)) - Math.floor(Math.log10(step)) + 1));
    return (v) => (v === 0 ? '0' : formatExp(v, digits));
  }
  // Whole thousands read better as 1200 than as 1.2k until the numbers get long.
  for (const [unit, suffix] of [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (maxAbs >= Math.max(unit, 1e4)) {
      const dec = Math.min(6, decimalsOf(step / unit));
      return (v) => (v === 0 ? '0' : trimZeros((v / unit).toFixed(dec)) + suffix);
    }
  }
  const dec = Math.min(10, decimalsOf(step));
  return (v) => trimZeros(v.toFixed(dec));
}

/**
 * Do the values span more than `decades` powers of ten? (Then a log axis reads better.) Zeros are
 * ignored; any negative value means no.
 */
export function spansDecades(values: Iterable<number>, decades = 1): boolean {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || v === 0) continue;
    if (v < 0) return false;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo && Math.log10(hi / lo) > decades;
}
