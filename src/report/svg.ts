// Charts as SVG strings, drawn in Node with no browser and no dependency: line charts (loss,
// learning rate, gradient norm, gradient flow over time steps), bar charts, and heatmaps
// (svg-heatmap.ts). Non-finite values leave a gap in a line instead of corrupting its path; a log
// axis leaves out values that are not positive, also as a gap.

import { PALETTE, seriesStyle } from './colors.js';
import { escapeXml, safeColor, truncate } from './escape.js';
import { axisTicks, drawable, formatCompact, scale, type AxisKind } from './svg-axes.js';
import {
  INK, LABEL_SIZE, MUTED, TICK_SIZE, clampSize, drawAxes, drawLegend, drawTitle, legendHeight, noData,
  placeTicks, px, svgOpen, text, textWidth, yTickRoom, type LegendEntry, type Plot,
} from './svg-frame.js';

export { heatmap, type HeatmapOptions } from './svg-heatmap.js';

export type Point = readonly [number, number];

export interface LineSeries {
  name: string;
  points: readonly Point[];
  /** A hex colour or colour name; anything else falls back to the palette. */
  color?: string;
  /** `true` for the default dash, or an SVG dash pattern such as '2 3'. */
  dashed?: boolean | string;
  /** Draw a dot on every point (for sparse series such as validation loss). */
  dots?: boolean;
  opacity?: number;
  strokeWidth?: number;
  /** Leave the series out of the legend (default: listed). */
  legend?: boolean;
}

/** A vertical mark at `x`, e.g. a step where the gradient was clipped. */
export interface Marker { x: number; label?: string; color?: string }
/** A horizontal reference line, e.g. the loss of a trivial baseline. */
export interface HLine { y: number; label: string; color?: string }

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  logY?: boolean;
  logX?: boolean;
  /** Few markers are drawn as labelled dashed lines; many as a strip of ticks along the top edge. */
  markers?: readonly Marker[];
  /** Legend text for the markers (no legend entry without it). */
  markerLegend?: string;
  hLines?: readonly HLine[];
  width?: number;
  height?: number;
  /** Add the SVG namespace, for writing the chart to a .svg file of its own. */
  standalone?: boolean;
  /** Shown in place of the lines when no series has a drawable point. */
  emptyMessage?: string;
}

const FEW_MARKERS = 12;

