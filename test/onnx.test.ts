// ONNX export: the protobuf writer's bytes by hand; exported RNN (tanh, relu, sigmoid, leaky relu),
// LSTM and GRU models, 1 and 2 layers, bidirectional, every-step and last-step heads and a token
// model, run in ONNX Runtime (onnxruntime-node, CPU) and compared with recur's forward; the
// refusals; `recur export` end to end and its one-line errors.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RecurError } from '../src/errors.js';
import type { ModelConfig } from '../src/model/config.js';
import { saveModel } from '../src/node/files.js';
import { checkOnnxExportable, modelToOnnx, onnxExportProblems } from '../src/model/onnx.js';
import { ProtoWriter } from '../src/model/protobuf.js';
import { Sequential } from '../src/model/sequential.js';
import { Rng } from '../src/tensor/rng.js';
import { maxMixedError } from './helpers/compare.js';

type Ort = typeof import('onnxruntime-node');
type Session = import('onnxruntime-node').InferenceSession;
let ort: Ort | null = null;
let ortError = '';
try {
  ort = await import('onnxruntime-node');
} catch (e) {
  ortError = `onnxruntime-node does not load here (${(e as Error).message.split('\n')[0]}), so exported models are not run`;
}
const skipOrt = ort ? false : ortError;

const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'recur-onnx-'));
const I = 3, H = 5, O = 2, V = 11;

function inputFor(cfg: ModelConfig, t: number, b: number, seed: number): number[] {
  const rng = new Rng(seed);
  if (cfg.input.kind === 'tokens') return Array.from({ length: t * b }, () => Math.floor(rng.uniform() * V));
  return Array.from({ length: t * b * I }, () => 2 * rng.uniform() - 1);
}

/** One thread: the tests share a small machine. */
function session(onnx: Uint8Array): Promise<Session> {
  return ort!.InferenceSession.create(onnx, { intraOpNumThreads: 1, interOpNumThreads: 1 });
}

/** ORT's output for x, and recur's. */
async function runBoth(model: Sequential, session: Session, x: number[], t: number, b: number): Promise<{ got: Float32Array; want: Float64Array; dims: readonly number[] }> {
  const feed = model.config.input.kind === 'tokens'
    ? new ort!.Tensor('int64', BigInt64Array.from(x, (v) => BigInt(v)), [t, b])
    : new ort!.Tensor('float32', Float32Array.from(x), [t, b, I]);
  const r = await session.run({ input: feed });
  const want = Float64Array.from(model.forward(x, t, b).data);
  return { got: r.output.data as Float32Array, want, dims: r.output.dims };
}

