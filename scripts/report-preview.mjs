// Renders the HTML report with made-up but plausible data (a tanh RNN, an LSTM and a GRU on the
// adding problem) into .tmp/report-preview.html, for looking at the page while working on it.
//
//   npx tsc -p tsconfig.json && node scripts/report-preview.mjs
//
// Then open the file in a browser, or take a screenshot headless:
//   chromium --headless --no-sandbox --disable-gpu --screenshot=/tmp/report.png \
//     --window-size=1200,2400 file://$PWD/.tmp/report-preview.html

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderReport } from '../dist/src/report/html.js';
import { Rng } from '../dist/src/tensor/rng.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// The project's seeded generator, so the preview is the same every time.
function rng(seed) {
  const r = new Rng(seed);
  return () => r.uniform();
}

const STEPS = 1500, T = 100, EVAL = 50, BASELINE = 0.167;
const lrAt = (s) => (s < 100 ? 1e-2 * (s + 1) / 100 : 1e-2 * (0.1 + 0.9 * 0.5 * (1 + Math.cos((Math.PI * (s - 100)) / (STEPS - 100)))));

/** One run: `solveAt` is where the loss falls off the baseline (Infinity: never). */
function makeRun(name, cell, seed, solveAt, gradScale, decay) {
  const r = rng(seed);
  const level = (s) => {
    const k = 1 / (1 + Math.exp(-(s - solveAt) / 60));
    return BASELINE * (1 - k) + 0.0008 * k;
  };
  const points = [];
  for (let s = 1; s <= STEPS; s++) {
    const noise = Math.exp((r() - 0.5) * 1.2);
    const gradNorm = gradScale * noise * (solveAt < Infinity && Math.abs(s - solveAt) < 120 ? 6 : 1);
    const p = { step: s, trainLoss: level(s) * noise, lr: lrAt(s), gradNorm, clipped: gradNorm > 1 };
    if (s % EVAL === 0 || s === 1) { p.valLoss = level(s) * (1.02 + 0.05 * r()); }
    points.push(p);
  }
  // A few steps where the loss was not finite (the NaN guard skipped them): shown as a gap.
  if (cell === 'rnn') for (let s = 700; s < 712; s++) points[s].trainLoss = NaN;
  const flow = (scale, d) => Array.from({ length: T }, (_, t) => scale * d ** (T - 1 - t) * Math.exp((r() - 0.5) * 0.3));
  const snapshots = Array.from({ length: STEPS / EVAL + 1 }, (_, i) => i * EVAL);
  const heat = snapshots.map((s) => {
    const d = decay + (solveAt < Infinity ? (1 - decay) * 0.9 * Math.min(1, Math.max(0, (s - solveAt + 300) / 400)) : 0);
    return flow(0.05 * (1 + s / STEPS), d);
  });
  const last = points[points.length - 1];
  const lastVal = [...points].reverse().find((p) => p.valLoss !== undefined);
  return {
    name,
    config: { cell, hiddenSize: 64, layers: 1, ...(cell === 'rnn' ? { activation: 'tanh' } : {}), optimizer: 'adam', lr: 0.01, schedule: 'warmup 100 + cosine', clip: 'norm 1', batchSize: 32, steps: STEPS, seed: 1, kernels: 'wasm' },
    points,
    clipThreshold: 1,
    summary: {
      cell, steps: STEPS, seconds: 40 + 30 * r(), trainLoss: last.trainLoss, valLoss: lastVal.valLoss, baselineLoss: BASELINE,
      solved: lastVal.valLoss < 0.01, extra: { params: cell === 'rnn' ? 4353 : cell === 'lstm' ? 17217 : 12929, 'NaN steps skipped': cell === 'rnn' ? 12 : 0 },
    },
    gradFlow: { atInit: heat[0], atEnd: heat[heat.length - 1], endStep: STEPS },
    heatmap: { steps: snapshots, norms: heat },
    vitals: [
      { name: 'spectral radius of recurrent weights', value: cell === 'rnn' ? 0.62 : 0.97, status: cell === 'rnn' ? 'warn' : 'ok', note: cell === 'rnn' ? 'below 1: gradients shrink over time' : undefined },
      { name: 'saturated units', value: cell === 'rnn' ? 0.41 : 0.08, status: cell === 'rnn' ? 'bad' : 'ok' },
      { name: 'dead units', value: 0, status: 'ok' },
      { name: 'gradient at first step / last step', value: heat[heat.length - 1][0] / heat[heat.length - 1][T - 1], status: cell === 'rnn' ? 'bad' : 'ok' },
    ],
  };
}

const runs = [
  makeRun('tanh RNN', 'rnn', 1, Infinity, 0.04, 0.75),
  makeRun('LSTM', 'lstm', 2, 650, 0.3, 0.93),
  makeRun('GRU', 'gru', 3, 420, 0.35, 0.95),
];
const html = renderReport({
  title: 'recur demo: the adding problem at T = 100',
  command: 'recur demo --length 100 --steps 1500',
  date: new Date(Date.UTC(2025, 0, 15, 9, 30)),
  description: 'Each sequence holds 100 random numbers, two of them marked; the target is their sum. Always answering 1 gives a mean squared error of 0.167 (the baseline); a model counts as solved below 0.01.',
  runs,
});
mkdirSync(join(root, '.tmp'), { recursive: true });
const out = join(root, '.tmp', 'report-preview.html');
writeFileSync(out, html);
console.log(`${out} (${(html.length / 1024).toFixed(0)} KiB)`);
