// A heatmap as an SVG string: one cell per (x, y) pair, coloured on a perceptual sequential scale
// (colors.ts), linear or log, with a colour bar. Cells sit at equal widths whatever the spacing of
// xValues/yValues; ticks are placed by interpolating between neighbouring values. Grids larger
// than the pixel budget are averaged into blocks (in log space on a log scale).

import { MISSING_COLOR, sequentialColor } from './colors.js';
import { escapeXml, truncate } from './escape.js';
import { formatCompact, linearTicks, logTicks, pow10, type AxisTicks } from './svg-axes.js';
import {
  MUTED, TICK_SIZE, clampSize, drawAxes, drawTitle, noData, px, svgOpen, text, textWidth, yTickRoom,
  type PlacedTicks, type Plot,
} from './svg-frame.js';

export interface HeatmapOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xValues: readonly number[];
  yValues: readonly number[];
  /** values[yi][xi]; missing or non-finite entries are drawn grey. */
  values: readonly (readonly number[])[];
  logColor?: boolean;
  colorLabel: string;
  /** Fix the colour scale, e.g. to share it between heatmaps that are compared. */
  colorDomain?: readonly [number, number];
  width?: number;
  height?: number;
  standalone?: boolean;
}

const MAX_COLUMNS = 240;
const MAX_ROWS = 160;
const BAR_W = 14;
/** Colour levels of the scale: cells and colour bar are drawn in this many steps. */
const LEVELS = 64;

export function heatmap(o: HeatmapOptions): string {
  const width = clampSize(o.width, 960, 240, 4000), height = clampSize(o.height, 360, 160, 3000);
  const nx = o.xValues.length, ny = o.yValues.length;
  const log = o.logColor === true;
  const f = (v: number | undefined) => (v === undefined || !Number.isFinite(v) || (log && v <= 0) ? NaN : log ? Math.log10(v) : v);

  const bx = Math.min(nx, MAX_COLUMNS), by = Math.min(ny, MAX_ROWS);
  const grid: number[][] = [];
  let lo = Infinity, hi = -Infinity, missing = false;
  for (let r = 0; r < by; r++) {
    const [r0, r1] = block(r, by, ny);
    const row: number[] = [];
    for (let c = 0; c < bx; c++) {
      const [c0, c1] = block(c, bx, nx);
      let sum = 0, n = 0;
      for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) {
        const t = f(o.values[i]?.[j]);
        if (!Number.isNaN(t)) { sum += t; n++; }
      }
      const t = n ? sum / n : NaN;
      if (Number.isNaN(t)) missing = true;
      else { lo = Math.min(lo, t); hi = Math.max(hi, t); }
      row.push(t);
    }
    grid.push(row);
  }
  if (o.colorDomain && f(o.colorDomain[0]) < f(o.colorDomain[1])) { lo = f(o.colorDomain[0]); hi = f(o.colorDomain[1]); }
  const hasData = lo <= hi;
  if (hasData && hi - lo < 1e-12) { lo -= 0.5; hi += 0.5; }

  const barTicks: AxisTicks = !hasData ? linearTicks(0, 1) : log ? logTicks(pow10Of(lo), pow10Of(hi)) : linearTicks(lo, hi, 5, false);
  const barRoom = Math.max(16, missing ? textWidth('no value', TICK_SIZE) - 2 : 0, ...barTicks.major.map((t) => textWidth(t.label, TICK_SIZE)));
  const top = 40, bottom = 48, plotH = height - top - bottom;
  const yPlaced = indexTicks(o.yValues, top + plotH, -plotH, Math.max(2, Math.round(plotH / 40)));
  const left = 26 + yTickRoom(yPlaced) + 10;
  const right = 18 + BAR_W + 6 + barRoom + 10 + 18;
  const plot: Plot = { x: left, y: top, w: width - left - right, h: plotH };
  const xPlaced = indexTicks(o.xValues, plot.x, plot.w, Math.max(2, Math.round(plot.w / 110)));

  const out: string[] = [svgOpen(width, height, o.title, o.standalone)];
  out.push(drawTitle(o.title, width));
  out.push(`<rect class="plot-area" x="${px(plot.x)}" y="${px(plot.y)}" width="${px(plot.w)}" height="${px(plot.h)}" fill="${MISSING_COLOR}"/>`);
  if (!hasData || bx === 0 || by === 0) out.push(noData(plot));
  else out.push(drawCells(grid, (t) => (Number.isNaN(t) ? -1 : Math.min(LEVELS - 1, Math.max(0, Math.floor(((t - lo) / (hi - lo)) * LEVELS)))), plot));
  out.push(drawAxes(plot, xPlaced, yPlaced, o.xLabel, o.yLabel, false));
  if (hasData) out.push(drawColorBar(plot, barTicks, log, lo, hi, o.colorLabel, barRoom, missing));
  out.push('</svg>');
  return out.join('');
}

function pow10Of(e: number): number {
  return Number.isInteger(e) ? pow10(e) : 10 ** e;
}

/** The source index range [start, end) that block `b` of `blocks` covers out of `n`. */
function block(b: number, blocks: number, n: number): [number, number] {
  return [Math.floor((b * n) / blocks), Math.max(Math.floor((b * n) / blocks) + 1, Math.floor(((b + 1) * n) / blocks))];
}

