// Structural fuzzing of model files (issue 16): valid files of a few shapes, mutated where a
// hostile file would strike, in its structure rather than its bytes alone:
//   config fields     sizes, layers, dilations, cell, flags, dtype: hostile values, and resized
//                     files whose tensors are rebuilt to match (valid files of models that are
//                     large, deep or heavily dilated, so that only the memory budget stands between
//                     them and an allocation of gigabytes)
//   vocabulary        lone surrogates, several characters, duplicates, wrong counts, wrong types
//   header            tensor shapes, data offsets, dtypes, names, the length field, metadata
//   bytes             truncation, trailing bytes, flipped bytes in the header
// The files are judged by fuzz-child.ts, in child processes with a memory ceiling (the test,
// test/model-file-fuzz.test.ts, and `npm run fuzz`).

import { modelToBytes } from '../../src/model/io.js';
import type { ModelConfig } from '../../src/model/config.js';
import { Sequential } from '../../src/model/sequential.js';
import { Rng } from '../../src/tensor/rng.js';

interface Parsed { header: Record<string, any>; data: Uint8Array }

const BASES: { config: ModelConfig; vocab?: string[] }[] = [
  { config: { input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 8, outputMode: 'last', outputSize: 1 } },
  { config: { input: { kind: 'features', size: 3 }, cell: 'gru', hiddenSize: 4, numLayers: 2, bidirectional: true, outputMode: 'every', outputSize: 2 } },
  { config: { input: { kind: 'features', size: 1 }, cell: 'rnn', activation: 'relu', hiddenSize: 6, numLayers: 2, dilations: [1, 4], residual: true, outputMode: 'last', outputSize: 1 } },
  { config: { input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 4, skip: { budget: 0.01 }, outputMode: 'last', outputSize: 1 } },
  { config: { input: { kind: 'tokens', vocabSize: 5, embedDim: 3 }, cell: 'gru', hiddenSize: 5, outputMode: 'every', outputSize: 5 }, vocab: ['\n', 'a', 'b', 'é', '𝄞'] },
];

const NUMBERS: unknown[] = [0, -1, 1, 2, 3, 7, 64, 4096, 4097, 65536, 65537, 2 ** 20, 2 ** 20 + 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, 1.5, -0, 'NaN', '8', null, true, [], {}];
const DILATIONS: unknown[] = [[65536], [4096], [4097], [0], [-1], [1.5], [2 ** 31], '1', [], Array(65).fill(2), Array(1000).fill(1), [[2]], [1, 2]];
const FIELDS = ['hiddenSize', 'numLayers', 'outputSize', 'input.size', 'input.vocabSize', 'input.embedDim', 'dilations', 'bidirectional', 'cell',
  'skip', 'residual', 'dtype', 'outputMode', 'dropout', 'activation', 'leak', 'init', '__proto__', 'extra'] as const;
const VOCABS: ((v: string[]) => unknown)[] = [
  (v) => v.map((c, i) => (i === v.length - 1 ? '\ud800' : c)),
  (v) => v.map((c, i) => (i === 1 ? '\udc00' : c)),
  (v) => v.map((c, i) => (i === 1 ? 'ab' : c)),
  (v) => v.map((c, i) => (i === 1 ? '' : c)),
  (v) => v.map((c, i) => (i === 1 ? v[0] : c)),
  (v) => v.map((c, i) => (i === 1 ? 'e\u0301' : c)),
  (v) => v.slice(1),
  (v) => [...v, 'z'],
  (v) => v.map((c, i) => (i === 1 ? 7 : c)),
  () => 'abcde',
  () => Array.from({ length: 100000 }, (_, i) => String.fromCodePoint(0x4e00 + i)),
];

/** The valid base files: [name, bytes]. */
export function baseFiles(): [string, Uint8Array][] {
  return BASES.map((b, i) => {
    const model = new Sequential(b.config, { seed: i + 1 });
    const extra: Record<string, string> = b.vocab ? { 'recur.vocab': JSON.stringify(b.vocab) } : {};
    return [`base${i}`, modelToBytes(model, extra)];
  });
}

