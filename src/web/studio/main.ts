// recur studio: the page's entry. The form (form.ts) describes a run; each Train adds a run
// (runs.ts) that trains in its own Web Worker, so several train side by side; the charts are the
// HTML report's sections (report/html.ts) drawn from the runs' data a few times a second; the
// report of all runs downloads as one self-contained page. Errors show as messages in the page.

import { REPORT_CSS, renderReport, reportSections } from '../../report/html.js';
import type { ReportData } from '../../report/types.js';
import { threadsPossible } from '../kernels.js';
import { StudioForm } from './form.js';
import { StudioRun, download, preloadNextRun } from './runs.js';

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

const style = document.createElement('style');
style.textContent = REPORT_CSS;
document.head.prepend(style);

const form = new StudioForm($<HTMLFormElement>('controls'), $('data-message'));
const runs: StudioRun[] = [];
const formMessage = $('form-message');
const charts = $('charts');
const reportButton = $<HTMLButtonElement>('report');

const iso = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
$('env').textContent = iso
  ? `Cross-origin isolated: training can use ${Math.min(2, navigator.hardwareConcurrency || 1)} kernel threads per run.`
  : `One kernel thread per run (${threadsPossible().reason.replace(/^the page/, 'this page')}); \`npx recur studio\` serves it isolated.`;

function reportData(): ReportData {
  return {
    title: 'recur studio', date: new Date(), runs: runs.map((r) => r.history()),
    description: 'Runs trained in the browser with recur studio.',
  };
}

let drawPending = false, lastDraw = 0;
function redraw(): void {
  if (drawPending) return;
  drawPending = true;
  const wait = Math.max(0, 250 - (performance.now() - lastDraw));
  setTimeout(() => requestAnimationFrame(() => {
    drawPending = false;
    lastDraw = performance.now();
    charts.innerHTML = reportSections(reportData());
    reportButton.disabled = runs.length === 0;
    document.documentElement.dataset.runs = String(runs.length);
    document.documentElement.dataset.finished = String(runs.filter((r) => r.finished).length);
  }), wait);
}

form.form.addEventListener('submit', (e) => {
  e.preventDefault();
  formMessage.textContent = '';
  form.spec().then(({ spec, name }) => {
    const run = new StudioRun(runs.length, name, spec, redraw);
    runs.push(run);
    $('runs').append(run.card);
    redraw();
  }, (err: Error) => { formMessage.textContent = err.message; });
});

reportButton.addEventListener('click', () => download(renderReport(reportData()), 'recur-studio-report.html', 'text/html'));
preloadNextRun();
document.documentElement.dataset.ready = 'true';
