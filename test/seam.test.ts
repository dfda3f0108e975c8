// The seam between the core and Node, and the direction of imports, checked on the sources:
// - every file reachable from src/index.ts (the package's browser entry) imports no `node:`
//   module and no package, and names no `process` and no `Buffer` (found with the TypeScript
//   parser, so comments and strings do not count);
// - the same, by a plain scan of every file of the core folders (all of src/ but the Node, web
//   and CLI rooms), so a core file that index.ts does not reach yet is held to it too;
// - no import goes up the layer order of docs/architecture.md (read from its table);
// - the package's entry points: in Node `recur` is the Node entry, `recur/core` the core.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SRC = join(ROOT, 'src');
/** Rooms above the core: they may use Node (src/web/ will hold the browser's own side). */
const ROOMS = ['node', 'cli', 'web'];

interface Source { file: string; imports: string[]; globals: { name: string; line: number }[] }

/** A TypeScript file's import specifiers (static, re-exports, dynamic) and its uses of process, Buffer and require. */
function readSource(file: string): Source {
  return parseSource(file, readFileSync(file, 'utf8'));
}

function parseSource(file: string, text: string): Source {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const imports: string[] = [];
  const globals: { name: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      imports.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments[0] && ts.isStringLiteralLike(node.arguments[0])) {
      imports.push(node.arguments[0].text);
    } else if (ts.isIdentifier(node) && (node.text === 'process' || node.text === 'Buffer' || node.text === 'require')) {
      const parent = node.parent;
      const isMemberName = (ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node);
      if (!isMemberName) globals.push({ name: node.text, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return { file, imports, globals };
}

function resolveLocal(from: string, spec: string): string {
  return resolve(dirname(from), spec).replace(/\.js$/, '.ts');
}

/** Every file reachable from `entry` through relative imports. */
function reachable(entry: string): Map<string, Source> {
  const seen = new Map<string, Source>();
  const todo = [entry];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    const s = readSource(file);
    seen.set(file, s);
    for (const spec of s.imports) if (spec.startsWith('.')) todo.push(resolveLocal(file, spec));
  }
  return seen;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

const folderOf = (file: string): string => {
  const rel = relative(SRC, file).split(/[\\/]/);
  return rel.length > 1 ? rel[0]! : '';
};

/** What a source does that the core must not: Node modules, packages, process, Buffer, require. */
function platformUses(s: Source): string[] {
  const rel = relative(ROOT, s.file);
  return [
    ...s.imports.filter((spec) => !spec.startsWith('.')).map((spec) => `${rel} imports ${spec}`),
    ...s.globals.map((g) => `${rel}:${g.line} uses ${g.name}`),
  ];
}

test('the core, walked from src/index.ts, imports no node: module or package and touches no process or Buffer', () => {
  const files = reachable(join(SRC, 'index.ts'));
  assert.ok(files.size > 40, `the walk reached ${files.size} files`);
  for (const f of files.keys()) assert.ok(!ROOMS.includes(folderOf(f)), `the core reaches ${relative(ROOT, f)}`);
  assert.deepEqual([...files.values()].flatMap(platformUses), []);
});

test('every file of the core folders, scanned as text, is free of node:, process and Buffer', () => {
  const core = tsFiles(SRC).filter((f) => !ROOMS.includes(folderOf(f)));
  assert.ok(core.length > 60, `${core.length} core files`);
  const found: string[] = [];
  for (const f of core) {
    readFileSync(f, 'utf8').split('\n').forEach((line, i) => {
      if (/['"]node:|\bprocess\s*\.\s*[A-Za-z]|\bBuffer\s*\.\s*[A-Za-z]|\brequire\s*\(|\bimport\s*\(\s*['"][^.]/.test(line)) found.push(`${relative(ROOT, f)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(found, []);
});

test('the web room (src/web/) runs in pages: no node: module, no package, no process or Buffer, nothing from src/node/ or src/cli/', () => {
  const web = tsFiles(join(SRC, 'web'));
  assert.ok(web.length >= 8, `${web.length} web files`);
  const found: string[] = [];
  for (const f of web) {
    const s = readSource(f);
    found.push(...platformUses(s));
    for (const spec of s.imports.filter((i) => i.startsWith('.'))) {
      const to = folderOf(resolveLocal(f, spec));
      if (to === 'node' || to === 'cli') found.push(`${relative(ROOT, f)} imports ${spec}`);
    }
  }
  assert.deepEqual(found, []);
});

test('the parser-based scan catches what it looks for (a file that breaks every rule)', () => {
  const text = "import { readFileSync } from 'node:fs';\nexport const x = process.env.X ?? Buffer.from('a');\nconst y = await import('os');\n// process.exit() in a comment does not count\nconst z = { process: 1 }.process;\n";
  const uses = platformUses(parseSource(join(SRC, 'bad.ts'), text)).map((u) => u.replace(/^\S+ /, ''));
  assert.deepEqual(uses, ['imports node:fs', 'imports os', 'uses process', 'uses Buffer']);
});

/** The folders of docs/architecture.md's table, bottom up (`src/x/` in the first cell of each row). */
function layerOrder(): string[] {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  return [...doc.matchAll(/^\| `src\/([a-z]+)\/` \|/gm)].map((m) => m[1]!);
}

test('imports point down the layers of docs/architecture.md: no folder imports one above it', () => {
  const order = layerOrder();
  for (const f of ['kernels', 'tensor', 'cells', 'layers', 'model', 'tasks', 'train', 'diagnostics', 'report', 'node', 'cli']) {
    assert.ok(order.includes(f), `docs/architecture.md lists src/${f}/ (it lists ${order.join(', ')})`);
  }
  assert.ok(order.indexOf('tasks') < order.indexOf('train'), 'the task contract sits below training');
  assert.ok(order.indexOf('node') > order.indexOf('report') && order.indexOf('cli') > order.indexOf('node'), 'the Node room above the core, the CLI on top');
  assert.ok(order.indexOf('web') > order.indexOf('report'), 'the web room above the core');
  const rank = (folder: string): number => (folder === '' ? -1 : order.indexOf(folder));
  const upward: string[] = [];
  for (const file of tsFiles(SRC)) {
    const from = folderOf(file);
    if (file === join(SRC, 'index.ts')) continue; // the core's entry sits on top of the core
    for (const spec of readSource(file).imports.filter((s) => s.startsWith('.'))) {
      const target = resolveLocal(file, spec);
      const to = folderOf(target);
      if (to === from) continue;
      const ok = to === '' ? target === join(SRC, 'errors.ts') || ROOMS.includes(from) : rank(to) >= 0 && rank(to) < rank(from);
      if (!ok) upward.push(`${relative(ROOT, file)} → ${relative(ROOT, target)}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('package entry points: in Node, recur is the Node entry, recur/node too, recur/core the core', async () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  assert.ok(pkg.exports['.'] && pkg.exports['./node'] && pkg.exports['./core']);
  // through variables, so tsc does not resolve the package's own (not yet built) declarations
  const load = (spec: string): Promise<Record<string, unknown>> => import(spec) as Promise<Record<string, unknown>>;
  const [main, node, core] = await Promise.all([load('recur'), load('recur/node'), load('recur/core')]);
  assert.equal(main, node);
  for (const name of ['Dashboard', 'saveModel', 'loadModel', 'Checkpointer', 'metricsLog']) {
    assert.equal(typeof main[name], 'function', `recur (Node) exports ${name}`);
    assert.equal(core[name], undefined, `the core does not export ${name}`);
  }
  assert.notEqual(main['createKernels'], core['createKernels'], 'the Node entry has its own createKernels');
  assert.equal(main['Trainer'], core['Trainer'], 'and re-exports the core');
  const k = (main['createKernels'] as (o: object) => { name: string; close?: () => void })({ kind: 'auto' });
  assert.equal(k.name, 'wasm', 'createKernels({ kind: "auto" }) from the Node entry picks wasm with no extra argument');
  k.close?.();
  assert.equal((core['createKernels'] as (o: object) => { name: string })({ kind: 'auto' }).name, 'js');
});
