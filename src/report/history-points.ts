// A training run's history as the report's plain data: the points of its curves and its settings
// flattened to one level (shared by the CLI's reports and the library's report()).

import type { EvalInfo, StepInfo } from '../train/trainer.js';
import type { ConfigValue, HistoryPoint } from './types.js';

/** At most ~600 points per curve: every k-th step, clipped steps and evaluations always kept. */
export function historyPoints(history: { steps: readonly StepInfo[]; evals: readonly EvalInfo[] }): HistoryPoint[] {
  const every = Math.max(1, Math.ceil(history.steps.length / 600));
  const byStep = new Map<number, HistoryPoint>();
  history.steps.forEach((s, i) => {
    if (i % every !== 0 && !s.clipped) return;
    byStep.set(s.step, { step: s.step, trainLoss: s.loss, lr: s.lr, gradNorm: s.gradNorm, clipped: s.clipped });
  });
  for (const e of history.evals) {
    const p = byStep.get(e.step) ?? { step: e.step };
    p.valLoss = e.valLoss;
    if (e.accuracy !== null) p.accuracy = e.accuracy;
    byStep.set(e.step, p);
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

/** An object's fields one level deep, nested values as JSON: { "training.clip": "{…}" }. */
export function flatConfig(c: object, prefix = ''): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined) continue;
    out[prefix + k] = typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as ConfigValue);
  }
  return out;
}
