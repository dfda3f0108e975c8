// Long-dependency tasks and remedies, small: the IDX reader and its refusals, the Fashion-MNIST
// slice kept in the repo and the `mnist` package's split, the pixel-sequence tasks, makemore's
// names split and metric, char-rnn's split, copy and adding at long T, AGC and AutoClip against
// PyTorch (scripts/golden_clip_adaptive.py), and every arm of the remedy and long experiments for
// a few steps.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { RecurError } from '../src/errors.js';
import { loadFashionMnist, loadImages, loadMnistPackage, readIdxImages } from '../src/node/datasets.js';
import { copyBaseline } from '../src/tasks/copy.js';
import { idxBytes, parseIdx } from '../src/tasks/idx.js';
import { IMAGE_PIXELS, ImageSequenceTask, pixelPermutation } from '../src/tasks/images.js';
import { createTask } from '../src/tasks/index.js';
import { NamesTask, namesOf, parseIndexList } from '../src/tasks/names.js';
import { TextTask } from '../src/tasks/text.js';
import type { Param } from '../src/tensor/param.js';
import { Rng } from '../src/tensor/rng.js';
import { AutoClipper, clipGradAgcInPlace } from '../src/train/clip.js';
import { computeLoss } from '../src/train/losses.js';
import { experiment } from '../src/cli/experiments.js';
import { availableCells, longArms } from '../src/cli/experiment-long.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FASHION = join(ROOT, 'test', 'fixtures', 'fashion-mnist');
const MAIN = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const tmp = mkdtempSync(join(tmpdir(), 'recur-long-'));

function throwsRecur(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof RecurError && pattern.test(e.message));
}

test('IDX: uint8 and big-endian int32/float32 files parse; every malformed file is refused saying what was expected', () => {
  const u8 = parseIdx(idxBytes([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])));
  assert.equal(u8.type, 'uint8');
  assert.deepEqual(u8.dims, [2, 3]);
  assert.deepEqual([...u8.data], [1, 2, 3, 4, 5, 6]);
  const i32 = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]);
  assert.deepEqual([...parseIdx(i32).data], [-2, 256]);
  const f32 = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
  assert.deepEqual([...parseIdx(f32).data], [1.5]);
  throwsRecur(() => parseIdx(Uint8Array.from([0, 0, 8])), /expected an IDX header of at least 4 bytes, received 3 bytes/);
  throwsRecur(() => parseIdx(gzipSync(idxBytes([1], Uint8Array.of(7)))), /expected uncompressed IDX bytes, received gzip data/);
  throwsRecur(() => parseIdx(Uint8Array.from([1, 0, 8, 1, 0, 0, 0, 0])), /expected an IDX magic number starting with two zero bytes, received 0x01 0x00/);
  throwsRecur(() => parseIdx(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0])), /expected an element type of 0x08.*received 0x0A/);
  throwsRecur(() => parseIdx(Uint8Array.from([0, 0, 8, 0])), /expected at least 1 dimension/);
  throwsRecur(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1])), /expected a header of 16 bytes for 3 dimensions, received 8 bytes in all/);
  const short = idxBytes([2, 3], Uint8Array.from([1, 2, 3, 4, 5, 6])).subarray(0, 14);
  throwsRecur(() => parseIdx(short, 'images.idx'), /^images\.idx: expected 6 bytes of uint8 data for dimensions 2 × 3, received 2 bytes after the header$/);
  const long = new Uint8Array([...idxBytes([2], Uint8Array.of(1, 2)), 9]);
  throwsRecur(() => parseIdx(long), /expected 2 bytes of uint8 data for dimensions 2, received 3 bytes after the header/);
});

