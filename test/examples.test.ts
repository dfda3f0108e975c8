// The programs of examples/: type-checked as a user's strict TypeScript against the package's own
// declarations (they import 'recur'), run, and each asserts that its model learned (forecasts
// under the persistence error, accuracy well above chance, text loss well under the unigram
// entropy). The two shortest must stay within 10 lines of user code.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXAMPLES = join(ROOT, 'examples');
const OUT = join(ROOT, 'dist', 'examples');
const env = { ...process.env };
delete env.RECUR_KERNELS;

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Lines a user writes: the import of recur and the lines between the markers, blank ones left out. */
function userLines(name: string): number {
  const lines = readFileSync(join(EXAMPLES, `${name}.ts`), 'utf8').split('\n');
  const begin = lines.indexOf('// user code begins'), end = lines.indexOf('// user code ends');
  assert.ok(begin >= 0 && end > begin, `${name}: the user code markers`);
  const imports = lines.filter((l) => /from 'recur';$/.test(l)).length;
  return imports + lines.slice(begin + 1, end).filter((l) => l.trim() !== '').length;
}

let runs: Record<string, Promise<{ code: number | null; out: string; err: string }>> = {};
const NAMES = ['forecast-sine', 'classify-sequences', 'names', 'multivariate'];

before(async () => {
  const tsc = await run([join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', EXAMPLES]);
  assert.equal(tsc.code, 0, `the examples type-check (strict): ${tsc.out}${tsc.err}`);
  // two at a time: they take seconds each
  const first = Object.fromEntries(NAMES.slice(0, 2).map((n) => [n, run([join(OUT, `${n}.js`)])]));
  runs = { ...first, ...Object.fromEntries(NAMES.slice(2).map((n, i) => [n, first[NAMES[i]].then(() => run([join(OUT, `${n}.js`)]))])) };
});

for (const name of NAMES) {
  test(`examples/${name}.ts runs and learns`, async (t) => {
    const r = await runs[name];
    assert.equal(r.code, 0, `${name} failed: ${r.err}`);
    const lines = userLines(name);
    if (name === 'forecast-sine' || name === 'classify-sequences') assert.ok(lines <= 10, `${name}: ${lines} lines of user code`);
    t.diagnostic(`${lines} lines of user code; ${r.out.trim().split('\n').slice(0, 2).join(' | ')}`);
  });
}
