// The pieces behind issue 16, in process: the memory estimate against what the wasm heap really
// holds, the bounded reader, the divergence verdict, the vocabulary checks, flag parsing
// (negative values, a flag given twice) and the output-path checks with their fallback.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { UsageError, parse, TRAINING_OPTIONS, MODEL_OPTIONS } from '../src/cli/args.js';
import { allocationFailure } from '../src/cli/memory.js';
import { checkOutputDir, checkOutputFile, writeWithFallback } from '../src/cli/outputs.js';
import { divergence } from '../src/diagnostics/divergence.js';
import { RecurError, firstNonFinite } from '../src/errors.js';
import { createWasmKernelsSync } from '../src/node/kernels.js';
import { WASM_MEMORY_BYTES, memoryNeed, overBudget } from '../src/model/budget.js';
import type { ModelConfig } from '../src/model/config.js';
import { configValueCount, modelToBytes } from '../src/model/io.js';
import { loadModel } from '../src/node/files.js';
import { Sequential } from '../src/model/sequential.js';
import { modelVocab } from '../src/model/vocab.js';
import { readFileLimited, readSafetensorsFile } from '../src/node/read-limited.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-units-'));

test('the memory estimate covers what the wasm heap holds after a training pass, within 30%', () => {
  const configs: ModelConfig[] = [
    { input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 64, outputMode: 'last', outputSize: 1 },
    { input: { kind: 'features', size: 3 }, cell: 'gru', hiddenSize: 32, numLayers: 2, bidirectional: true, outputMode: 'every', outputSize: 2 },
    { input: { kind: 'tokens', vocabSize: 50, embedDim: 16 }, cell: 'rnn', hiddenSize: 48, numLayers: 3, dropout: 0.2, residual: true, outputMode: 'every', outputSize: 50 },
    { input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 16, numLayers: 2, dilations: [1, 8], outputMode: 'last', outputSize: 1 },
    { input: { kind: 'features', size: 2 }, cell: 'gru', hiddenSize: 16, dilations: [64], outputMode: 'last', outputSize: 1 },
    { input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 24, numLayers: 2, skip: { budget: 0.01 }, outputMode: 'last', outputSize: 1 },
    { input: { kind: 'features', size: 2 }, cell: 'indrnn', hiddenSize: 64, numLayers: 2, outputMode: 'last', outputSize: 1 },
    { input: { kind: 'features', size: 3 }, cell: 'mingru', hiddenSize: 64, numLayers: 2, outputMode: 'every', outputSize: 2 },
    { input: { kind: 'features', size: 3 }, cell: 'minlstm', hiddenSize: 32, bidirectional: true, outputMode: 'last', outputSize: 1 },
  ];
  for (const c of configs) {
    const k = createWasmKernelsSync({ threads: 1 });
    const t = 100, b = 48;
    const m = new Sequential(c, { kernels: k, seed: 1 });
    assert.equal(configValueCount(c), m.paramCount);
    const x = new Float64Array(t * b * (c.input.kind === 'tokens' ? 1 : c.input.size)).map((_, i) => (c.input.kind === 'tokens' ? i % 50 : Math.sin(i)));
    const y = m.forward(x, t, b, { training: true });
    m.backward({ ...y, data: k.alloc(y.data.length) });
    const held = k.bytesInUse;
    const est = memoryNeed(c, [{ t, b }], { training: true, threads: 1 }).kernelBytes;
    assert.ok(est >= held, `${JSON.stringify(c)}: estimate ${est} < ${held} held`);
    assert.ok(est <= 1.3 * held + 2 ** 20, `${JSON.stringify(c)}: estimate ${est} far above ${held} held`);
  }
});

test('overBudget: one line naming what is needed and what the kernels hold', () => {
  const c: ModelConfig = { input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 64, outputMode: 'last', outputSize: 1 };
  const wasm = { kernelBytes: WASM_MEMORY_BYTES, totalBytes: 2 ** 40, kernels: 'the wasm kernels' };
  assert.equal(overBudget(memoryNeed(c, [{ t: 100, b: 32 }], { training: true }), wasm), null);
  assert.match(overBudget(memoryNeed(c, [{ t: 100000, b: 1000000 }], { training: true }), wasm)!, /^needs \d+ GiB; the wasm kernels hold at most 4 GiB$/);
  // dilation pads T up to a multiple of d: a dilation far beyond T costs d/T times the memory
  const padded = memoryNeed({ ...c, dilations: [4096] }, [{ t: 20, b: 250 }], { training: false }).kernelBytes;
  assert.ok(padded > 100 * memoryNeed(c, [{ t: 20, b: 250 }], { training: false }).kernelBytes);
});

