// What `recur train` shows besides its table: the gradient flow at initialization and at the end
// (for --report and --dashboard) and the live dashboard, around one training run. One path: the
// command builds the title and command line once, this runs the training (session.ts) and hands
// back the finished report run, which the dashboard showed live and --report writes.

import { measureGradFlow } from '../diagnostics/measure.js';
import type { Sequential } from '../model/sequential.js';
import { Dashboard } from '../node/dashboard.js';
import type { Task } from '../tasks/task.js';
import type { TrainConfig } from '../train/trainer.js';
import { UsageError, int, type Values } from './args.js';
import { reportData, type ReportRun } from './report-data.js';
import { runTraining, runTrainingAsync, type TrainingOptions, type TrainingOutcome } from './session.js';

export interface ViewOptions extends TrainingOptions {
  dashboard: boolean;
  port: number;
  /** A report will be written: measure the gradient flow at initialization and at the end. */
  report: boolean;
  title: string;
  command: string;
  name: string;
}

/** --port N (0 to 65535, default 0: a free port), only with --dashboard. */
export function dashboardPort(v: Values): number {
  if (v.port !== undefined && v.dashboard !== true) throw new UsageError('--port: expected together with --dashboard');
  return int(v, 'port', 0, 0, 65535);
}

/** The report's run: the training outcome with the model, settings and gradient flow around it. */
function reportRunOf(name: string, model: Sequential, cfg: TrainConfig, out: TrainingOutcome, gradFlow: ReportRun['gradFlow']): ReportRun & TrainingOutcome {
  const { steps, batchSize, seed, optimizer, schedule, clip, bptt } = cfg;
  return {
    name, config: model.config, gradFlow, training: { steps, batchSize, seed, optimizer, schedule, clip, bptt },
    clipThreshold: cfg.clip?.kind === 'norm' ? cfg.clip.maxNorm : undefined, ...out,
  };
}

/** Trains, with the live dashboard when asked; measures the gradient flow when a view shows it. */
export async function trainWithViews(task: Task, model: Sequential, cfg: TrainConfig, o: ViewOptions): Promise<ReportRun & TrainingOutcome> {
  const measure = o.report || o.dashboard;
  const atInit = measure ? measureGradFlow(model, task).gradNormByStep : [];
  const atEnd = (): ReportRun['gradFlow'] => (measure ? { atInit, atEnd: measureGradFlow(model, task).gradNormByStep } : undefined);
  if (!o.dashboard) {
    const out = runTraining(o.name, task, model, cfg, false, o);
    return reportRunOf(o.name, model, cfg, out, atEnd());
  }
  const dash = await Dashboard.start({ port: o.port, title: o.title });
  process.stderr.write(`dashboard: ${dash.url} (live while training)\n`);
  const view = (run: ReportRun) => reportData(o.title, o.command, [run]);
  try {
    const out = await runTrainingAsync(o.name, task, model, cfg, false, {
      ...o,
      onLive: (live, step) => dash.update(() => view(reportRunOf(o.name, model, cfg, live(), { atInit, atEnd: [] })), `Training: step ${step} of ${cfg.steps}.`),
    });
    const run = reportRunOf(o.name, model, cfg, out, atEnd());
    dash.finish(view(run), `Finished after ${out.result.steps} steps. The dashboard has stopped; this page keeps the final state.`);
    return run;
  } finally {
    await dash.close();
    process.stderr.write('dashboard: stopped\n');
  }
}
