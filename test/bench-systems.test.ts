// The benchmark's PyTorch systems: torch2-auto runs by default only where the environment forces
// OpenBLAS's kernels, and the table's header names the kernels of each PyTorch system.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blasDescription, blasText } from '../bench/machine.js';
import { defaultSystems, TORCH } from '../bench/systems.js';

test('torch2-auto is a default system only when OPENBLAS_CORETYPE is set', () => {
  assert.ok(!defaultSystems({}).includes('torch2-auto'));
  assert.ok(defaultSystems({}).includes('torch2'));
  const forced = defaultSystems({ OPENBLAS_CORETYPE: 'Haswell' });
  assert.ok(forced.includes('torch2-auto') && forced.includes('torch2'));
  assert.deepEqual(TORCH['torch2-auto'], { threads: 2, autoCore: true });
  assert.deepEqual(TORCH.torch2, { threads: 2, autoCore: false });
});

test('the header names each PyTorch system\'s kernels when they differ, once when they agree', () => {
  const blas = { name: 'OpenBLAS', variant: 'openmp', config: 'OpenBLAS 0.3.21 DYNAMIC_ARCH', libraries: [] };
  const forced = blasDescription({ ...blas, core: 'Haswell' }, ['BLAS: x', 'OPENBLAS_CORETYPE=Haswell set by the environment, where OpenBLAS alone chooses Cooperlake']);
  const auto = blasDescription({ ...blas, core: 'Cooperlake' }, ['autodetected by OpenBLAS: OPENBLAS_CORETYPE=Haswell taken out of its environment']);
  assert.equal(forced, 'OpenBLAS 0.3.21 openmp, Haswell kernels (OPENBLAS_CORETYPE=Haswell set by the environment, where OpenBLAS alone chooses Cooperlake)');
  assert.equal(auto, 'OpenBLAS 0.3.21 openmp, Cooperlake kernels (autodetected by OpenBLAS: OPENBLAS_CORETYPE=Haswell taken out of its environment)');
  assert.equal(blasText({ torch1: forced, torch2: forced }), forced);
  assert.equal(blasText({ torch1: forced, torch2: forced, 'torch2-auto': auto }), `torch1, torch2: ${forced}; torch2-auto: ${auto}`);
});
