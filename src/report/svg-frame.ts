// Pieces every chart shares: the <svg> element, text, the title, axes with grid lines and tick
// labels, and a legend that wraps onto as many rows as it needs. All text passes through
// escapeXml here, so chart code never writes a string from data into the markup itself.

import { escapeXml, truncate } from './escape.js';
import type { AxisTicks } from './svg-axes.js';

export const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";
export const INK = '#222222';
export const MUTED = '#666666';
export const GRID = '#e3e3e3';
export const GRID_MINOR = '#f1f1f1';
export const TICK_SIZE = 11;
export const LABEL_SIZE = 12;
export const TITLE_SIZE = 15;

export interface Plot { x: number; y: number; w: number; h: number }

/** Rounds a pixel coordinate to 0.1 px for compact output. */
export function px(v: number): string {
  const r = Math.round(v * 10) / 10;
  return String(Object.is(r, -0) ? 0 : r);
}

/** A rough width of `s` in pixels at `size` (average glyph of a sans-serif font). */
export function textWidth(s: string, size: number): number {
  let w = 0;
  for (const ch of s) w += /[0-9.\-\s,]/.test(ch) ? 0.56 : /[A-Z MW@%]/.test(ch) ? 0.7 : 0.58;
  return w * size;
}

export function clampSize(v: number | undefined, dflt: number, lo: number, hi: number): number {
  return v === undefined || !Number.isFinite(v) ? dflt : Math.min(hi, Math.max(lo, Math.round(v)));
}

/**
 * Opens an <svg>. Inline SVG inside HTML needs no namespace; `standalone` adds it for writing a
 * .svg file on its own.
 */
