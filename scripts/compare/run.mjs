// The same four tasks written with TensorFlow.js, brain.js and recur, each program run as it
// stands (node, one after another, each with a time limit) and scored here on the same held-out
// data: lines of user code, whether it ran, what it scored, how long it took.
//
//   npm run build && node scripts/compare/run.mjs [--only sine,classify] [--libs recur,tfjs] [--timeout-s 900] [--markdown]
//
// User code is what lies between the "user code begins/ends" markers (the import of the library
// included, comment-only and blank lines left out); data and scoring are shared (data.mjs).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { multivariate, sine, waves } from './data.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const TASKS = arg('only', 'sine,classify,names,multivariate').split(',');
const LIBS = arg('libs', 'tfjs,brain,recur').split(',');
const TIMEOUT = Number(arg('timeout-s', '900')) * 1000;
const require = createRequire(import.meta.url);
const VERSIONS = {
  tfjs: `TensorFlow.js ${require('@tensorflow/tfjs/package.json').version} (CPU backend)`,
  brain: `brain.js ${require('brain.js/package.json').version}`,
  recur: `recur ${JSON.parse(readFileSync(join(here, '../../package.json'), 'utf8')).version}`,
};

function userCode(file) {
  const lines = readFileSync(file, 'utf8').split('\n');
  const a = lines.indexOf('// user code begins'), b = lines.indexOf('// user code ends');
  return lines.slice(a + 1, b);
}
const counted = (code) => code.filter((l) => l.trim() !== '' && !l.trim().startsWith('//')).length;
const mse = (p, t) => p.reduce((s, v, i) => s + (v - t[i]) ** 2, 0) / t.length;
const fmt = (x, d = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : Number(x.toFixed(d)).toString());

const SCORE = {
  sine: (o) => {
    const { series, targets } = sine();
    const persistence = mse(series.slice(499, 599), targets);
    return `one-step MSE ${fmt(mse(o.predictions, targets))} (persistence ${fmt(persistence)})`;
  },
  classify: (o) => {
    const { test } = waves();
    return `accuracy ${fmt((100 * o.predictions.filter((p, i) => p === test.y[i]).length) / test.y.length, 1)}% (chance 33.3%)`;
  },
  names: (o) => `${o.nll === null ? 'no held-out loss (no probabilities)' : `held-out NLL ${fmt(o.nll)} nats/char (unigram ≈ 2.82)`}${o.samples ? `; samples: ${o.samples.slice(0, 5).join(', ')}` : ''}`,
  multivariate: (o) => {
    const { load, split, targets } = multivariate();
    return `one-hour RMSE ${fmt(Math.sqrt(mse(o.predictions, targets)), 1)} MW (persistence ${fmt(Math.sqrt(mse(load.slice(split - 1, -1), targets)), 1)} MW)`;
  },
};

const rows = [];
for (const task of TASKS) {
  for (const lib of LIBS) {
    const file = join(here, `${task}.${lib}.mjs`);
    const t0 = performance.now();
    const r = spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: TIMEOUT, maxBuffer: 1 << 26, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2' } });
    const seconds = (performance.now() - t0) / 1000;
    let runs = 'yes', result = '';
    const last = r.stdout.trim().split('\n').at(-1) ?? '';
    if (r.error?.code === 'ETIMEDOUT' || r.signal) { runs = `no: stopped after ${Math.round(TIMEOUT / 1000)} s`; }
    else if (r.status !== 0) { runs = `no: ${(r.stderr.trim().split('\n').find((l) => /Error|error/.test(l)) ?? `exit ${r.status}`).trim().slice(0, 160)}`; }
    else {
      try { result = SCORE[task](JSON.parse(last)); } catch (e) { runs = `no: printed no result (${e.message.slice(0, 80)})`; }
    }
    rows.push({ task, lib, lines: counted(userCode(file)), runs, result, seconds });
    process.stderr.write(`${task} ${lib}: ${runs} ${result} (${seconds.toFixed(1)} s)\n`);
  }
}

const table = ['| task | library | lines of user code | runs | result (held-out) | seconds |', '| --- | --- | --- | --- | --- | --- |']
  .concat(rows.map((r) => `| ${r.task} | ${r.lib} | ${r.lines} | ${r.runs} | ${r.result} | ${r.seconds.toFixed(1)} |`));
console.log(`Versions: ${LIBS.map((l) => VERSIONS[l]).join('; ')}; Node ${process.version}.\n`);
console.log(table.join('\n'));
if (process.argv.includes('--markdown')) {
  for (const task of TASKS) {
    console.log(`\n### ${task}\n`);
    for (const lib of LIBS) console.log(`${VERSIONS[lib]}:\n\n\`\`\`js\n${userCode(join(here, `${task}.${lib}.mjs`)).join('\n')}\n\`\`\`\n`);
  }
}