test('readFileLimited and readSafetensorsFile: regular files only, sizes checked before reading', () => {
  const fifo = path.join(dir, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const refuse = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof RecurError && pattern.test(e.message));
  refuse(() => readFileLimited(fifo, 'text file', { maxBytes: 1e6 }), /expected a regular file, received a FIFO/);
  refuse(() => readFileLimited('/dev/zero', 'text file', { maxBytes: 1e6 }), /received a character device/);
  refuse(() => readFileLimited(dir, 'text file', { maxBytes: 1e6 }), /received a directory/);
  refuse(() => readFileLimited(path.join(dir, 'none'), 'text file', { maxBytes: 1e6 }), /expected a readable file, received ENOENT/);
  const big = path.join(dir, 'big.txt');
  fs.writeFileSync(big, 'x'.repeat(3000));
  refuse(() => readFileLimited(big, 'text file', { maxBytes: 2048, raise: 'use --max-input-mb' }), /expected at most 0\.002 MiB, received 0\.0029 MiB \(use --max-input-mb\)/);
  assert.equal(readFileLimited(big, 'text file', { maxBytes: 3000 }).length, 3000);

  // a header that describes 1 GB of data, in a sparse file of that size: the caller's check sees
  // the header before a byte of the data is read
  const prefix = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'F32', shape: [2 ** 28], data_offsets: [0, 2 ** 30] } }).padEnd(64, ' '));
  const file = path.join(dir, 'huge.safetensors');
  const len = new Uint8Array(8);
  new DataView(len.buffer).setUint32(0, prefix.length, true);
  fs.writeFileSync(file, Buffer.concat([len, prefix]));
  fs.truncateSync(file, 8 + prefix.length + 2 ** 30);
  const before = process.memoryUsage().arrayBuffers;
  let seen = 0;
  refuse(() => readSafetensorsFile(file, 'model file', (h) => { seen = h.tensors.get('w')!.n; throw new RecurError('refused by the check'); }), /refused by the check/);
  assert.equal(seen, 2 ** 28);
  assert.ok(process.memoryUsage().arrayBuffers - before < 2 ** 26, 'nothing of the data was read');
  // trailing bytes: refused from the header and the size alone
  fs.truncateSync(file, 8 + prefix.length + 2 ** 30 + 8);
  refuse(() => readSafetensorsFile(file, 'model file'), /8 trailing bytes/);
  fs.rmSync(file);
});

test('divergence: a loss that grows a hundredfold diverged; noise, a spike or a skipped step did not', () => {
  assert.equal(divergence([1, 2, 3]), null);
  assert.equal(divergence([1, 1e13, 1e12, 3e12, 9e12, 7e12, 2e12])!.diverged, true);
  assert.equal(divergence([1, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4])!.diverged, false);
  assert.equal(divergence([1, 0.9, 0.8, 0.7, 0.6, 500, 0.4, 0.3])!.diverged, false);
  assert.equal(divergence([1, 0.9, 0.8, 0.7, NaN, 0.6, 0.5])!.diverged, false);
  assert.equal(divergence([1, 2, 3, 4, NaN, NaN, NaN, NaN, NaN])!.diverged, true);
  assert.equal(divergence([1, 50, 60, 70, 80, 90, 99])!.diverged, false);
  assert.equal(divergence([1, 50, 60, 700, 800, 900, 990])!.diverged, true);
});

test('modelVocab: exactly one code point per entry, one entry per output, as many embedding rows as outputs', () => {
  const cfg = (v: number, o: number): ModelConfig => ({ input: { kind: 'tokens', vocabSize: v, embedDim: 2 }, cell: 'gru', hiddenSize: 2, outputMode: 'every', outputSize: o });
  const meta = (v: unknown[]): Record<string, string> => ({ 'recur.vocab': JSON.stringify(v) });
  assert.deepEqual(modelVocab(meta(['a', '𝄞', '\n']), cfg(3, 3)), ['a', '𝄞', '\n']);
  assert.equal(modelVocab({}, cfg(3, 3)), null);
  const refuse = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof RecurError && pattern.test(e.message));
  refuse(() => modelVocab(meta(['a', '\ud800', 'c']), cfg(3, 3)), /\[1\]: expected one character .* received 1 UTF-16 units \(U\+D800\)/);
  refuse(() => modelVocab(meta(['a', '\udc00\ud800', 'c']), cfg(3, 3)), /\[1\]: expected one character/);
  refuse(() => modelVocab(meta(['a', 'e\u0301', 'c']), cfg(3, 3)), /\[1\]: expected one character .* 2 UTF-16 units/);
  refuse(() => modelVocab(meta(['a', '', 'c']), cfg(3, 3)), /\[1\]: expected one character/);
  refuse(() => modelVocab(meta(['a', 'a', 'c']), cfg(3, 3)), /distinct/);
  refuse(() => modelVocab(meta(['a', 'b']), cfg(3, 3)), /expected an array of 3 characters/);
  refuse(() => modelVocab(meta(['a', 'b', 'c', 'd']), cfg(3, 4)), /expected a text model whose embedding has one row per output, received 3 embedding rows and 4 outputs/);
  // and when a file is loaded, before its data is read
  const file = path.join(dir, 'outsize.safetensors');
  fs.writeFileSync(file, modelToBytes(new Sequential(cfg(3, 4)), meta(['a', 'b', 'c', 'd'])));
  refuse(() => loadModel(file), /received 3 embedding rows and 4 outputs/);
});

