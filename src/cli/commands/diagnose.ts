// recur diagnose: gradient flow through time at initialization and after a short training, a
// verdict (vanishing, exploding, healthy) with its figures, and the remedies that fit.

import { measureGradFlow, remedies, type GradFlowReport } from '../../diagnostics/measure.js';
import { RecurError } from '../../errors.js';
import type { ModelConfig } from '../../model/config.js';
import { loadModel } from '../../node/files.js';
import { Sequential } from '../../model/sequential.js';
import { createTask } from '../../node/tasks.js';
import { metricsLog } from '../../node/metrics-log.js';
import { Trainer } from '../../train/trainer.js';
import { MODEL_OPTIONS, RUNTIME_OPTIONS, TASK_OPTIONS, TRAINING_OPTIONS, checkModelForTask, int, modelOptions, parse, str, taskConfig, trainConfig } from '../args.js';
import { checkMemory, checkTrainingMemory } from '../memory.js';
import { formatNumber } from '../progress.js';
import { kernelsFrom, modelConfigFor } from '../session.js';

export const DIAGNOSE_HELP = `recur diagnose (MODEL-OPTIONS | --model FILE) TASK-OPTIONS [--trained-steps N] [--json]

Measures the norm of the gradient reaching the hidden state at every time step, at initialization
and after N training steps (default 100), on one validation batch of the task, and gives a verdict:
vanishing (the gradient reaching t = 0 is under 1e-3 of the one at the last step), exploding (over
1e3) or healthy, with the spectral radius of the recurrent weights and the remedies that fit.
Training options (--optimizer, --lr, --clip-norm, ...) apply to the short training.`;

function describeFlow(r: GradFlowReport): string {
  const t = r.gradNormByStep.length;
  const ratio = r.ratioFirstToLast;
  const mem = r.memory?.map((m) => formatNumber(m.memorySteps, 3)).join(', ');
  const how = r.memory?.[0]?.a ? `mean decay a_t of layer 0 ${formatNumber(r.memory[0].a.mean, 3)}; memory ${mem} steps by layer`
    : r.memory ? `largest |u| ${formatNumber(r.spectralRadius, 3)}; memory ${mem} steps by layer`
    : `spectral radius of W_hh ${formatNumber(r.spectralRadius, 3)}`;
  return `${r.verdict}: the gradient reaching t=0 is ${formatNumber(ratio, 3)} of the one at t=${t - 1} (${how})`;
}

export function diagnoseCommand(argv: string[]): number {
  const { values: v } = parse(argv, { ...TASK_OPTIONS, ...MODEL_OPTIONS, ...TRAINING_OPTIONS, ...RUNTIME_OPTIONS,
    model: { type: 'string' }, 'trained-steps': { type: 'string' } });
  if (v.help) { console.log(DIAGNOSE_HELP); return 0; }
  const tc = taskConfig(v)!;
  if (v.model === undefined) checkModelForTask(v, tc);
  const steps = int(v, 'trained-steps', 100, 0, 1e7);
  const irnn = str(v, 'preset') === 'irnn';
  const cfg = trainConfig({ ...v, steps: String(Math.max(1, steps)) }, { steps: Math.max(1, steps), lr: irnn ? 1e-4 : 1e-2, irnn });
  const task = createTask(tc, { seed: cfg.seed });
  const kernels = kernelsFrom(v);
  let model: Sequential;
  const file = str(v, 'model');
  const fits = (config: ModelConfig): void => checkTrainingMemory(config, task, { batch: cfg.batchSize, bptt: cfg.bptt, kernels, task: tc.kind });
  if (file) {
    model = loadModel(file, { kernels, check: (config) => checkMemory(config, [], { kernels, training: true, flags: 'model' }) }).model;
    if (model.config.outputSize !== task.outputSize || model.config.outputMode !== task.outputMode) {
      throw new RecurError(`the model does not fit task ${task.name}: it has ${model.config.outputSize} outputs on the ${model.config.outputMode} step(s), the task needs ${task.outputSize} on ${task.outputMode}`);
    }
    fits(model.config);
  } else {
    const config = modelConfigFor(task, modelOptions(v));
    fits(config);
    model = new Sequential(config, { kernels, seed: cfg.seed });
  }
  const atInit = measureGradFlow(model, task);
  let trained: GradFlowReport | null = null;
  if (steps > 0) {
    new Trainer(model, task, { ...cfg, steps, stopWhenSolved: false, evalEvery: steps }, cfg.metricsLog ? metricsLog(cfg.metricsLog) : {}).train();
    trained = measureGradFlow(model, task);
  }
  const final = trained ?? atInit;
  const fixes = remedies(final.verdict, model.config.cell, model.config.activation, model.config.init?.forgetBias);
  if (v.json) {
    const strip = (r: GradFlowReport) => ({ verdict: r.verdict, ratioFirstToLast: r.ratioFirstToLast, spectralRadius: r.spectralRadius, memory: r.memory, gradNormByStep: r.gradNormByStep });
    console.log(JSON.stringify({
      task: task.name, cell: model.config.cell, trainedSteps: steps, ...strip(final),
      atInit: strip(atInit), remedies: fixes,
    }));
    return 0;
  }
  console.log(`task ${task.name}, ${model.config.cell}${model.config.cell === 'rnn' ? ` (${model.config.activation ?? 'tanh'})` : ''}, hidden ${model.config.hiddenSize}`);
  console.log(`at initialization:      ${describeFlow(atInit)}`);
  if (trained) console.log(`after ${steps} steps:`.padEnd(24) + describeFlow(trained));
  if (fixes.length) console.log(`remedies:\n${fixes.map((f) => `  - ${f}`).join('\n')}`);
  return 0;
}
