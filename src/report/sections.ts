// The chart sections of the HTML report: which series each chart shows and how they are styled.
// Each function returns '' when its data is absent, so the page leaves the section out.

import { paletteColor } from './colors.js';
import { escapeXml, safeColor } from './escape.js';
import { barChart, heatmap, lineChart, type HLine, type LineSeries, type Marker, type Point } from './svg.js';
import { formatCompact, spansDecades } from './svg-axes.js';
import type { HistoryPoint, RunHistory } from './types.js';

/** Above this many points a noisy curve is drawn faint, with a moving average over it. */
const SMOOTH_ABOVE = 150;

export function runColor(run: RunHistory, i: number): string {
  return safeColor(run.color, paletteColor(i));
}

export function section(id: string, title: string, explain: string, body: string): string {
  const p = explain ? `<p class="explain">${escapeXml(explain)}</p>` : '';
  return `<section id="${escapeXml(id)}"><h2>${escapeXml(title)}</h2>${p}${body}</section>`;
}

function pick(run: RunHistory, field: 'trainLoss' | 'valLoss' | 'lr' | 'gradNorm' | 'accuracy'): Point[] {
  const out: Point[] = [];
  for (const p of run.points as readonly HistoryPoint[]) {
    const v = p[field];
    if (typeof v === 'number' && typeof p.step === 'number') out.push([p.step, v]);
  }
  return out;
}

/**
 * Centred moving average over `window` points; non-finite points stay gaps and are left out of
 * their neighbours' averages. With `geometric` it averages logarithms (for log axes).
 */
export function movingAverage(points: readonly Point[], window: number, geometric: boolean): Point[] {
  const n = points.length, half = Math.max(0, Math.floor(window / 2));
  const ok = (y: number) => Number.isFinite(y) && (!geometric || y > 0);
  const sum = new Float64Array(n + 1), count = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const y = points[i]![1];
    sum[i + 1] = sum[i]! + (ok(y) ? (geometric ? Math.log(y) : y) : 0);
    count[i + 1] = count[i]! + (ok(y) ? 1 : 0);
  }
  return points.map(([x, y], i) => {
    if (!ok(y)) return [x, NaN] as const;
    const a = Math.max(0, i - half), b = Math.min(n, i + half + 1);
    const m = (sum[b]! - sum[a]!) / (count[b]! - count[a]!);
    return [x, geometric ? Math.exp(m) : m] as const;
  });
}

/** A noisy per-step curve: raw and faint, with a bold moving average named `name`. */
function noisySeries(name: string, pts: Point[], color: string, geometric: boolean): { series: LineSeries[]; window: number } {
  if (pts.length <= SMOOTH_ABOVE) return { series: [{ name, points: pts, color }], window: 0 };
  const window = Math.max(5, Math.round(pts.length / 60) | 1);
  return {
    window,
    series: [
      { name: `${name} (every step)`, points: pts, color, opacity: 0.22, strokeWidth: 1, legend: false },
      { name, points: movingAverage(pts, window, geometric), color, strokeWidth: 2 },
    ],
  };
}

function smoothingNote(windows: number[]): string {
  const w = windows.filter((x) => x > 0);
  if (w.length === 0) return '';
  const lo = Math.min(...w), hi = Math.max(...w);
  return ` Faint lines show every step; bold lines are a moving average over ${lo === hi ? lo : `${lo}–${hi}`} steps.`;
}

export function lossSection(runs: readonly RunHistory[]): string {
  const all = runs.flatMap((r) => [...pick(r, 'trainLoss'), ...pick(r, 'valLoss')].map((p) => p[1]));
  if (all.length === 0) return '';
  const baselines = [...new Set(runs.map((r) => r.summary.baselineLoss).filter((b): b is number => typeof b === 'number' && Number.isFinite(b)))];
  const logY = spansDecades([...all, ...baselines], 1);
  const series: LineSeries[] = [];
  const windows: number[] = [];
  runs.forEach((r, i) => {
    const color = runColor(r, i);
    const train = pick(r, 'trainLoss');
    if (train.length) {
      const s = noisySeries(`${r.name} train`, train, color, logY);
      series.push(...s.series);
      windows.push(s.window);
    }
    const val = pick(r, 'valLoss');
    if (val.length) series.push({ name: `${r.name} validation`, points: val, color, dashed: '7 4', dots: val.length <= 60 });
  });
  const hLines: HLine[] = baselines.map((b) => ({ y: b, label: `baseline ${formatCompact(b)}` }));
  const chart = lineChart({ title: 'Loss', xLabel: 'training step', yLabel: logY ? 'loss (log scale)' : 'loss', series, hLines, logY });
  const explain = 'Solid lines: training loss; dashed lines with dots: validation loss.' + smoothingNote(windows) +
    (baselines.length ? ' The grey dashed line is the loss of the trivial baseline for this task; a model that stays there has learned nothing.' : '');
  return section('loss', 'Loss', explain, chart);
}