test('flags: negative values reach the range check, a flag given twice must agree with itself', () => {
  const o = { ...MODEL_OPTIONS, ...TRAINING_OPTIONS };
  assert.equal(parse(['--lr', '-0.5'], o).values.lr, '-0.5');
  assert.equal(parse(['--init-scale', '-.5'], o).values['init-scale'], '-.5');
  assert.equal(parse(['--lr=-2'], o).values.lr, '-2');
  assert.equal(parse(['--hidden', '8', '--hidden', '8'], o).values.hidden, '8');
  assert.throws(() => parse(['--hidden', '8', '--hidden', '16'], o), (e: unknown) => e instanceof UsageError && /--hidden: expected one value, received "8" and "16"/.test(e.message));
  // a flag that takes no value is not given the number after it
  assert.throws(() => parse(['--bidirectional', '-1'], o), UsageError);
  // a word after a flag stays a missing value, as before
  assert.throws(() => parse(['--lr', '--hidden', '8'], o), (e: unknown) => e instanceof UsageError && /--lr/.test(e.message));
});

test('output paths: checked before the work; a failed write falls back to the temporary folder', () => {
  const file = path.join(dir, 'plain');
  fs.writeFileSync(file, 'x');
  const refuse = (f: () => unknown, pattern: RegExp) => assert.throws(f, (e: unknown) => e instanceof UsageError && pattern.test(e.message));
  checkOutputFile('save', path.join(dir, 'new.safetensors'));
  checkOutputFile('save', file);
  refuse(() => checkOutputFile('save', dir), /--save: expected a file path, received .* \(a directory\)/);
  refuse(() => checkOutputFile('report', path.join(dir, 'no', 'r.html')), /--report: expected a file in an existing directory/);
  refuse(() => checkOutputFile('report', path.join(file, 'r.html')), /plain is not a directory/);
  refuse(() => checkOutputFile('save', ''), /expected a file path, received ""/);
  checkOutputDir('out', path.join(dir, 'a', 'b', 'c'));
  refuse(() => checkOutputDir('out', path.join(file, 'sub')), /--out: expected a directory, received .*plain is not a directory/);
  const ok = writeWithFallback('save', path.join(dir, 'w.bin'), (to) => fs.writeFileSync(to, 'ok'));
  assert.deepEqual(ok, { file: path.join(dir, 'w.bin'), warning: null });
  const fell = writeWithFallback('save', path.join(dir, 'gone', 'm.safetensors'), (to) => fs.writeFileSync(to, 'model'));
  assert.match(fell.warning!, /--save ".*m\.safetensors" could not be written \(ENOENT.*\); it is in .*recur-m-.*\.safetensors instead/);
  assert.equal(fs.readFileSync(fell.file, 'utf8'), 'model');
  assert.equal(path.dirname(fell.file), os.tmpdir());
  fs.rmSync(fell.file);
});

test('an allocation that fails in spite of the estimate becomes the same one line; other errors do not', () => {
  assert.match(allocationFailure(new RangeError('Invalid typed array length: 17179869184'))!, /^out of memory \(Invalid typed array length: 17179869184\): expected a smaller --batch, --length, --hidden or --layers$/);
  assert.match(allocationFailure(new RangeError('wasm kernels: out of memory (asked for 68719476736 bytes with 4849664 in use; the maximum is 4 GiB)'))!, /^out of memory \(wasm kernels: out of memory/);
  assert.match(allocationFailure(new RangeError('Array buffer allocation failed'))!, /^out of memory/);
  assert.equal(allocationFailure(new RangeError('Maximum call stack size exceeded')), null);
  assert.equal(allocationFailure(new TypeError('x is not a function')), null);
  assert.equal(allocationFailure('out of memory'), null);
});

test('firstNonFinite: the first NaN or ±Infinity of a typed array at any place (the quick pass, then the scan); in a plain array also what is not a number', () => {
  for (const n of [0, 1, 3, 4, 5, 17, 1000]) {
    const f32 = new Float32Array(n).map((_, i) => Math.sin(i)), f64 = Float64Array.from(f32);
    assert.equal(firstNonFinite(f32), -1);
    assert.equal(firstNonFinite(f64), -1);
    for (const at of [0, n >> 1, n - 1]) {
      if (n === 0) continue;
      for (const v of [NaN, Infinity, -Infinity]) {
        const a = f64.slice(), b = f32.slice();
        a[at] = v; b[at] = v;
        if (at + 1 < n) { a[n - 1] = v; b[n - 1] = v; }
        assert.equal(firstNonFinite(a), at, `float64 n ${n} at ${at} ${v}`);
        assert.equal(firstNonFinite(b), at, `float32 n ${n} at ${at} ${v}`);
      }
    }
  }
  assert.equal(firstNonFinite(new Float64Array([1, 2, NaN, 4, 5]), 2), -1, 'only the first n');
  const plain = [1, 2, 3, 4, 5, 6, 7, 8];
  for (const bad of ['3', null, true, undefined, {}] as unknown[]) {
    const a = [...plain];
    (a as unknown[])[5] = bad;
    assert.equal(firstNonFinite(a), 5, String(bad));
  }
});