/** One mutation of `bytes`, chosen by `rng`: [what was done, the new bytes]. */
export function mutate(bytes: Uint8Array, rng: Rng): [string, Uint8Array] {
  const kind = rng.int(10);
  try {
    if (kind <= 2) return configField(bytes, rng);
    if (kind <= 4) return resized(bytes, rng);
    if (kind === 5) return vocabulary(bytes, rng);
    if (kind <= 7) return headerStructure(bytes, rng);
    if (kind === 8) return lengthField(bytes, rng);
  } catch {
    // a file an earlier mutation left unparseable: its bytes are all there is to mutate
  }
  return rawBytes(bytes, rng);
}

function parse(bytes: Uint8Array): Parsed {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))), data: bytes.subarray(8 + n) };
}

function encode(header: unknown, data: Uint8Array, headerText?: string): Uint8Array {
  const json = new TextEncoder().encode(headerText ?? JSON.stringify(header));
  const len = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + len + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(len), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + len);
  out.set(data, 8 + len);
  return out;
}

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

function withConfig(bytes: Uint8Array, change: (c: Record<string, any>) => void): Uint8Array {
  const { header, data } = parse(bytes);
  const c = JSON.parse(header.__metadata__['recur.config']);
  change(c);
  header.__metadata__['recur.config'] = JSON.stringify(c);
  return encode(header, data);
}

function configField(bytes: Uint8Array, rng: Rng): [string, Uint8Array] {
  const field = pick(rng, FIELDS);
  const value = field === 'dilations' ? pick(rng, DILATIONS) : field === 'cell' ? pick(rng, ['lstm', 'gru', 'rnn', 'LSTM', 'indrnn', 3])
    : field === 'dtype' ? pick(rng, ['float64', 'float16', 'int8']) : pick(rng, NUMBERS);
  const out = withConfig(bytes, (c) => {
    if (field.startsWith('input.')) c.input[field.slice(6)] = value;
    else if (field === '__proto__') Object.defineProperty(c, '__proto__', { value: { polluted: 1 }, enumerable: true });
    else c[field] = value;
    if (field === 'dilations' && Array.isArray(value) && rng.uniform() < 0.5) c.numLayers = value.length;
  });
  return [`config ${field} = ${JSON.stringify(value)?.slice(0, 40)}`, out];
}

/** A valid file of a larger model: the config changed and every tensor rebuilt to its shape (zeros). */
function resized(bytes: Uint8Array, rng: Rng): [string, Uint8Array] {
  const { header } = parse(bytes);
  const c: ModelConfig = JSON.parse(header.__metadata__['recur.config']);
  const change = rng.int(4);
  if (change === 0) { c.numLayers = pick(rng, [8, 32, 64]); c.hiddenSize = 2; delete c.dilations; }
  else if (change === 1) { c.numLayers = 1; c.dilations = [pick(rng, [512, 2048, 4096])]; delete c.skip; }
  else if (change === 2) { c.hiddenSize = pick(rng, [48, 96, 160]); delete c.dilations; c.numLayers = 1; }
  else { c.input = { kind: 'features', size: pick(rng, [1000, 4000]) }; }
  let model: Sequential;
  try {
    model = new Sequential(c);
  } catch {
    return ['resize (config refused by the model itself)', withConfig(bytes, (x) => Object.assign(x, c))];
  }
  const meta: Record<string, string> = {};
  for (const [k, v] of Object.entries(header.__metadata__ as Record<string, string>)) if (k.startsWith('recur.') && k !== 'recur.config' && k !== 'recur.version') meta[k] = v;
  return [`resize ${JSON.stringify({ h: c.hiddenSize, l: c.numLayers, d: c.dilations, i: c.input })}`, modelToBytes(model, meta)];
}

