// The self-contained HTML report of a high-level object's last fit (report/html.ts): its loss,
// learning rate, gradient norm and clipping curves, the vital signs and the gradient heatmap when
// the fit recorded them (fit option `vitals`), and the model's and the training's settings.

import type { Sequential } from '../model/sequential.js';
import { flatConfig, historyPoints } from '../report/history-points.js';
import { renderReport } from '../report/html.js';
import type { RunHistory } from '../report/types.js';
import type { EvalInfo, StepInfo, TrainConfig } from '../train/trainer.js';
import type { FitResult } from './options.js';

export interface FitRecord { result: FitResult; history: { steps: readonly StepInfo[]; evals: readonly EvalInfo[] }; training: TrainConfig }

export function fitReport(title: string, net: Sequential, fit: FitRecord, dataLines: readonly string[]): string {
  const c = net.config, r = fit.result, t = fit.training;
  const { steps, batchSize, seed, optimizer, schedule, clip, bptt, earlyStopping } = t;
  const run: RunHistory = {
    name: c.cell + (c.cell === 'rnn' ? ` (${c.activation ?? 'tanh'})` : ''),
    config: { ...flatConfig(c), ...flatConfig({ steps, batchSize, seed, optimizer, schedule, clip, bptt, earlyStopping }, 'training.') },
    points: historyPoints(fit.history),
    clipThreshold: clip?.kind === 'norm' ? clip.maxNorm : undefined,
    heatmap: r.vitals?.heatmap ?? undefined,
    vitals: r.vitals?.vitals,
    vitalSeries: r.vitals?.series,
    summary: {
      cell: c.cell, steps: r.steps, seconds: Math.round(r.seconds * 100) / 100, trainLoss: r.trainLoss, valLoss: r.valLoss,
      baselineLoss: r.baselineLoss, solved: r.valLoss !== null && r.baselineLoss !== null ? r.valLoss < r.baselineLoss : null,
      extra: { epochs: Math.round(r.epochs * 100) / 100, stopped: r.stopped, parameters: net.paramCount, kernels: r.kernels, 'NaN-skipped steps': r.nanSkipped },
    },
  };
  return renderReport({
    title, command: `${title}.fit`, date: new Date(), runs: [run],
    description: `${dataLines.join(' ')} The baseline is the loss of the best guess that ignores the sequence; a model below it has learned from the history.`,
  });
}
