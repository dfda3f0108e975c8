// Turns training results into the report's plain data (src/report/types.ts) and renders the page.

import type { VitalsSummary } from '../diagnostics/vitals-summary.js';
import type { ModelConfig } from '../model/config.js';
import { renderReport } from '../report/html.js';
import type { ConfigValue, HistoryPoint, ReportData, RunHistory } from '../report/types.js';
import type { TrainResult } from '../train/trainer.js';
import type { RunSummary } from './session.js';

export interface ReportRun {
  name: string; result: TrainResult; summary: RunSummary; config: ModelConfig; clipThreshold?: number;
  /** ‖∂L/∂h_t‖ over time steps at initialization and after training (diagnostics/measure.ts); atEnd empty while training. */
  gradFlow?: { atInit: number[]; atEnd: number[] };
  /** Vital signs, their time series and the gradient heatmap (diagnostics/vitals-summary.ts). */
  vitals?: VitalsSummary | null;
  /** Training settings shown beside the model's. */
  training?: Record<string, unknown>;
  /** More summary columns (e.g. an experiment's gradient ratio and update fraction). */
  extra?: Record<string, ConfigValue>;
}

/** At most ~600 points per curve: every k-th step, evaluations always kept. */
function points(r: TrainResult): HistoryPoint[] {
  const every = Math.max(1, Math.ceil(r.history.steps.length / 600));
  const byStep = new Map<number, HistoryPoint>();
  r.history.steps.forEach((s, i) => {
    if (i % every !== 0 && !s.clipped) return;
    byStep.set(s.step, { step: s.step, trainLoss: s.loss, lr: s.lr, gradNorm: s.gradNorm, clipped: s.clipped });
  });
  for (const e of r.history.evals) {
    const p = byStep.get(e.step) ?? { step: e.step };
    p.valLoss = e.valLoss;
    if (e.accuracy !== null) p.accuracy = e.accuracy;
    byStep.set(e.step, p);
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

function flatConfig(c: object, prefix = ''): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined) continue;
    out[prefix + k] = typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as ConfigValue);
  }
  return out;
}

export function runHistory(r: ReportRun): RunHistory {
  const v = r.vitals;
  return {
    name: r.name,
    config: { ...flatConfig(r.config), ...(r.training ? flatConfig(r.training, 'training.') : {}) },
    points: points(r.result),
    clipThreshold: r.clipThreshold,
    gradFlow: r.gradFlow ? { ...r.gradFlow, endStep: r.summary.steps } : undefined,
    heatmap: v?.heatmap ?? undefined,
    vitals: v?.vitals,
    vitalSeries: v?.series,
    summary: {
      cell: r.summary.cell + (r.summary.activation ? ` (${r.summary.activation})` : ''),
      steps: r.summary.steps, seconds: r.summary.seconds, trainLoss: r.summary.trainLoss, valLoss: r.summary.valLoss,
      baselineLoss: r.summary.baselineLoss, solved: r.summary.solved,
      extra: { ...r.extra, parameters: r.summary.params, 'NaN-skipped steps': r.summary.nanSkipped, kernels: r.summary.kernels },
    },
  };
}

export function reportData(title: string, command: string, runs: readonly ReportRun[], description?: string): ReportData {
  return { title, command, date: new Date(), description, runs: runs.map(runHistory) };
}

export function reportFor(title: string, command: string, runs: readonly ReportRun[], description?: string): string {
  return renderReport(reportData(title, command, runs, description));
}
