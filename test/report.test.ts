// Charts and the HTML report: tick values, pixel positions of a known series, gaps for values an
// axis cannot show, escaping of hostile strings, a page with no external references, well-formed
// SVG, and sections that disappear when their data is absent.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeXml, safeColor } from '../src/report/escape.js';
import { flattenConfig, renderReport, type ReportData, type RunHistory } from '../src/report/html.js';
import { movingAverage } from '../src/report/sections.js';
import { formatCompact, linearTicks, logTicks } from '../src/report/svg-axes.js';
import { barChart, heatmap, lineChart, type LineChartOptions } from '../src/report/svg.js';
import { MISSING_COLOR } from '../src/report/colors.js';

/**
 * A small XML well-formedness check: every tag closed in order, attributes quoted and not
 * repeated, no bare '<' or '&' in text or attribute values. `voidTags` lists HTML elements that
 * have no closing tag.
 */
function assertWellFormed(s: string, voidTags: ReadonlySet<string> = new Set()): void {
  const entity = /^&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const token = /<!--[\s\S]*?-->|<!DOCTYPE[^>]*>|<\/([A-Za-z][\w:-]*)\s*>|<([A-Za-z][\w:-]*)((?:\s+[A-Za-z_:][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|<|&/g;
  const stack: string[] = [];
  let roots = 0;
  for (const m of s.matchAll(token)) {
    const [all, close, open, attrs, selfClose] = m;
    if (all === '<') assert.fail(`bare '<' at ${m.index}: ${s.slice(m.index, m.index + 40)}`);
    if (all === '&') {
      assert.ok(!entity.test(s.slice(m.index, m.index + 12)), `bad entity at ${m.index}: ${s.slice(m.index, m.index + 20)}`);
      continue;
    }
    if (close) {
      assert.equal(stack.pop(), close, `</${close}> closes the wrong element at ${m.index}`);
    } else if (open) {
      const names = new Set<string>();
      for (const a of (attrs ?? '').matchAll(/([A-Za-z_:][\w:.-]*)\s*=\s*("[^"]*"|'[^']*')/g)) {
        assert.ok(!names.has(a[1]!), `attribute ${a[1]} repeated in <${open}>`);
        names.add(a[1]!);
        for (const e of a[2]!.matchAll(/&/g)) assert.ok(!entity.test(a[2]!.slice(e.index)), `bad entity in attribute ${a[1]} of <${open}>`);
      }
      if (stack.length === 0) roots++;
      if (!selfClose && !voidTags.has(open.toLowerCase())) stack.push(open);
    }
  }
  assert.deepEqual(stack, [], 'unclosed elements');
  assert.equal(roots, 1, 'exactly one root element');
}

const HTML_VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/** The plot rectangle and the points of every series path in a chart. */
function parseChart(svg: string): { plot: { x: number; y: number; w: number; h: number }; paths: [number, number][][][]; circles: number } {
  const r = /<rect class="plot-area" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  assert.ok(r, 'plot area');
  const paths = [...svg.matchAll(/<path class="series" d="([^"]*)"/g)].map((m) =>
    m[1]!.split('M').filter(Boolean).map((seg) => seg.split('L').map((p) => p.split(',').map(Number) as [number, number])));
  return { plot: { x: +r[1]!, y: +r[2]!, w: +r[3]!, h: +r[4]! }, paths, circles: (svg.match(/<circle class="point"/g) ?? []).length };
}

const chart = (o: Partial<LineChartOptions>) => lineChart({ title: 't', xLabel: 'x', yLabel: 'y', series: [], ...o });

test('linear ticks step in 1-2-5 multiples', () => {
  assert.deepEqual(linearTicks(0, 1).major.map((t) => t.value), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(linearTicks(0, 1).major.map((t) => t.label), ['0', '0.2', '0.4', '0.6', '0.8', '1']);
  assert.deepEqual(linearTicks(0.03, 0.97).domain, [0, 1]);
  assert.deepEqual(linearTicks(0, 1500).major.map((t) => t.label), ['0', '500', '1000', '1500']);
  assert.deepEqual(linearTicks(0, 0.03, 3).major.map((t) => t.label), ['0', '0.01', '0.02', '0.03']);
  assert.deepEqual(linearTicks(0, 0.003, 3).major.map((t) => t.label), ['0', '1e-3', '2e-3', '3e-3']);
  assert.deepEqual(linearTicks(0, 50000, 5).major.map((t) => t.label), ['0', '10k', '20k', '30k', '40k', '50k']);
  // Not nice: the domain is the data range and ticks stay inside it.
  const inner = linearTicks(1, 1499, 5, false);
  assert.deepEqual(inner.domain, [1, 1499]);
  assert.deepEqual(inner.major.map((t) => t.value), [500, 1000]);
  // A flat range still gets an axis.
  const flat = linearTicks(3, 3);
  assert.ok(flat.domain[0] < 3 && flat.domain[1] > 3);
});

test('log ticks: every decade, minor ticks between, labels for short ranges', () => {
  const t = logTicks(1e-5, 10);
  assert.deepEqual(t.domain, [1e-5, 10]);
  assert.deepEqual(t.major.map((m) => m.value), [1e-5, 1e-4, 1e-3, 0.01, 0.1, 1, 10]);
  assert.deepEqual(t.major.map((m) => m.label), ['1e-5', '1e-4', '1e-3', '0.01', '0.1', '1', '10']);
  assert.ok(t.minor.some((v) => Math.abs(v - 2e-5) < 1e-12) && t.minor.includes(9));
  // Twenty decades: labels on every 3rd, the rest as unlabelled ticks.
  const wide = logTicks(1e-14, 1e6);
  assert.ok(wide.major.length <= 8 && wide.major.length >= 5);
  // Under one decade: 2x and 5x ticks are labelled so the axis is not bare.
  const short = logTicks(0.15, 0.6);
  assert.ok(short.major.length >= 2, JSON.stringify(short.major));
  assert.ok(short.major.every((m) => m.value >= short.domain[0] && m.value <= short.domain[1]));
});

test('compact number labels', () => {
  assert.deepEqual([0, 0.25, 1200, 1e-3, 2.5e-4, 3e6, 12.5, -0.5].map((v) => formatCompact(v)), ['0', '0.25', '1.2k', '1e-3', '2.5e-4', '3M', '12.5', '-0.5']);
});

test('a known series maps to the expected pixels', () => {
  const svg = chart({ width: 600, height: 400, series: [{ name: 'a', points: [[0, 0], [0.5, 0.5], [1, 1]] }] });
  const { plot, paths } = parseChart(svg);
  assert.equal(paths.length, 1);
  const expected = [[plot.x, plot.y + plot.h], [plot.x + plot.w / 2, plot.y + plot.h / 2], [plot.x + plot.w, plot.y]];
  const got = paths[0]![0]!;
  assert.equal(got.length, 3);
  got.forEach(([x, y], i) => {
    assert.ok(Math.abs(x - expected[i]![0]!) <= 0.11 && Math.abs(y - expected[i]![1]!) <= 0.11, `point ${i}: ${x},${y} vs ${expected[i]}`);
  });
  // On a log axis, decades are equally spaced.
  const log = parseChart(chart({ width: 600, height: 400, logY: true, series: [{ name: 'a', points: [[0, 1e-3], [1, 1e-2], [2, 1e-1]] }] }));
  const ys = log.paths[0]![0]!.map((p) => p[1]);
  assert.ok(Math.abs((ys[0]! - ys[1]!) - (ys[1]! - ys[2]!)) < 0.2);
  assert.ok(Math.abs(ys[0]! - (log.plot.y + log.plot.h)) < 0.11 && Math.abs(ys[2]! - log.plot.y) < 0.11);
});

test('NaN and Infinity break a line into separate segments', () => {
  const svg = chart({ series: [{ name: 'a', points: [[0, 1], [1, 2], [2, NaN], [3, 3], [4, 4], [5, Infinity], [6, 5], [7, 6]] }] });
  const { paths } = parseChart(svg);
  assert.equal(paths[0]!.length, 3);
  assert.deepEqual(paths[0]!.map((s) => s.length), [2, 2, 2]);
  assert.ok(!/NaN|Infinity/.test(svg));
});

test('a log axis drops values that are not positive', () => {
  const svg = chart({ logY: true, series: [{ name: 'a', points: [[1, 1], [2, 0], [3, -1], [4, 10], [5, 100]] }] });
  const { paths, circles } = parseChart(svg);
  assert.equal(paths[0]!.length, 1);
  assert.equal(paths[0]![0]!.length, 2);
  assert.equal(circles, 1, 'the lone point before the gap is drawn as a dot');
  assert.ok(!/NaN|Infinity/.test(svg));
});

test('empty, single-point, constant and all-invalid series draw without errors', () => {
  const cases: Partial<LineChartOptions>[] = [
    { series: [] },
    { series: [{ name: 'empty', points: [] }] },
    { series: [{ name: 'one', points: [[3, 7]] }] },
    { series: [{ name: 'flat', points: [[0, 2], [1, 2], [2, 2]] }], logY: true },
    { series: [{ name: 'zeros', points: [[0, 0], [1, 0]] }], logY: true, logX: true },
    { series: [{ name: 'nan', points: [[NaN, NaN]] }], markers: [{ x: NaN }], hLines: [{ y: NaN, label: 'n' }] },
  ];
  for (const c of cases) {
    const svg = chart(c);
    assertWellFormed(svg);
    assert.ok(!/NaN|Infinity/.test(svg), JSON.stringify(c));
  }
  assert.match(chart({ series: [] }), /no data/);
  assert.equal(parseChart(chart(cases[2]!)).circles, 1);
});

test('markers: few as labelled lines, many as a strip; long series are thinned', () => {
  const few = chart({ series: [{ name: 'a', points: [[0, 1], [10, 2]] }], markers: [{ x: 5, label: 'clip' }], markerLegend: 'clipped' });
  assert.equal((few.match(/class="marker"/g) ?? []).length, 1);
  assert.match(few, />clip</);
  const pts: [number, number][] = Array.from({ length: 20000 }, (_, i) => [i, Math.sin(i)]);
  const many = chart({ width: 600, series: [{ name: 'a', points: pts }], markers: pts.map(([x]) => ({ x, color: '#D55E00' })) });
  assert.equal((many.match(/class="marker"/g) ?? []).length, 1);
  const { paths } = parseChart(many);
  assert.ok(paths[0]![0]!.length < 4 * 600, `thinned to ${paths[0]![0]!.length} points`);
  assertWellFormed(many);
});

test('heatmap: cells, colour bar, missing values, well-formed', () => {
  const values = [[1e-6, 1e-4, NaN], [1e-3, 0, 1e-1]];
  const svg = heatmap({ title: 'h', xLabel: 'step', yLabel: 't', xValues: [0, 50, 100], yValues: [1, 2], values, logColor: true, colorLabel: 'norm' });
  assertWellFormed(svg);
  assert.match(svg, /class="cells"/);
  assert.match(svg, /class="colorbar"/);
  assert.ok(svg.includes(`fill="${MISSING_COLOR}" d=`), 'missing and non-positive cells are grey');
  assert.match(svg, />no value</);
  assert.ok(!/NaN|Infinity/.test(svg));
  // Larger than the pixel budget: averaged into blocks, still well-formed and compact.
  const big = Array.from({ length: 500 }, (_, t) => Array.from({ length: 1000 }, (_, s) => 0.9 ** (t / 10) * (1 + s)));
  const large = heatmap({ title: 'h', xLabel: 's', yLabel: 't', xValues: big[0]!.map((_, i) => i), yValues: big.map((_, i) => i + 1), values: big, logColor: true, colorLabel: 'n' });
  assertWellFormed(large);
  assert.ok(large.length < 600_000, `${large.length} characters`);
  assertWellFormed(heatmap({ title: 'e', xLabel: 'x', yLabel: 'y', xValues: [], yValues: [], values: [], colorLabel: 'c' }));
});

test('bar chart', () => {
  const svg = barChart({ title: 'b', yLabel: 'loss', bars: [{ label: 'a', value: 0.1 }, { label: 'b', value: NaN }], hLines: [{ y: 0.167, label: 'baseline' }] });
  assertWellFormed(svg);
  assert.equal((svg.match(/class="bar"/g) ?? []).length, 1);
  assert.match(svg, />n\/a</);
});

test('escaping: text, attributes, colours', () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  assert.equal(escapeXml('a\u0000b\u0007'), 'a\uFFFDb\uFFFD');
  assert.equal(safeColor('url(http://evil.example/x)', '#000'), '#000');
  assert.equal(safeColor('red" onload="x', '#000'), '#000');
  assert.equal(safeColor('#0072B2', '#000'), '#0072B2');
  const svg = chart({ title: '<script>alert(1)</script>', xLabel: '"x"', yLabel: "'y'", series: [{ name: '</text><script>', points: [[0, 1], [1, 2]], color: 'url(https://evil.example)' }], markers: [{ x: 0.5, label: '<b>' }], markerLegend: '&', hLines: [{ y: 1.5, label: '<i>' }] });
  assertWellFormed(svg);
  assert.ok(!/<script|<b>|<i>|url\(|https?:/i.test(svg));
});

function run(name: string, extra: Partial<RunHistory> = {}): RunHistory {
  const points = Array.from({ length: 400 }, (_, i) => ({
    step: i + 1, trainLoss: 0.2 * 0.99 ** i, lr: 0.01, gradNorm: 0.5 + (i % 7) / 4, clipped: i % 7 > 2,
    ...(i % 20 === 0 ? { valLoss: 0.21 * 0.99 ** i, accuracy: Math.min(1, i / 400) } : {}),
  }));
  return {
    name, config: { cell: 'lstm', hiddenSize: 64, lr: 0.01 }, points, clipThreshold: 1,
    summary: { cell: 'lstm', steps: 400, seconds: 12.3, trainLoss: 0.0036, valLoss: 0.0041, baselineLoss: 0.167, solved: true, extra: { params: 17217 } },
    ...extra,
  };
}

const hostile = '<script>alert(1)</script>"\'><img src=x onerror=alert(2)>';

function fullReport(): ReportData {
  return {
    title: `report ${hostile}`, command: `recur train --name ${hostile}`, date: '2025-01-01', description: `</style>${hostile}`, notes: [hostile],
    runs: [
      run(hostile, {
        config: { [hostile]: hostile, ok: true, n: null },
        summary: { cell: hostile, extra: { [hostile]: hostile, constructor: 1 } },
        color: 'url(http://evil.example)',
        gradFlow: { atInit: [1e-8, 1e-6, 1e-4, 1e-2], atEnd: [1e-3, 1e-2, 0.05, 0.1], endStep: 400 },
        heatmap: { steps: [0, 200, 400], norms: [[1e-8, 1e-5, 1e-2], [1e-6, 1e-4, 1e-2], [1e-3, 1e-2, 1e-1]] },
        vitals: [{ name: hostile, value: hostile, status: 'bad', note: hostile }, { name: 'spectral radius', value: 0.97, status: 'ok' }],
      }),
      run('GRU'),
    ],
  };
}

test('report: hostile strings from the data are escaped everywhere', () => {
  const html = renderReport(fullReport());
  assert.ok(!/<script/i.test(html), 'no script element');
  assert.ok(!/<img/i.test(html), 'no injected element');
  assert.ok(!html.includes('"\'>'), 'no attribute break-out');
  assert.ok(!/onerror=alert/.test(html.replace(/&lt;img src=x onerror=alert\(2\)&gt;/g, '')), 'handlers only as escaped text');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  assert.equal((html.match(/<\/style>/g) ?? []).length, 1, 'the description cannot close the style element');
});

test('report: self-contained, no external references, no scripts', () => {
  const html = renderReport(fullReport());
  assert.ok(!/https?:\/\//i.test(html), 'no http:// or https://');
  assert.ok(!/<script\s+src|<link\b|@import|url\(/i.test(html));
  assert.match(html, /Content-Security-Policy/);
  assertWellFormed(html, HTML_VOID);
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  assert.ok(svgs.length >= 6, `${svgs.length} charts`);
  for (const svg of svgs) assertWellFormed(svg);
});

test('report: sections present with data, absent without', () => {
  const full = renderReport(fullReport());
  for (const id of ['summary', 'loss', 'accuracy', 'lr', 'grad-norm', 'grad-flow', 'heatmap', 'vitals', 'config']) {
    assert.ok(full.includes(`<section id="${id}">`), id);
  }
  const bare = renderReport({ title: 'bare', runs: [{ name: 'a', config: {}, points: [{ step: 1, trainLoss: 1 }, { step: 2, trainLoss: 0.5 }], summary: {} }] });
  assert.ok(bare.includes('<section id="loss">'));
  for (const id of ['accuracy', 'lr', 'grad-norm', 'grad-flow', 'heatmap', 'vitals', 'config']) {
    assert.ok(!bare.includes(`<section id="${id}">`), id);
  }
  assertWellFormed(bare, HTML_VOID);
  const none = renderReport({ title: 'none', runs: [] });
  assert.match(none, /No runs/);
  assertWellFormed(none, HTML_VOID);
});

test('flattenConfig gives dotted keys and keeps __proto__ as a plain key', () => {
  const parsed = JSON.parse('{"__proto__": {"polluted": 1}, "optimizer": {"kind": "adam", "lr": 0.01}, "sizes": [1, 2], "f": null}') as unknown;
  const flat = flattenConfig(parsed);
  assert.deepEqual({ ...flat }, { '__proto__.polluted': 1, 'optimizer.kind': 'adam', 'optimizer.lr': 0.01, sizes: '[1, 2]', f: null });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('moving average keeps gaps and averages around them', () => {
  const m = movingAverage([[0, 1], [1, 3], [2, NaN], [3, 5]], 3, false);
  assert.deepEqual(m.map((p) => p[1]), [2, 2, NaN, 5]);
  const g = movingAverage([[0, 1], [1, 100]], 3, true);
  assert.ok(Math.abs(g[0]![1] - 10) < 1e-9);
});

test('the well-formedness check itself rejects broken markup', () => {
  for (const bad of ['<svg><g></svg>', '<svg a=1></svg>', '<svg>a & b</svg>', '<svg><text>a<b</text></svg>', '<svg a="1" a="2"></svg>', '<svg></svg><svg></svg>', '<svg><g>']) {
    assert.throws(() => assertWellFormed(bad), Error, bad);
  }
  assertWellFormed('<svg a="x &amp; y"><g/><text>a &lt; b &#39;</text></svg>');
});
