// The recur → PyTorch half of the interop fixtures (test/fixtures/interop/): small recur models
// saved with saveModel, and recur's outputs on a fixed input. scripts/torch_roundtrip.py then
// loads each file into torch.nn and writes PyTorch's outputs beside them (recur_models.torch.json).
//
//   npm run build && node scripts/make-interop-fixtures.mjs && /usr/bin/python3 scripts/torch_roundtrip.py
//
// Inputs are closed forms (features sin(0.5·k + 0.2), token ids (3·k + 1) mod V, k the flat
// index), so they read the same in both languages; they are stored in the JSON all the same.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Sequential, saveModel } from '../dist/src/index.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'interop');
const T = 5, B = 2, I = 3, H = 4, O = 2, V = 7;

const features = { kind: 'features', size: I };
/** name → config; float64 unless the name says f32 (a float32 file loads into torch as float32). */
const CASES = {
  rnn_tanh_l1_every: { input: features, cell: 'rnn', activation: 'tanh', hiddenSize: H, outputMode: 'every', outputSize: O },
  rnn_relu_l2_last: { input: features, cell: 'rnn', activation: 'relu', hiddenSize: H, numLayers: 2, outputMode: 'last', outputSize: O },
  lstm_l2_bi_last: { input: features, cell: 'lstm', hiddenSize: H, numLayers: 2, bidirectional: true, outputMode: 'last', outputSize: O },
  gru_l1_bi_every: { input: features, cell: 'gru', hiddenSize: H, bidirectional: true, outputMode: 'every', outputSize: O },
  gru_tokens_every: { input: { kind: 'tokens', vocabSize: V, embedDim: 3 }, cell: 'gru', hiddenSize: H, outputMode: 'every', outputSize: V },
  lstm_l1_every_f32: { input: features, cell: 'lstm', hiddenSize: H, outputMode: 'every', outputSize: O },
  indrnn_l2_bi_last: { input: features, cell: 'indrnn', hiddenSize: H, numLayers: 2, bidirectional: true, outputMode: 'last', outputSize: O, recurrentMax: 1.1 },
  mingru_l2_every: { input: features, cell: 'mingru', hiddenSize: H, numLayers: 2, outputMode: 'every', outputSize: O },
  minlstm_l1_bi_every: { input: features, cell: 'minlstm', hiddenSize: H, bidirectional: true, outputMode: 'every', outputSize: O },
};

function inputFor(config) {
  if (config.input.kind === 'tokens') return Array.from({ length: T * B }, (_, k) => (3 * k + 1) % config.input.vocabSize);
  return Array.from({ length: T * B * config.input.size }, (_, k) => Math.sin(0.5 * k + 0.2));
}

mkdirSync(OUT, { recursive: true });
const summary = {};
let seed = 1;
for (const [name, base] of Object.entries(CASES)) {
  const config = { ...base, dtype: name.endsWith('_f32') ? 'float32' : 'float64' };
  const model = new Sequential(config, { seed: seed++ });
  const input = inputFor(config);
  const output = Array.from(model.forward(input, T, B).data);
  saveModel(model, join(OUT, `recur_${name}.safetensors`));
  summary[name] = { config, t: T, b: B, input, output };
}
writeFileSync(join(OUT, 'recur_models.json'), JSON.stringify({ generatedBy: 'scripts/make-interop-fixtures.mjs', cases: summary }) + '\n');
console.log(`wrote ${Object.keys(CASES).length} recur models to ${OUT}`);
