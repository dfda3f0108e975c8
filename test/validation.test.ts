// Every input path validates: data files (CSV cells, empty text, a byte-order mark), text outside a
// saved model's vocabulary (sample --prefix, eval --task text), a saved model's records (vocabulary,
// normalisation) and flags that contradict the model. Exit code 2 and one line naming the problem.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RecurError } from '../src/errors.js';
import { saveModel } from '../src/node/files.js';
import { Sequential } from '../src/model/sequential.js';
import { CsvTask, parseCsvColumn } from '../src/tasks/csv.js';
import { TextTask } from '../src/tasks/text.js';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = fs.mkdtempSync(join(tmpdir(), 'recur-valid-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function recur(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, RECUR_KERNELS: 'js' }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function refused(args: string[], pattern: RegExp): void {
  const r = recur(...args);
  assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, stderr ${r.err}`);
  assert.match(r.err, pattern, args.join(' '));
  assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
}

const csvRows = (n: number, bad?: [number, string]): string =>
  'year,x\n' + Array.from({ length: n }, (_, i) => `${1700 + i},${bad && bad[0] === i ? bad[1] : Math.sin(i / 3).toFixed(4)}`).join('\n') + '\n';

test('data files: CSV cells and rows, empty text, a byte-order mark', () => {
  const bad = join(dir, 'bad.csv');
  fs.writeFileSync(bad, csvRows(60, [12, 'abc']));
  refused(['train', '--task', 'csv', '--csv', bad, '--column', 'x', '--steps', '2'], /bad\.csv", line 14 \(data row 13\), column "x": expected a number, received "abc"/);
  fs.writeFileSync(bad, csvRows(60, [3, '']));
  refused(['train', '--task', 'csv', '--csv', bad, '--column', 'x', '--steps', '2'], /line 5 \(data row 4\), column "x": expected a number, received an empty cell/);
  fs.writeFileSync(bad, csvRows(60).replace('1705,', '1705'));
  refused(['train', '--task', 'csv', '--csv', bad, '--column', 'x', '--steps', '2'], /line 7: expected 2 comma-separated fields as in the header, received 1/);
  refused(['train', '--task', 'csv', '--csv', bad, '--column', 'y', '--steps', '2'], /expected a column named "y", received columns "year", "x"/);
  const empty = join(dir, 'empty.txt');
  fs.writeFileSync(empty, '');
  refused(['train', '--task', 'text', '--text', empty, '--steps', '2'], /empty\.txt": expected some text, received an empty file/);
  assert.deepEqual(parseCsvColumn('\ufeffx,y\n1,2\n', 'x'), [1]);
  assert.throws(() => new TextTask('abc\nabd\n'.repeat(100), { vocab: ['a', 'b', 'c', '\n'] }), (e: unknown) => e instanceof RecurError && /line 2, column 3: expected a character of the model's vocabulary \(4 characters\), received "d" \(U\+0064\)/.test(e.message));
  const task = new CsvTask(csvRows(60), { column: 'x', norm: { mean: 10, std: 2 } });
  assert.equal(task.normalize(12), 1);
});

test('a saved text model: text outside its vocabulary is named, on sample --prefix and eval --task text', () => {
  const text = join(dir, 'abc.txt');
  fs.writeFileSync(text, 'abcab cabca\n'.repeat(40));
  const model = join(dir, 'abc.safetensors');
  const r = recur('train', '--task', 'text', '--text', text, '--seq', '8', '--hidden', '4', '--steps', '2', '--batch', '2', '--save', model);
  assert.equal(r.code, 0, r.err);
  refused(['sample', '--model', model, '--prefix', 'abz'], /--prefix: expected characters of the model's vocabulary \(5 characters\), received "z" \(U\+007A\) at position 3/);
  refused(['sample', '--model', model, '--prefix', ''], /--prefix: expected at least one character/);
  const other = join(dir, 'other.txt');
  fs.writeFileSync(other, 'abcab\ncab!a\n'.repeat(40));
  refused(['eval', '--model', model, '--task', 'text', '--text', other, '--seq', '8'], /other\.txt", line 2, column 4: expected a character of the model's vocabulary \(5 characters\), received "!"/);
  // the same characters in another order of first appearance: evaluated with the model's ids
  const same = join(dir, 'same.txt');
  fs.writeFileSync(same, 'cba cba\n'.repeat(60));
  const ok = recur('eval', '--model', model, '--task', 'text', '--text', same, '--seq', '8', '--json');
  assert.equal(ok.code, 0, ok.err);
  refused(['eval', '--model', model, '--task', 'adding', '--length', '5'], /the model does not fit task adding: expected a task with 5 token ids in \(the model's\), received one with 2 features/);
});

test('a saved CSV model: its window and normalisation are used, contradicting flags refused, damaged records named', () => {
  const csv = join(dir, 'series.csv');
  fs.writeFileSync(csv, csvRows(80));
  const model = join(dir, 'series.safetensors');
  const r = recur('train', '--task', 'csv', '--csv', csv, '--column', 'x', '--window', '6', '--hidden', '4', '--steps', '2', '--batch', '2', '--save', model);
  assert.equal(r.code, 0, r.err);
  const ok = recur('eval', '--model', model, '--task', 'csv', '--csv', csv, '--column', 'x', '--json');
  assert.equal(ok.code, 0, ok.err);
  refused(['eval', '--model', model, '--task', 'csv', '--csv', csv, '--column', 'x', '--window', '8'], /--window: expected 6 \(the model's\), received 8/);
  const m = new Sequential({ input: { kind: 'features', size: 1 }, cell: 'gru', hiddenSize: 2, outputMode: 'last', outputSize: 1 });
  const damaged = join(dir, 'damaged.safetensors');
  for (const [norm, pattern] of [
    ['{"mean":0,', /"recur.norm": expected valid JSON, received a syntax error/],
    ['{"mean":0,"std":0,"window":6,"horizon":1}', /"recur.norm" field "std": expected a number > 0, received 0/],
    ['{"mean":0,"std":1,"window":6}', /"recur.norm": expected a field "horizon", received none/],
    ['{"mean":0,"std":1,"window":6,"horizon":1,"__proto__":{}}', /no key named __proto__/],
  ] as const) {
    saveModel(m, damaged, { 'recur.norm': norm });
    refused(['forecast', '--model', damaged, '--csv', csv, '--column', 'x', '--steps', '2'], pattern);
  }
  saveModel(new Sequential({ input: { kind: 'tokens', vocabSize: 3, embedDim: 2 }, cell: 'gru', hiddenSize: 2, outputMode: 'every', outputSize: 3 }), damaged, { 'recur.vocab': '["a","b","b"]' });
  refused(['sample', '--model', damaged], /"recur.vocab": expected distinct characters/);
  saveModel(new Sequential({ input: { kind: 'tokens', vocabSize: 3, embedDim: 2 }, cell: 'gru', hiddenSize: 2, outputMode: 'every', outputSize: 3 }), damaged, { 'recur.vocab': '["a","b"]' });
  refused(['sample', '--model', damaged], /"recur.vocab": expected an array of 3 characters \(one per output\), received 2 entries/);
});
