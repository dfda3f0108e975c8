// The self-contained HTML report: one file with inline CSS and inline SVG, no scripts and no
// external references, so it opens from disk with no network. A Content-Security-Policy meta tag
// forbids scripts and fetches as a second line of defence; the first is that every string from
// the data is escaped (escapeXml) on its way in.

import { escapeXml as esc } from './escape.js';
import {
  accuracySection, finalLossBars, gradFlowSection, gradNormSection, heatmapSection, lossSection, lrSection, runColor, section,
  vitalSeriesSection,
} from './sections.js';
import type { ConfigValue, ReportData, RunHistory, VitalStatus } from './types.js';

export type {
  ConfigValue, GradFlow, GradHeatmap, HistoryPoint, ReportData, RunHistory, RunSummary, VitalSeries, VitalSign, VitalStatus,
} from './types.js';

export const REPORT_CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f5f5f2; color: #222; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif; }
main { max-width: 1020px; margin: 0 auto; padding: 28px 20px 48px; }
h1 { font-size: 26px; line-height: 1.25; margin: 0 0 6px; overflow-wrap: anywhere; }
h2 { font-size: 18px; margin: 0 0 6px; }
h3 { font-size: 15px; margin: 0 0 8px; overflow-wrap: anywhere; }
.sub { color: #555; margin: 0 0 4px; font-size: 13px; }
.sub code { background: #e9e9e4; padding: 1px 5px; border-radius: 3px; overflow-wrap: anywhere; }
section { background: #fff; border: 1px solid #e0e0da; border-radius: 8px; padding: 16px 18px; margin: 16px 0; }
p.explain { color: #555; margin: 0 0 10px; font-size: 14px; max-width: 80ch; }
svg.chart { display: block; width: 100%; height: auto; margin: 8px 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 14px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 10px; border-bottom: 1px solid #ececec; text-align: right; vertical-align: top; }
th { font-weight: 600; color: #444; border-bottom: 2px solid #ddd; font-size: 13px; line-height: 1.3; vertical-align: bottom; }
th:first-child, td:first-child { text-align: left; }
td.name { font-weight: 600; min-width: 9em; overflow-wrap: break-word; }
.swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 7px; vertical-align: -1px; }
.yes { color: #00603b; font-weight: 600; }
.no { color: #a1381e; }
.status-warn { background: #fff3d1; }
.status-bad { background: #fbdcd3; }
.note { display: block; color: #666; font-size: 12px; }
.configs { display: grid; grid-template-columns: repeat(auto-fill, minmax(290px, 1fr)); gap: 14px; }
.configs > div { border: 1px solid #ececec; border-radius: 6px; padding: 10px 12px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; font-size: 13px; }
dt { color: #666; }
dd { margin: 0; font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; overflow-wrap: anywhere; }
footer { color: #777; font-size: 12px; margin-top: 24px; }
`;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

/** The sections of the report (summary, charts, tables), each a <section> with an id. */
export function reportSections(r: ReportData): string {
  const runs = r.runs;
  const intro = r.description ? `<p class="explain">${esc(r.description)}</p>` : '';
  const notes = r.notes?.length ? `<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return [
    section('summary', 'Summary', '', intro + notes + summaryTable(runs) + finalLossBars(runs)),
    lossSection(runs),
    accuracySection(runs),
    lrSection(runs),
    gradNormSection(runs),
    gradFlowSection(runs),
    heatmapSection(runs),
    vitalsSection(runs),
    vitalSeriesSection(runs),
    configSection(runs),
  ].filter((s) => s !== '').join('\n');
}

/** The lines under the title: the command and the date. */
export function reportSubtitle(r: ReportData): string {
  const sub: string[] = [];
  if (r.command) sub.push(`<p class="sub">Command: <code>${esc(r.command)}</code></p>`);
  const date = formatDate(r.date);
  if (date) sub.push(`<p class="sub">Date: ${esc(date)}</p>`);
  return sub.join('');
}

export interface PageParts {
  title: string;
  /** Trusted markup under the title. */
  header: string;
  /** Trusted markup of the sections. */
  body: string;
  footer: string;
  csp: string;
  /** Trusted inline script (the dashboard's), allowed by a nonce in the CSP; none in the report. */
  script?: { nonce: string; code: string };
}

/** The page around the sections: the report's and the dashboard's share it. */
export function renderPage(p: PageParts): string {
  const script = p.script ? `\n<script nonce="${esc(p.script.nonce)}">${p.script.code}</script>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(p.csp)}">
<meta name="referrer" content="no-referrer">
<title>${esc(p.title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<main>
<header><h1>${esc(p.title)}</h1>${p.header}</header>
${p.body}
<footer>${p.footer}</footer>
</main>${script}
</body>
</html>
`;
}

/** The report page as one HTML string. */
export function renderReport(r: ReportData): string {
  return renderPage({
    title: r.title, header: reportSubtitle(r), body: reportSections(r), csp: CSP,
    footer: 'Written by recur. This page is self-contained: no scripts, nothing loaded from the network.',
  });
}

function formatDate(d: string | Date | undefined): string {
  if (d === undefined) return '';
  if (typeof d === 'string') return d;
  if (Number.isNaN(d.getTime())) return '';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A number for a table cell: integers whole, others to four significant digits. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e12) return String(v);
  const a = Math.abs(v);
  const trim = (s: string) => (s.includes('.') && !s.includes('e') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (a >= 1000 && a < 1e12) return trim(v.toFixed(1));
  if (a >= 1e-3 && a < 1000) return trim(v.toPrecision(4));
  const [m, e] = v.toExponential(2).split('e') as [string, string];
  return `${trim(m)}e${e.replace('+', '')}`;
}

/** A summary or vitals value as text; a missing value is a dash. */
export function formatValue(v: ConfigValue | undefined): string {
  if (v === undefined || v === null) return '–';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return formatNumber(v);
  return v;
}

function summaryTable(runs: readonly RunHistory[]): string {
  if (runs.length === 0) return '<p class="explain">No runs.</p>';
  const extraKeys: string[] = [];
  for (const r of runs) for (const k of Object.keys(r.summary.extra ?? {})) if (!extraKeys.includes(k)) extraKeys.push(k);
  const head = ['run', 'cell', 'steps', 'seconds', 'final train loss', 'validation loss', 'baseline loss', 'solved', ...extraKeys];
  const rows = runs.map((r, i) => {
    const s = r.summary;
    const solved = s.solved === true ? '<td class="yes">yes</td>' : s.solved === false ? '<td class="no">no</td>' : '<td>–</td>';
    const extra = extraKeys.map((k) => `<td>${esc(formatValue(own(s.extra, k)))}</td>`).join('');
    return `<tr><td class="name"><span class="swatch" style="background:${esc(runColor(r, i))}"></span>${esc(r.name)}</td>` +
      `<td>${esc(formatValue(s.cell))}</td><td>${esc(formatValue(s.steps))}</td><td>${esc(formatValue(s.seconds))}</td>` +
      `<td>${esc(formatValue(s.trainLoss))}</td><td>${esc(formatValue(s.valLoss))}</td><td>${esc(formatValue(s.baselineLoss))}</td>${solved}${extra}</tr>`;
  });
  return `<div class="table-wrap"><table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** An own property only: a key such as "constructor" must not find Object.prototype's. */
function own(o: Record<string, ConfigValue> | undefined, k: string): ConfigValue | undefined {
  return o !== undefined && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

const STATUS_MARK: Record<VitalStatus, string> = { ok: '✓ ', warn: '! ', bad: '✗ ' };

function vitalsSection(runs: readonly RunHistory[]): string {
  const withVitals = runs.filter((r) => r.vitals && r.vitals.length > 0);
  if (withVitals.length === 0) return '';
  const names: string[] = [];
  for (const r of withVitals) for (const v of r.vitals!) if (!names.includes(v.name)) names.push(v.name);
  const head = `<tr><th>sign</th>${withVitals.map((r) => `<th>${esc(r.name)}</th>`).join('')}</tr>`;
  const rows = names.map((name) => {
    const cells = withVitals.map((r) => {
      const v = r.vitals!.find((x) => x.name === name);
      if (!v) return '<td>–</td>';
      const status = v.status && Object.prototype.hasOwnProperty.call(STATUS_MARK, v.status) ? v.status : undefined;
      const cls = status && status !== 'ok' ? ` class="status-${status}"` : '';
      const note = v.note ? `<span class="note">${esc(v.note)}</span>` : '';
      return `<td${cls}>${esc((status ? STATUS_MARK[status] : '') + formatValue(v.value))}${note}</td>`;
    }).join('');
    return `<tr><td>${esc(name)}</td>${cells}</tr>`;
  });
  const explain = 'Health checks of each model: ✓ looks fine, ! worth a look (yellow), ✗ likely a problem (red).';
  return section('vitals', 'Vital signs', explain, `<div class="table-wrap"><table><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`);
}

function configSection(runs: readonly RunHistory[]): string {
  const cards = runs.filter((r) => Object.keys(r.config).length > 0).map((r) => {
    const items = Object.entries(r.config).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v === null ? 'null' : String(v))}</dd>`).join('');
    return `<div><h3>${esc(r.name)}</h3><dl>${items}</dl></div>`;
  });
  if (cards.length === 0) return '';
  return section('config', 'Configuration', 'Settings of each run, as given.', `<div class="configs">${cards.join('')}</div>`);
}

/**
 * Flattens a nested config (e.g. a model config with an optimizer object) into dotted keys with
 * printable values: { optimizer: { lr: 0.01 } } gives { 'optimizer.lr': 0.01 }. Arrays become
 * "[1, 2, 3]"; depth is limited; the result has no prototype, so no key can reach Object.prototype.
 */
export function flattenConfig(value: unknown, prefix = '', depth = 0, out: Record<string, ConfigValue> = Object.create(null) as Record<string, ConfigValue>): Record<string, ConfigValue> {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    out[prefix || 'value'] = value;
  } else if (Array.isArray(value)) {
    out[prefix || 'value'] = `[${value.slice(0, 32).map((v) => (v !== null && typeof v === 'object' ? '…' : String(v))).join(', ')}${value.length > 32 ? ', …' : ''}]`;
  } else if (typeof value === 'object' && value !== null && depth < 6) {
    for (const [k, v] of Object.entries(value)) flattenConfig(v, prefix ? `${prefix}.${k}` : k, depth + 1, out);
  } else if (value !== undefined && typeof value !== 'function') {
    out[prefix || 'value'] = typeof value === 'bigint' ? String(value) : '…';
  }
  return out;
}
