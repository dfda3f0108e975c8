// The command line on users' files, and models moving between it and the library both ways:
// CSV with several columns (a ;-separated file with quotes, decimal commas and a gap), items one a
// line (--lines, --val-text), data tasks that train every step asked unless --stop-when-solved
// (and say so when they stop), --version and `recur list`.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Forecaster, TextModel, load, save } from '../src/node/index.js';
import { Rng } from '../src/tensor/rng.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recur-cli-data-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function recur(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, RECUR_KERNELS: 'js' }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function lastJson(out: string): Record<string, unknown> {
  return JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

// two columns: b follows a three steps later
const rng = new Rng(2);
const a = Array.from({ length: 300 }, (_, t) => Math.sin(t / 6) + 0.1 * rng.normal());
const b = a.map((_, t) => (t >= 3 ? 0.9 * a[t - 3] : 0) + 0.5 * Math.cos(t / 15));
const twoCsv = join(dir, 'two.csv');
writeFileSync(twoCsv, 'date,a,b\n' + a.map((v, t) => `2024-01-${t},${v.toFixed(5)},${b[t].toFixed(5)}`).join('\n') + '\n');

test('csv --columns a,b --target b: train, forecast, eval; the library reads the file and forecasts the same', () => {
  const model = join(dir, 'two.safetensors');
  const r = recur('train', '--task', 'csv', '--csv', twoCsv, '--columns', 'a,b', '--target', 'b', '--window', '8', '--cell', 'gru', '--hidden', '8', '--epochs', '20', '--save', model, '--json');
  assert.equal(r.code, 0, r.err);
  const j = lastJson(r.out);
  assert.equal(j.steps, 20 * Math.ceil((240 - 8) / 32), 'epochs over the training windows');
  assert.ok((j.valLoss as number) < (j.baselineLoss as number), `val ${j.valLoss} under persistence ${j.baselineLoss}`);
  const f = recur('forecast', '--model', model, '--csv', twoCsv, '--json');
  assert.equal(f.code, 0, f.err);
  const fj = lastJson(f.out);
  assert.equal(fj.column, 'b');
  const lib = load(model, Forecaster);
  const mine = lib.forecast(readCsvColumns(), 1);
  assert.ok(Math.abs(mine[0] - (fj.forecast as number[])[0]) < 1e-5, `${mine[0]} vs ${(fj.forecast as number[])[0]}`);
  const e = recur('eval', '--model', model, '--task', 'csv', '--csv', twoCsv, '--json');
  assert.equal(e.code, 0, e.err);
  assert.ok(Math.abs((lastJson(e.out).valLoss as number) - (j.valLoss as number)) < 1e-6);
  const multi = recur('forecast', '--model', model, '--csv', twoCsv, '--steps', '3');
  assert.equal(multi.code, 2);
  assert.match(multi.err, /--steps: column a is read by the model but not forecast, so its future values are unknown; expected --steps 1/);
});