test('Fashion-MNIST: the slice in the repo reads through gunzip with its published first labels; mismatched files are refused', () => {
  const s = loadFashionMnist(FASHION);
  // the first training labels of Fashion-MNIST: ankle boot, T-shirt, T-shirt, dress, T-shirt, pullover, sneaker, pullover, sandal, sandal
  assert.deepEqual([...s.train.labels], [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
  assert.deepEqual([...s.test.labels], [9, 2, 1, 1, 6, 1]);
  assert.equal(s.train.pixels.length, 10 * IMAGE_PIXELS);
  assert.ok(s.train.pixels.some((p) => p === 255) && s.train.pixels.some((p) => p === 0));
  throwsRecur(() => readIdxImages(join(FASHION, 'train-labels-idx1-ubyte.gz'), join(FASHION, 'train-labels-idx1-ubyte.gz')), /expected uint8 \(N, 28, 28\) images, received uint8 \(10\)/);
  throwsRecur(() => readIdxImages(join(FASHION, 'train-images-idx3-ubyte.gz'), join(FASHION, 't10k-labels-idx1-ubyte.gz')), /expected 10 labels \(one per image/);
  throwsRecur(() => loadFashionMnist(tmp), /Fashion-MNIST: expected train-images-idx3-ubyte\.gz in .*apt-get install dataset-fashion-mnist/);
  const broken = join(tmp, 'broken.gz');
  writeFileSync(broken, gzipSync(Buffer.from('hello')).subarray(0, 12));
  throwsRecur(() => readIdxImages(broken, broken), /expected gzip data that decompresses/);
});

test('pixel-sequence tasks: x is (784, B, 1) pixels / 255 in scanline or the fixed permuted order; baseline, accuracy, solved', () => {
  const data = loadFashionMnist(FASHION);
  const seq = new ImageSequenceTask({ ...data }, { dataset: 'fashion', permuted: false, solvedAccuracy: 0.88 });
  const perm = new ImageSequenceTask({ ...data }, { dataset: 'fashion', permuted: true, solvedAccuracy: 0.88 });
  assert.equal(seq.name, 'sfmnist');
  assert.equal(perm.name, 'pfmnist');
  const order = pixelPermutation();
  assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: IMAGE_PIXELS }, (_, i) => i));
  assert.deepEqual(order, pixelPermutation(), 'the permutation is fixed');
  assert.ok(order.some((p, i) => p !== i));
  const b = seq.trainBatch(new Rng(3), 4), bp = perm.trainBatch(new Rng(3), 4);
  assert.equal(b.t, 784); assert.equal(b.b, 4); assert.equal(b.x.length, 784 * 4); assert.equal(b.rows, 4);
  for (let j = 0; j < 4; j++) {
    const img = [...data.train.labels].findIndex((_, k) => {
      for (let s = 0; s < 784; s++) if (data.train.pixels[k * 784 + s] / 255 !== b.x[s * 4 + j]) return false;
      return true;
    });
    assert.ok(img >= 0, 'each sequence is one training image in scanline order');
    assert.equal(b.target[j], data.train.labels[img]);
    for (let s = 0; s < 784; s++) assert.equal(bp.x[s * 4 + j], data.train.pixels[img * 784 + order[s]] / 255);
  }
  // baseline: entropy of the ten training labels (9, 0, 0, 3, 0, 2, 7, 2, 5, 5)
  const p = [3, 2, 2, 1, 1, 1].map((c) => c / 10);
  assert.ok(Math.abs(seq.baselineLoss + p.reduce((h, q) => h + q * Math.log(q), 0)) < 1e-12);
  const val = seq.validation();
  assert.equal(val.reduce((n, v) => n + v.b, 0), 6);
  const logits = new Float64Array(6 * 10);
  [9, 2, 1, 0, 6, 1].forEach((c, j) => { logits[j * 10 + c] = 5; });
  assert.deepEqual(seq.accuracy(logits, val[0]), { correct: 5, total: 6 });
  assert.equal(seq.solved(0.1, 5 / 6), false);
  assert.equal(seq.solved(0.1, 0.9), true);
  const cut = createTask({ kind: 'sfmnist', dir: FASHION }, { seed: 1, valSize: 4, loadImages });
  assert.equal(cut.validation().reduce((n, v) => n + v.b, 0), 4);
  throwsRecur(() => createTask({ kind: 'smnist' }, { seed: 1 }), /smnist task: expected an image loader/);
  throwsRecur(() => new ImageSequenceTask({ train: { pixels: new Uint8Array(10), labels: Uint8Array.of(1) }, test: data.test, source: 'x' }, { dataset: 'fashion', permuted: false, solvedAccuracy: 0.9 }), /expected 1 × 784 bytes/);
});

test('MNIST from the mnist package: 8,000 / 2,000, every class in both, bytes recovered from pixel/255, test set round-robin', () => {
  const s = loadMnistPackage();
  assert.equal(s.train.labels.length, 8000);
  assert.equal(s.test.labels.length, 2000);
  for (let c = 0; c < 10; c++) {
    assert.ok(s.train.labels.filter((l) => l === c).length >= 600);
    assert.equal(s.test.labels[c], c);
  }
  const mean = s.train.pixels.reduce((a, p) => a + p, 0) / s.train.pixels.length;
  assert.ok(mean > 25 && mean < 40, `MNIST's mean pixel is about 33, got ${mean}`);
});