test('protobuf writer: varints (one byte, several, negative int64), floats, strings, nested messages', () => {
  const bytes = (w: ProtoWriter): number[] => [...w.finish()];
  assert.deepEqual(bytes(new ProtoWriter().varint(1, 150)), [0x08, 0x96, 0x01]);
  assert.deepEqual(bytes(new ProtoWriter().varint(2, 300)), [0x10, 0xac, 0x02]);
  assert.deepEqual(bytes(new ProtoWriter().varint(3, -1)), [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.deepEqual(bytes(new ProtoWriter().varint(1, 2 ** 40)), [0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]);
  assert.deepEqual(bytes(new ProtoWriter().float(2, 1)), [0x15, 0x00, 0x00, 0x80, 0x3f]);
  assert.deepEqual(bytes(new ProtoWriter().string(2, 'testing')), [0x12, 0x07, ...new TextEncoder().encode('testing')]);
  assert.deepEqual(bytes(new ProtoWriter().message(3, new ProtoWriter().varint(1, 150))), [0x1a, 0x03, 0x08, 0x96, 0x01]);
  assert.deepEqual(bytes(new ProtoWriter().varint(16, 1)), [0x80, 0x01, 0x01]);
  assert.throws(() => new ProtoWriter().varint(1, 0.5), /safe whole number/);
  assert.throws(() => new ProtoWriter().varint(0, 1), /field number/);
});

const features = (size = I): ModelConfig['input'] => ({ kind: 'features', size });
const CASES: [string, ModelConfig][] = [
  ['rnn tanh, 1 layer, every step', { input: features(), cell: 'rnn', activation: 'tanh', hiddenSize: H, outputMode: 'every', outputSize: O }],
  ['rnn relu, 2 layers, last step', { input: features(), cell: 'rnn', activation: 'relu', hiddenSize: H, numLayers: 2, outputMode: 'last', outputSize: O }],
  ['rnn leaky relu 0.2, bidirectional, every step', { input: features(), cell: 'rnn', activation: 'leaky_relu', leak: 0.2, hiddenSize: H, bidirectional: true, outputMode: 'every', outputSize: O }],
  ['rnn sigmoid, 2 layers bidirectional, last step', { input: features(), cell: 'rnn', activation: 'sigmoid', hiddenSize: H, numLayers: 2, bidirectional: true, outputMode: 'last', outputSize: O }],
  ['lstm, 1 layer, last step', { input: features(), cell: 'lstm', hiddenSize: H, outputMode: 'last', outputSize: O }],
  ['lstm, 2 layers bidirectional (dropout between), every step', { input: features(), cell: 'lstm', hiddenSize: H, numLayers: 2, bidirectional: true, dropout: 0.3, outputMode: 'every', outputSize: O }],
  ['lstm, bidirectional, last step', { input: features(), cell: 'lstm', hiddenSize: H, bidirectional: true, outputMode: 'last', outputSize: O }],
  ['gru, 1 layer, every step', { input: features(), cell: 'gru', hiddenSize: H, outputMode: 'every', outputSize: O }],
  ['gru, 2 layers bidirectional, last step', { input: features(), cell: 'gru', hiddenSize: H, numLayers: 2, bidirectional: true, outputMode: 'last', outputSize: O }],
  ['gru, 2 layers, every step', { input: features(), cell: 'gru', hiddenSize: H, numLayers: 2, outputMode: 'every', outputSize: O }],
  ['tokens → embedding → lstm, every step', { input: { kind: 'tokens', vocabSize: V, embedDim: 4 }, cell: 'lstm', hiddenSize: H, outputMode: 'every', outputSize: V }],
  ['tokens → embedding → gru, 2 layers bidirectional, last step', { input: { kind: 'tokens', vocabSize: V, embedDim: 4 }, cell: 'gru', hiddenSize: H, numLayers: 2, bidirectional: true, outputMode: 'last', outputSize: O }],
  ['float64 model (weights go out as float32)', { input: features(), cell: 'gru', hiddenSize: H, outputMode: 'every', outputSize: O, dtype: 'float64' }],
];

test('ONNX Runtime runs the exported models: outputs match recur within 1e-5·(1 + |y|)', { skip: skipOrt }, async (t) => {
  let worst = 0;
  for (const [i, [name, cfg]] of CASES.entries()) {
    const model = new Sequential(cfg, { seed: 10 + i });
    const s = await session(modelToOnnx(model));
    // two shapes through one exported graph: T and B are symbolic
    for (const [steps, batch] of [[7, 3], [2, 1]]) {
      const { got, want, dims } = await runBoth(model, s, inputFor(cfg, steps, batch, 100 + i), steps, batch);
      assert.deepEqual([...dims], [cfg.outputMode === 'last' ? 1 : steps, batch, cfg.outputSize], name);
      const e = maxMixedError(got, want);
      assert.ok(e <= 1e-5, `${name} (T ${steps}, B ${batch}): error ${e.toExponential(3)} exceeds 1e-5`);
      worst = Math.max(worst, e);
    }
  }
  t.diagnostic(`largest |ort − recur| / (1 + |recur|) over ${CASES.length} models: ${worst.toExponential(2)}`);
});

test('refused: skip, dilations, residual and unknown config fields, with one message each', () => {
  const plain: ModelConfig = { input: features(), cell: 'lstm', hiddenSize: H, outputMode: 'every', outputSize: O };
  assert.deepEqual(onnxExportProblems(plain), []);
  const withFields = (extra: Record<string, unknown>): ModelConfig => ({ ...plain, ...extra } as ModelConfig);
  // the off values of a feature are plain models
  assert.deepEqual(onnxExportProblems(withFields({ residual: false, dilations: [1] })), []);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ skip: { budget: 1e-4 } }, /^ONNX export: Skip RNN layers have no ONNX operator.*; expected a model of plain RNN\/LSTM\/GRU layers$/],
    [{ dilations: [2] }, /^ONNX export: dilated recurrent layers have no ONNX operator.*expected a model of plain/],
    [{ residual: true }, /^ONNX export: residual connections between recurrent layers are not exported.*expected a model of plain/],
    [{ budget: 0.5 }, /^ONNX export: the model config field "budget" is not one the exporter knows \(it knows input, cell, .*\); expected a model of plain/],
  ];
  for (const [extra, pattern] of cases) {
    const cfg = withFields(extra);
    assert.equal(onnxExportProblems(cfg).length, 1, JSON.stringify(extra));
    const refused = (e: unknown): boolean => e instanceof RecurError && pattern.test(e.message);
    assert.throws(() => checkOnnxExportable(cfg), refused, JSON.stringify(extra));
    // the model builds (Sequential ignores fields it does not know), the export refuses it
    assert.throws(() => modelToOnnx(new Sequential(cfg)), refused, JSON.stringify(extra));
  }
  const both = onnxExportProblems(withFields({ skip: { budget: 1e-4 }, dilations: [2] }));
  assert.equal(both.length, 2);
});