/** The columns of two.csv as written (5 decimals), by name. */
function readCsvColumns(): Record<string, number[]> {
  const rows = readFileSync(twoCsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
  return { a: rows.map((r) => Number(r[1])), b: rows.map((r) => Number(r[2])) };
}

test('a library forecaster of two targets forecasts the same through the CLI, rolled forward', () => {
  const f = new Forecaster({ window: 6, hiddenSize: 8, targets: ['a', 'b'] });
  const cols = readCsvColumns();
  f.fit(cols, { epochs: 2 });
  const file = join(dir, 'lib-two.safetensors');
  save(f, file);
  const r = recur('forecast', '--model', file, '--csv', twoCsv, '--steps', '3', '--json');
  assert.equal(r.code, 0, r.err);
  const cli = lastJson(r.out);
  assert.deepEqual(cli.column, ['a', 'b']);
  const mine = f.forecastAll(cols, 3);
  (cli.forecast as number[][]).forEach((row, k) => {
    assert.ok(Math.abs(row[0] - mine.a[k]) < 1e-5 && Math.abs(row[1] - mine.b[k]) < 1e-5, `step ${k}: ${row} vs ${mine.a[k]}, ${mine.b[k]}`);
  });
});

test('csv: a ;-separated file with quoted names, decimal commas and a gap: refused naming the cell, or filled', () => {
  const file = join(dir, 'euro.csv');
  const rows = Array.from({ length: 80 }, (_, t) => `"day ${t}, ${t % 7}";${(20 + 5 * Math.sin(t / 5)).toFixed(2).replace('.', ',')}`);
  rows[10] = '"day 10, 3";';
  writeFileSync(file, '"when";"temp"\r\n' + rows.join('\r\n') + '\r\n');
  const bad = recur('train', '--task', 'csv', '--csv', file, '--column', 'temp', '--window', '4', '--steps', '2');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /line 12 \(data row 11\), column "temp": expected a number, received an empty cell \(choose a fill/);
  assert.equal(bad.err.trim().split('\n').length, 1);
  const ok = recur('train', '--task', 'csv', '--csv', file, '--column', 'temp', '--window', '4', '--steps', '2', '--fill', 'linear', '--json');
  assert.equal(ok.code, 0, ok.err);
  assert.equal(lastJson(ok.out).steps, 2);
});

const names = ['emma', 'olivia', 'ava', 'isabella', 'sophia', 'charlotte', 'mia', 'amelia', 'harper', 'evelyn', 'abigail', 'emily', 'ella', 'elizabeth', 'camila', 'luna', 'sofia', 'avery', 'mila', 'aria'];
const namesFile = join(dir, 'names.txt');
writeFileSync(namesFile, names.concat(names.map((n) => n + 'a'), names.map((n) => n.slice(1))).join('\n') + '\n');
const heldFile = join(dir, 'held.txt');
writeFileSync(heldFile, 'emilia\nmila\nava\n');

test('--task text --lines: each line its own sequence; --val-text holds out; sample and eval; the library reads it', () => {
  const model = join(dir, 'names.safetensors');
  const r = recur('train', '--task', 'text', '--text', namesFile, '--lines', '--val-text', heldFile, '--cell', 'gru', '--hidden', '16', '--steps', '60', '--eval-every', '20', '--save', model, '--json');
  assert.equal(r.code, 0, r.err);
  const j = lastJson(r.out);
  assert.equal(j.steps, 60, 'a data task trains every step asked');
  assert.ok((j.valLoss as number) < (j.baselineLoss as number));
  const s = recur('sample', '--model', model, '--prefix', 'em', '--count', '4', '--seed', '3', '--json');
  assert.equal(s.code, 0, s.err);
  for (const x of lastJson(s.out).samples as string[]) assert.match(x, /^em[a-z]*$/, 'one item, started by the prefix, no line break');
  const e = recur('eval', '--model', model, '--task', 'text', '--text', namesFile, '--lines', '--val-text', heldFile, '--json');
  assert.equal(e.code, 0, e.err);
  const valLoss = lastJson(e.out).valLoss as number;
  assert.ok(Math.abs(valLoss - (j.valLoss as number)) < 1e-6);
  const lib = load(model);
  assert.ok(lib instanceof TextModel && lib.mode === 'lines');
  assert.ok(Math.abs(lib.loss(['emilia', 'mila', 'ava']) - valLoss) < 1e-5, 'the library measures the same loss per character');
});

test('a library TextModel of items samples and evaluates through the CLI', () => {
  const m = new TextModel({ cell: 'gru', hiddenSize: 16 });
  m.fit(names, { epochs: 5, validationData: ['emilia', 'mila'] });
  const file = join(dir, 'lib-names.safetensors');
  save(m, file);
  const s = recur('sample', '--model', file, '--count', '5', '--json');
  assert.equal(s.code, 0, s.err);
  const samples = lastJson(s.out).samples as string[];
  assert.equal(samples.length, 5);
  for (const x of samples) assert.match(x, /^[a-z]*$/);
  const e = recur('eval', '--model', file, '--task', 'text', '--text', namesFile, '--lines', '--val-text', heldFile, '--json');
  assert.equal(e.code, 0, e.err);
  assert.ok(Math.abs((lastJson(e.out).valLoss as number) - m.loss(['emilia', 'mila', 'ava'])) < 1e-5);
});

test('data tasks train the steps asked; --stop-when-solved stops them and says why in one line', () => {
  const text = join(dir, 'easy.txt');
  writeFileSync(text, 'ab'.repeat(600));
  const all = recur('train', '--task', 'text', '--text', text, '--seq', '8', '--hidden', '8', '--steps', '60', '--eval-every', '20', '--lr', '0.03', '--json');
  assert.equal(all.code, 0, all.err);
  assert.equal(lastJson(all.out).steps, 60);
  assert.equal(lastJson(all.out).solved, true);
  assert.doesNotMatch(all.err, /stopped at step/);
  const stop = recur('train', '--task', 'text', '--text', text, '--seq', '8', '--hidden', '8', '--steps', '60', '--eval-every', '20', '--lr', '0.03', '--stop-when-solved', '--json');
  assert.equal(stop.code, 0, stop.err);
  const steps = lastJson(stop.out).steps as number;
  assert.ok(steps < 60);
  const lines = stop.err.split('\n').filter((l) => l.startsWith('recur: stopped'));
  assert.equal(lines.length, 1);
  assert.match(lines[0], new RegExp(`^recur: stopped at step ${steps} of 60: the task counts as solved \\(validation loss .* against the baseline .*; without --stop-when-solved every step runs\\)$`));
  const synthetic = recur('train', '--task', 'adding', '--length', '5', '--hidden', '8', '--steps', '400', '--eval-every', '50', '--json');
  if ((lastJson(synthetic.out).steps as number) < 400) assert.match(synthetic.err, /stopped at step \d+ of 400: the task counts as solved .*--no-stop runs every step/);
});

test('recur --version, recur list, and the flags of data tasks refused with one line', () => {
  const v = recur('--version');
  assert.equal(v.code, 0);
  const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as { version: string };
  assert.equal(v.out.trim(), `recur ${pkg.version}`);
  const l = recur('list', '--json');
  assert.equal(l.code, 0, l.err);
  const lists = lastJson(l.out);
  assert.deepEqual((lists.tasks as string[]).slice(0, 5), ['adding', 'copy', 'order', 'text', 'csv']);
  assert.ok((lists.cells as string[]).includes('gru') && (lists.optimizers as string[]).includes('adamw') && (lists.presets as string[]).includes('irnn'));
  assert.match(recur('list').out, /schedules \(--schedule\)\s+constant, step/);
  const cases: [string[], RegExp][] = [
    [['train', '--task', 'csv', '--csv', twoCsv, '--column', 'a', '--target', 'b'], /--target: expected --columns with it/],
    [['train', '--task', 'csv', '--csv', twoCsv, '--column', 'a', '--columns', 'a,b'], /--column and --columns: expected one of them/],
    [['train', '--task', 'csv', '--csv', twoCsv, '--columns', 'a,,b'], /--columns: expected column names separated by commas, received "a,,b"/],
    [['train', '--task', 'csv', '--csv', twoCsv, '--column', 'a', '--fill', 'mean'], /--fill: expected one of error, previous, linear, zero, received "mean"/],
    [['train', '--task', 'csv', '--csv', twoCsv, '--columns', 'a,c'], /expected a column named "c", received columns "date", "a", "b"/],
    [['train', '--task', 'text', '--text', namesFile, '--lines', '--seq', '8'], /--seq: not with --lines/],
    [['train', '--task', 'text', '--text', namesFile, '--val-text', heldFile], /--val-text: expected --lines with it/],
    [['train', '--task', 'text', '--text', namesFile, '--lines', '--val-text', join(dir, 'none.txt')], /none\.txt/],
  ];
  for (const [args, pattern] of cases) {
    const r = recur(...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, ${r.err}`);
    assert.match(r.err, pattern, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
  }
});
