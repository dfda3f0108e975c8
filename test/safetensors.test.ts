// safetensors reader/writer and model save/load: round trips (F32, F64, empty tensors, metadata,
// F16/BF16 on read), models that give the same outputs after a save and a load, each rejection
// with its message, atomic saves that leave the previous file intact on failure, and a
// deterministic fuzz run over mutated files and configs where every outcome must be a valid
// decode or a RecurError, within a time bound and without allocating beyond the file's size.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { RecurError } from '../src/errors.js';
import { JsKernels } from '../src/kernels/js.js';
import type { ModelConfig } from '../src/model/config.js';
import { CONFIG_KEY, configValueCount, modelFromBytes, modelToBytes } from '../src/model/io.js';
import { loadModel, saveModel, writeFileAtomic, type AtomicFs } from '../src/node/files.js';
import {
  decodeSafetensors, encodeSafetensors, inspectSafetensors, MAX_HEADER_BYTES, readTensor, type Decoded, type TensorToWrite,
} from '../src/model/safetensors.js';
import { Sequential } from '../src/model/sequential.js';
import { Rng } from '../src/tensor/rng.js';

// ---------------------------------------------------------------------------------------------
// Helpers

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A file from raw header text and data, with the length field set to `len` (default: the header's byte length). */
function frame(header: string | Uint8Array, data: Uint8Array = new Uint8Array(0), len?: bigint): Uint8Array {
  const h = typeof header === 'string' ? enc.encode(header) : header;
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, len ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Header text and data buffer of a well-formed file. */
function split(bytes: Uint8Array): { header: string; data: Uint8Array } {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: dec.decode(bytes.subarray(8, 8 + n)), data: bytes.slice(8 + n) };
}

function f32Bytes(values: number[]): Uint8Array {
  return new Uint8Array(new Float32Array(values).buffer);
}

function rejects(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RecurError, `expected a RecurError, got ${String(e)}`);
    assert.match(e.message, message);
    return true;
  });
}

const rejectsFile = (bytes: Uint8Array, message: RegExp): void => rejects(() => decodeSafetensors(bytes), message);

/** One F32 tensor "a" of shape [2] plus whatever header fields the case needs. */
const entry = (o: Record<string, unknown> = {}): string => JSON.stringify({ dtype: 'F32', shape: [2], data_offsets: [0, 8], ...o });

/** Deterministic uniform [0, 1) numbers for the fuzz run, from the project's seeded generator. */
function prng(seed: number): () => number {
  const r = new Rng(seed);
  return () => r.uniform();
}

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'recur-st-'));
}

const LSTM_BI: ModelConfig = {
  input: { kind: 'features', size: 3 }, cell: 'lstm', hiddenSize: 4, numLayers: 2, bidirectional: true,
  outputMode: 'every', outputSize: 2,
};
const GRU_TOKENS: ModelConfig = {
  input: { kind: 'tokens', vocabSize: 7, embedDim: 5 }, cell: 'gru', hiddenSize: 6, outputMode: 'last', outputSize: 7,
};

function sameOutputs(a: Sequential, b: Sequential, x: ArrayLike<number>, t: number, bs: number): void {
  const ya = Array.from(a.forward(x, t, bs).data);
  const yb = Array.from(b.forward(x, t, bs).data);
  assert.ok(ya.length > 0);
  assert.deepEqual(yb, ya);
}

// ---------------------------------------------------------------------------------------------
// Round trips

test('F32 and F64 tensors and metadata round-trip exactly', () => {
  const a = Float32Array.from([1.5, -2, 3.25e-20, 7, 0, -0]);
  const b = Float64Array.from([Math.PI, -1e300, 5e-324]);
  const c = Float32Array.from([42]);
  const file = encodeSafetensors(
    [
      { name: 'w', dtype: 'F32', shape: [2, 3], data: a },
      { name: 'b', dtype: 'F64', shape: [3], data: b },
      { name: 'scalar', dtype: 'F32', shape: [], data: c },
    ],
    { format: 'pt', note: 'héllo ✓ "quoted" \u0000', '0': 'numeric-looking key' },
  );
  const { header } = split(file);
  assert.equal((8 + enc.encode(header).length) % 8, 0, 'header padded to a multiple of 8');
  assert.ok(header.startsWith('{"__metadata__"'));
  const out = decodeSafetensors(file);
  assert.deepEqual(out.metadata, { format: 'pt', note: 'héllo ✓ "quoted" \u0000', '0': 'numeric-looking key' });
  assert.deepEqual([...out.tensors.keys()], ['b', 'scalar', 'w'], 'F64 first (alignment), then by name, in file order');
  const w = out.tensors.get('w')!;
  assert.equal(w.dtype, 'F32');
  assert.ok(w.data instanceof Float32Array);
  assert.deepEqual(w.shape, [2, 3]);
  assert.deepEqual(Array.from(w.data), Array.from(a));
  assert.ok(Object.is(w.data[5], -0));
  const bb = out.tensors.get('b')!;
  assert.ok(bb.data instanceof Float64Array);
  assert.deepEqual(Array.from(bb.data), Array.from(b));
  assert.deepEqual(out.tensors.get('scalar')!.shape, []);
  assert.deepEqual(Array.from(out.tensors.get('scalar')!.data), [42]);
});

test('writer output is the same whatever order the tensors come in, and offsets are contiguous from 0', () => {
  const t1: TensorToWrite = { name: 'x', dtype: 'F32', shape: [3], data: new Float32Array([1, 2, 3]) };
  const t2: TensorToWrite = { name: 'y', dtype: 'F64', shape: [1], data: new Float64Array([4]) };
  const t3: TensorToWrite = { name: 'a', dtype: 'F32', shape: [1], data: new Float32Array([5]) };
  const one = encodeSafetensors([t1, t2, t3]);
  const two = encodeSafetensors([t3, t1, t2]);
  assert.deepEqual(two, one);
  const h = JSON.parse(split(one).header) as Record<string, { data_offsets: [number, number] }>;
  assert.deepEqual(h.y.data_offsets, [0, 8]);
  assert.deepEqual(h.a.data_offsets, [8, 12]);
  assert.deepEqual(h.x.data_offsets, [12, 24]);
  assert.equal(one.length, 8 + enc.encode(split(one).header).length + 24);
});