function recur(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, RECUR_KERNELS: 'js' }, timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('recur export: a saved model → .onnx that ONNX Runtime runs; --json; exit 2 and one line on bad use', { skip: skipOrt }, async () => {
  const cfg: ModelConfig = { input: features(), cell: 'gru', hiddenSize: H, numLayers: 2, bidirectional: true, outputMode: 'every', outputSize: O };
  const model = new Sequential(cfg, { seed: 5 });
  const file = join(dir, 'gru.safetensors');
  saveModel(model, file);
  const out = join(dir, 'gru.onnx');
  const r = recur('export', '--model', file, '--onnx', out, '--json');
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out.trim().split('\n').pop()!);
  assert.equal(j.onnx, out);
  assert.equal(j.opset, 17);
  assert.deepEqual(j.input, { name: 'input', type: 'float32', shape: ['T', 'B', I] });
  assert.deepEqual(j.output, { name: 'output', type: 'float32', shape: ['T', 'B', O] });
  const bytes = readFileSync(out);
  assert.equal(j.bytes, bytes.length);
  const { got, want } = await runBoth(model, await session(bytes), inputFor(cfg, 6, 2, 1), 6, 2);
  assert.ok(maxMixedError(got, want) <= 1e-5);

  const plain = recur('export', '--model', file, '--onnx', join(dir, 'again.onnx'));
  assert.equal(plain.code, 0, plain.err);
  assert.match(plain.out, /^wrote .*again\.onnx \(\d+ bytes, ONNX opset 17\): input "input" float32 \(T, B, 3\) → output "output" float32 \(T, B, 2\)/);

  const bad: [string[], RegExp][] = [
    [['export', '--model', file], /--onnx: expected the ONNX file to write/],
    [['export', '--onnx', out], /--model: expected a model file/],
    [['export', '--model', join(dir, 'missing.safetensors'), '--onnx', out], /missing\.safetensors.*expected a readable file/],
    [['export', '--model', file, '--onnx', join(dir, 'no-such-dir', 'x.onnx')], /expected a writable file in an existing directory/],
  ];
  for (const [args, pattern] of bad) {
    const e = recur(...args);
    assert.equal(e.code, 2, `${args.join(' ')}: exit ${e.code}, stderr ${e.err}`);
    assert.match(e.err, pattern);
    assert.equal(e.err.trim().split('\n').length, 1, `one line: ${e.err}`);
    assert.equal(e.out, '');
  }
  const help = recur('export', '--help');
  assert.equal(help.code, 0);
  assert.match(help.out, /recur export --model FILE --onnx OUT\.onnx/);
});
