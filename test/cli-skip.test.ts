// The command line of skip connections: --dilations, --residual and --skip on `recur train` (with
// updateFraction in --json), their bad-flag messages, and `recur experiment` on a tiny budget.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recur-skip-cli-'));

function recur(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, RECUR_KERNELS: 'js' }, timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const lastJson = (out: string): Record<string, unknown> => JSON.parse(out.trim().split('\n').at(-1)!);

test('train --skip reports updateFraction; --dilations and --residual train and save', () => {
  const small = ['--task', 'adding', '--length', '12', '--hidden', '6', '--steps', '20', '--batch', '8', '--json'];
  const skip = recur('train', ...small, '--cell', 'gru', '--skip', '--budget', '0.01');
  assert.equal(skip.code, 0, skip.err);
  const j = lastJson(skip.out);
  assert.equal(typeof j.updateFraction, 'number');
  assert.ok((j.updateFraction as number) > 0 && (j.updateFraction as number) <= 1);
  const file = join(dir, 'dilated.safetensors');
  const dil = recur('train', ...small, '--cell', 'lstm', '--dilations', '1,2,4', '--residual', '--save', file);
  assert.equal(dil.code, 0, dil.err);
  assert.ok(!('updateFraction' in lastJson(dil.out)));
  const ev = recur('eval', '--model', file, '--task', 'adding', '--length', '12', '--json');
  assert.equal(ev.code, 0, ev.err);
});

test('skip-connection flags: exit code 2 and one line that says what was expected', () => {
  const cases: [string[], RegExp][] = [
    [['--dilations', '1,x'], /--dilations: expected whole numbers from 1 to 4096 separated by commas/],
    [['--dilations', '1,2', '--layers', '3'], /--dilations: expected one per layer \(--layers 3\), received 2/],
    [['--budget', '0.1'], /--budget: expected --skip as well/],
    [['--skip', '--bidirectional'], /--skip: expected a unidirectional model/],
    [['--skip', '--dilations', '1,2'], /--skip: expected no --dilations above 1/],
    [['--skip', '--bptt', '4'], /truncated BPTT: expected a model without Skip RNN or dilated layers/],
  ];
  for (const [args, pattern] of cases) {
    const r = recur('train', '--task', 'adding', '--length', '8', '--steps', '2', ...args);
    assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}, stderr ${r.err}`);
    assert.match(r.err, pattern, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1, `one line: ${r.err}`);
  }
  const bad = recur('experiment', 'nope');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /recur experiment: expected one NAME \(all \| vanishing \| init \| clipping \| lr \| skip\), received "nope"/);
});

test('experiment clipping on a tiny budget: the verdict table, the JSON line and the report', () => {
  const out = join(dir, 'exp');
  const r = recur('experiment', 'clipping', '--steps', '4', '--val-size', '16', '--out', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = lastJson(r.out) as { experiment: string; report: string; rows: Record<string, unknown>[] };
  assert.equal(j.experiment, 'clipping');
  assert.deepEqual(j.rows.map((row) => row.model), ['no clipping', 'clip norm 1', 'clip value 0.01', 'adaptive (EMA) 2', 'AutoClip p10, warm start', 'AGC 0.05']);
  for (const row of j.rows) {
    assert.equal(row.steps, 4);
    assert.ok((row.ratioAtInit as number) > 10, 'W_hh = 1.5·I makes the gradient grow backwards in time');
    assert.equal(row.updateFraction, null);
  }
  assert.ok(existsSync(j.report));
  const html = readFileSync(j.report, 'utf8');
  for (const s of ['gradient ratio first/last at init', 'AutoClip p10, warm start', 'updates used']) assert.ok(html.includes(s), s);
  const text = recur('experiment', 'clipping', '--steps', '2', '--val-size', '16', '--out', out);
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /model\s+T\s+val MSE\s+baseline\s+solved/);
  assert.match(text.out, /clip norm 1\s+10\s/);
});
