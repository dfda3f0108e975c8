// Turns training results into the report's plain data (src/report/types.ts) and renders the page.

import type { VitalsSummary } from '../diagnostics/vitals-summary.js';
import type { ModelConfig } from '../model/config.js';
import { renderReport } from '../report/html.js';
import { flatConfig, historyPoints } from '../report/history-points.js';
import type { ConfigValue, ReportData, RunHistory } from '../report/types.js';
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

export function runHistory(r: ReportRun): RunHistory {
  const v = r.vitals;
  return {
    name: r.name,
    config: { ...flatConfig(r.config), ...(r.training ? flatConfig(r.training, 'training.') : {}) },
    points: historyPoints(r.result.history),
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
