// PyTorch peer: runs bench/torch_bench.py with /usr/bin/python3 (Debian's python3-torch) and the
// OpenMP build of OpenBLAS on LD_LIBRARY_PATH. The Python process times itself with the same
// policy as bench/measure.ts and reports its own peak RSS.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Workload } from '../workloads.js';
import { lastJsonLine, type MeasureOptions } from '../measure.js';
import { PYTHON, openblasOpenmpDir, repoRoot } from '../paths.js';

export interface TorchBlas {
  name: string;
  variant?: string;
  core?: string;
  config?: string;
  threads?: number;
  path?: string;
  libraries: string[];
}

export interface TorchResult {
  status: 'ok' | 'unavailable' | 'error';
  msPerStep: number[];
  warmupSteps: number;
  warmupMs: number;
  peakRssMB: number;
  notes: string[];
  versions: Record<string, string>;
  blas?: TorchBlas;
  error?: string;
}


/** autoCore: OPENBLAS_CORETYPE is taken out of the child's environment, so OpenBLAS chooses its kernels (torch_bench.py still mends a pre-AVX2 fallback). */
export async function runTorch(w: Workload, threads: number, m: MeasureOptions, autoCore = false): Promise<TorchResult> {
  const empty = { msPerStep: [], warmupSteps: 0, warmupMs: 0, peakRssMB: 0, notes: [], versions: {} };
  if (!existsSync(PYTHON)) return { ...empty, status: 'unavailable', error: `${PYTHON} not found` };
  const script = join(repoRoot(), 'bench', 'torch_bench.py');
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const notes: string[] = [];
  if (autoCore && env['OPENBLAS_CORETYPE'] !== undefined) {
    notes.push(`autodetected by OpenBLAS: OPENBLAS_CORETYPE=${env['OPENBLAS_CORETYPE']} taken out of its environment`);
    delete env['OPENBLAS_CORETYPE'];
  }
  const blasDir = openblasOpenmpDir();
  if (blasDir) {
    env['LD_LIBRARY_PATH'] = [blasDir, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':');
  } else {
    notes.push('no OpenMP OpenBLAS found (run bench/setup-openblas.sh): torch uses the system BLAS');
  }
  const args = [
    script, '--threads', String(threads), '--cell', w.cell, '--input', String(w.inputSize),
    '--hidden', String(w.hiddenSize), '--batch', String(w.batch), '--length', String(w.length),
    '--mode', w.mode, '--classes', String(w.classes ?? 0), '--min-seconds', String(m.minSeconds),
    '--warmup', String(m.warmup), '--warmup-min-seconds', String(m.warmupMinSeconds), '--warmup-max-seconds', String(m.warmupMaxSeconds),
    '--min-steps', String(m.minSteps), '--max-steps', String(m.maxSteps),
    // G's long sequences take decaying gradients into subnormals: PyTorch flushes them, as recur does
    ...(w.id.startsWith('G') ? ['--flush-denormal'] : []),
  ];
  const child = spawn(PYTHON, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const code = await new Promise<number | null>((res, rej) => {
    child.on('error', rej);
    child.on('close', (c) => res(c));
  });
  const r = lastJsonLine(out);
  if (!r) {
    const tail = err.trim().split('\n').slice(-3).join(' | ');
    return { ...empty, status: 'error', notes, error: `torch_bench.py exited ${code} without a result: ${tail}` };
  }
  const status = r['status'] === 'ok' ? 'ok' : r['status'] === 'unavailable' ? 'unavailable' : 'error';
  const blas = r['blas'] as TorchBlas | undefined;
  if (blas) {
    const desc = blas.name === 'OpenBLAS'
      ? `OpenBLAS ${blas.variant ?? ''} (core ${blas.core ?? '?'}) ${blas.path ?? ''}`
      : `${blas.name} ${blas.path ?? ''}`;
    notes.push(`BLAS: ${desc.replace(/\s+/g, ' ').trim()}`);
    if (blas.name !== 'OpenBLAS') notes.push('slow BLAS: figures understate PyTorch');
  }
  notes.push(...((r['notes'] as string[] | undefined) ?? []));
  if (typeof r['threads'] === 'number') notes.push(`torch threads ${r['threads']}`);
  return {
    status,
    msPerStep: (r['msPerStep'] as number[] | undefined) ?? [],
    warmupSteps: (r['warmupSteps'] as number | undefined) ?? 0,
    warmupMs: (r['warmupMs'] as number | undefined) ?? 0,
    peakRssMB: (r['peakRssMB'] as number | undefined) ?? 0,
    notes,
    versions: (r['versions'] as Record<string, string> | undefined) ?? {},
    ...(blas ? { blas } : {}),
    ...(typeof r['error'] === 'string' ? { error: r['error'] } : {}),
  };
}
