// What the benchmark ran on, for the header of its table: the CPU (virtual machines often report
// only "AMD EPYC" or "Intel Xeon Processor", so the family, model and vector extensions are read
// from /proc/cpuinfo where there is one) and the BLAS that PyTorch loaded (which OpenBLAS kernels
// ran matters more to PyTorch's figures than anything else; see README.md).

import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { TorchBlas } from './peers/torch.js';

/** "AMD EPYC (AuthenticAMD family 26 model 2, AVX-512)", or the bare model name off Linux. */
export function cpuDescription(): string {
  const name = cpus()[0]?.model?.trim() || 'unknown CPU';
  let info: string;
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return name;
  }
  const field = (key: string): string | undefined => new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1]?.trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const simd = flags.has('avx512f') ? 'AVX-512' : flags.has('avx2') ? 'AVX2' : flags.has('avx') ? 'AVX' : 'no AVX';
  const vendor = field('vendor_id'), family = field('cpu family'), model = field('model');
  const id = vendor && family && model ? `${vendor} family ${family} model ${model}, ` : '';
  return `${name} (${id}${simd})`;
}

/**
 * "OpenBLAS 0.3.21 openmp, Haswell kernels (OPENBLAS_CORETYPE=Haswell set by the environment)": the
 * BLAS PyTorch ran and where the choice of kernels came from (the notes of torch_bench.py).
 */
export function blasDescription(blas: TorchBlas, notes: string[]): string {
  if (blas.name !== 'OpenBLAS') return blas.name + (blas.path ? ` (${blas.path})` : '');
  const version = /OpenBLAS\s+([\d.]+)/.exec(blas.config ?? '')?.[1];
  // the last such note: torch_bench.py's forcing of a core comes after the harness's own note
  const why = notes.filter((n) => n.includes('OPENBLAS_CORETYPE')).pop() ?? 'kernels autodetected by OpenBLAS';
  return `OpenBLAS${version ? ` ${version}` : ''} ${blas.variant ?? ''}, ${blas.core ?? 'unknown'} kernels (${why})`.replace(/ {2,}/g, ' ');
}

/** One description when every PyTorch system ran the same BLAS, else `torch1, torch2: …; torch2-auto: …`. */
export function blasText(bySystem: Record<string, string>): string {
  const groups = new Map<string, string[]>();
  for (const [s, d] of Object.entries(bySystem)) groups.set(d, [...(groups.get(d) ?? []), s]);
  if (groups.size === 1) return [...groups.keys()][0]!;
  return [...groups].map(([d, systems]) => `${systems.join(', ')}: ${d}`).join('; ');
}