function levelColor(level: number): string {
  return sequentialColor((level + 0.5) / LEVELS);
}

/**
 * Draws the cells on a unit grid scaled to the plot (row 0 at the bottom), one path per colour
 * level, a run of equal colour within a row being one rectangle: a few characters per cell.
 */
function drawCells(grid: number[][], level: (t: number) => number, plot: Plot): string {
  const rows = grid.length, cols = grid[0]?.length ?? 0;
  const paths = new Map<number, string[]>();
  for (let r = 0; r < rows; r++) {
    const y = rows - 1 - r;
    let c = 0;
    while (c < cols) {
      const l = level(grid[r]![c]!);
      let e = c + 1;
      while (e < cols && level(grid[r]![e]!) === l) e++;
      let d = paths.get(l);
      if (!d) paths.set(l, (d = []));
      d.push(`M${c},${y}h${e - c}v1h${c - e}z`);
      c = e;
    }
  }
  const out = [...paths].map(([l, d]) => `<path fill="${l < 0 ? MISSING_COLOR : levelColor(l)}" d="${d.join('')}"/>`);
  const transform = `translate(${px(plot.x)} ${px(plot.y)}) scale(${plot.w / Math.max(1, cols)} ${plot.h / Math.max(1, rows)})`;
  return `<g class="cells" shape-rendering="crispEdges" transform="${transform}">${out.join('')}</g>`;
}

/**
 * Ticks for an axis of equal-width cells labelled by `values`. Evenly spaced values get nice tick
 * values placed by interpolation (whole numbers only, when the values are whole); otherwise a
 * subset of the cells is labelled with their own values, since a value between two unevenly
 * spaced cells has no honest position.
 */
export function indexTicks(values: readonly number[], start: number, length: number, target: number): PlacedTicks {
  const n = values.length;
  if (n === 0) return { major: [], minor: [] };
  const cell = length / n;
  const at = (i: number) => start + (i + 0.5) * cell;
  const first = values[0]!, d = n > 1 ? (values[n - 1]! - first) / (n - 1) : 0;
  const even = n > 1 && d > 0 && values.every((v, i) => Number.isFinite(v) && Math.abs(v - (first + i * d)) <= Math.abs(d) * 1e-6);
  if (even) {
    const whole = values.every(Number.isInteger);
    const ticks = linearTicks(first, values[n - 1]!, target, false).major.filter((m) => !whole || Number.isInteger(m.value));
    if (ticks.length >= 2) return { major: ticks.map((m) => ({ pos: at((m.value - first) / d), label: m.label })), minor: [] };
  }
  const every = Math.max(1, Math.ceil(n / Math.max(1, target)));
  const major: { pos: number; label: string }[] = [];
  for (let i = 0; i < n; i += every) major.push({ pos: at(i), label: formatCompact(values[i]!) });
  return { major, minor: [] };
}

function drawColorBar(plot: Plot, ticks: AxisTicks, log: boolean, lo: number, hi: number, label: string, room: number, missing: boolean): string {
  const x = plot.x + plot.w + 18;
  const out: string[] = ['<g class="colorbar" shape-rendering="crispEdges">'];
  const h = plot.h / LEVELS;
  for (let i = 0; i < LEVELS; i++) {
    const y = plot.y + plot.h - (i + 1) * h;
    out.push(`<rect x="${px(x)}" y="${px(y)}" width="${BAR_W}" height="${px(h + 0.5)}" fill="${levelColor(i)}"/>`);
  }
  out.push('</g>');
  out.push(`<rect x="${px(x)}" y="${px(plot.y)}" width="${BAR_W}" height="${px(plot.h)}" fill="none" stroke="#888888"/>`);
  const pos = (v: number) => plot.y + plot.h - (((log ? Math.log10(v) : v) - lo) / (hi - lo)) * plot.h;
  let lastTop = Infinity;
  const marks: string[] = [];
  for (const t of [...ticks.major].sort((a, b) => a.value - b.value)) {
    const y = pos(t.value);
    if (y < plot.y - 0.5 || y > plot.y + plot.h + 0.5 || y + TICK_SIZE / 2 > lastTop - 2) continue;
    lastTop = y - TICK_SIZE / 2;
    marks.push(`M${px(x + BAR_W)},${px(y)}h4`);
    out.push(text(x + BAR_W + 7, y + 4, t.label, { size: TICK_SIZE, fill: MUTED }));
  }
  for (const v of ticks.minor) {
    const y = pos(v);
    if (y >= plot.y && y <= plot.y + plot.h) marks.push(`M${px(x + BAR_W)},${px(y)}h2`);
  }
  if (marks.length) out.push(`<path d="${marks.join('')}" stroke="#888888"/>`);
  const lx = x + BAR_W + 7 + room + 12;
  out.push(text(lx, plot.y + plot.h / 2, truncate(label, Math.floor(plot.h / 7)), { anchor: 'middle', rotate: 90 }));
  if (missing) {
    out.push(`<rect x="${px(x)}" y="${px(plot.y + plot.h + 8)}" width="${BAR_W}" height="10" fill="${escapeXml(MISSING_COLOR)}" stroke="#888888"/>`);
    out.push(text(x + BAR_W + 5, plot.y + plot.h + 17, 'no value', { size: TICK_SIZE, fill: MUTED }));
  }
  return out.join('');
}