test('empty tensors (a 0 in the shape) round-trip, alone and between others', () => {
  const file = encodeSafetensors([
    { name: 'e1', dtype: 'F32', shape: [0], data: new Float32Array(0) },
    { name: 'e2', dtype: 'F64', shape: [3, 0, 2], data: new Float64Array(0) },
    { name: 'f', dtype: 'F32', shape: [1], data: new Float32Array([9]) },
  ]);
  const out = decodeSafetensors(file);
  assert.deepEqual(out.tensors.get('e2')!.shape, [3, 0, 2]);
  assert.equal(out.tensors.get('e1')!.data.length, 0);
  assert.equal(out.tensors.get('e2')!.data.length, 0);
  assert.deepEqual(Array.from(out.tensors.get('f')!.data), [9]);
  const none = decodeSafetensors(encodeSafetensors([]));
  assert.equal(none.tensors.size, 0);
  assert.deepEqual(none.metadata, {});
  // a zero-sized dimension may be huge: no values, no bytes
  const big0 = frame(`{"z":{"dtype":"F64","shape":[9007199254740991,0],"data_offsets":[0,0]}}`);
  assert.equal(decodeSafetensors(big0).tensors.get('z')!.data.length, 0);
});

test('Float64Array data written as F32 (and the reverse) is converted', () => {
  const file = encodeSafetensors([
    { name: 'a', dtype: 'F32', shape: [2], data: new Float64Array([0.1, 2]) },
    { name: 'b', dtype: 'F64', shape: [1], data: new Float32Array([0.1]) },
  ]);
  const out = decodeSafetensors(file);
  assert.deepEqual(Array.from(out.tensors.get('a')!.data), [Math.fround(0.1), 2]);
  assert.deepEqual(Array.from(out.tensors.get('b')!.data), [Math.fround(0.1)]);
});

test('F16 and BF16 are read and widened to float32', () => {
  const half = [0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000, 0x3555];
  const bf = [0x3f80, 0xc040, 0x0000, 0xff80];
  const data = new Uint8Array(2 * (half.length + bf.length));
  const dv = new DataView(data.buffer);
  [...half, ...bf].forEach((v, i) => dv.setUint16(2 * i, v, true));
  const header = JSON.stringify({
    h: { dtype: 'F16', shape: [half.length], data_offsets: [0, 2 * half.length] },
    g: { dtype: 'BF16', shape: [2, 2], data_offsets: [2 * half.length, data.length] },
  });
  const out = decodeSafetensors(frame(header, data));
  const h = out.tensors.get('h')!;
  assert.equal(h.dtype, 'F16');
  assert.ok(h.data instanceof Float32Array);
  assert.deepEqual(Array.from(h.data), [1, -2, 65504, 2 ** -24, Infinity, -0, Math.fround(0.333251953125)]);
  assert.deepEqual(Array.from(out.tensors.get('g')!.data), [1, -3, 0, -Infinity]);
});

test('reads a file laid out as the reference writer does (metadata first, space padding, unaligned input buffer)', () => {
  let header = '{"__metadata__":{"format":"pt"},"bias":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"weight":{"dtype":"F32","shape":[2,1],"data_offsets":[8,16]}}';
  header += ' '.repeat((8 - ((8 + header.length) % 8)) % 8);
  const file = frame(header, f32Bytes([1, 2, 3, 4]));
  // the same bytes at an odd offset inside a larger buffer
  const host = new Uint8Array(file.length + 3);
  host.set(file, 3);
  const out = decodeSafetensors(host.subarray(3));
  assert.deepEqual(out.metadata, { format: 'pt' });
  assert.deepEqual(Array.from(out.tensors.get('weight')!.data), [3, 4]);
  assert.deepEqual(Array.from(out.tensors.get('bias')!.data), [1, 2]);
});

test('a large (but allowed) header decodes', () => {
  const header = `{"a":${entry()}}` + ' '.repeat(3_000_000);
  assert.equal(decodeSafetensors(frame(header, f32Bytes([1, 2]))).tensors.size, 1);
});

test('inspectSafetensors checks the layout without reading values; readTensor reads one tensor', () => {
  const file = encodeSafetensors([
    { name: 'a', dtype: 'F32', shape: [2], data: Float32Array.from([1, 2]) },
    { name: 'b', dtype: 'F64', shape: [1, 1], data: Float64Array.from([3]) },
  ], { k: 'v' });
  const header = inspectSafetensors(file);
  assert.deepEqual(header.metadata, { k: 'v' });
  const a = header.tensors.get('a')!;
  assert.deepEqual({ dtype: a.dtype, shape: a.shape, n: a.n, begin: a.begin, end: a.end }, { dtype: 'F32', shape: [2], n: 2, begin: 8, end: 16 });
  assert.deepEqual(Array.from(readTensor(file, header, a)), [1, 2]);
  assert.deepEqual(Array.from(readTensor(file, header, header.tensors.get('b')!)), [3]);
  rejects(() => readTensor(file.subarray(0, file.length - 1), header, a), /a tensor of this header, read from the same bytes/);
  // bytes in shared memory (TextDecoder refuses those views; the reader copies the header first)
  const shared = new Uint8Array(new SharedArrayBuffer(file.length));
  shared.set(file);
  assert.deepEqual(Array.from(decodeSafetensors(shared).tensors.get('b')!.data), [3]);
});

// ---------------------------------------------------------------------------------------------
// Rejections: container and header

test('rejects files too short, header lengths too large or past the end', () => {
  rejectsFile(new Uint8Array(0), /at least 8 bytes.*received 0 bytes/);
  rejectsFile(new Uint8Array(7), /at least 8 bytes.*received 7 bytes/);
  rejectsFile(frame('{}', undefined, 100_000_001n), /header length: expected at most 100000000 bytes, received 100000001/);
  rejectsFile(frame('{}', undefined, 2n ** 64n - 1n), /header length: expected at most 100000000 bytes, received 18446744073709551615/);
  rejectsFile(frame('{}', undefined, 2n ** 32n), /received 4294967296/);
  rejectsFile(frame('{}', undefined, 3n), /header length: expected at most the 2 bytes after the length field, received 3/);
  rejectsFile(frame('{}', undefined, 99_999_999n), /at most the 2 bytes after the length field, received 99999999/);
  assert.equal(MAX_HEADER_BYTES, 100_000_000);
});

test('rejects headers that are not a UTF-8 JSON object', () => {
  rejectsFile(frame(''), /expected a JSON object starting with '\{', received an empty header/);
  rejectsFile(frame('[1]'), /expected a JSON object starting with '\{', received byte 0x5b/);
  rejectsFile(frame(' {}'), /starting with '\{', received byte 0x20/);
  rejectsFile(frame(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), /starting with '\{', received byte 0xef/);
  rejectsFile(frame(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x7b, 0x7d, 0x7d])), /header: expected valid UTF-8, received invalid byte sequences/);
  rejectsFile(frame(new Uint8Array([0x7b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])), /valid UTF-8/); // encoded surrogate
  rejectsFile(frame('{"a":'), /header: expected valid JSON, received a syntax error/);
  rejectsFile(frame('{}x'), /valid JSON/);
  rejectsFile(frame('{"a":1}\u0000'), /valid JSON/);
});

