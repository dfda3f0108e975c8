// Packs recur for npm: the files `npm pack` would take (package.json "files": the built code, both
// wasm builds, README, LICENSE; no source maps), with a package.json that has no scripts, no
// devDependencies and no allowScripts (the repository's own install settings). The repository keeps its `prepare` script, so that `npm ci` in a clone builds
// everything; npm lists any package with such a script as one that runs code at install, so the
// published package.json leaves them out and installing recur runs nothing.
//
//   node scripts/pack.mjs [--out DIR]     (after `npm run build`; prints the tarball's path)
//   npm publish <that tarball>

import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--out');
const out = resolve(at > 0 ? process.argv[at + 1] : root);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const listing = JSON.parse(execFileSync(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
const files = listing[0].files.map((f) => f.path).filter((p) => p !== 'package.json');
if (!files.includes('dist/wasm/kernels-simd.wasm') || !files.includes('dist/src/index.js')) {
  throw new Error('pack: dist/ is incomplete; run `npm run build` first');
}

const stage = mkdtempSync(join(tmpdir(), 'recur-pack-'));
try {
  for (const f of files) {
    mkdirSync(dirname(join(stage, f)), { recursive: true });
    copyFileSync(join(root, f), join(stage, f));
  }
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  delete pkg.scripts;
  delete pkg.devDependencies;
  delete pkg.allowScripts;
  writeFileSync(join(stage, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
  mkdirSync(out, { recursive: true });
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', out], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  console.log(join(out, packed[0].filename));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
