// recur ↔ PyTorch through safetensors files (fixtures from scripts/make-interop-fixtures.mjs and
// scripts/torch_roundtrip.py, test/fixtures/interop/): recur-saved models give, in torch.nn with
// load_state_dict(strict=True), the outputs recur gives; PyTorch state dicts (no recur metadata)
// load into recur models built from a config and give PyTorch's outputs. Also the loader's checks:
// names, shapes and values, each error naming the tensor, and a failed load changes nothing.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RecurError } from '../src/errors.js';
import { createKernels } from '../src/node/kernels.js';
import { parseModelConfig, type ModelConfig } from '../src/model/config.js';
import { loadStateDictBytes } from '../src/model/io.js';
import { loadModel, loadStateDict } from '../src/node/files.js';
import { decodeSafetensors, encodeSafetensors, type TensorToWrite } from '../src/model/safetensors.js';
import { Sequential } from '../src/model/sequential.js';
import { maxMixedError } from './helpers/compare.js';

const DIR = fileURLToPath(new URL('../../test/fixtures/interop', import.meta.url));

interface Case { config: ModelConfig; t: number; b: number; input: number[]; output: number[] }
function cases(file: string): Record<string, Case> {
  return (JSON.parse(readFileSync(join(DIR, file), 'utf8')) as { cases: Record<string, Case> }).cases;
}

test('recur → PyTorch: recur-saved models give the same outputs in torch.nn (float64 within 1e-10, float32 1e-6)', (t) => {
  const recur = cases('recur_models.json');
  const torch = cases('recur_models.torch.json');
  assert.deepEqual(Object.keys(torch).sort(), Object.keys(recur).sort(), 'every recur fixture has PyTorch outputs');
  let worst64 = 0, worst32 = 0;
  for (const [name, c] of Object.entries(recur)) {
    const { model } = loadModel(join(DIR, `recur_${name}.safetensors`));
    assert.deepEqual(model.config, c.config, name);
    const y = model.forward(c.input, c.t, c.b).data;
    const f64 = c.config.dtype === 'float64';
    const e = maxMixedError(y, torch[name].output);
    assert.ok(e <= (f64 ? 1e-10 : 1e-6), `${name}: ${e.toExponential(3)}`);
    // and the file still gives what recur computed when it wrote it
    assert.ok(maxMixedError(y, c.output) <= (f64 ? 0 : 1e-7), `${name}: recur output changed`);
    if (f64) worst64 = Math.max(worst64, e); else worst32 = Math.max(worst32, e);
  }
  t.diagnostic(`largest |recur − torch| / (1 + |torch|): float64 ${worst64.toExponential(2)}, float32 ${worst32.toExponential(2)}`);
});

test('PyTorch → recur: state dicts of torch.nn twins load with loadStateDict and give PyTorch\'s outputs within 1e-6', (t) => {
  let worst = 0;
  for (const [name, c] of Object.entries(cases('torch_models.json'))) {
    const config = parseModelConfig(c.config);
    const model = new Sequential(config, { kernels: createKernels({ kind: 'js', dtype: 'float64' }) });
    loadStateDict(model, join(DIR, `torch_${name}.safetensors`));
    const e = maxMixedError(model.forward(c.input, c.t, c.b).data, c.output);
    assert.ok(e <= 1e-6, `${name}: ${e.toExponential(3)}`);
    worst = Math.max(worst, e);
    // a float64 state dict into a float32 model: float32 accuracy
    const m32 = new Sequential({ ...config, dtype: 'float32' });
    loadStateDict(m32, join(DIR, `torch_${name}.safetensors`));
    assert.ok(maxMixedError(m32.forward(c.input, c.t, c.b).data, c.output) <= 1e-5, `${name} as float32`);
  }
  t.diagnostic(`largest |recur − torch| / (1 + |torch|), float64: ${worst.toExponential(2)}`);
});

test('loadStateDict: missing, unexpected, misshapen and non-finite tensors are named; a failed load changes nothing', () => {
  const c = cases('torch_models.json').lstm_l1_every;
  const bytes = readFileSync(join(DIR, 'torch_lstm_l1_every.safetensors'));
  const { tensors } = decodeSafetensors(bytes);
  const all: TensorToWrite[] = [...tensors].map(([name, d]) => ({ name, dtype: 'F64', shape: d.shape, data: d.data }));
  const model = new Sequential(parseModelConfig(c.config));
  const before = model.params.map((p) => Float64Array.from(p.value));
  const rejects = (file: Uint8Array, pattern: RegExp): void => {
    assert.throws(() => loadStateDictBytes(model, file), (e: unknown) => e instanceof RecurError && pattern.test(e.message), String(pattern));
    model.params.forEach((p, i) => assert.deepEqual(Float64Array.from(p.value), before[i], `${p.name} unchanged`));
  };
  rejects(encodeSafetensors(all.filter((x) => x.name !== 'head.bias')), /missing: "head\.bias"; unexpected: none/);
  rejects(encodeSafetensors(all.map((x) => (x.name === 'head.bias' ? { ...x, name: 'head.b' } : x))), /missing: "head\.bias"; unexpected: "head\.b"/);
  // a bare nn.LSTM's state dict lacks the twin's "rnn." prefix: the message lists both sides
  rejects(encodeSafetensors(all.map((x) => ({ ...x, name: x.name.replace(/^rnn\./, '') }))), /^state dict: expected exactly the parameters of the model \(lstm, 3 features, hidden 4 × 1 layers, output 2\), received missing: "rnn\.weight_ih_l0", .*; unexpected: .*"weight_ih_l0"/);
  rejects(encodeSafetensors(all.map((x) => (x.name === 'rnn.weight_hh_l0' ? { ...x, shape: [4, 16], data: x.data } : x))), /parameter "rnn\.weight_hh_l0": expected shape \[16, 4\], received shape \[4, 16\]/);
  const nan = all.map((x) => (x.name === 'head.weight' ? { ...x, data: Float64Array.from(x.data, (v, i) => (i === 5 ? NaN : v)) } : x));
  rejects(encodeSafetensors(nan), /parameter "head\.weight" at \[1, 1\] \(flat index 5\): expected a finite number, received NaN/);
  // a GRU config cannot take an LSTM's weights
  const gru = new Sequential({ ...parseModelConfig(c.config), cell: 'gru' });
  assert.throws(() => loadStateDictBytes(gru, bytes), /parameter "rnn\.weight_ih_l0": expected shape \[12, 3\], received shape \[16, 3\]/);
  assert.throws(() => loadStateDict(model, join(DIR, 'missing.safetensors')), /state dict file ".*missing\.safetensors": expected a readable file/);
  // and the whole file loads
  loadStateDictBytes(model, bytes);
  assert.ok(maxMixedError(model.forward(c.input, c.t, c.b).data, c.output) <= 1e-6);
});