export function accuracySection(runs: readonly RunHistory[]): string {
  const series: LineSeries[] = runs.map((r, i) => ({ name: r.name, points: pick(r, 'accuracy'), color: runColor(r, i), dots: true }))
    .filter((s) => s.points.length > 0);
  if (series.length === 0) return '';
  const chart = lineChart({ title: 'Validation accuracy', xLabel: 'training step', yLabel: 'accuracy', series });
  return section('accuracy', 'Accuracy', 'Fraction of validation targets predicted correctly, at each evaluation.', chart);
}

export function lrSection(runs: readonly RunHistory[]): string {
  // Runs on the same schedule would draw the same line over each other: draw it once, naming them all.
  const groups = new Map<string, { names: string[]; points: Point[]; color: string }>();
  runs.forEach((r, i) => {
    const points = pick(r, 'lr');
    if (points.length === 0) return;
    const key = JSON.stringify(points);
    const g = groups.get(key);
    if (g) g.names.push(r.name);
    else groups.set(key, { names: [r.name], points, color: runColor(r, i) });
  });
  if (groups.size === 0) return '';
  const series: LineSeries[] = [...groups.values()].map((g) => ({ name: g.names.join(', '), points: g.points, color: groups.size === 1 ? '#444444' : g.color }));
  const logY = spansDecades(series.flatMap((s) => s.points.map((p) => p[1])), 2);
  const chart = lineChart({ title: 'Learning rate', xLabel: 'training step', yLabel: logY ? 'learning rate (log scale)' : 'learning rate', series, logY, height: 300 });
  return section('lr', 'Learning rate', 'The step size the optimizer used at each training step.', chart);
}

export function gradNormSection(runs: readonly RunHistory[]): string {
  const all = runs.flatMap((r) => pick(r, 'gradNorm').map((p) => p[1]));
  if (all.length === 0) return '';
  const thresholds = [...new Set(runs.map((r) => r.clipThreshold).filter((t): t is number => typeof t === 'number' && Number.isFinite(t) && t > 0))];
  const logY = spansDecades([...all, ...thresholds], 1);
  const series: LineSeries[] = [];
  const markers: Marker[] = [];
  const windows: number[] = [];
  const clipNotes: string[] = [];
  runs.forEach((r, i) => {
    const color = runColor(r, i);
    const pts = pick(r, 'gradNorm');
    if (pts.length) {
      const s = noisySeries(r.name, pts, color, logY);
      series.push(...s.series);
      windows.push(s.window);
    }
    const clipped = r.points.filter((p) => p.clipped === true);
    for (const p of clipped) markers.push({ x: p.step, color });
    const measured = r.points.filter((p) => typeof p.clipped === 'boolean').length;
    if (measured) clipNotes.push(`${r.name} ${Math.round((100 * clipped.length) / measured)}%`);
  });
  const hLines: HLine[] = thresholds.map((t) => ({ y: t, label: `clip threshold ${formatCompact(t)}` }));
  const chart = lineChart({
    title: 'Gradient norm', xLabel: 'training step', yLabel: logY ? 'gradient norm (log scale)' : 'gradient norm',
    series, logY, markers, hLines, markerLegend: 'clipped steps (marks along the top)',
  });
  const explain = 'Size of the whole gradient at each training step, before clipping.' + smoothingNote(windows) +
    (clipNotes.length ? ` Steps where clipping shrank the gradient: ${clipNotes.join(', ')}.` : '');
  return section('grad-norm', 'Gradient norm', explain, chart);
}

function timeAxis(n: number, given: readonly number[] | undefined): readonly number[] {
  return given && given.length === n ? given : Array.from({ length: n }, (_, t) => t + 1);
}

export function gradFlowSection(runs: readonly RunHistory[]): string {
  const series: LineSeries[] = [];
  runs.forEach((r, i) => {
    const g = r.gradFlow;
    if (!g) return;
    const color = runColor(r, i);
    const ts = (a: readonly number[]) => timeAxis(a.length, g.timeSteps);
    const init = ts(g.atInit), end = ts(g.atEnd);
    if (g.atInit.length) series.push({ name: `${r.name} at initialization`, points: g.atInit.map((v, t) => [init[t]!, v] as const), color, dashed: '3 3' });
    if (g.atEnd.length) series.push({ name: `${r.name} ${g.endStep !== undefined ? `after ${g.endStep} steps` : 'at the end'}`, points: g.atEnd.map((v, t) => [end[t]!, v] as const), color });
  });
  if (series.length === 0) return '';
  const chart = lineChart({ title: 'Gradient reaching each time step', xLabel: 'time step in the sequence', yLabel: 'gradient norm (log scale)', series, logY: true });
  const explain = 'How much gradient from the loss reaches the hidden state at each time step, before training (dotted) and after (solid). ' +
    'A line that falls by many decades towards the early time steps means those steps get almost no learning signal: the gradient vanishes.';
  return section('grad-flow', 'Gradient flow over time', explain, chart);
}

