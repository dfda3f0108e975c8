// Where the harness finds its files, whether it runs from bench/ (sources) or dist/bench/.

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding bench/torch_bench.py. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'bench', 'torch_bench.py'))) return dir;
    const up = resolve(dir, '..');
    if (up === dir) break;
    dir = up;
  }
  throw new Error('cannot find the repository root (bench/torch_bench.py)');
}

export const PYTHON = process.env['RECUR_BENCH_PYTHON'] ?? '/usr/bin/python3';

/** bench/.cache: downloads and unpacked libraries (gitignored). */
export function cacheDir(): string {
  return join(repoRoot(), 'bench', '.cache');
}

/**
 * The folder with the OpenMP build of OpenBLAS (libblas.so.3, libopenblas.so.0) to put first on
 * LD_LIBRARY_PATH for PyTorch: the copy unpacked into bench/.cache by bench/setup-openblas.sh,
 * else a system-wide libopenblas0-openmp. Undefined when neither exists.
 */
export function openblasOpenmpDir(): string | undefined {
  const candidates: string[] = [];
  const unpacked = join(cacheDir(), 'openblas', 'usr', 'lib');
  if (existsSync(unpacked)) {
    for (const arch of readdirSync(unpacked)) candidates.push(join(unpacked, arch, 'openblas-openmp'));
  }
  if (existsSync('/usr/lib')) {
    for (const arch of readdirSync('/usr/lib')) {
      if (arch.endsWith('-linux-gnu')) candidates.push(join('/usr/lib', arch, 'openblas-openmp'));
    }
  }
  return candidates.find((d) => existsSync(join(d, 'libblas.so.3')));
}
