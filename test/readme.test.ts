// The README's library section, as written: its TypeScript blocks type-checked (strict) against
// the package's declarations, run, and checked: the forecast comes back in the series' units,
// and the engine example solves the adding problem.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// inside the repository, so that `import … from 'recur'` resolves to this package
const HERE = join(ROOT, 'dist', 'readme-check');
const cwd = mkdtempSync(join(tmpdir(), 'recur-readme-'));
const env = { ...process.env };
delete env.RECUR_KERNELS;
let blocks: string[] = [];

before(() => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## The library\n'), readme.indexOf('\n## ', readme.indexOf('## The library\n') + 5));
  blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.equal(blocks.length, 2, 'the library section has two TypeScript blocks');
  rmSync(HERE, { recursive: true, force: true });
  mkdirSync(HERE, { recursive: true });
  blocks.forEach((code, i) => writeFileSync(join(HERE, `block${i}.ts`), code));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--target', 'ES2022', '--module', 'NodeNext',
    '--moduleResolution', 'NodeNext', '--types', 'node', '--rootDir', HERE, '--outDir', join(HERE, 'out'), ...blocks.map((_, i) => join(HERE, `block${i}.ts`))], { encoding: 'utf8' });
  assert.equal(tsc.status, 0, `the README's blocks type-check: ${tsc.stdout}${tsc.stderr}`);
});
after(() => rmSync(cwd, { recursive: true, force: true }));

function run(i: number): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(HERE, 'out', `block${i}.js`)], { cwd, env, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test("the README's high-level example runs: the forecast in the series' units", () => {
  const r = run(0);
  assert.equal(r.code, 0, r.err);
  const first = r.out.slice(r.out.indexOf('['), r.out.indexOf(']') + 1);
  const forecast = JSON.parse(first) as number[];
  assert.equal(forecast.length, 5);
  for (const v of forecast) assert.ok(v > 6 && v < 14, `forecast ${v} is in the series' units (10 ± 3)`);
});

test("the README's engine example solves the adding problem", (t) => {
  const r = run(1);
  assert.equal(r.code, 0, r.err);
  const last = r.out.trim().split('\n').at(-1)!;
  assert.match(last, /^true /, `solved: ${last}`);
  t.diagnostic(`last evaluation and result: ${r.out.trim().split('\n').slice(-2).join(' | ')}`);
});