test("names: makemore's test split (1,000 names by index) and metric, NLL per character and end token", () => {
  const text = readFileSync(join(ROOT, 'data', 'names.txt'), 'utf8');
  const names = namesOf(text);
  assert.equal(names.length, 32033);
  const ix = parseIndexList(readFileSync(join(ROOT, 'data', 'names-makemore-test.txt'), 'utf8'), names.length, 'split');
  assert.equal(ix.length, 1000);
  const task = new NamesTask(text, ix);
  assert.equal(task.train.length, 31033);
  assert.equal(task.vocab.length, 27);
  assert.equal(task.vocab[0], '\n');
  const small = new NamesTask('emma\nbo\nx\n', [1]);
  const [v] = small.validation();
  assert.equal(v.t, 3);
  assert.deepEqual([...v.x], [0, small.vocab.indexOf('b'), small.vocab.indexOf('o')]);
  assert.deepEqual([...v.target], [small.vocab.indexOf('b'), small.vocab.indexOf('o'), 0]);
  const b = small.trainBatch(new Rng(1), 8);
  const counted = [...b.target].filter((t) => t >= 0).length;
  const lengths: number[] = [];
  for (let j = 0; j < 8; j++) { let n = 0; for (let s = 0; s < b.t; s++) if (b.target[s * 8 + j] >= 0) n++; lengths.push(n); }
  assert.ok(lengths.every((n) => n === 5 || n === 2), 'each name counts its characters and its end');
  assert.equal(counted, lengths.reduce((a, n) => a + n, 0));
  // uniform logits score ln |vocabulary| per counted character
  const loss = computeLoss('cross_entropy', { pred: new Float64Array(b.rows * small.outputSize), rows: b.rows, cols: small.outputSize, target: b.target, rowWeight: null }, new Float64Array(b.rows * small.outputSize));
  assert.ok(Math.abs(loss - Math.log(small.outputSize)) < 1e-12);
  throwsRecur(() => parseIndexList('1\n99\n', 10, 'split'), /split, line 2: expected a whole number in \[0, 10\), received "99"/);
  throwsRecur(() => parseIndexList('1\n1\n', 10, 'split'), /split: expected distinct indices/);
});

test("tinyshakespeare: char-rnn's 95/5 split, the whole held-out part evaluated", () => {
  const text = readFileSync(join(ROOT, 'data', 'tinyshakespeare.txt'), 'utf8');
  const t = new TextTask(text, { seq: 128, trainShare: 0.95, valCap: Infinity });
  assert.equal(t.valStart, Math.floor(text.length * 0.95));
  assert.equal(t.valChars, text.length - t.valStart);
  assert.equal(t.validation().reduce((n, v) => n + v.t * v.b, 0), Math.floor((t.valChars - 1) / 128) * 128);
  throwsRecur(() => new TextTask(text, { trainShare: 1 }), /train share: expected a number in \[0\.5, 1\)/);
});

test('copy at T = 100, 500, 1000 (baseline 10 ln 8 / (T + 20)) and adding at T = 1000, 5000: shapes and a bounded validation set', () => {
  for (const T of [100, 500, 1000]) {
    assert.ok(Math.abs(copyBaseline(T) - (10 * Math.log(8)) / (T + 20)) < 1e-15);
    const task = createTask({ kind: 'copy', length: T }, { seed: 1, valSize: 3 });
    const b = task.trainBatch(new Rng(1), 2);
    assert.equal(b.t, T + 20);
    assert.equal(task.baselineLoss, copyBaseline(T));
  }
  for (const T of [1000, 5000]) {
    const task = createTask({ kind: 'adding', length: T }, { seed: 1 });
    const b = task.trainBatch(new Rng(1), 2);
    assert.equal(b.t, T);
    let marks = 0;
    for (let s = 0; s < T; s++) marks += b.x[(s * 2) * 2 + 1];
    assert.equal(marks, 2);
    const bytes = task.validation().reduce((n, v) => n + (v.x.length + v.target.length) * 8, 0);
    assert.ok(bytes <= 256 * 2 ** 20, `validation set of ${bytes} bytes`);
  }
});