test('rejects duplicate keys, which JSON.parse would silently drop', () => {
  const data = f32Bytes([1, 2]);
  rejectsFile(frame(`{"a":${entry()},"a":${entry()}}`, data), /header: expected each key once per object.*received the key "a" twice at the top level/);
  rejectsFile(frame(`{"a":${entry()},"\\u0061":${entry()}}`, data), /the key "a" twice at the top level/);
  rejectsFile(frame(`{"a":{"dtype":"F32","dtype":"F64","shape":[2],"data_offsets":[0,8]}}`, data), /the key "dtype" twice inside "a"/);
  rejectsFile(frame(`{"__metadata__":{"k":"1","k":"2"},"a":${entry()}}`, data), /the key "k" twice inside "__metadata__"/);
  rejectsFile(frame(`{"__metadata__":{},"__metadata__":{},"a":${entry()}}`, data), /the key "__metadata__" twice/);
});

test('rejects __proto__, constructor and prototype keys anywhere in the header', () => {
  const data = f32Bytes([1, 2]);
  for (const k of ['__proto__', 'constructor', 'prototype']) {
    rejectsFile(frame(`{"${k}":${entry()}}`, data), new RegExp(`no key named __proto__, constructor or prototype, received the key "${k}" at the top level`));
    rejectsFile(frame(`{"__metadata__":{"${k}":"x"},"a":${entry()}}`, data), new RegExp(`the key "${k}" inside "__metadata__"`));
    rejectsFile(frame(`{"a":{"${k}":1,"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, data), new RegExp(`the key "${k}" inside "a"`));
  }
  rejectsFile(frame(`{"\\u005f_proto__":${entry()}}`, data), /the key "__proto__"/);
});

test('rejects nesting deeper than the format needs', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  rejectsFile(frame(`{"a":{"dtype":"F32","shape":${deep},"data_offsets":[0,8]}}`, f32Bytes([1, 2])), /expected JSON nested at most 3 levels deep, received deeper nesting/);
  rejectsFile(frame(`{"__metadata__":{"k":{"x":[1]}}}`), /nested at most 3 levels deep/);
  rejectsFile(frame(`{"__metadata__":{"k":{"x":1}}}`), /__metadata__ "k": expected a string, received an object/);
  rejectsFile(frame(`{"a":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}}`, f32Bytes([1, 2])), /nested at most 3 levels/);
});

test('rejects malformed tensor entries, naming the tensor', () => {
  const data = f32Bytes([1, 2]);
  rejectsFile(frame(`{"a":[1]}`, data), /tensor "a": expected an object \{ dtype, shape, data_offsets \}, received \[1\]/);
  rejectsFile(frame(`{"a":"F32"}`, data), /tensor "a": expected an object.*received "F32"/);
  rejectsFile(frame(`{"a":{"dtype":"F32","shape":[2]}}`, data), /tensor "a": expected the field data_offsets, received none/);
  rejectsFile(frame(`{"a":${entry({ extra: 1 })}}`, data), /tensor "a": expected only the fields dtype, shape and data_offsets, received the field "extra"/);
});

test('rejects unknown dtypes', () => {
  const data = f32Bytes([1, 2]);
  rejectsFile(frame(`{"a":${entry({ dtype: 'F99' })}}`, data), /tensor "a" dtype: expected F32 \| F64 \| F16 \| BF16, received "F99"$/);
  rejectsFile(frame(`{"a":${entry({ dtype: 'I64' })}}`, data), /received "I64" \(a safetensors dtype recur does not read\)/);
  rejectsFile(frame(`{"a":${entry({ dtype: 'f32' })}}`, data), /received "f32"/);
  rejectsFile(frame(`{"a":${entry({ dtype: 4 })}}`, data), /dtype: expected F32.*received 4/);
  rejectsFile(frame(`{"a":${entry({ dtype: 'toString' })}}`, data), /received "toString"/);
});

test('rejects shapes that are not arrays of non-negative safe integers', () => {
  const data = f32Bytes([1, 2]);
  rejectsFile(frame(`{"a":${entry({ shape: 2 })}}`, data), /tensor "a" shape: expected an array of whole numbers ≥ 0, received 2/);
  rejectsFile(frame(`{"a":${entry({ shape: [-2] })}}`, data), /tensor "a" shape\[0\]: expected a whole number in \[0, 2\^53 − 1\], received -2/);
  rejectsFile(frame(`{"a":${entry({ shape: [1, 2.5] })}}`, data), /shape\[1\]: expected a whole number in \[0, 2\^53 − 1\], received 2.5/);
  rejectsFile(frame(`{"a":${entry({ shape: ['2'] })}}`, data), /shape\[0\].*received "2"/);
  rejectsFile(frame(`{"a":${entry({ shape: [null] })}}`, data), /shape\[0\].*received null/);
  rejectsFile(frame(`{"a":{"dtype":"F32","shape":[9007199254740992],"data_offsets":[0,8]}}`, data), /shape\[0\].*received 9007199254740992/);
  rejectsFile(frame(`{"a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,8]}}`, data), /shape\[0\].*received Infinity/);
});

test('rejects byte sizes that do not match the shape, and shapes larger than the file', () => {
  const data = f32Bytes([1, 2]);
  rejectsFile(frame(`{"a":${entry({ shape: [3] })}}`, data), /shape: expected a F32 tensor that fits in the file's 8 bytes of data, received \[3\]/);
  rejectsFile(frame(`{"a":${entry({ shape: [1] })}}`, data), /tensor "a" data_offsets: expected 4 bytes \(shape \[1\]: 1 values × 4 bytes of F32\), received \[0, 8\] \(8 bytes\)/);
  rejectsFile(frame(`{"a":${entry({ dtype: 'F64' })}}`, data), /expected a F64 tensor that fits in the file's 8 bytes/);
  rejectsFile(frame(`{"a":${entry({ shape: [9007199254740991, 9007199254740991, 9007199254740991] })}}`, data), /fits in the file's 8 bytes of data, received \[9007199254740991, 9007199254740991, 9007199254740991\]/);
  rejectsFile(frame(`{"a":${entry({ shape: [] })}}`, data), /expected 4 bytes \(shape \[\]: 1 values/);
});

test('rejects offsets that are malformed, past the end, overlapping or not contiguous from 0', () => {
  const d8 = f32Bytes([1, 2]);
  const d16 = f32Bytes([1, 2, 3, 4]);
  rejectsFile(frame(`{"a":${entry({ data_offsets: 0 })}}`, d8), /tensor "a" data_offsets: expected \[begin, end\], received 0/);
  rejectsFile(frame(`{"a":${entry({ data_offsets: [0, 8, 8] })}}`, d8), /expected \[begin, end\], received \[0, 8, 8\]/);
  rejectsFile(frame(`{"a":${entry({ data_offsets: [-8, 0] })}}`, d8), /data_offsets begin: expected a whole number in \[0, 2\^53 − 1\], received -8/);
  rejectsFile(frame(`{"a":${entry({ data_offsets: [0, '8'] })}}`, d8), /data_offsets end: expected a whole number in \[0, 2\^53 − 1\], received "8"/);
  rejectsFile(frame(`{"a":${entry({ data_offsets: [8, 0] })}}`, d8), /data_offsets: expected begin ≤ end, received \[8, 0\]/);
  rejectsFile(frame(`{"a":${entry({ data_offsets: [8, 16] })}}`, d8), /expected an end within the 8 bytes of data, received \[8, 16\], past the end of the file/);
  rejectsFile(frame(`{"a":${entry({ data_offsets: [0, 2 ** 40] })}}`, d8), /received \[0, 1099511627776\], past the end of the file/);
  rejectsFile(frame(`{"a":${entry({ data_offsets: [0, 2 ** 60] })}}`, d8), /data_offsets end: expected a whole number in \[0, 2\^53 − 1\], received 1152921504606847000/);
  rejectsFile(frame(`{"a":${entry({ data_offsets: [8, 16] })}}`, d16), /tensor "a" data_offsets: expected data starting at byte 0 \(tensors are contiguous from 0\), received \[8, 16\], leaving a gap/);
  rejectsFile(frame(`{"a":${entry()},"b":${entry({ data_offsets: [4, 12] })}}`, d16), /tensor "b" data_offsets: expected data starting at byte 8, where "a" ends, received \[4, 12\], which overlaps "a" \[0, 8\]/);
  rejectsFile(frame(`{"a":${entry()},"b":${entry()}}`, d16), /tensor "b" data_offsets: expected data starting at byte 8.*overlaps "a"/);
  rejectsFile(frame(`{"a":${entry()},"b":${entry({ shape: [1], data_offsets: [12, 16] })}}`, d16), /tensor "b" data_offsets: expected data starting at byte 8, where "a" ends.*leaving a gap/);
  rejectsFile(frame(`{"a":${entry()},"z":${entry({ shape: [0], data_offsets: [4, 4] })}}`, d8), /tensor "z".*overlaps "a"/);
});

test('rejects trailing bytes after the last tensor', () => {
  rejectsFile(frame(`{"a":${entry()}}`, f32Bytes([1, 2, 3])), /expected the data to end with the last tensor at byte 8 of the data buffer, received 4 trailing bytes/);
  rejectsFile(frame('{}', new Uint8Array(1)), /at byte 0 of the data buffer, received 1 trailing bytes/);
});

test('rejects metadata that is not an object of strings', () => {
  const data = f32Bytes([1, 2]);
  rejectsFile(frame(`{"__metadata__":{"k":1},"a":${entry()}}`, data), /__metadata__ "k": expected a string, received 1/);
  rejectsFile(frame(`{"__metadata__":{"k":null}}`), /__metadata__ "k": expected a string, received null/);
  rejectsFile(frame(`{"__metadata__":{"k":["x"]}}`), /__metadata__ "k": expected a string, received \["x"\]/);
  rejectsFile(frame(`{"__metadata__":["x"]}`), /__metadata__: expected an object of strings, received \["x"\]/);
  rejectsFile(frame(`{"__metadata__":"x"}`), /__metadata__: expected an object of strings, received "x"/);
});

test('error messages quote untrusted values briefly', () => {
  const long = 'n'.repeat(5000);
  assert.throws(() => decodeSafetensors(frame(`{"${long}":1}`)), (e: unknown) => {
    assert.ok(e instanceof RecurError);
    assert.ok(e.message.length < 300, e.message);
    return true;
  });
  const ones = `[${new Array(100_000).fill(1).join(',')}]`;
  assert.throws(() => decodeSafetensors(frame(`{"a":{"dtype":"F32","shape":${ones},"data_offsets":[0,8]}}`, f32Bytes([1, 2]))), (e: unknown) => {
    assert.ok(e instanceof RecurError);
    assert.match(e.message, /received \[0, 8\] \(8 bytes\)/);
    assert.match(e.message, /\(100000 items\)/);
    assert.ok(e.message.length < 300, e.message);
    return true;
  });
});

test('the writer refuses what the reader would refuse', () => {
  const d = new Float32Array(2);
  rejects(() => encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: d }, { name: 'a', dtype: 'F32', shape: [2], data: d }]), /tensor "a": expected each tensor name once/);
  rejects(() => encodeSafetensors([{ name: '__metadata__', dtype: 'F32', shape: [2], data: d }]), /a name other than __metadata__/);
  rejects(() => encodeSafetensors([{ name: '__proto__', dtype: 'F32', shape: [2], data: d }]), /a name other than/);
  rejects(() => encodeSafetensors([{ name: 'a', dtype: 'F16' as 'F32', shape: [2], data: d }]), /dtype: expected F32 \| F64, received "F16"/);
  rejects(() => encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [3], data: d }]), /data: expected 3 values \(shape \[3\]\), received 2/);
  rejects(() => encodeSafetensors([{ name: 'a', dtype: 'F32', shape: [-2], data: d }]), /shape: expected an array of whole numbers ≥ 0/);
  rejects(() => encodeSafetensors([], { k: 1 as unknown as string }), /metadata "k": expected a string, received 1/);
  rejects(() => encodeSafetensors([], JSON.parse('{"__proto__":"x"}') as Record<string, string>), /no key named __proto__/);
});

// ---------------------------------------------------------------------------------------------
// Models

test('save and load: a 2-layer bidirectional LSTM and a GRU on tokens give identical outputs', () => {
  const dir = tmpDir();
  try {
    for (const [config, x, t, b] of [
      [LSTM_BI, Array.from({ length: 5 * 2 * 3 }, (_, i) => Math.sin(i * 0.7)), 5, 2],
      [{ ...LSTM_BI, dtype: 'float64' }, Array.from({ length: 5 * 2 * 3 }, (_, i) => Math.cos(i * 0.3)), 5, 2],
      [GRU_TOKENS, [1, 4, 6, 0, 2, 2, 3, 5, 6, 1, 0, 4], 4, 3],
    ] as [ModelConfig, number[], number, number][]) {
      const model = new Sequential(config, { seed: 11 });
      const file = path.join(dir, `${config.cell}-${config.dtype ?? 'float32'}.safetensors`);
      saveModel(model, file, { task: 'copy, 10 steps', vocabulary: JSON.stringify(['a', 'b']) });
      const { model: loaded, metadata } = loadModel(file);
      assert.deepEqual(loaded.config, model.config);
      assert.deepEqual(loaded.params.map((p) => p.name), model.params.map((p) => p.name));
      for (const p of model.params) assert.deepEqual(Array.from(loaded.param(p.name).value), Array.from(p.value), p.name);
      sameOutputs(model, loaded, x, t, b);
      assert.equal(metadata.format, 'pt');
      assert.equal(metadata['recur.version'], '0.1.0');
      assert.equal(metadata.task, 'copy, 10 steps');
      assert.deepEqual(JSON.parse(metadata.vocabulary), ['a', 'b']);
      assert.deepEqual(JSON.parse(metadata[CONFIG_KEY]), JSON.parse(JSON.stringify(config)));
      // the file is plain safetensors under PyTorch names, in the model's dtype
      const raw = decodeSafetensors(fs.readFileSync(file));
      const dtype = config.dtype === 'float64' ? 'F64' : 'F32';
      for (const p of model.params) {
        const tns = raw.tensors.get(p.name)!;
        assert.equal(tns.dtype, dtype);
        assert.deepEqual(tns.shape, [...p.shape]);
      }
      assert.equal(configValueCount(config), model.paramCount);
    }
    const names = new Sequential(LSTM_BI).params.map((p) => p.name);
    assert.ok(names.includes('rnn.weight_ih_l1_reverse') && names.includes('head.weight'));
    assert.ok(new Sequential(GRU_TOKENS).params.some((p) => p.name === 'embed.weight'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('modelToBytes / modelFromBytes round-trip in memory, and with explicit kernels', () => {
  const model = new Sequential(GRU_TOKENS, { seed: 5 });
  const bytes = modelToBytes(model);
  const { model: again } = modelFromBytes(bytes, { kernels: new JsKernels('float32') });
  sameOutputs(model, again, [1, 2, 3, 4, 5, 6], 2, 3);
  assert.deepEqual(modelToBytes(again), bytes, 'saving a loaded model gives the same bytes');
  rejects(() => modelFromBytes(bytes, { kernels: new JsKernels('float64') }), /kernels: expected a float32 kernel set/);
  const cfg = configValueCount({ ...GRU_TOKENS, cell: 'rnn', activation: 'relu', numLayers: 3, bidirectional: true });
  assert.equal(cfg, new Sequential({ ...GRU_TOKENS, cell: 'rnn', activation: 'relu', numLayers: 3, bidirectional: true }).paramCount);
});

/** The tensors and metadata of a model file, editable, then encoded again. */
function rewrite(bytes: Uint8Array, edit: (tensors: TensorToWrite[], metadata: Record<string, string>) => void): Uint8Array {
  const d = decodeSafetensors(bytes);
  const tensors: TensorToWrite[] = [...d.tensors].map(([name, t]) => ({ name, dtype: t.data instanceof Float64Array ? 'F64' : 'F32', shape: t.shape, data: t.data }));
  const metadata = { ...d.metadata };
  edit(tensors, metadata);
  return encodeSafetensors(tensors, metadata);
}

test('loading rejects configs and parameters that do not match, naming what is wrong', () => {
  const good = modelToBytes(new Sequential(LSTM_BI, { seed: 1 }));
  rejects(() => modelFromBytes(rewrite(good, (_, m) => { delete m[CONFIG_KEY]; })), /model file metadata: expected a "recur.config" entry holding the model config as JSON, received only "format", "recur.version"/);
  rejects(() => modelFromBytes(encodeSafetensors([])), /received no metadata/);
  rejects(() => modelFromBytes(rewrite(good, (_, m) => { m[CONFIG_KEY] = '{"cell":'; })), /"recur.config": expected the model config as JSON, received a syntax error/);
  rejects(() => modelFromBytes(rewrite(good, (_, m) => { m[CONFIG_KEY] = m[CONFIG_KEY].replace('{', '{"__proto__":{"polluted":1},'); })), /"recur.config": expected no key named __proto__.*received the key "__proto__" at the top level/);
  rejects(() => modelFromBytes(rewrite(good, (_, m) => { m[CONFIG_KEY] = m[CONFIG_KEY].replace('{', '{"hiddenSize":999,'); })), /"recur.config": expected each key once.*"hiddenSize" twice/);
  rejects(() => modelFromBytes(rewrite(good, (_, m) => { m[CONFIG_KEY] = '{"a":' + '['.repeat(50_000) + ']'.repeat(50_000) + '}'; })), /"recur.config": expected JSON nested at most 4 levels deep/);
  rejects(() => modelFromBytes(rewrite(good, (_, m) => { m[CONFIG_KEY] = m[CONFIG_KEY].replace('"lstm"', '"transformer"'); })), /model config field "cell": expected rnn \| lstm \| gru \| indrnn \| mingru \| minlstm, received "transformer"/);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);

  // a config that asks for far more than the file holds is refused before anything is built
  const huge = rewrite(good, (_, m) => { m[CONFIG_KEY] = JSON.stringify({ ...LSTM_BI, hiddenSize: 65536, numLayers: 64, outputSize: 1 << 20 }); });
  const t0 = performance.now();
  rejects(() => modelFromBytes(huge), /model file: expected the \d+ parameter values its config describes \(lstm, 3 features, hidden 65536 × 64 layers bidirectional, output 1048576\), received 754 values in 18 tensors/);
  assert.ok(performance.now() - t0 < 1000);

  rejects(() => modelFromBytes(rewrite(good, (ts) => { ts.splice(ts.findIndex((t) => t.name === 'rnn.bias_hh_l1_reverse'), 1); ts.push({ name: 'rnn.extra', dtype: 'F32', shape: [16], data: new Float32Array(16) }); })),
    /model file: expected exactly the parameters of the config.*received missing: "rnn.bias_hh_l1_reverse"; unexpected: "rnn.extra"/);
  // one value more than the config has: refused by the count, before the data is read
  rejects(() => modelFromBytes(rewrite(good, (ts) => { ts.push({ name: 'other', dtype: 'F32', shape: [1], data: new Float32Array(1) }); })), /expected the 754 parameter values its config describes .*received 755 values in 19 tensors/);
  rejects(() => modelFromBytes(rewrite(good, (ts) => { ts[0] = { ...ts[0], name: 'other' }; })), /missing: "[^"]+"; unexpected: "other"/);
  rejects(() => modelFromBytes(rewrite(good, (ts) => { const t = ts.find((x) => x.name === 'rnn.weight_ih_l0')!; t.shape = [4, 12]; })),
    /parameter "rnn.weight_ih_l0": expected shape \[16, 3\], received shape \[4, 12\]/);
  rejects(() => modelFromBytes(rewrite(good, (ts) => { const t = ts.find((x) => x.name === 'rnn.weight_hh_l1')!; t.data = t.data.slice(); t.data[4 * 2 + 3] = NaN; })),
    /parameter "rnn.weight_hh_l1" at \[2, 3\] \(flat index 11\): expected a finite number, received NaN/);
  rejects(() => modelFromBytes(rewrite(good, (ts) => { const t = ts.find((x) => x.name === 'head.bias')!; t.data = t.data.slice(); t.data[1] = -Infinity; })),
    /parameter "head.bias" at index 1: expected a finite number, received -Infinity/);
  rejects(() => modelFromBytes(rewrite(good, (ts) => { const t = ts.find((x) => x.name === 'head.bias')!; t.dtype = 'F64'; t.data = Float64Array.from([0, 1e300]); })),
    /parameter "head.bias" at index 1: expected a value within the range of the model's float32, received 1e\+300/);
});

test('saving refuses non-finite parameters and reserved metadata keys', () => {
  const model = new Sequential(GRU_TOKENS);
  rejects(() => modelToBytes(model, { format: 'tf' }), /model metadata key "format": expected a key other than format, recur.config, recur.version/);
  model.param('head.weight').value[8] = NaN;
  rejects(() => modelToBytes(model), /parameter "head.weight" at \[1, 2\] \(flat index 8\): expected a finite number/);
});

test('loadModel reports unreadable files as RecurErrors', () => {
  rejects(() => loadModel(path.join(os.tmpdir(), 'recur-no-such-dir', 'm.safetensors')), /model file ".*m.safetensors": expected a readable file, received ENOENT/);
});

// ---------------------------------------------------------------------------------------------
// Atomic saves

test('a failed save leaves the previous model file intact and no temporary file behind', () => {
  const dir = tmpDir();
  try {
    const file = path.join(dir, 'model.safetensors');
    const first = new Sequential(LSTM_BI, { seed: 1 });
    saveModel(first, file);
    const before = fs.readFileSync(file);
    const second = new Sequential(LSTM_BI, { seed: 2 });

    const failing = (which: keyof AtomicFs, after = 0): AtomicFs => {
      let calls = 0;
      const ops: AtomicFs = {
        openSync: (f, fl, m) => fs.openSync(f, fl, m),
        // writes a few bytes at a time, so a failure lands in the middle of the file
        writeSync: (fd, buf, off, len) => fs.writeSync(fd, buf, off, Math.min(len, 100)),
        fsyncSync: (fd) => fs.fsyncSync(fd),
        closeSync: (fd) => fs.closeSync(fd),
        renameSync: (a, b) => fs.renameSync(a, b),
        unlinkSync: (f) => fs.unlinkSync(f),
      };
      const real = ops[which] as (...a: unknown[]) => unknown;
      (ops as unknown as Record<string, unknown>)[which] = (...a: unknown[]) => {
        if (calls++ >= after) throw Object.assign(new Error('injected failure'), { code: 'EIO' });
        return real(...a);
      };
      return ops;
    };
    for (const [which, after] of [['writeSync', 3], ['writeSync', 0], ['fsyncSync', 0], ['closeSync', 0], ['renameSync', 0], ['openSync', 0]] as [keyof AtomicFs, number][]) {
      rejects(() => writeFileAtomic(file, modelToBytes(second), failing(which, after)), /saving ".*model.safetensors": expected a writable file in an existing directory, received EIO \(injected failure\)/);
      assert.deepEqual(fs.readFileSync(file), before, `after a failing ${which}`);
      assert.deepEqual(fs.readdirSync(dir), ['model.safetensors'], `no temporary file left after a failing ${which}`);
    }
    // the file still loads as the first model
    sameOutputs(first, loadModel(file).model, Array.from({ length: 12 }, (_, i) => i / 10), 2, 2);

    // target directory missing: an error, nothing created
    rejects(() => saveModel(second, path.join(dir, 'missing', 'model.safetensors')), /saving ".*missing.*": expected a writable file in an existing directory, received ENOENT/);
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);

    // a save that succeeds replaces the file whole
    saveModel(second, file);
    assert.deepEqual(fs.readFileSync(file), Buffer.from(modelToBytes(second)));
    assert.deepEqual(fs.readdirSync(dir), ['model.safetensors']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// ---------------------------------------------------------------------------------------------
// Fuzz

/** Throws unless `out` is a consistent decode that allocated no more than the file allows. */
function checkDecoded(out: Decoded, input: Uint8Array): void {
  let sourceBytes = 0, allocated = 0;
  for (const t of out.tensors.values()) {
    const size = t.dtype === 'F64' ? 8 : t.dtype === 'F32' ? 4 : 2;
    assert.equal(t.data.length, t.shape.reduce((a, d) => a * d, 1));
    assert.equal(t.data instanceof Float64Array, t.dtype === 'F64');
    sourceBytes += t.data.length * size;
    allocated += t.data.byteLength;
    assert.ok(t.data.byteLength <= input.length * (size === 2 ? 2 : 1));
  }
  assert.ok(sourceBytes <= input.length, `tensors hold ${sourceBytes} bytes, the file ${input.length}`);
  assert.ok(allocated <= 2 * input.length);
  for (const v of Object.values(out.metadata)) assert.equal(typeof v, 'string');
}

const LENGTHS = [0n, 1n, 2n, 7n, 8n, 9n, 100_000_000n, 100_000_001n, 99_999_999n, 2n ** 31n, 2n ** 32n, 2n ** 32n + 8n, 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n, 2n ** 64n - 1n];
const HOSTILE_NUMBERS = [-1, -0, 0, 1, 2, 3, 4, 7, 8, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 60, 1e21, 65536, 1 << 20];
const CHARS = ['{', '}', '[', ']', '"', ',', ':', '0', '9', '-', 'e', '.', '\\', ' ', 'é', '\u0000', '\ud800', '\u2028', 'null', 'true', '"__proto__"', '"constructor":1,'];

function fuzzFile(base: Uint8Array, rnd: () => number): Uint8Array {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const int = (n: number): number => Math.floor(rnd() * n);
  const { header, data } = split(base);
  const headerEnd = 8 + enc.encode(header).length;
  switch (int(10)) {
    case 0: { // byte flips, mostly in the header
      const out = base.slice();
      for (let k = 1 + int(4); k > 0; k--) out[rnd() < 0.8 ? int(headerEnd) : int(out.length)] = int(256);
      return out;
    }
    case 1: // truncation (sometimes as a view into the larger buffer)
      return rnd() < 0.5 ? base.slice(0, int(base.length)) : base.subarray(0, int(base.length));
    case 2: { // length field edits
      const out = base.slice();
      const dv = new DataView(out.buffer);
      const n = BigInt(headerEnd - 8);
      dv.setBigUint64(0, rnd() < 0.5 ? pick(LENGTHS) : BigInt.asUintN(64, n + BigInt(int(33) - 16)), true);
      return out;
    }
    case 3: case 4: { // structural edits of the header JSON
      const h = JSON.parse(header) as Record<string, Record<string, unknown>>;
      const names = Object.keys(h).filter((k) => k !== '__metadata__');
      const name = names.length ? pick(names) : 'a';
      const e = h[name] ?? (h[name] = {});
      switch (int(14)) {
        case 0: e.shape = [pick(HOSTILE_NUMBERS), pick(HOSTILE_NUMBERS)]; break;
        case 1: e.shape = Array.from({ length: int(5) }, () => pick(HOSTILE_NUMBERS)); break;
        case 2: e.shape = Array.from({ length: 1000 + int(100_000) }, () => 1); break;
        case 3: e.data_offsets = [pick(HOSTILE_NUMBERS), pick(HOSTILE_NUMBERS)]; break;
        case 4: { // overlap with, or copy of, another tensor's range
          const other = h[pick(names.length ? names : ['a'])];
          e.data_offsets = other?.data_offsets ?? [0, 0];
          break;
        }
        case 5: { const o = e.data_offsets as number[] | undefined; if (Array.isArray(o)) e.data_offsets = [o[1], o[0]]; break; }
        case 6: { const o = e.data_offsets as number[] | undefined; if (Array.isArray(o)) e.data_offsets = o.map((v) => v + int(17) - 8); break; }
        case 7: e.dtype = pick(['F32', 'F64', 'F16', 'BF16', 'I64', 'U8', 'f32', '', 'constructor', 'hasOwnProperty']); break;
        case 8: delete e[pick(['dtype', 'shape', 'data_offsets'])]; break;
        case 9: e[pick(['extra', 'Shape', 'toString'])] = 1; break;
        case 10: e[pick(['dtype', 'shape', 'data_offsets'])] = pick<unknown>([null, true, 'x', {}, [], [[1]], 3]); break;
        case 11: h.__metadata__ = pick<Record<string, unknown>>([{ k: 1 }, { k: null }, { k: ['x'] }, { k: { x: 'y' } }, [] as unknown as Record<string, unknown>, { k: 'v' }]); break;
        case 12: h[name] = pick<Record<string, unknown>>([[] as unknown as Record<string, unknown>, 'x' as unknown as Record<string, unknown>, { dtype: 'F32', shape: [0], data_offsets: [0, 0] }]); break;
        default: e.data_offsets = [0, 2 ** 60]; break;
      }
      const text = JSON.stringify(h);
      const d = rnd() < 0.8 ? data : rnd() < 0.5 ? data.subarray(0, int(data.length + 1)) : new Uint8Array([...data, ...new Uint8Array(int(16))]);
      return frame(text, d);
    }
    case 5: { // textual insertions: duplicate keys, forbidden keys, deep nesting
      const body = header.trimEnd().slice(0, -1);
      const names = Object.keys(JSON.parse(header) as object).filter((k) => k !== '__metadata__');
      const name = names.length ? pick(names) : 'a';
      const depth = 1 + int(200_000);
      const inserts = [
        `,${JSON.stringify(name)}:${JSON.stringify((JSON.parse(header) as Record<string, unknown>)[name] ?? {})}`,
        `,"__proto__":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`,
        `,"constructor":{}`,
        `,"prototype":{}`,
        `,"deep":${'['.repeat(depth)}${']'.repeat(depth)}`,
        `,"deep":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`,
        `,"${'x'.repeat(int(10_000))}":1`,
      ];
      const text = body.length > 1 ? `${body}${pick(inserts)}}` : `{${pick(inserts).slice(1)}}`;
      return frame(text, data);
    }
    case 6: { // character edits of the header text
      const chars = [...header];
      for (let k = 1 + int(3); k > 0; k--) {
        const at = int(chars.length + 1);
        const op = int(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, pick(CHARS));
        else chars[Math.min(at, chars.length - 1)] = pick(CHARS);
      }
      return frame(chars.join(''), data);
    }
    case 7: { // a digit in the header replaced by another number
      const spots = [...header.matchAll(/\d+/g)];
      if (!spots.length) return base;
      const m = pick(spots);
      const text = header.slice(0, m.index) + String(pick(HOSTILE_NUMBERS)) + header.slice(m.index! + m[0].length);
      return frame(text, data);
    }
    case 8: { // bytes appended at the end or removed from it
      const out = rnd() < 0.5 ? new Uint8Array([...base, ...new Uint8Array(1 + int(9)).map(() => int(256))]) : base.slice(0, Math.max(0, base.length - 1 - int(8)));
      return out;
    }
    default: { // the same file at an unaligned offset inside a bigger buffer, sometimes with a bit flipped
      const off = 1 + int(7);
      const host = new Uint8Array(base.length + off);
      host.set(base, off);
      const view = host.subarray(off);
      if (rnd() < 0.5 && view.length > 0) view[int(view.length)] ^= 1 << int(8);
      return view;
    }
  }
}

const CONFIG_EDITS: ((c: string, rnd: () => number) => string)[] = [
  (c, rnd) => c.replace(/\d+/, String(HOSTILE_NUMBERS[Math.floor(rnd() * HOSTILE_NUMBERS.length)])),
  (c, rnd) => { const m = [...c.matchAll(/\d+/g)]; if (!m.length) return c; const x = m[Math.floor(rnd() * m.length)]; return c.slice(0, x.index) + String(HOSTILE_NUMBERS[Math.floor(rnd() * HOSTILE_NUMBERS.length)]) + c.slice(x.index! + x[0].length); },
  (c) => c.replace('"lstm"', '"gru"').replace('"gru"', '"rnn"'),
  (c) => c.replace('{', '{"hiddenSize":4,'),
  (c) => c.replace('{', '{"__proto__":{"x":1},'),
  (c) => c.replace('{', '{"input":{"kind":"constructor"},'),
  (c, rnd) => c.replace('{', `{"deep":${'['.repeat(1 + Math.floor(rnd() * 100_000))}${']'.repeat(1 + Math.floor(rnd() * 100_000))},`),
  (c) => c.replace('"outputMode":"every"', '"outputMode":"last"').replace('"outputMode":"last"', '"outputMode":"every"'),
  (c) => c.replace('}', ',"numLayers":64,"hiddenSize":65536}'),
  (c) => c.replace('"bidirectional":true', '"bidirectional":false'),
  (c) => c.replace('{', '{"dtype":"float64",'),
  (c) => c.replace('{', '{"init":{"recurrent":"orthogonal","scale":1e6,"forgetBias":-1e6},'),
  (c) => c.replace('{', '{"activation":"leaky_relu","leak":0.999999,'),
  (c, rnd) => { const i = Math.floor(rnd() * (c.length + 1)); return c.slice(0, i) + CHARS[Math.floor(rnd() * CHARS.length)] + c.slice(i + 1); },
  (c) => c.slice(0, Math.floor(c.length / 2)),
  () => 'null',
  () => '[]',
  () => '"x"',
];

test('fuzz: mutated files and configs decode or throw RecurError, fast, within the file size', (t) => {
  const started = performance.now();
  const rnd = prng(20240611);
  const bases: Uint8Array[] = [
    encodeSafetensors([
      { name: 'w', dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
      { name: 'b', dtype: 'F64', shape: [3], data: Float64Array.from([7, 8, 9]) },
      { name: 'e', dtype: 'F32', shape: [0, 4], data: new Float32Array(0) },
    ], { format: 'pt', note: 'x' }),
    frame(JSON.stringify({
      h: { dtype: 'F16', shape: [2], data_offsets: [0, 4] },
      g: { dtype: 'BF16', shape: [1, 2], data_offsets: [4, 8] },
    }), new Uint8Array([0, 0x3c, 0, 0xc0, 0x80, 0x3f, 0x40, 0xc0])),
  ];
  const models: Uint8Array[] = [
    modelToBytes(new Sequential({ ...LSTM_BI, hiddenSize: 2 }, { seed: 3 }), { vocabulary: '["a","b"]' }),
    modelToBytes(new Sequential({ ...GRU_TOKENS, hiddenSize: 3, dtype: 'float64' }, { seed: 4 })),
    modelToBytes(new Sequential({ input: { kind: 'features', size: 2 }, cell: 'rnn', activation: 'relu', hiddenSize: 3, outputMode: 'last', outputSize: 1 }, { seed: 5 })),
  ];
  for (const m of models) bases.push(m);

  const FILES = 12_000, CONFIGS = 2_500;
  let decoded = 0, rejected = 0, modelsLoaded = 0, modelsRejected = 0, configsLoaded = 0, configsRejected = 0, slowest = 0;
  const messages = new Map<string, number>();
  const run = (label: string, input: Uint8Array, fn: () => void): boolean => {
    const t0 = performance.now();
    let ok = true;
    try {
      fn();
    } catch (e) {
      if (!(e instanceof RecurError)) {
        const head = Buffer.from(input.subarray(0, 200)).toString('latin1');
        assert.fail(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n  input (${input.length} bytes) starts ${JSON.stringify(head)}`);
      }
      const key = e.message.replace(/"[^"]*"|\d+/g, '#').slice(0, 60);
      messages.set(key, (messages.get(key) ?? 0) + 1);
      ok = false;
    }
    const dt = performance.now() - t0;
    slowest = Math.max(slowest, dt);
    assert.ok(dt < 2000, `${label} took ${dt.toFixed(0)} ms`);
    return ok;
  };

  for (let i = 0; i < FILES; i++) {
    const base = bases[i % bases.length];
    let input = fuzzFile(base, rnd);
    if (rnd() < 0.15) input = fuzzFile(input.length >= 8 && (() => { try { decodeSafetensors(input); return true; } catch { return false; } })() ? input : base, rnd);
    const ok = run(`file ${i}`, input, () => {
      const out = decodeSafetensors(input);
      checkDecoded(out, input);
      if (i % bases.length >= 2) {
        // model files: the model must load or be refused with a RecurError too
        const before = process.memoryUsage().arrayBuffers;
        try {
          const { model } = modelFromBytes(input);
          assert.ok(model.paramCount <= input.length);
          modelsLoaded++;
        } catch (e) {
          if (!(e instanceof RecurError)) throw e;
          modelsRejected++;
        }
        assert.ok(process.memoryUsage().arrayBuffers - before < 64 * input.length + (1 << 20));
      }
    });
    if (ok) decoded++;
    else rejected++;
  }

  for (let i = 0; i < CONFIGS; i++) {
    const base = models[i % models.length];
    let mutated = '';
    const input = rewrite(base, (_, m) => {
      let c = m[CONFIG_KEY];
      for (let k = 1 + Math.floor(rnd() * 3); k > 0; k--) c = CONFIG_EDITS[Math.floor(rnd() * CONFIG_EDITS.length)](c, rnd);
      m[CONFIG_KEY] = mutated = c;
    });
    const ok = run(`config ${i} ${mutated.slice(0, 120)}`, input, () => {
      const { model } = modelFromBytes(input);
      assert.ok(model.paramCount * (model.kernels.dtype === 'float64' ? 8 : 4) <= input.length);
    });
    if (ok) configsLoaded++;
    else configsRejected++;
  }
  assert.equal(({} as Record<string, unknown>).x, undefined, 'no prototype pollution');

  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`${FILES} mutated files: ${decoded} decoded, ${rejected} rejected (of the decoded model files, ${modelsLoaded} loaded as models, ${modelsRejected} refused)`);
  t.diagnostic(`${CONFIGS} model files with mutated configs: ${configsLoaded} loaded, ${configsRejected} refused`);
  t.diagnostic(`slowest case ${slowest.toFixed(1)} ms; ${seconds.toFixed(2)} s in all; ${messages.size} distinct kinds of rejection`);
  assert.ok(rejected > FILES / 2 && decoded > 100, 'the mutations exercise both paths');
  assert.ok(configsLoaded > 50 && configsRejected > CONFIGS / 2);
  assert.ok(messages.size > 30, 'the mutations reach many different checks');
});
