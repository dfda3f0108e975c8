// Bundles recur for pages with esbuild (a devDependency; nothing is fetched):
//   dist/web/     recur.js (the `recur/web` entry as one module), training.js (startTraining alone: what a
//                 bundler keeps of recur/web for a page that only trains), train-worker.js, wasm-thread.js,
//                 wasm/kernels-{simd,relaxed}.wasm
//   dist/studio/  recur studio as static files: index.html, studio.css, studio.js, the two workers, wasm/,
//                 data/names.txt (the names task)
// The bundles keep the wasm in ./wasm/ beside them: the wasm-url module's '../../wasm/' (right for
// the unbundled dist/src/web/) is rewritten on load. Run with `npm run build:web` / `build:studio`
// (both need `npm run build` first for dist/wasm/).
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'src', 'web');

const wasmBeside = {
  name: 'wasm-beside',
  setup(b) {
    b.onLoad({ filter: /[\\/]web[\\/]wasm-url\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8').replaceAll("'../../wasm/", "'./wasm/"),
      loader: 'ts',
    }));
  },
};

async function bundle(out, entries) {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'wasm'), { recursive: true });
  await build({
    entryPoints: entries, outdir: out, bundle: true, format: 'esm', platform: 'browser', target: 'es2022',
    minify: true, legalComments: 'none', logLevel: 'warning', plugins: [wasmBeside],
  });
  for (const f of ['kernels-simd.wasm', 'kernels-relaxed.wasm']) copyFileSync(join(root, 'dist', 'wasm', f), join(out, 'wasm', f));
}

const workers = { 'train-worker': join(web, 'train-worker.ts'), 'wasm-thread': join(web, 'wasm-thread.ts') };
const which = process.argv[2] ?? 'all';
if (which === 'web' || which === 'all') {
  await bundle(join(root, 'dist', 'web'), { recur: join(web, 'index.ts'), training: join(web, 'training.ts'), ...workers });
  console.log('built dist/web/');
}
if (which === 'studio' || which === 'all') {
  const out = join(root, 'dist', 'studio');
  await bundle(out, { studio: join(web, 'studio', 'main.ts'), ...workers });
  for (const f of ['index.html', 'studio.css']) copyFileSync(join(web, 'studio', f), join(out, f));
  mkdirSync(join(out, 'data'), { recursive: true });
  copyFileSync(join(root, 'data', 'names.txt'), join(out, 'data', 'names.txt'));
  console.log('built dist/studio/');
}