export function svgOpen(width: number, height: number, title: string, standalone = false): string {
  const ns = standalone ? ' xmlns="http://www.w3.org/2000/svg"' : '';
  return `<svg${ns} class="chart" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img"` +
    ` font-family="${escapeXml(FONT)}" font-size="${LABEL_SIZE}"><title>${escapeXml(title)}</title>` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`;
}

export interface TextOptions {
  size?: number; anchor?: 'start' | 'middle' | 'end'; weight?: 'bold' | 'normal'; fill?: string;
  /** Degrees, about (x, y). */
  rotate?: number; cls?: string;
  /** A white outline behind the glyphs, to stay readable over lines. */
  halo?: boolean;
}

export function text(x: number, y: number, s: string, o: TextOptions = {}): string {
  const attrs = [`x="${px(x)}"`, `y="${px(y)}"`];
  if (o.size !== undefined) attrs.push(`font-size="${o.size}"`);
  if (o.anchor && o.anchor !== 'start') attrs.push(`text-anchor="${o.anchor}"`);
  if (o.weight === 'bold') attrs.push('font-weight="bold"');
  attrs.push(`fill="${escapeXml(o.fill ?? INK)}"`);
  if (o.rotate) attrs.push(`transform="rotate(${o.rotate} ${px(x)} ${px(y)})"`);
  if (o.cls) attrs.push(`class="${escapeXml(o.cls)}"`);
  if (o.halo) attrs.push('stroke="#ffffff" stroke-width="3" stroke-linejoin="round" paint-order="stroke"');
  return `<text ${attrs.join(' ')}>${escapeXml(s)}</text>`;
}

/** The chart title at the top left, shortened to fit `width`. */
export function drawTitle(title: string, width: number): string {
  const max = Math.max(8, Math.floor((width - 24) / (TITLE_SIZE * 0.62)));
  return text(12, 22, truncate(title, max), { size: TITLE_SIZE, weight: 'bold' });
}

export interface PlacedTicks { major: { pos: number; label: string }[]; minor: number[] }

/** Pixel positions of an axis' ticks under the scale `s`. */
export function placeTicks(t: AxisTicks, s: (v: number) => number): PlacedTicks {
  return { major: t.major.map((m) => ({ pos: s(m.value), label: m.label })), minor: t.minor.map(s) };
}

/** Room the y tick labels need, in pixels. */
export function yTickRoom(ticks: PlacedTicks): number {
  return Math.max(16, ...ticks.major.map((t) => textWidth(t.label, TICK_SIZE)));
}

/**
 * Grid lines, axis lines, tick labels and axis titles around `plot`. X labels that would collide
 * with the previous one are skipped.
 */
export function drawAxes(plot: Plot, x: PlacedTicks, y: PlacedTicks, xLabel: string, yLabel: string, grid = true): string {
  const out: string[] = [];
  const bottom = plot.y + plot.h, right = plot.x + plot.w;
  const inX = (p: number) => p >= plot.x - 0.5 && p <= right + 0.5;
  const inY = (p: number) => p >= plot.y - 0.5 && p <= bottom + 0.5;
  if (grid) {
    const minor = y.minor.filter(inY).map((p) => `M${px(plot.x)},${px(p)}H${px(right)}`)
      .concat(x.minor.filter(inX).map((p) => `M${px(p)},${px(plot.y)}V${px(bottom)}`));
    if (minor.length) out.push(`<path d="${minor.join('')}" stroke="${GRID_MINOR}" fill="none"/>`);
    const major = y.major.filter((t) => inY(t.pos)).map((t) => `M${px(plot.x)},${px(t.pos)}H${px(right)}`)
      .concat(x.major.filter((t) => inX(t.pos)).map((t) => `M${px(t.pos)},${px(plot.y)}V${px(bottom)}`));
    if (major.length) out.push(`<path d="${major.join('')}" stroke="${GRID}" fill="none"/>`);
  }
  const marks: string[] = [];
  let lastRight = -Infinity;
  for (const t of x.major) {
    if (!inX(t.pos)) continue;
    const w = textWidth(t.label, TICK_SIZE);
    if (t.pos - w / 2 < lastRight + 6) continue;
    lastRight = t.pos + w / 2;
    marks.push(`M${px(t.pos)},${px(bottom)}v4`);
    out.push(text(t.pos, bottom + 17, t.label, { size: TICK_SIZE, anchor: 'middle', fill: MUTED }));
  }
  let lastTop = Infinity;
  for (const t of [...y.major].sort((a, b) => b.pos - a.pos)) {
    if (!inY(t.pos) || t.pos + TICK_SIZE / 2 > lastTop - 2) continue;
    lastTop = t.pos - TICK_SIZE / 2;
    marks.push(`M${px(plot.x)},${px(t.pos)}h-4`);
    out.push(text(plot.x - 7, t.pos + 4, t.label, { size: TICK_SIZE, anchor: 'end', fill: MUTED }));
  }
  out.push(`<path d="M${px(plot.x)},${px(plot.y)}V${px(bottom)}H${px(right)}${marks.join('')}" stroke="#888888" fill="none"/>`);
  if (xLabel) out.push(text(plot.x + plot.w / 2, bottom + 36, truncate(xLabel, Math.floor(plot.w / 7)), { anchor: 'middle', fill: INK }));
  if (yLabel) {
    const cy = plot.y + plot.h / 2;
    out.push(text(15, cy, truncate(yLabel, Math.floor(plot.h / 7)), { anchor: 'middle', rotate: -90, fill: INK }));
  }
  return out.join('');
}

export interface LegendEntry {
  label: string;
  color: string;
  /** How the swatch is drawn: a line, a filled box, a short vertical tick (markers), a dashed grey rule. */
  shape: 'line' | 'box' | 'tick' | 'rule';
  dash?: string;
  dots?: boolean;
  opacity?: number;
}

const LEGEND_ROW = 18;
const SWATCH = 24;

/** Lays the legend out in rows within `maxWidth`; returns its markup and its height. */
export function drawLegend(entries: LegendEntry[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  if (entries.length === 0) return { svg: '', height: 0 };
  const out: string[] = [];
  let cx = x, row = 0;
  for (const e of entries) {
    const label = truncate(e.label, 60);
    const w = SWATCH + 6 + textWidth(label, LABEL_SIZE) + 18;
    if (cx > x && cx + w > x + maxWidth) { row++; cx = x; }
    const cy = y + row * LEGEND_ROW + LEGEND_ROW / 2;
    out.push(swatch(e, cx, cy));
    out.push(text(cx + SWATCH + 6, cy + 4, label, { fill: INK }));
    cx += w;
  }
  return { svg: `<g class="legend">${out.join('')}</g>`, height: (row + 1) * LEGEND_ROW };
}

function swatch(e: LegendEntry, x: number, cy: number): string {
  const color = escapeXml(e.color);
  const opacity = e.opacity !== undefined ? ` stroke-opacity="${e.opacity}"` : '';
  switch (e.shape) {
    case 'box':
      return `<rect x="${px(x + 4)}" y="${px(cy - 6)}" width="16" height="12" fill="${color}"/>`;
    case 'tick':
      return `<path d="M${px(x + 8)},${px(cy - 6)}v12M${px(x + 12)},${px(cy - 6)}v12M${px(x + 16)},${px(cy - 6)}v12" stroke="${color}" stroke-width="1.5"/>`;
    case 'rule':
      return `<path d="M${px(x)},${px(cy)}h${SWATCH}" stroke="${color}" stroke-width="1.3" stroke-dasharray="5 3"/>`;
    case 'line': {
      const dash = e.dash ? ` stroke-dasharray="${escapeXml(e.dash)}"` : '';
      const dot = e.dots ? `<circle cx="${px(x + SWATCH / 2)}" cy="${px(cy)}" r="2.5" fill="${color}"/>` : '';
      return `<path d="M${px(x)},${px(cy)}h${SWATCH}" stroke="${color}" stroke-width="2"${dash}${opacity}/>${dot}`;
    }
  }
}

/** Height the legend will take, without drawing it. */
export function legendHeight(entries: LegendEntry[], maxWidth: number): number {
  return drawLegend(entries, 0, 0, maxWidth).height;
}

/** A message in the middle of an empty plot. */
export function noData(plot: Plot, message = 'no data'): string {
  return text(plot.x + plot.w / 2, plot.y + plot.h / 2, message, { anchor: 'middle', fill: MUTED, size: 13 });
}
