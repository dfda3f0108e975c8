// A run of the studio: the worker's handle (training.ts), what its events told so far as the
// report's plain data (a RunHistory, report/types.ts), and its card (status, progress bar, pause,
// stop, then sample or forecast, and the model's download).

import { flattenConfig, formatNumber } from '../../report/html.js';
import { runColor } from '../../report/sections.js';
import type { HistoryPoint, RunHistory } from '../../report/types.js';
import type { VitalsSummary } from '../../diagnostics/vitals-summary.js';
import type { RunInfo, RunResult, TrainingSpec } from '../protocol.js';
import { preloadTraining, startTraining, type TrainingRun } from '../training.js';

/** At most this many points per curve in the charts: every k-th step, clipped steps and evaluations kept. */
const MAX_POINTS = 600;

const trainWorkerUrl = (): URL => new URL('./train-worker.js', document.baseURI);

/** Starts the worker of the next run ahead (training.ts's preloadTraining): its first step comes sooner. */
export function preloadNextRun(): void {
  preloadTraining({ workerUrl: trainWorkerUrl() });
}

export class StudioRun {
  readonly card: HTMLElement;
  private readonly handle: TrainingRun;
  private readonly steps: HistoryPoint[] = [];
  private readonly evals = new Map<number, { valLoss: number; accuracy: number | null }>();
  private info: RunInfo | null = null;
  private vitals: VitalsSummary | null = null;
  private gradFlow: { atInit: number[]; atEnd: number[]; step: number } | null = null;
  result: RunResult | null = null;
  model: Uint8Array | null = null;
  error: string | null = null;
  private step = 0;
  private paused = false;

  constructor(readonly index: number, readonly name: string, readonly spec: TrainingSpec, private readonly changed: () => void) {
    this.card = document.createElement('article');
    this.card.className = 'run';
    this.card.dataset.state = 'starting';
    this.card.style.setProperty('--run-color', runColor({ name } as RunHistory, index));
    this.handle = startTraining(spec, { workerUrl: trainWorkerUrl() });
    // the next run's worker starts now, while the user chooses its settings
    preloadNextRun();
    this.handle.on('ready', (e) => { this.info = e.info; this.card.dataset.state = 'training'; this.update(); });
    this.handle.on('progress', (e) => {
      for (const s of e.steps) this.steps.push({ step: s.step, trainLoss: s.loss, lr: s.lr, gradNorm: s.gradNorm, clipped: s.clipped });
      this.step = e.step;
      this.update();
    });
    this.handle.on('eval', (e) => { this.evals.set(e.eval.step, { valLoss: e.eval.valLoss, accuracy: e.eval.accuracy }); });
    this.handle.on('vitals', (e) => { this.vitals = e.vitals; });
    this.handle.on('gradflow', (e) => { this.gradFlow = e; this.changed(); });
    this.handle.on('paused', () => { this.paused = true; this.update(); });
    this.handle.on('resumed', () => { this.paused = false; this.update(); });
    this.handle.on('error', (e) => { if (e.id === undefined) { this.error = e.message; this.card.dataset.state = 'error'; this.update(); } });
    this.handle.done.then((d) => {
      this.result = d.result;
      this.model = d.model;
      this.card.dataset.state = 'done';
      this.update();
    }, () => {});
    this.update();
  }

  get finished(): boolean {
    return this.result !== null || this.error !== null;
  }

  /** The run as the report draws it. */
  history(): RunHistory {
    const every = Math.max(1, Math.ceil(this.steps.length / MAX_POINTS));
    const byStep = new Map<number, HistoryPoint>();
    this.steps.forEach((p, i) => { if (i % every === 0 || p.clipped) byStep.set(p.step, { ...p }); });
    for (const [step, e] of this.evals) {
      const p = byStep.get(step) ?? { step };
      p.valLoss = e.valLoss;
      if (e.accuracy !== null) p.accuracy = e.accuracy;
      byStep.set(step, p);
    }
    const clip = this.spec.train.clip;
    const r = this.result;
    const last = [...this.evals.values()].at(-1);
    const v = this.vitals;
    return {
      name: this.name,
      config: { ...flattenConfig(this.info?.config ?? this.spec.model), ...flattenConfig(this.spec.train, 'training.') },
      points: [...byStep.values()].sort((a, b) => a.step - b.step),
      clipThreshold: clip?.kind === 'norm' ? clip.maxNorm : undefined,
      gradFlow: this.gradFlow ? { atInit: this.gradFlow.atInit, atEnd: this.gradFlow.atEnd, endStep: this.gradFlow.step } : undefined,
      heatmap: v?.heatmap ?? undefined, vitals: v?.vitals, vitalSeries: v?.series,
      summary: {
        cell: this.spec.model.cell + (this.spec.model.activation ? ` (${this.spec.model.activation})` : ''),
        steps: this.step, seconds: r?.seconds, trainLoss: r?.trainLoss ?? this.steps.at(-1)?.trainLoss, valLoss: r?.valLoss ?? last?.valLoss,
        baselineLoss: r?.baselineLoss ?? this.info?.baselineLoss, solved: r?.solved,
        extra: { parameters: this.info?.params ?? null, kernels: this.info?.kernelsText ?? null },
      },
    };
  }

