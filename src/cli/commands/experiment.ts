// recur experiment NAME: one of the remedy comparisons of cli/experiments.ts, every model on the
// same budget. Prints a verdict table (validation MSE against the 0.167 baseline, solved, steps,
// gradient ratio first/last step at initialization, updates used by Skip RNN models) and writes
// OUT/NAME/report.html; `all` runs every experiment in turn.

import { describeKernels, kernelsText } from '../../kernels/index.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { checkOutputDir, writeWithFallback } from '../outputs.js';
import { dirname, join, resolve } from 'node:path';
import { measureGradFlow } from '../../diagnostics/measure.js';
import { Sequential } from '../../model/sequential.js';
import { createTask } from '../../node/tasks.js';
import { RUNTIME_OPTIONS, UsageError, int, parse, str } from '../args.js';
import { EXPERIMENT_NAMES, experiment, type Experiment, type ExperimentName } from '../experiments.js';
import { formatNumber, table } from '../progress.js';
import { reportFor, type ReportRun } from '../report-data.js';
import { kernelsFrom, modelConfigFor, round, runTraining } from '../session.js';
import { longExperimentCommand } from './experiment-long.js';

export const EXPERIMENT_HELP = `recur experiment NAME [--full] [--out DIR] [--seed N] [--json]

NAME: vanishing | init | clipping | lr | skip | all | long
  long       every long-memory cell on copy, adding, pixel-sequence (Fashion-)MNIST and text (see --help after long)
  vanishing  tanh RNN vs ReLU and leaky ReLU RNNs vs IRNN vs LSTM vs GRU on the adding problem (T = 100)
  init       one ReLU RNN under PyTorch default, Xavier, He, orthogonal and identity init (T = 50)
  clipping   an exploding ReLU RNN without clipping, then with norm, value and adaptive clipping
  lr         SGD at a fixed rate vs SGD with schedules vs Adam vs RMSprop (LSTM, T = 50)
  skip       Skip LSTM/GRU vs LSTM/GRU (T = 50), a dilated GRU stack vs a plain one (T = 200)
Each runs in minutes on two cores; --full uses the papers' lengths (adding at T = 400 for vanishing
and skip, with the IRNN added to skip) and budgets, and takes hours.
Prints a verdict table per experiment and writes DIR/NAME/report.html (default ./recur-experiments/).
  --kernels js|wasm|auto  --threads N  --json (one JSON object, last line)`;

export interface ExperimentRow {
  model: string; length: number; valLoss: number; baselineLoss: number | null; solved: boolean; steps: number; seconds: number;
  /** ‖∂L/∂h_first‖ / ‖∂L/∂h_last‖ at initialization (first layer), and its verdict. */
  ratioAtInit: number; verdictAtInit: string;
  updateFraction: number | null; nanSkipped: number; rollbacks: number; worstTrainLoss: number;
}

export function experimentCommand(argv: string[]): number {
  if (argv[0] === 'long') return longExperimentCommand(argv.slice(1));
  const { values: v, positionals } = parse(argv, {
    ...RUNTIME_OPTIONS, full: { type: 'boolean' }, out: { type: 'string' }, seed: { type: 'string' },
    // undocumented: shrink the budget (tests)
    steps: { type: 'string' }, 'val-size': { type: 'string' },
  }, true);
  if (v.help) { console.log(EXPERIMENT_HELP); return 0; }
  const all = ['all', ...EXPERIMENT_NAMES];
  if (positionals.length !== 1 || !all.includes(positionals[0])) {
    throw new UsageError(`recur experiment: expected one NAME (${all.join(' | ')}), received ${positionals.length ? positionals.map((p) => `"${p}"`).join(' ') : 'none'}`);
  }
  const names: ExperimentName[] = positionals[0] === 'all' ? [...EXPERIMENT_NAMES] : [positionals[0] as ExperimentName];
  const full = v.full === true;
  const out = resolve(str(v, 'out') ?? 'recur-experiments');
  checkOutputDir('out', out);
  const seed = int(v, 'seed', 1, 0, 2 ** 32 - 1);
  const stepsOverride = v.steps !== undefined ? int(v, 'steps', 1, 1, 1e9) : undefined;
  const valSize = v['val-size'] !== undefined ? int(v, 'val-size', 1, 1, 1e6) : undefined;
  const json = v.json === true;
  const results: { name: string; title: string; report: string; rows: ExperimentRow[] }[] = [];
  let failedWrites = 0;
  for (const name of names) {
    const exp = experiment(name, full);
    if (stepsOverride !== undefined) { exp.steps = stepsOverride; for (const arm of exp.arms) arm.steps = stepsOverride; }
    const { rows, runs } = runExperiment(exp, v, seed, valSize, json);
    const html = reportFor(`recur experiment ${name}: ${exp.title}`, `recur experiment ${argv.join(' ')}`.trim(), runs, exp.description);
    const written = writeWithFallback('out', join(out, name, 'report.html'), (to) => { mkdirSync(dirname(to), { recursive: true }); writeFileSync(to, html); });
    if (written.warning) { process.stderr.write(`recur: ${written.warning}\n`); failedWrites++; }
    const report = written.file;
    results.push({ name, title: exp.title, report, rows });
    if (!json) {
      console.log(`\n${exp.title}\n`);
      console.log(verdictTable(rows));
      console.log(`\nreport: ${report}`);
    }
  }
  if (json) console.log(JSON.stringify(names.length === 1 ? { experiment: results[0].name, ...results[0] } : { experiments: results }));
  return failedWrites ? 1 : 0;
}

