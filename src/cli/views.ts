// What `recur train` shows besides its table: the gradient flow at initialization and at the end
// (for --report and --dashboard) and the live dashboard, around one training run.

import { measureGradFlow } from '../diagnostics/measure.js';
import type { Sequential } from '../model/sequential.js';
import { Dashboard } from '../report/dashboard.js';
import type { Task } from '../tasks/task.js';
import type { TrainConfig } from '../train/trainer.js';
import { UsageError, int, type Values } from './args.js';
import { reportData, type ReportRun } from './report-data.js';
import { runTraining, runTrainingAsync, type CheckpointSetting, type TrainingOutcome } from './session.js';

export interface ViewOptions {
  dashboard: boolean;
  port: number;
  /** A report will be written: measure the gradient flow at initialization and at the end. */
  report: boolean;
  title: string;
  command: string;
  name: string;
  checkpoint?: CheckpointSetting;
}

/** --port N (0 to 65535, default 0: a free port), only with --dashboard. */
export function dashboardPort(v: Values): number {
  if (v.port !== undefined && v.dashboard !== true) throw new UsageError('--port: expected together with --dashboard');
  return int(v, 'port', 0, 0, 65535);
}

/** The parts of a report run that do not come from the training result. */
export function reportRunOf(name: string, model: Sequential, cfg: TrainConfig, gradFlow: ReportRun['gradFlow']): Omit<ReportRun, 'result' | 'summary'> {
  const { steps, batchSize, seed, optimizer, schedule, clip, bptt } = cfg;
  return {
    name, config: model.config, gradFlow, training: { steps, batchSize, seed, optimizer, schedule, clip, bptt },
    clipThreshold: cfg.clip?.kind === 'norm' ? cfg.clip.maxNorm : undefined,
  };
}

/** Trains, with the live dashboard when asked; measures the gradient flow when a view shows it. */
export async function trainWithViews(task: Task, model: Sequential, cfg: TrainConfig, o: ViewOptions): Promise<TrainingOutcome & { gradFlow: ReportRun['gradFlow'] }> {
  const measure = o.report || o.dashboard;
  const atInit = measure ? measureGradFlow(model, task).gradNormByStep : [];
  if (!o.dashboard) {
    const out = runTraining(o.name, task, model, cfg, false, { checkpoint: o.checkpoint });
    return { ...out, gradFlow: measure ? { atInit, atEnd: measureGradFlow(model, task).gradNormByStep } : undefined };
  }
  const dash = await Dashboard.start({ port: o.port, title: o.title });
  process.stderr.write(`dashboard: ${dash.url} (live while training)\n`);
  const view = (t: TrainingOutcome, atEnd: number[]) =>
    reportData(o.title, o.command, [{ ...reportRunOf(o.name, model, cfg, { atInit, atEnd }), ...t }]);
  try {
    const out = await runTrainingAsync(o.name, task, model, cfg, false, {
      checkpoint: o.checkpoint,
      onLive: (live, step) => dash.update(() => view(live(), []), `Training: step ${step} of ${cfg.steps}.`),
    });
    const gradFlow = { atInit, atEnd: measureGradFlow(model, task).gradNormByStep };
    dash.finish(view(out, gradFlow.atEnd), `Finished after ${out.result.steps} steps. The dashboard has stopped; this page keeps the final state.`);
    return { ...out, gradFlow };
  } finally {
    await dash.close();
    process.stderr.write('dashboard: stopped\n');
  }
}