  private update(): void {
    const total = this.spec.train.steps;
    const loss = this.steps.at(-1)?.trainLoss;
    const status = this.error ? 'stopped by an error'
      : this.result ? `${this.result.stopped ? 'stopped' : 'finished'} after ${this.result.steps} steps in ${this.result.seconds.toFixed(1)} s · val loss ${formatNumber(this.result.valLoss)} (baseline ${formatNumber(this.result.baselineLoss ?? NaN)})`
        : this.info ? `${this.paused ? 'paused at' : 'step'} ${this.step} of ${total} · loss ${loss === undefined ? '–' : formatNumber(loss)}` : 'starting…';
    const card = this.card;
    if (!card.firstChild) this.build();
    card.querySelector('.progress')!.textContent = status;
    card.querySelector('.kernels')!.textContent = this.info ? `${this.info.params} parameters · ${this.info.kernelsText}` : '';
    (card.querySelector('.bar > div') as HTMLElement).style.width = `${(100 * (this.result?.steps ?? this.step)) / total}%`;
    card.querySelector('.error')!.textContent = this.error ?? '';
    const training = !this.finished;
    (card.querySelector('[data-act=pause]') as HTMLButtonElement).hidden = !training;
    (card.querySelector('[data-act=pause]') as HTMLButtonElement).textContent = this.paused ? 'Resume' : 'Pause';
    (card.querySelector('[data-act=stop]') as HTMLButtonElement).hidden = !training;
    const done = this.result !== null;
    const kind = this.spec.task.kind;
    (card.querySelector('[data-act=sample]') as HTMLButtonElement).hidden = !done || kind !== 'text';
    (card.querySelector('[data-act=forecast]') as HTMLButtonElement).hidden = !done || kind !== 'csv';
    (card.querySelector('[data-act=model]') as HTMLButtonElement).hidden = !done;
    this.changed();
  }

  private build(): void {
    const h = document.createElement('h3');
    h.textContent = `${this.index + 1}. ${this.name}`;
    const task = document.createElement('div');
    task.className = 'status';
    const t = this.spec.task;
    task.textContent = `task: ${t.kind === 'text' || t.kind === 'csv' ? `${t.kind} (${t.name ?? ''}${t.kind === 'csv' ? `, column ${t.column}` : ''})` : 'length' in t ? `${t.kind}, length ${t.length}` : t.kind}`;
    const el = (tag: string, cls: string): HTMLElement => { const e = document.createElement(tag); e.className = cls; return e; };
    const bar = el('div', 'bar');
    bar.append(document.createElement('div'));
    const buttons = el('div', 'buttons');
    for (const [act, label] of [['pause', 'Pause'], ['stop', 'Stop'], ['sample', 'Sample text'], ['forecast', 'Forecast'], ['model', 'Download model']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'secondary';
      b.dataset.act = act;
      b.textContent = label;
      b.addEventListener('click', () => void this.act(act!));
      buttons.append(b);
    }
    this.card.append(h, task, el('div', 'status progress'), el('div', 'status kernels'), bar, el('div', 'error'), buttons, el('pre', 'output'));
    (this.card.querySelector('pre') as HTMLElement).hidden = true;
  }

  private async act(act: string): Promise<void> {
    const out = this.card.querySelector('pre') as HTMLElement;
    try {
      if (act === 'pause') { if (this.paused) this.handle.resume(); else this.handle.pause(); }
      if (act === 'stop') this.handle.stop();
      if (act === 'model' && this.model) download(this.model, `recur-${this.index + 1}.safetensors`, 'application/octet-stream');
      if (act === 'sample') { out.textContent = (await this.handle.generate({ count: 10, seed: Math.floor(Math.random() * 1e9) })).join('\n'); out.hidden = false; }
      if (act === 'forecast') {
        const f = await this.handle.forecast(20);
        out.textContent = `last values: ${f.recent.slice(-5).map(formatNumber).join(', ')}\nnext 20: ${f.forecast.map(formatNumber).join(', ')}`;
        out.hidden = false;
      }
    } catch (e) {
      out.textContent = (e as Error).message;
      out.hidden = false;
    }
  }
}

/** Saves bytes or text as a file through a temporary blob URL. */
export function download(data: Uint8Array | string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
