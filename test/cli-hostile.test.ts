// Careless and hostile invocations of the recur command (issue 16), as spawned processes:
// - a table of wrong invocations: each exits with code 2 and one line on standard error (no stack
//   trace), prints nothing on standard output and writes nothing (its working folder stays empty,
//   its output paths do not appear). They include the resource-limit cases: hostile files
//   (/dev/zero, a FIFO with no writer, a 1.5 GB sparse file, a 2 KB model asking for dilation
//   65536) and sizes that cannot fit, each in a process killed past a memory limit or a timeout,
//   refused with peak memory under 300 MB;
// - a finished run whose --save target vanished during training ends with the model in the
//   temporary folder, named on standard error.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { modelToBytes } from '../src/model/io.js';
import type { ModelConfig } from '../src/model/config.js';
import { Sequential } from '../src/model/sequential.js';
import { pooled, recurLimited } from './helpers/spawn-limited.js';

const DATA = fileURLToPath(new URL('../../data/', import.meta.url));
const NAMES = path.join(DATA, 'names.txt');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-hostile-'));
const F = (name: string): string => path.join(dir, name);

function model(file: string, config: ModelConfig, extra: Record<string, string> = {}): string {
  fs.writeFileSync(F(file), modelToBytes(new Sequential(config, { seed: 1 }), extra));
  return F(file);
}

const ADDING: ModelConfig = { input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 8, outputMode: 'last', outputSize: 1 };
const TEXT: ModelConfig = { input: { kind: 'tokens', vocabSize: 4, embedDim: 3 }, cell: 'gru', hiddenSize: 6, outputMode: 'every', outputSize: 4 };
const adding = model('adding.safetensors', ADDING);
const text = model('text.safetensors', TEXT, { 'recur.vocab': JSON.stringify(['\n', 'a', 'b', 'c']) });
const csvModel = model('csv.safetensors', { ...ADDING, input: { kind: 'features', size: 1 } }, { 'recur.norm': JSON.stringify({ mean: 0, std: 1, window: 4, horizon: 1 }) });
const dilated = model('dil65536.safetensors', { ...ADDING, dilations: [65536] });
const surrogate = model('surrogate.safetensors', TEXT, { 'recur.vocab': JSON.stringify(['\n', 'a', 'b', '\ud800']) });
const outsize = model('outsize.safetensors', { ...TEXT, outputSize: 5 }, { 'recur.vocab': JSON.stringify(['\n', 'a', 'b', 'c', 'd']) });
const sparse = F('sparse.safetensors');
fs.copyFileSync(adding, sparse);
fs.truncateSync(sparse, 1.5e9); // a valid model, then 1.5 GB of zeros that take no disk
const bigText = F('big.txt');
fs.writeFileSync(bigText, '');
fs.truncateSync(bigText, 70 * 2 ** 20); // 70 MiB of NUL characters: valid UTF-8, over the 64 MiB default
const csv = F('series.csv');
fs.writeFileSync(csv, 'x\n' + Array.from({ length: 50 }, (_, i) => Math.sin(i).toFixed(3)).join('\n') + '\n');
const fifo = F('fifo');
execFileSync('mkfifo', [fifo]);
const aFile = F('plain-file');
fs.writeFileSync(aFile, 'x');

const T = ['--task', 'adding', '--length', '10', '--hidden', '8', '--steps', '2'];
const NOWHERE = '/nonexistent-recur-dir';

