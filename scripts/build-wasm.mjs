// Builds the wasm kernels (asm/) twice with the AssemblyScript compiler from node_modules:
// dist/wasm/kernels-simd.wasm (SIMD) and dist/wasm/kernels-relaxed.wasm (SIMD + relaxed SIMD).
// Run through `npm run build:wasm` (part of `npm run build`).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'wasm');
mkdirSync(out, { recursive: true });

const common = [
  join(root, 'asm', 'index.ts'),
  '-O3', '--noAssert', '--runtime', 'stub',
  '--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536',
  '--use', 'abort=', '--noExportMemory',
  '--enable', 'simd', '--enable', 'threads',
];
const builds = [
  { file: 'kernels-simd.wasm', flags: [] },
  { file: 'kernels-relaxed.wasm', flags: ['--enable', 'relaxed-simd'] },
];
const text = process.argv.includes('--text');
for (const b of builds) {
  const args = [...common, ...b.flags, '-o', join(out, b.file)];
  if (text) args.push('-t', join(out, b.file.replace('.wasm', '.wat')));
  const { error, stderr } = await asc.main(args);
  if (error) {
    console.error(stderr.toString());
    throw new Error(`asc failed for ${b.file}: ${error.message}`);
  }
  console.log(`built dist/wasm/${b.file}`);
}