/** A line chart as an <svg> string. */
export function lineChart(o: LineChartOptions): string {
  const width = clampSize(o.width, 960, 240, 4000);
  const xKind: AxisKind = o.logX ? 'log' : 'linear', yKind: AxisKind = o.logY ? 'log' : 'linear';
  const series = o.series.map((s, i) => {
    const st = seriesStyle(i);
    const color = safeColor(s.color, st.color);
    // The automatic dash only tells apart palette colours that repeat; a chosen colour gets none.
    const auto = color === st.color && s.color === undefined ? st.dash : undefined;
    const dash = s.dashed === true ? '6 4' : typeof s.dashed === 'string' && /^[\d.\s,]+$/.test(s.dashed) ? s.dashed : s.dashed === false ? undefined : auto;
    return { s, color, dash };
  });
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (const { s } of series) {
    for (const [x, y] of s.points) {
      if (!drawable(xKind, x) || !drawable(yKind, y)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  const hasData = x0 <= x1;
  const hLines = (o.hLines ?? []).filter((h) => drawable(yKind, h.y));
  const markers = (o.markers ?? []).filter((m) => drawable(xKind, m.x) && (!hasData || (m.x >= x0 && m.x <= x1)));
  if (hasData) for (const h of hLines) { y0 = Math.min(y0, h.y); y1 = Math.max(y1, h.y); }

  const legend: LegendEntry[] = series.filter(({ s }) => s.legend !== false).map(({ s, color, dash }) => ({
    label: s.name, color, shape: 'line', ...(dash ? { dash } : {}), ...(s.dots ? { dots: true } : {}),
  }));
  if (o.markerLegend && markers.length > 0) legend.push({ label: o.markerLegend, color: markerColors(markers).length === 1 ? markerColors(markers)[0]! : MUTED, shape: 'tick' });
  const legendH = legendHeight(legend, width - 24);
  const top = 34 + (legendH ? legendH + 8 : 0) + 6;
  const bottom = 48;
  const height = Math.max(clampSize(o.height, 380, 160, 3000), top + bottom + 100);
  const plotH = height - top - bottom;

  const yTicks = hasData ? axisTicks(yKind, y0, y1, Math.max(2, Math.round(plotH / 55))) : axisTicks(yKind, yKind === 'log' ? 1 : 0, yKind === 'log' ? 10 : 1);
  const sy = scale(yKind, yTicks.domain, top + plotH, top);
  const yPlaced = placeTicks(yTicks, sy);
  const left = 26 + yTickRoom(yPlaced) + 10;
  const plot: Plot = { x: left, y: top, w: width - left - 18, h: plotH };
  const xTicks = hasData ? axisTicks(xKind, x0, x1, Math.max(2, Math.round(plot.w / 110)), false) : axisTicks(xKind, xKind === 'log' ? 1 : 0, xKind === 'log' ? 10 : 1);
  const sx = scale(xKind, xTicks.domain, plot.x, plot.x + plot.w);

  const out: string[] = [svgOpen(width, height, o.title, o.standalone)];
  out.push(`<rect class="plot-area" x="${px(plot.x)}" y="${px(plot.y)}" width="${px(plot.w)}" height="${px(plot.h)}" fill="#ffffff"/>`);
  out.push(drawAxes(plot, placeTicks(xTicks, sx), yPlaced, o.xLabel, o.yLabel));
  out.push(drawTitle(o.title, width));
  out.push(drawLegend(legend, 12, 34, width - 24).svg);
  if (!hasData) out.push(noData(plot, o.emptyMessage));
  else {
    out.push(drawMarkers(markers, sx, plot));
    for (const h of hLines) out.push(drawHLine(h, sy(h.y), plot));
    for (const { s, color, dash } of series) out.push(drawSeries(s, color, dash, sx, sy, xKind, yKind, plot));
  }
  out.push('</svg>');
  return out.join('');
}

/** Splits a series into runs of drawable points, in pixels; a non-drawable value ends a run. */
export function segments(points: readonly Point[], sx: (v: number) => number, sy: (v: number) => number, xKind: AxisKind, yKind: AxisKind): [number, number][][] {
  const out: [number, number][][] = [];
  let cur: [number, number][] = [];
  for (const [x, y] of points) {
    if (drawable(xKind, x) && drawable(yKind, y)) cur.push([sx(x), sy(y)]);
    else if (cur.length) { out.push(cur); cur = []; }
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Thins a run that has more points than pixels: per pixel column it keeps the first, lowest,
 * highest and last point, so spikes stay visible while the path stays small.
 */
function thin(pts: [number, number][], columns: number): [number, number][] {
  if (pts.length <= 2 * columns) return pts;
  const out: [number, number][] = [];
  let i = 0;
  while (i < pts.length) {
    const col = Math.floor(pts[i]![0]);
    let j = i, lo = i, hi = i;
    while (j < pts.length && Math.floor(pts[j]![0]) === col) {
      if (pts[j]![1] < pts[lo]![1]) lo = j;
      if (pts[j]![1] > pts[hi]![1]) hi = j;
      j++;
    }
    for (const k of [...new Set([i, lo, hi, j - 1])].sort((a, b) => a - b)) out.push(pts[k]!);
    i = j;
  }
  return out;
}

function drawSeries(s: LineSeries, color: string, dash: string | undefined, sx: (v: number) => number, sy: (v: number) => number, xKind: AxisKind, yKind: AxisKind, plot: Plot): string {
  const runs = segments(s.points, sx, sy, xKind, yKind).map((r) => thin(r, plot.w));
  const d = runs.filter((r) => r.length > 1).map((r) => r.map(([x, y], i) => `${i ? 'L' : 'M'}${px(x)},${px(y)}`).join('')).join('');
  const c = escapeXml(color);
  const opacity = s.opacity !== undefined && s.opacity >= 0 && s.opacity < 1 ? ` stroke-opacity="${s.opacity}"` : '';
  const sw = s.strokeWidth !== undefined && s.strokeWidth > 0 && s.strokeWidth <= 10 ? s.strokeWidth : 1.8;
  const out: string[] = [];
  if (d) out.push(`<path class="series" d="${d}" fill="none" stroke="${c}" stroke-width="${sw}" stroke-linejoin="round"${dash ? ` stroke-dasharray="${dash}"` : ''}${opacity}/>`);
  // A lone point between gaps has no line to show it, so it gets a dot like the dotted series do.
  const dots = s.dots ? runs.flat() : runs.filter((r) => r.length === 1).flat();
  const fillOpacity = opacity ? ` fill-opacity="${s.opacity}"` : '';
  for (const [x, y] of dots) out.push(`<circle class="point" cx="${px(x)}" cy="${px(y)}" r="2.5" fill="${c}"${fillOpacity}/>`);
  return `<g>${out.join('')}</g>`;
}

function markerColors(markers: readonly Marker[]): string[] {
  return [...new Set(markers.map((m) => safeColor(m.color, MUTED)))];
}

function drawMarkers(markers: readonly Marker[], sx: (v: number) => number, plot: Plot): string {
  if (markers.length === 0) return '';
  const out: string[] = [];
  if (markers.length <= FEW_MARKERS) {
    let lastLabelEnd = -Infinity;
    for (const m of markers) {
      const x = sx(m.x), c = escapeXml(safeColor(m.color, MUTED));
      out.push(`<path class="marker" d="M${px(x)},${px(plot.y)}V${px(plot.y + plot.h)}" stroke="${c}" stroke-width="1" stroke-dasharray="3 3"/>`);
      if (m.label && x + 3 > lastLabelEnd + 4) {
        const label = truncate(m.label, 24);
        out.push(text(x + 3, plot.y + 11, label, { size: TICK_SIZE, fill: MUTED }));
        lastLabelEnd = x + 3 + textWidth(label, TICK_SIZE);
      }
    }
    return `<g>${out.join('')}</g>`;
  }
  // Many marks: one strip of short ticks per colour along the top edge, one tick per pixel column.
  markerColors(markers).forEach((color, row) => {
    const cols = new Set<number>();
    for (const m of markers) if (safeColor(m.color, MUTED) === color) cols.add(Math.round(sx(m.x)));
    const y = plot.y + 2 + row * 8;
    const d = [...cols].map((x) => `M${x},${px(y)}v6`).join('');
    out.push(`<path class="marker" d="${d}" stroke="${escapeXml(color)}" stroke-width="1"/>`);
  });
  return `<g>${out.join('')}</g>`;
}

function drawHLine(h: HLine, y: number, plot: Plot): string {
  const c = escapeXml(safeColor(h.color, '#555555'));
  const label = truncate(h.label, 40);
  return `<g class="hline"><path d="M${px(plot.x)},${px(y)}H${px(plot.x + plot.w)}" stroke="${c}" stroke-width="1.3" stroke-dasharray="6 4"/>` +
    text(plot.x + plot.w - 4, y - 5, label, { size: TICK_SIZE, anchor: 'end', fill: c, halo: true }) + '</g>';
}

export interface Bar { label: string; value: number; color?: string }

export interface BarChartOptions {
  title: string;
  xLabel?: string;
  yLabel: string;
  bars: readonly Bar[];
  logY?: boolean;
  hLines?: readonly HLine[];
  width?: number;
  height?: number;
  standalone?: boolean;
}

/** A bar chart of one value per category as an <svg> string; bars without a value say "n/a". */
export function barChart(o: BarChartOptions): string {
  const width = clampSize(o.width, 640, 200, 4000), height = clampSize(o.height, 320, 160, 3000);
  const yKind: AxisKind = o.logY ? 'log' : 'linear';
  const values = o.bars.map((b) => b.value).filter((v) => drawable(yKind, v));
  const hLines = (o.hLines ?? []).filter((h) => drawable(yKind, h.y));
  const all = values.concat(hLines.map((h) => h.y));
  const top = 40, bottom = o.xLabel ? 52 : 36, plotH = height - top - bottom;
  const lo = yKind === 'linear' ? Math.min(0, ...all) : Math.min(...all);
  const hi = yKind === 'linear' ? Math.max(0, ...all) : Math.max(...all);
  const yTicks = all.length ? axisTicks(yKind, lo, hi * (yKind === 'linear' ? 1.08 : 1.5), Math.max(2, Math.round(plotH / 55))) : axisTicks(yKind, yKind === 'log' ? 1 : 0, yKind === 'log' ? 10 : 1);
  const sy = scale(yKind, yTicks.domain, top + plotH, top);
  const yPlaced = placeTicks(yTicks, sy);
  const left = 26 + yTickRoom(yPlaced) + 10;
  const plot: Plot = { x: left, y: top, w: width - left - 18, h: plotH };
  const slot = plot.w / Math.max(1, o.bars.length);
  const xPlaced = { major: [], minor: [] };
  const out: string[] = [svgOpen(width, height, o.title, o.standalone)];
  out.push(`<rect class="plot-area" x="${px(plot.x)}" y="${px(plot.y)}" width="${px(plot.w)}" height="${px(plot.h)}" fill="#ffffff"/>`);
  out.push(drawAxes(plot, xPlaced, yPlaced, o.xLabel ?? '', o.yLabel));
  out.push(drawTitle(o.title, width));
  if (o.bars.length === 0) out.push(noData(plot));
  const base = yKind === 'linear' ? sy(0) : plot.y + plot.h;
  const maxChars = Math.max(3, Math.floor(slot / (LABEL_SIZE * 0.6)));
  o.bars.forEach((b, i) => {
    const cx = plot.x + slot * (i + 0.5), bw = Math.min(72, slot * 0.6);
    const color = escapeXml(safeColor(b.color, PALETTE[i % PALETTE.length]!));
    if (drawable(yKind, b.value)) {
      const y = sy(b.value);
      out.push(`<rect class="bar" x="${px(cx - bw / 2)}" y="${px(Math.min(y, base))}" width="${px(bw)}" height="${px(Math.abs(base - y))}" fill="${color}"/>`);
      out.push(text(cx, Math.min(y, base) - 4, formatCompact(b.value), { size: TICK_SIZE, anchor: 'middle', fill: INK }));
    } else {
      out.push(text(cx, base - 4, 'n/a', { size: TICK_SIZE, anchor: 'middle', fill: MUTED }));
    }
    out.push(text(cx, plot.y + plot.h + 17, truncate(b.label, maxChars), { anchor: 'middle', fill: INK }));
  });
  for (const h of hLines) out.push(drawHLine(h, sy(h.y), plot));
  out.push('</svg>');
  return out.join('');
}