function closeArrays(got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void {
  assert.equal(got.length, want.length, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol * (1 + Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

interface Golden {
  agc: { factor: number; eps: number; step: number; grads: number[][] }[];
  autoclip: { percentile: number; warmStart: number; warmCount: number; steps: { norm: number; threshold: number; grads: number[][] }[] }[];
}

function clipParams(step: number): Param[] {
  const shapes = [[3, 4], [5]];
  return shapes.map((shape, m) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const value = Float64Array.from({ length: n }, (_, k) => (m === 0 ? 0.5 * Math.cos(0.37 * k) : 0.01 * k));
    const grad = Float64Array.from({ length: n }, (_, k) => Math.cos(0.3 * k + 0.7 * step + m) * (1 + 0.1 * step) * 3 ** (step % 3));
    return { name: `p${m}`, shape, value, grad };
  });
}

test('AGC and AutoClip match PyTorch in float64 (scripts/golden_clip_adaptive.py); bad settings are RecurErrors', () => {
  const golden = JSON.parse(readFileSync(join(ROOT, 'test', 'fixtures', 'optim', 'clip-adaptive.json'), 'utf8')) as Golden;
  let clippedSome = false;
  for (const c of golden.agc) {
    const ps = clipParams(c.step);
    const r = clipGradAgcInPlace(ps, c.factor, c.eps);
    assert.equal(r.units, 4);
    clippedSome ||= r.clippedUnits > 0;
    ps.forEach((p, m) => closeArrays(p.grad, c.grads[m], 1e-12, `agc ${c.factor} step ${c.step} p${m}`));
  }
  assert.ok(clippedSome);
  for (const c of golden.autoclip) {
    const clipper = new AutoClipper({ percentile: c.percentile, warmStart: c.warmStart, warmCount: c.warmCount });
    c.steps.forEach((s, k) => {
      const ps = clipParams(k + 1);
      const r = clipper.clipInPlace(ps);
      assert.ok(Math.abs(r.norm - s.norm) < 1e-12 * s.norm);
      assert.ok(Math.abs(r.threshold - s.threshold) < 1e-12 * s.threshold, `autoclip p${c.percentile} step ${k + 1}: ${r.threshold} vs ${s.threshold}`);
      ps.forEach((p, m) => closeArrays(p.grad, s.grads[m], 1e-12, `autoclip p${c.percentile} step ${k + 1} p${m}`));
    });
    const copy = new AutoClipper({ percentile: c.percentile, warmStart: c.warmStart, warmCount: c.warmCount });
    copy.loadState(clipper.state());
    assert.equal(copy.threshold, clipper.threshold);
  }
  // the warm start clips the first, exploding step: its norm alone would not
  const first = new AutoClipper({ percentile: 10 });
  const burst = clipParams(2);
  for (const p of burst) for (let i = 0; i < p.grad.length; i++) p.grad[i] *= 1e6;
  assert.equal(first.clipInPlace(burst).clipped, true);
  assert.ok(Math.abs(Math.hypot(...burst.flatMap((p) => [...p.grad])) - 1) < 1e-6);
  throwsRecur(() => clipGradAgcInPlace([], 0), /AGC clip factor: expected a finite number > 0, received 0/);
  throwsRecur(() => new AutoClipper({ percentile: 0 }), /AutoClip percentile: expected a number in \(0, 100\]/);
  throwsRecur(() => new AutoClipper().loadState({ norms: [1, -1] }), /AutoClipper state\.norms/);
});

function recur(...args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, RECUR_KERNELS: 'js' }, timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('every arm of the lr experiment and of experiment long runs a few steps (clipping: test/cli-skip.test.ts)', () => {
  assert.equal(experiment('lr', false).arms.length, 7);
  const l = recur('experiment', 'lr', '--steps', '2', '--val-size', '8', '--out', tmp, '--json');
  assert.equal(l.code, 0, l.err);
  const lrows = JSON.parse(l.out.trim().split('\n').at(-1)!) as { rows: { model: string; steps: number }[] };
  assert.deepEqual(lrows.rows.map((r) => [r.model, r.steps]), experiment('lr', false).arms.map((a) => [a.name, 2]));
  const arms = longArms({ full: false, tasks: ['adding', 'copy', 'names', 'sfmnist'], lengths: [12] });
  assert.equal(arms.length, 4 * availableCells().length - 1, 'no Skip GRU on names');
  const long = recur('experiment', 'long', '--steps', '2', '--tasks', 'adding,copy,names,sfmnist', '--lengths', '12', '--val-size', '6', '--hidden', '8',
    '--fashion-dir', FASHION, '--budget-minutes', '5', '--out', tmp, '--json');
  assert.equal(long.code, 0, long.err);
  const rows = (JSON.parse(long.out.trim().split('\n').at(-1)!) as { rows: { model: string; steps: number; metric: string; value: number }[] }).rows;
  assert.deepEqual(rows.map((r) => r.model), arms.map((a) => a.name));
  assert.ok(rows.every((r) => r.steps === 2 && Number.isFinite(r.value)));
  const bad = recur('experiment', 'long', '--tasks', 'nope');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--tasks: expected a comma-separated list of adding, copy/);
});