function vocabulary(bytes: Uint8Array, rng: Rng): [string, Uint8Array] {
  const { header, data } = parse(bytes);
  const v: string[] = header.__metadata__['recur.vocab'] ? JSON.parse(header.__metadata__['recur.vocab']) : ['\n', 'a', 'b', 'c', 'd'];
  const i = rng.int(VOCABS.length);
  header.__metadata__['recur.vocab'] = JSON.stringify(VOCABS[i](v));
  return [`vocab mutation ${i}`, encode(header, data)];
}

function headerStructure(bytes: Uint8Array, rng: Rng): [string, Uint8Array] {
  const { header, data } = parse(bytes);
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  const name = pick(rng, names);
  const e = header[name];
  const what = rng.int(9);
  let text: string | undefined;
  switch (what) {
    case 0: e.shape = pick(rng, [[2 ** 30, 2 ** 30], [2 ** 53 - 1], [0], [], [-1], [1.5], [e.shape[0] + 1, ...e.shape.slice(1)], ['4'], [2 ** 20, 2 ** 20, 2 ** 20]]); break;
    case 1: e.data_offsets = pick(rng, [[0, 2 ** 40], [e.data_offsets[0] + 4, e.data_offsets[1] + 4], [e.data_offsets[1], e.data_offsets[0]], [0, 0], [-4, 0], [0, data.length + 8], [2 ** 53, 2 ** 53 + 4]]); break;
    case 2: e.dtype = pick(rng, ['F16', 'BF16', 'F64', 'I32', 'U8', 'F8_E4M3', 'f32', '', 7]); break;
    case 3: delete header[name]; break;
    case 4: header[name + '_x'] = e; delete header[name]; break;
    case 5: { // a duplicate key, which JSON.parse would silently resolve
      const s = JSON.stringify(header);
      text = s.slice(0, -1) + `,${JSON.stringify(name)}:${JSON.stringify(e)}}`;
      break;
    }
    case 6: header.__metadata__ = pick(rng, [{ 'recur.config': 5 }, [], 'x', { ...header.__metadata__, 'recur.config': '{"a":' }, null]); break;
    case 7: header.__metadata__['recur.config'] = pick(rng, ['[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]', '{"__proto__":{}}', '{"constructor":1}', '{"hiddenSize":8,"hiddenSize":8}', 'x'.repeat(100000)]); break;
    default: e.extra = 1;
  }
  return [`header ${what} on ${name}`, encode(header, data, text)];
}

function lengthField(bytes: Uint8Array, rng: Rng): [string, Uint8Array] {
  const out = bytes.slice();
  const dv = new DataView(out.buffer);
  const n = Number(dv.getBigUint64(0, true));
  const v = pick(rng, [0n, 1n, BigInt(n - 8), BigInt(n + 8), BigInt(out.length), BigInt(out.length - 8), 2n ** 32n, 2n ** 63n, 100_000_001n, BigInt(n + 1)]);
  dv.setBigUint64(0, v, true);
  return [`length field ${v}`, out];
}

function rawBytes(bytes: Uint8Array, rng: Rng): [string, Uint8Array] {
  if (bytes.length < 16) return ['a few bytes', bytes.slice(0, rng.int(bytes.length + 1))];
  const what = rng.int(4);
  if (what === 0) { const at = rng.int(bytes.length); return [`truncated at ${at}`, bytes.slice(0, at)]; }
  if (what === 1) { const extra = 1 + rng.int(64); const out = new Uint8Array(bytes.length + extra); out.set(bytes); return [`${extra} trailing bytes`, out]; }
  const out = bytes.slice();
  const n = Math.min(Number(new DataView(out.buffer).getBigUint64(0, true)), out.length - 8);
  const flips = 1 + rng.int(4);
  for (let i = 0; i < flips; i++) out[8 + rng.int(Math.max(1, n))] = what === 2 ? rng.int(256) : pick(rng, [0x22, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a, 0x5c, 0x30, 0x39]);
  return [`${flips} header bytes flipped`, out];
}