function runExperiment(exp: Experiment, v: Record<string, string | boolean | undefined>, seed: number, valSize: number | undefined, quiet: boolean): { rows: ExperimentRow[]; runs: ReportRun[] } {
  const kernels = kernelsFrom(v);
  const rows: ExperimentRow[] = [];
  const runs: ReportRun[] = [];
  process.stderr.write(`${exp.title}: ${exp.arms.length} models, ${exp.steps} steps each, batch ${exp.batchSize} (kernels ${kernelsText(describeKernels(kernels))})\n`);
  for (const arm of exp.arms) {
    const task = createTask({ kind: 'adding', length: arm.length }, { seed, valSize });
    const model = new Sequential(modelConfigFor(task, arm.model), { kernels, seed });
    const init = measureGradFlow(model, task);
    const steps = arm.steps ?? exp.steps;
    const { result, summary } = runTraining(arm.name.padEnd(12), task, model, {
      steps, batchSize: exp.batchSize, seed, ...arm.train,
      evalEvery: Math.max(1, Math.floor(steps / 30)), stopWhenSolved: !arm.noStop,
    }, quiet);
    const losses = result.history.steps.map((s) => s.loss).filter(Number.isFinite);
    const row: ExperimentRow = {
      model: arm.name, length: arm.length, valLoss: result.valLoss, baselineLoss: result.baselineLoss, solved: result.solved,
      steps: result.steps, seconds: summary.seconds, ratioAtInit: init.ratioFirstToLast, verdictAtInit: init.verdict,
      updateFraction: summary.updateFraction ?? null, nanSkipped: result.nanSkipped, rollbacks: result.rollbacks,
      worstTrainLoss: losses.length ? Math.max(...losses) : NaN,
    };
    rows.push(row);
    const clip = arm.train.clip;
    runs.push({
      name: arm.name, result, summary, config: model.config, clipThreshold: clip?.kind === 'norm' ? clip.maxNorm : undefined,
      gradFlow: { atInit: init.gradNormByStep, atEnd: measureGradFlow(model, task).gradNormByStep },
      extra: {
        T: arm.length, 'gradient ratio first/last at init': round(row.ratioAtInit, 6), 'verdict at init': row.verdictAtInit,
        'updates used': row.updateFraction === null ? '-' : `${(row.updateFraction * 100).toFixed(1)}%`,
        'worst train loss': row.worstTrainLoss,
      },
    });
  }
  return { rows, runs };
}

export function verdictTable(rows: readonly ExperimentRow[]): string {
  return table(['model', 'T', 'val MSE', 'baseline', 'solved', 'steps', 'seconds', 'ratio at init', 'updates', 'worst loss', 'NaN skipped'], rows.map((r) => [
    r.model, String(r.length), formatNumber(r.valLoss), formatNumber(r.baselineLoss), r.solved ? 'yes' : 'no', String(r.steps), String(r.seconds),
    `${formatNumber(r.ratioAtInit, 2)} (${r.verdictAtInit})`, r.updateFraction === null ? '-' : `${(r.updateFraction * 100).toFixed(1)}%`,
    formatNumber(r.worstTrainLoss, 3), String(r.nanSkipped),
  ]));
}
