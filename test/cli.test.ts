// The recur command as a user and a script meet it: exit codes, one-line errors, --json as the
// last line of standard output, and the save → eval / sample / forecast round trips.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recur-cli-'));

function recur(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, RECUR_KERNELS: 'js' }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function lastJson(out: string): Record<string, unknown> {
  const lines = out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

test('bad flags and data: exit code 2 and one line that says what was expected', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--task', 'adding', '--lenght', '5'], /lenght/],
    [['train', '--task', 'adding', '--length', 'ten'], /--length: expected a whole number/],
    [['train', '--task', 'nope'], /--task: expected one of adding, copy, order, text, csv, smnist, pmnist, sfmnist, pfmnist, received "nope"/],
    [['train', '--task', 'adding', '--cell', 'lstm', '--activation', 'relu'], /only for --cell rnn/],
    [['train', '--task', 'adding', '--hidden', '0'], /--hidden: expected a whole number from 1/],
    [['train', '--task', 'adding', '--lr=-1'], /--lr: expected a number > 0/],
    [['train', '--task', 'adding', '--lr', '-1'], /--lr: expected a number > 0/],
    [['train', '--task', 'adding', '--clip-norm', '1', '--clip-value', '1'], /at most one clipping flag/],
    [['train', '--task', 'text', '--text', join(dir, 'missing.txt')], /missing\.txt/],
    [['eval', '--model', join(dir, 'missing.safetensors'), '--task', 'adding'], /missing\.safetensors/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['bench', '--configs', 'Z'], /--configs expects a list of A,B,C,D,E,F,G-lstm,G-indrnn,G-mingru,G-minlstm \(G: all four G-\*\), got 'Z'/],
    [['bench', '--systems', 'tfjs-gpu'], /tfjs-gpu/],
    [['train', '--task', 'adding', '--epochs', '2'], /--epochs: the adding task draws fresh sequences/],
    [['train', '--task', 'adding', '--port', '8080'], /--port: expected together with --dashboard/],
    [['train', '--task', 'adding', '--dashboard', '--port', '70000'], /--port: expected a whole number from 0 to 65535/],
  ];
  for (const [args, pattern] of cases) {
    const r = recur(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, stderr ${r.err}`);
    assert.match(r.err, pattern, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
    assert.equal(r.out, '');
  }
  const corrupt = join(dir, 'corrupt.safetensors');
  writeFileSync(corrupt, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
  const r = recur('eval', '--model', corrupt, '--task', 'adding');
  assert.equal(r.code, 2);
  assert.match(r.err, /header/i);
});

test('train --json: the fields of CLI.md on the last line; save, then eval the saved model', () => {
  const model = join(dir, 'adding.safetensors');
  const r = recur('train', '--task', 'adding', '--length', '10', '--cell', 'gru', '--hidden', '8', '--steps', '30', '--batch', '8', '--json', '--save', model);
  assert.equal(r.code, 0, r.err);
  const j = lastJson(r.out);
  for (const key of ['task', 'cell', 'steps', 'seconds', 'trainLoss', 'valLoss', 'baselineLoss', 'solved', 'nanSkipped', 'rollbacks']) assert.ok(key in j, `missing ${key}`);
  assert.equal(j.task, 'adding');
  assert.equal(j.cell, 'gru');
  assert.equal(j.steps, 30);
  assert.ok(Math.abs((j.baselineLoss as number) - 1 / 6) < 1e-12);
  assert.equal(typeof j.solved, 'boolean');
  const e = recur('eval', '--model', model, '--task', 'adding', '--length', '10', '--json');
  assert.equal(e.code, 0, e.err);
  const ej = lastJson(e.out);
  // same model, same validation set (seed 1): the same loss as training reported
  assert.ok(Math.abs((ej.valLoss as number) - (j.valLoss as number)) < 1e-6 * Math.max(1, j.valLoss as number), `${ej.valLoss} vs ${j.valLoss}`);
  const wrong = recur('eval', '--model', model, '--task', 'copy', '--length', '10');
  assert.equal(wrong.code, 2);
  assert.match(wrong.err, /does not fit task copy/);
});

test('text: train, save, sample with a prefix, temperature and seed (reproducible)', () => {
  const text = join(dir, 'tiny.txt');
  writeFileSync(text, 'anna\nbob\ncarla\ndave\nemma\n'.repeat(40));
  const model = join(dir, 'text.safetensors');
  const r = recur('train', '--task', 'text', '--text', text, '--seq', '16', '--cell', 'lstm', '--hidden', '16', '--steps', '20', '--batch', '8', '--save', model, '--json');
  assert.equal(r.code, 0, r.err);
  const a = recur('sample', '--model', model, '--prefix', 'an', '--count', '3', '--length', '12', '--seed', '5', '--json');
  assert.equal(a.code, 0, a.err);
  const samples = lastJson(a.out).samples as string[];
  assert.equal(samples.length, 3);
  for (const s of samples) { assert.ok(s.startsWith('an')); assert.equal([...s].length, 14); assert.match(s, /^[a-z\n]+$/); }
  const b = recur('sample', '--model', model, '--prefix', 'an', '--count', '3', '--length', '12', '--seed', '5', '--json');
  assert.deepEqual(lastJson(b.out).samples, samples);
  const bad = recur('sample', '--model', model, '--prefix', 'aZ');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--prefix: expected characters of the model's vocabulary \(12 characters\), received "Z" \(U\+005A\) at position 2/);
});

test('csv: train, save, forecast in the original units', () => {
  const csv = join(dir, 'series.csv');
  const rows = ['t,value'];
  for (let i = 0; i < 120; i++) rows.push(`${i},${(100 + 10 * Math.sin(i / 4)).toFixed(4)}`);
  writeFileSync(csv, rows.join('\n'));
  const model = join(dir, 'series.safetensors');
  const r = recur('train', '--task', 'csv', '--csv', csv, '--column', 'value', '--window', '8', '--cell', 'gru', '--hidden', '8', '--steps', '40', '--save', model, '--json');
  assert.equal(r.code, 0, r.err);
  const f = recur('forecast', '--model', model, '--csv', csv, '--column', 'value', '--steps', '4', '--json');
  assert.equal(f.code, 0, f.err);
  const fc = lastJson(f.out).forecast as number[];
  assert.equal(fc.length, 4);
  // in the series' units (around 100 ± 10), not normalised ones
  for (const x of fc) assert.ok(x > 70 && x < 130, `forecast ${x}`);
  const missing = recur('train', '--task', 'csv', '--csv', csv, '--column', 'nope');
  assert.equal(missing.code, 2);
  assert.match(missing.err, /nope/);
});

test('diagnose --json: verdict, per-step gradient norms, ratio and spectral radius (CLI.md)', () => {
  const r = recur('diagnose', '--task', 'adding', '--length', '60', '--cell', 'rnn', '--activation', 'tanh', '--hidden', '16', '--trained-steps', '5', '--json');
  assert.equal(r.code, 0, r.err);
  const j = lastJson(r.out);
  assert.equal(j.verdict, 'vanishing');
  const norms = j.gradNormByStep as number[];
  assert.equal(norms.length, 60);
  assert.ok(Math.abs((j.ratioFirstToLast as number) - norms[0] / norms[59]) <= 1e-12 * (j.ratioFirstToLast as number));
  assert.ok((j.ratioFirstToLast as number) < 1e-3);
  assert.ok((j.spectralRadius as number) > 0 && Number.isFinite(j.spectralRadius as number));
  assert.ok(Array.isArray(j.remedies) && (j.remedies as string[]).some((x) => /lstm/.test(x)));
  const big = recur('diagnose', '--task', 'adding', '--length', '60', '--cell', 'rnn', '--activation', 'relu', '--init', 'identity', '--init-scale', '1.5', '--hidden', '16', '--trained-steps', '0', '--json');
  assert.equal(big.code, 0, big.err);
  assert.equal(lastJson(big.out).verdict, 'exploding');
});

test('train --minutes: the budget ends the run and says so; --warmup with it is refused', () => {
  const r = recur('train', '--task', 'adding', '--length', '10', '--hidden', '8', '--minutes', '0.01', '--schedule', 'cosine', '--no-stop', '--json');
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /budget of 0\.01 minutes ran out/);
  const j = lastJson(r.out);
  assert.ok((j.seconds as number) >= 0.6 && (j.steps as number) > 1 && (j.steps as number) < 1e9, `${j.steps} steps in ${j.seconds} s`);
  // a text task trains its whole budget even once solved, and the line says the budget ended it
  const text = join(dir, 'abcd.txt');
  writeFileSync(text, 'abcd'.repeat(500));
  const t = recur('train', '--task', 'text', '--text', text, '--seq', '16', '--hidden', '16', '--lr', '3e-2', '--minutes', '0.03', '--eval-every', '20', '--json');
  assert.equal(t.code, 0, t.err);
  assert.equal(lastJson(t.out).solved, true);
  assert.match(t.err, /budget of 0\.03 minutes ran out/);
  const both = recur('train', '--task', 'adding', '--length', '10', '--minutes', '1', '--warmup', '5');
  assert.equal(both.code, 2);
  assert.match(both.err, /--warmup and --minutes/);
});
