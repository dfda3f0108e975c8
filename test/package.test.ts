// recur as a user gets it: the repository packed (scripts/pack.mjs, what `npm publish` would
// ship), installed from the tarball into a fresh project with no network, and used from there:
// the wasm kernels load and `auto` picks them, a model trains, saves and loads, the CLI's
// --version and train run, require() works from CommonJS, and the declarations compile for a
// consumer with TypeScript 5.0 and with the current one (strict, no skipLibCheck).

import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const dir = mkdtempSync(join(tmpdir(), 'recur-package-'));
const project = join(dir, 'consumer');
let tarball = '';
let files: string[] = [];
const env = { ...process.env };
delete env.RECUR_KERNELS;

function run(cmd: string, args: string[], cwd = project): { code: number | null; out: string; err: string } {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(() => {
  tarball = execFileSync(process.execPath, [join(ROOT, 'scripts', 'pack.mjs'), '--out', dir], { cwd: ROOT, encoding: 'utf8' }).trim();
  files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, ''));
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the tarball holds what runs: code, both wasm builds, README, LICENSE; no maps, no data, no scripts', (t) => {
  for (const f of ['dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/wasm/kernels-simd.wasm', 'dist/wasm/kernels-relaxed.wasm', 'README.md', 'LICENSE', 'package.json']) {
    assert.ok(files.includes(f), `${f} in the tarball`);
  }
  assert.deepEqual(files.filter((f) => f.endsWith('.map') || f.startsWith('data/') || f.startsWith('dist/test/') || f.startsWith('src/')), []);
  const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as Record<string, unknown>;
  assert.equal(pkg.scripts, undefined, 'no scripts: installing runs nothing');
  assert.equal(pkg.dependencies, undefined, 'no runtime dependencies');
  t.diagnostic(`${files.length} files, ${(statSync(tarball).size / 1024).toFixed(1)} kB packed`);
});

test('npm install --offline from the tarball: no warning, no network, no script', () => {
  const r = run(npm, ['install', '--offline', '--no-audit', '--no-fund', tarball]);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out + r.err, /warn|ERR/i, `install output: ${r.out}${r.err}`);
});

test('from the install: wasm kernels load, auto picks them, a model trains, saves and loads', () => {
  writeFileSync(join(project, 'check.mjs'), `
import { createKernels, Forecaster, save, load } from 'recur';
const series = Array.from({ length: 200 }, (_, t) => Math.sin(t / 4));
const f = new Forecaster({ window: 8, hiddenSize: 8 });
const r = f.fit(series, { epochs: 2 });
save(f, 'sine.safetensors');
const g = load('sine.safetensors', Forecaster);
console.log(JSON.stringify({ wasm: createKernels({ kind: 'wasm' }).name, auto: createKernels({ kind: 'auto' }).name, fit: r.kernels.split(' ')[0],
  steps: r.steps, same: JSON.stringify(g.forecast(series, 3)) === JSON.stringify(f.forecast(series, 3)), loaded: g.kernels.name }));
`);
  const r = run(process.execPath, ['check.mjs']);
  assert.equal(r.code, 0, r.err);
  const o = JSON.parse(r.out.trim()) as Record<string, unknown>;
  assert.deepEqual(o, { wasm: 'wasm', auto: 'wasm', fit: 'wasm', steps: 10, same: true, loaded: 'wasm' });
});

test('from the install: recur --version and recur train', () => {
  const bin = join(project, 'node_modules', '.bin', 'recur');
  const v = run(bin, ['--version']);
  assert.equal(v.code, 0, v.err);
  const pkg = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' })) as { version: string };
  assert.equal(v.out.trim(), `recur ${pkg.version}`);
  const r = run(bin, ['train', '--task', 'adding', '--length', '10', '--steps', '20', '--hidden', '8', '--json']);
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out.trim().split('\n').at(-1)!) as { kernels: string; steps: number };
  assert.match(summary.kernels, /^wasm \(/);
  assert.match(r.err, /kernels wasm/, 'the kernels in use are said on stderr');
  assert.equal(summary.steps, 20);
});

test('from the install: require("recur") from CommonJS', () => {
  writeFileSync(join(project, 'check.cjs'), `const recur = require('recur');\nconsole.log([typeof recur.Forecaster, typeof recur.TextModel, typeof recur.createKernels].join(' '));\n`);
  const r = run(process.execPath, ['check.cjs']);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim(), 'function function function');
  assert.doesNotMatch(r.err, /warning/i);
});

test('the declarations compile for a consumer: TypeScript 5.0 and the current one, strict, no skipLibCheck', async (t) => {
  writeFileSync(join(project, 'consumer.ts'), `
import { Forecaster, SequenceClassifier, SequenceRegressor, TextModel, Sequential, Trainer, createTask, createKernels, type FitResult, type Label } from 'recur';
const f = new Forecaster({ window: 8, hiddenSize: 8, cell: 'gru' });
const r: FitResult = f.fit({ a: [1, 2, 3], b: new Float64Array(3) }, { epochs: 1, callbacks: { onEpochEnd: (e) => e.epoch < 3 } });
const next: number[] = f.forecast([[1, 2], [3, 4]], 2);
const c = new SequenceClassifier({ kernels: createKernels({ kind: 'js' }) });
const labels: Label[] = c.predict([[[1], [2]], [[3]]]);
const p: number[][] = new SequenceRegressor().predictAll([[1, 2, 3]]);
const s: string = new TextModel().generate({ prefix: 'a', topK: 3 });
const task = createTask({ kind: 'adding', length: 10 }, { seed: 1 });
const model = new Sequential({ input: task.input, cell: 'lstm', hiddenSize: 8, outputMode: task.outputMode, outputSize: task.outputSize });
const result = new Trainer(model, task, { steps: 1, batchSize: 2, seed: 1, optimizer: { kind: 'adam', lr: 1e-2 } }).train();
export const all = [r.steps, next, labels, p, s, result.valLoss];
`);
  writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, types: [], lib: ['ES2022', 'DOM'] },
    files: ['consumer.ts'],
  }));
  const versions = ['typescript-5.0', 'typescript'].map((ts) => (JSON.parse(readFileSync(join(ROOT, 'node_modules', ts, 'package.json'), 'utf8')) as { version: string }).version);
  assert.match(versions[0], /^5\.0\./);
  // both compilers at once (each takes a few seconds)
  const results = await Promise.all(['typescript-5.0', 'typescript'].map((ts) => runAsync(process.execPath, [join(ROOT, 'node_modules', ts, 'bin', 'tsc'), '-p', '.'])));
  results.forEach((r, i) => assert.equal(r.code, 0, `TypeScript ${versions[i]}: ${r.out}${r.err}`));
  t.diagnostic(`compiled with TypeScript ${versions.join(' and ')}`);
});

function runAsync(cmd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: project, env });
    let out = '', err = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => { out += c; });
    child.stderr.setEncoding('utf8').on('data', (c: string) => { err += c; });
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