export function heatmapSection(runs: readonly RunHistory[]): string {
  const maps = runs.filter((r) => r.heatmap && r.heatmap.steps.length > 0 && r.heatmap.norms.length > 0);
  if (maps.length === 0) return '';
  // One colour scale for all runs, so equal colours mean equal norms across the heatmaps.
  let lo = Infinity, hi = -Infinity;
  for (const r of maps) for (const row of r.heatmap!.norms) for (const v of row) if (Number.isFinite(v) && v > 0) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const charts = maps.map((r) => {
    const h = r.heatmap!;
    const T = Math.max(0, ...h.norms.map((row) => row.length));
    const values = Array.from({ length: T }, (_, t) => h.steps.map((_, i) => h.norms[i]?.[t] ?? NaN));
    return heatmap({
      title: r.name, xLabel: 'training step', yLabel: 'time step', xValues: h.steps, yValues: timeAxis(T, h.timeSteps),
      values, logColor: true, colorLabel: 'gradient norm (log)', height: 300, ...(lo <= hi ? { colorDomain: [lo, hi] as const } : {}),
    });
  }).join('');
  const explain = 'Each column is one moment of training; each row one time step of the sequence (first step at the bottom). ' +
    'Colour shows how much gradient reaches that step, on one log scale shared by all runs: dark means vanishing, yellow means large.';
  return section('heatmap', 'Gradient over time steps during training', explain, charts);
}

export function finalLossBars(runs: readonly RunHistory[]): string {
  const bars = runs.map((r, i) => ({ label: r.name, value: typeof r.summary.valLoss === 'number' ? r.summary.valLoss : NaN, color: runColor(r, i) }));
  if (runs.length < 2 || bars.every((b) => !Number.isFinite(b.value))) return '';
  const baselines = [...new Set(runs.map((r) => r.summary.baselineLoss).filter((b): b is number => typeof b === 'number' && Number.isFinite(b)))];
  const logY = spansDecades([...bars.map((b) => b.value), ...baselines], 1);
  return barChart({
    title: 'Final validation loss', yLabel: logY ? 'loss (log scale)' : 'loss', bars, logY, width: 960, height: 280,
    hLines: baselines.map((b) => ({ y: b, label: `baseline ${formatCompact(b)}` })),
  });
}

/** Dash patterns that tell apart the lines of one run in a chart of vital signs. */
const VITAL_DASHES: readonly (string | undefined)[] = [undefined, '6 3', '2 3', '8 3 2 3', '1 2', '10 4'];

/**
 * Charts of vital signs over training: one chart per `chart` title, one line per run and series.
 * With one run each line gets a palette colour; with several, a run keeps its colour and its
 * lines differ by dash.
 */
export function vitalSeriesSection(runs: readonly RunHistory[]): string {
  const charts = new Map<string, { yLabel: string; logY: boolean; series: LineSeries[] }>();
  const withSeries = runs.filter((r) => r.vitalSeries && r.vitalSeries.length > 0);
  if (withSeries.length === 0) return '';
  const one = withSeries.length === 1;
  runs.forEach((r, i) => {
    const perChart = new Map<string, number>();
    for (const s of r.vitalSeries ?? []) {
      let c = charts.get(s.chart);
      if (!c) charts.set(s.chart, (c = { yLabel: s.yLabel, logY: s.logY === true, series: [] }));
      const k = perChart.get(s.chart) ?? 0;
      perChart.set(s.chart, k + 1);
      const dash = VITAL_DASHES[k % VITAL_DASHES.length];
      c.series.push({
        name: one ? s.name : `${r.name} ${s.name}`, points: s.points,
        color: one ? paletteColor(k) : runColor(r, i), ...(one || !dash ? { dashed: false } : { dashed: dash }), dots: s.points.length <= 30,
      });
    }
  });
  const body = [...charts].map(([title, c]) => {
    const values = c.series.flatMap((s) => s.points.map((p) => p[1]));
    const logY = c.logY && spansDecades(values, 1);
    // fractions: the whole range 0..1, so a flat 0 reads as "none" rather than as a centred line
    const hLines = c.yLabel === 'fraction' ? [{ y: 1, label: 'all', color: '#999999' }, { y: 0, label: 'none', color: '#999999' }] : [];
    return lineChart({ title, xLabel: 'training step', yLabel: logY || !c.logY ? c.yLabel : c.yLabel.replace(' (log scale)', ''), series: c.series, logY, hLines, height: 320 });
  }).join('');
  const explain = 'Measured every few training steps on the training batch: the size of each weight matrix\'s gradient, ' +
    'how much each update changed the weights relative to their size, the spectral radius of each recurrent gate block, ' +
    'and the share of saturated gates or dead units.';
  return section('vital-series', 'Vital signs over training', explain, body);
}