// [arguments, what the one line must say, output paths that must not appear]
const WRONG: [string[], RegExp, string[]?][] = [
  [['train', '--task', 'adding', '--dilations', '65536'], /--dilations: expected whole numbers from 1 to 4096/],
  [['train', '--task', 'adding', '--hidden', '65536', '--steps', '1'], /^recur: needs \d+ GiB; the wasm kernels hold at most 4 GiB .*: expected a smaller --batch, --length, --hidden or --layers/],
  [['train', '--task', 'adding', '--hidden', '65536', '--steps', '1', '--kernels', 'js'], /needs \d+ GiB; the js kernels hold at most/],
  [['train', '--task', 'adding', '--layers', '64', '--hidden', '4096', '--steps', '1'], /needs \d+ GiB/],
  [['train', '--task', 'adding', '--length', '100000', '--batch', '1000000', '--steps', '1'], /needs \d+ GiB.*batches of 1000000 × 100000 steps/],
  [['train', '--task', 'adding', '--length', '20', '--dilations', '4096', '--steps', '1'], /needs \d+(\.\d)? GiB; the wasm kernels/],
  [['train', '--task', 'text', '--text', NAMES, '--seq', '20000', '--batch', '100000', '--steps', '1'], /needs \d+ GiB.*--seq/],
  [['diagnose', '--task', 'adding', '--hidden', '65536'], /needs \d+ GiB/],
  [['train', ...T, '--report', `${NOWHERE}/r.html`], /--report: expected a file in an existing directory/],
  [['train', ...T, '--metrics-log', `${NOWHERE}/m.jsonl`], /--metrics-log: expected a file in an existing directory/],
  [['train', ...T, '--save', `${NOWHERE}/m.safetensors`], /--save: expected a file in an existing directory/],
  [['train', ...T, '--save', dir], /--save: expected a file path, received .* \(a directory\)/],
  [['train', ...T, '--checkpoint-dir', `${aFile}/ck`], /--checkpoint-dir: expected a directory, received .*plain-file is not a directory/],
  [['train', ...T, '--report', `${aFile}/r.html`], /--report: expected a file in a directory/],
  [['train', ...T, '--save', F('never.safetensors'), '--hidden', '9'], /--hidden: expected one value, received "8" and "9"/, [F('never.safetensors')]],
  [['demo', '--out', `${aFile}/demo`, '--steps', '1'], /--out: expected a directory/],
  [['experiment', 'vanishing', '--out', `${aFile}/x`, '--steps', '1'], /--out: expected a directory/],
  [['train', '--task', 'text', '--text', NAMES, '--bidirectional', '--steps', '1'], /--bidirectional: not for --task text/],
  [['train', ...T, '--cell', 'gru', '--leak', '0.1'], /--leak: only for --cell rnn --activation leaky_relu, received --cell gru/],
  [['train', ...T, '--cell', 'rnn', '--leak', '0.1'], /--leak: only for .*received --cell rnn --activation tanh/],
  [['train', ...T, '--embed', '8'], /--embed: only for --task text/],
  [['train', ...T, '--text', NAMES], /--text: only for --task text, received --task adding/],
  [['train', ...T, '--window', '4'], /--window: only for --task csv/],
  [['train', ...T, '--column', 'x'], /--column: only for --task csv/],
  [['train', ...T, '--shuffle-lines'], /--shuffle-lines: only for --task text/],
  [['train', ...T, '--max-input-mb', '8'], /--max-input-mb: only for --task text or csv/],
  [['train', '--task', 'text', '--text', NAMES, '--length', '10'], /--length: only for --task adding or copy or order/],
  [['train', ...T, '--dropout', '0.5'], /--dropout: only for --layers 2 or more/],
  [['train', ...T, '--preset', 'irnn', '--cell', 'lstm'], /--preset irnn: only for --cell rnn/],
  [['train', '--task', 'adding', '--hidden', '-1'], /--hidden: expected a whole number from 1 to 65536, received "-1"/],
  [['train', '--task', 'adding', '--lr', '-0.1'], /--lr: expected a number > 0 and ≤ 1000000, received "-0.1"/],
  [['train', '--task', 'adding', '--init-scale', '-1e9'], /--init-scale: expected a number ≥ -100 and ≤ 100, received "-1e9"/],
  [['sample', '--model', text, '--temperature', '-1'], /--temperature: expected a number ≥ 0 and ≤ 100, received "-1"/],
  [['eval', '--model', adding, '--task', 'adding', '--kernels', 'foo'], /--kernels: expected one of js, wasm, auto, received "foo"/],
  [['eval', '--model', adding, '--task', 'adding', '--threads', '999'], /--threads: expected a whole number from 1 to 64, received "999"/],
  [['sample', '--model', text, '--kernels', 'foo'], /--kernels: expected one of js, wasm, auto/],
  [['forecast', '--model', csvModel, '--csv', csv, '--column', 'x', '--threads', '999'], /--threads: expected a whole number from 1 to 64/],
  [['eval', '--model', '/dev/zero', '--task', 'adding'], /model file "\/dev\/zero": expected a regular file, received a character device/],
  [['eval', '--model', dir, '--task', 'adding'], /expected a regular file, received a directory/],
  [['eval', '--model', fifo, '--task', 'adding'], /expected a regular file, received a FIFO/],
  [['eval', '--model', dilated, '--task', 'adding', '--length', '20'], /"dilations\[0\]": expected a whole number in \[1, 4096\], received 65536/],
  [['eval', '--model', sparse, '--task', 'adding', '--length', '20'], /149999\d+ trailing bytes/],
  [['sample', '--model', surrogate], /"recur.vocab"\[3\]: expected one character \(one Unicode code point, not a lone surrogate\), received 1 UTF-16 units \(U\+D800\)/],
  [['sample', '--model', outsize], /expected a text model whose embedding has one row per output, received 4 embedding rows and 5 outputs/],
  [['train', '--task', 'text', '--text', '/dev/zero'], /text file "\/dev\/zero": expected a regular file, received a character device/],
  [['train', '--task', 'csv', '--csv', '/dev/zero', '--column', 'x'], /CSV file "\/dev\/zero": expected a regular file/],
  [['train', '--task', 'text', '--text', bigText], /expected at most 64 MiB, received 70 MiB \(--max-input-mb N raises the limit\)/],
  [['train', '--task', 'text', '--text', NAMES, '--max-input-mb', '0'], /--max-input-mb: expected a whole number from 1/],
];

test('wrong invocations: exit code 2, one line, no stack trace, nothing written, under 300 MB and 10 s each', async () => {
  // each in a process killed past 400 MB resident or 30 s: the cases of issue 16 that grew to
  // gigabytes (/dev/zero, the sparse file, dilation 65536, the sizes) or hung (the FIFO) before
  const results = await pooled(WRONG, 3, async ([args]) => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-cwd-'));
    const r = await recurLimited(args, { cwd, timeoutMs: 30000, rssLimitMB: 400 });
    const left = fs.readdirSync(cwd);
    fs.rmSync(cwd, { recursive: true, force: true });
    return { ...r, left };
  });
  WRONG.forEach(([args, pattern, outputs], i) => {
    const r = results[i];
    const what = `recur ${args.join(' ')}`;
    assert.equal(r.killed, '', `${what}: ${r.killed}`);
    assert.equal(r.code, 2, `${what}: exit ${r.code}, stderr ${r.err}`);
    assert.equal(r.err.split('\n').filter(Boolean).length, 1, `${what}: one line, received ${r.err}`);
    assert.match(r.err, /^recur: /, what);
    assert.doesNotMatch(r.err, /\n\s+at |unexpected error/, what);
    assert.match(r.err, pattern, what);
    assert.equal(r.out, '', `${what}: standard output ${r.out}`);
    assert.deepEqual(r.left, [], `${what}: wrote ${r.left.join(', ')}`);
    for (const o of outputs ?? []) assert.ok(!fs.existsSync(o), `${what}: wrote ${o}`);
    assert.ok(r.peakMB > 0 && r.peakMB < 300, `${what}: peak ${r.peakMB} MB`);
    assert.ok(r.ms < 10000, `${what}: ${Math.round(r.ms)} ms`);
  });
  assert.ok(!fs.existsSync(NOWHERE));
});

test('a finished run is not lost to a failed write: the model goes to the temporary folder, and loads', async () => {
  const target = F('vanishing');
  fs.mkdirSync(target);
  const log = F('run.jsonl');
  const running = recurLimited(['train', '--task', 'adding', '--length', '10', '--hidden', '8', '--steps', '400', '--no-stop', '--eval-every', '100000',
    '--kernels', 'js', '--save', path.join(target, 'm.safetensors'), '--metrics-log', log], { timeoutMs: 120000 });
  // once training has begun (its first steps are logged), the folder of --save goes away
  const t0 = Date.now();
  while (!(fs.existsSync(log) && fs.statSync(log).size > 0) && Date.now() - t0 < 60000) await new Promise((r) => setTimeout(r, 20));
  fs.rmSync(target, { recursive: true });
  const r = await running;
  assert.equal(r.code, 1, r.err);
  const m = /--save ".*m\.safetensors" could not be written \(.*\); it is in (\S+) instead/.exec(r.err);
  assert.ok(m, r.err);
  const saved = m[1];
  assert.ok(saved.startsWith(os.tmpdir()), saved);
  const ev = await recurLimited(['eval', '--model', saved, '--task', 'adding', '--length', '10', '--json']);
  fs.rmSync(saved);
  assert.equal(ev.code, 0, ev.err);
  assert.ok(Number.isFinite(JSON.parse(ev.out.trim().split('\n').at(-1)!).valLoss));
});
