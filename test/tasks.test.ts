// The data tasks: values of inputs and targets checked against their definitions, baselines against
// closed forms and Monte Carlo, determinism of seeds, the text and CSV splits on small files whose
// answers are worked out by hand, and every error a user can provoke.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { RecurError } from '../src/errors.js';
import { AddingTask } from '../src/tasks/adding.js';
import { COPY_DELIMITER, CopyTask, copyBaseline } from '../src/tasks/copy.js';
import { CsvTask } from '../src/tasks/csv.js';
import { VAL_BATCH_STEPS, VAL_BUDGET_BYTES, createTask as createCoreTask, validationSeed, type ValidationSpec } from '../src/tasks/index.js';
import { createTask, csvTaskFromFile, textTaskFromFile } from '../src/node/tasks.js';
import { ORDER_START, ORDER_TRIGGER, ORDER_X, ORDER_Y, OrderTask, orderPositions } from '../src/tasks/order.js';
import type { Batch, Task } from '../src/tasks/task.js';
import { TextTask } from '../src/tasks/text.js';
import { Rng } from '../src/tensor/rng.js';
import { computeLoss } from '../src/train/losses.js';

const dir = mkdtempSync(join(tmpdir(), 'recur-tasks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string | Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** The repository's data/ folder (this file runs from dist/test/). */
const DATA = fileURLToPath(new URL('../../data/', import.meta.url));

const VAL: ValidationSpec = { seed: 7, size: 10, batch: 4 };

/** Index of the 1 in a one-hot slice x[off … off+f). */
function hot(x: Float64Array, off: number, f: number): number {
  let at = -1, ones = 0, others = 0;
  for (let k = 0; k < f; k++) {
    if (x[off + k] === 1) { at = k; ones++; } else if (x[off + k] !== 0) others++;
  }
  if (ones !== 1 || others !== 0) assert.fail(`not one-hot: ${Array.from(x.subarray(off, off + f))}`);
  return at;
}

function sameBatch(a: Batch, b: Batch): boolean {
  return a.t === b.t && a.b === b.b && a.rows === b.rows && a.x.every((v, i) => Object.is(v, b.x[i])) && a.target.every((v, i) => Object.is(v, b.target[i]));
}

function throwsRecur(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof RecurError, `expected a RecurError, got ${String(e)}`);
    assert.match(e.message, pattern);
    return true;
  });
}

// ---------------------------------------------------------------- adding

test('adding: two markers, one per half, target = sum of the marked values', () => {
  for (const t of [2, 7, 50]) {
    const task = new AddingTask({ length: t, validation: VAL });
    const b = 33;
    const batch = task.trainBatch(new Rng(t), b);
    assert.equal(batch.x.length, t * b * 2);
    assert.equal(batch.rows, b);
    assert.equal(batch.target.length, b);
    const half = Math.floor(t / 2);
    for (let j = 0; j < b; j++) {
      const marks: number[] = [];
      for (let s = 0; s < t; s++) {
        const v = batch.x[(s * b + j) * 2], m = batch.x[(s * b + j) * 2 + 1];
        assert.ok(v >= 0 && v < 1);
        assert.ok(m === 0 || m === 1);
        if (m === 1) marks.push(s);
      }
      assert.equal(marks.length, 2);
      assert.ok(marks[0] < half && marks[1] >= half, `markers at ${marks} for T = ${t}`);
      assert.equal(batch.target[j], batch.x[(marks[0] * b + j) * 2] + batch.x[(marks[1] * b + j) * 2]);
    }
  }
});

test('adding: baseline is exactly 1/6 and matches Monte Carlo on 20k sequences', () => {
  const task = new AddingTask({ length: 4, validation: VAL });
  assert.equal(task.baselineLoss, 1 / 6);
  const batch = task.trainBatch(new Rng(123), 20000);
  let se = 0;
  for (const y of batch.target) se += (y - 1) ** 2;
  assert.ok(Math.abs(se / 20000 - 1 / 6) < 0.005, `MC ${se / 20000}`);
  // the baseline through the loss the trainer uses
  const pred = new Float64Array(20000).fill(1);
  const mse = computeLoss('mse', { pred, rows: 20000, cols: 1, target: batch.target }, new Float64Array(20000));
  assert.equal(mse, se / 20000);
  assert.equal(task.solved(0.0099, null), true);
  assert.equal(task.solved(0.01, null), false);
});

// ---------------------------------------------------------------- copy

test('copy: layout of inputs and targets', () => {
  const T = 5, b = 6;
  const task = new CopyTask({ length: T, validation: VAL });
  assert.equal(task.steps, T + 20);
  assert.equal(task.outputSize, 9);
  assert.deepEqual(task.input, { kind: 'features', size: 10 });
  const batch = task.trainBatch(new Rng(3), b);
  assert.equal(batch.t, T + 20);
  assert.equal(batch.rows, (T + 20) * b);
  for (let j = 0; j < b; j++) {
    const cat = (s: number) => hot(batch.x, (s * b + j) * 10, 10);
    const tgt = (s: number) => batch.target[s * b + j];
    for (let s = 0; s < 10; s++) {
      assert.ok(cat(s) >= 1 && cat(s) <= 8);
      assert.equal(tgt(s), 0);
    }
    for (let s = 10; s < T + 9; s++) { assert.equal(cat(s), 0); assert.equal(tgt(s), 0); }
    assert.equal(cat(T + 9), COPY_DELIMITER);
    assert.equal(tgt(T + 9), 0);
    for (let k = 0; k < 10; k++) {
      assert.equal(cat(T + 10 + k), 0);
      assert.equal(tgt(T + 10 + k), cat(k));
    }
  }
});

test('copy: baseline 10·ln 8/(T+20) is the loss of the memoryless strategy; accuracy and solved', () => {
  const T = 30, b = 4;
  const task = new CopyTask({ length: T, validation: VAL });
  assert.equal(task.baselineLoss, (10 * Math.log(8)) / (T + 20));
  assert.equal(copyBaseline(100), (10 * Math.log(8)) / 120);
  const batch = task.trainBatch(new Rng(9), b);
  const n = batch.rows, k = 9;
  // blank for sure until the recall, then uniform over the 8 symbols
  const memoryless = new Float64Array(n * k);
  for (let s = 0; s < batch.t; s++) {
    for (let j = 0; j < b; j++) {
      const o = (s * b + j) * k;
      if (s < T + 10) { memoryless[o] = 60; } else { memoryless[o] = -60; }
    }
  }
  const loss = computeLoss('cross_entropy', { pred: memoryless, rows: n, cols: k, target: batch.target }, new Float64Array(n * k));
  assert.ok(Math.abs(loss - task.baselineLoss) < 1e-12, `${loss} vs ${task.baselineLoss}`);
  // a perfect answer, then one symbol wrong
  const perfect = new Float64Array(n * k);
  for (let r = 0; r < n; r++) perfect[r * k + batch.target[r]] = 1;
  assert.deepEqual(task.accuracy(perfect, batch), { correct: 10 * b, total: 10 * b });
  const row = (T + 12) * b + 1;
  perfect[row * k + batch.target[row]] = 0;
  perfect[row * k + ((batch.target[row] % 8) + 1)] = 1;
  assert.deepEqual(task.accuracy(perfect, batch), { correct: 10 * b - 1, total: 10 * b });
  assert.equal(task.solved(0, 0.99), true);
  assert.equal(task.solved(0, 0.989), false);
  assert.equal(task.solved(0, null), false);
});

// ---------------------------------------------------------------- order

test('order: start, trigger, X/Y positions in range, distractors elsewhere, labels right, classes balanced', () => {
  assert.deepEqual(orderPositions(100), { first: [10, 20], second: [50, 60] });
  for (const t of [4, 5, 9, 100]) {
    const { first, second } = orderPositions(t);
    assert.ok(first[0] >= 1 && first[0] <= first[1] && first[1] < second[0] && second[0] <= second[1] && second[1] <= t - 2, `T = ${t}`);
  }
  const T = 100, b = 4000;
  const task = new OrderTask({ length: T, validation: VAL });
  assert.equal(task.baselineLoss, Math.log(4));
  const batch = task.trainBatch(new Rng(11), b);
  const counts = [0, 0, 0, 0];
  for (let j = 0; j < b; j++) {
    const ids = Array.from({ length: T }, (_, s) => hot(batch.x, (s * b + j) * 8, 8));
    assert.equal(ids[0], ORDER_START);
    assert.equal(ids[T - 1], ORDER_TRIGGER);
    const rel = ids.flatMap((id, s) => (id === ORDER_X || id === ORDER_Y ? [s] : []));
    assert.equal(rel.length, 2);
    assert.ok(rel[0] >= 10 && rel[0] <= 20 && rel[1] >= 50 && rel[1] <= 60, `positions ${rel}`);
    for (let s = 1; s < T - 1; s++) if (!rel.includes(s)) assert.ok(ids[s] < 4);
    const label = 2 * (ids[rel[0]] === ORDER_Y ? 1 : 0) + (ids[rel[1]] === ORDER_Y ? 1 : 0);
    assert.equal(batch.target[j], label);
    counts[label]++;
  }
  for (const c of counts) assert.ok(Math.abs(c / b - 0.25) < 0.03, `class counts ${counts}`);
  const perfect = new Float64Array(b * 4);
  for (let j = 0; j < b; j++) perfect[j * 4 + batch.target[j]] = 2;
  assert.deepEqual(task.accuracy(perfect, batch), { correct: b, total: b });
  assert.equal(task.solved(9, 0.995), true);
  assert.equal(task.solved(0, 0.98), false);
});

// ---------------------------------------------------------------- seeds

test('same seed → identical batches; different seed → different; validation fixed and separate', () => {
  for (const kind of ['adding', 'copy', 'order'] as const) {
    const a = createTask({ kind, length: 12 }, { seed: 5 });
    const b = createTask({ kind, length: 12 }, { seed: 5 });
    const c = createTask({ kind, length: 12 }, { seed: 6 });
    assert.ok(sameBatch(a.trainBatch(new Rng(5), 8), b.trainBatch(new Rng(5), 8)), kind);
    assert.ok(!sameBatch(a.trainBatch(new Rng(5), 8), a.trainBatch(new Rng(6), 8)), kind);
    const va = a.validation(), vb = b.validation(), vc = c.validation();
    assert.equal(va.length, 4);
    assert.deepEqual(va.map((v) => v.b), [250, 250, 250, 250]);
    assert.equal(a.validation(), va, 'validation() returns the same batches every call');
    assert.ok(va.every((v, i) => sameBatch(v, vb[i])), kind);
    assert.ok(!sameBatch(va[0], vc[0]), kind);
    // the validation stream is not the trainer's stream for the same seed
    assert.ok(!sameBatch(va[0], a.trainBatch(new Rng(5), 250)), kind);
  }
  assert.notEqual(validationSeed(5), 5);
  // a long copy task keeps its validation set within the memory budget: 88 bytes per step and sequence
  const long = createTask({ kind: 'copy', length: 4000 }, { seed: 1 });
  assert.equal(long.describe().validationSize, Math.floor(VAL_BUDGET_BYTES / (88 * 4020)));
  assert.equal(createTask({ kind: 'adding', length: 3 }, { seed: 1, valSize: 7 }).validation().reduce((n, v) => n + v.b, 0), 7);
  // long sequences come in smaller validation batches (at most VAL_BATCH_STEPS steps a batch), holding the
  // same sequences as batches of 250 would: each sequence is drawn whole, one after the other
  const t = 2000, wide = new AddingTask({ length: t, validation: { seed: validationSeed(1), size: 130, batch: 250 } });
  const narrow = createTask({ kind: 'adding', length: t }, { seed: 1, valSize: 130 }).validation();
  assert.deepEqual(narrow.map((v) => v.b), [Math.floor(VAL_BATCH_STEPS / t), 130 - Math.floor(VAL_BATCH_STEPS / t)]);
  const [all] = wide.validation();
  for (const [k, j] of [[0, 0], [0, 127], [1, 1]]) {
    const v = narrow[k], jj = k * narrow[0].b + j;
    for (const s of [0, 999, t - 1]) {
      assert.deepEqual([...v.x.subarray((s * v.b + j) * 2, (s * v.b + j) * 2 + 2)], [...all.x.subarray((s * all.b + jj) * 2, (s * all.b + jj) * 2 + 2)]);
    }
    assert.equal(v.target[j], all.target[jj]);
  }
  assert.deepEqual(createTask({ kind: 'adding', length: 1000 }, { seed: 1, valSize: 300 }).validation().map((v) => v.b), [250, 50], 'T ≤ 1024 keeps batches of 250');
});

// ---------------------------------------------------------------- text

const CLEF = '\u{1D11E}'; // 𝄞, outside the BMP: two UTF-16 units, one character

test('text: vocabulary by code point, encode/decode round trip, baseline, split and windows', () => {
  // 900 training characters "ab𝄞" × 300, then 100 held-out characters "cd" × 50
  const text = `ab${CLEF}`.repeat(300) + 'cd'.repeat(50);
  const path = file('small.txt', text);
  const task = textTaskFromFile(path, { seq: 4 });
  assert.deepEqual(task.vocab, ['a', 'b', 'c', 'd', CLEF]);
  assert.equal(task.ids.length, 1000);
  assert.equal(task.valStart, 900);
  assert.deepEqual(task.input, { kind: 'tokens', vocabSize: 5, embedDim: 5 });
  assert.equal(task.outputSize, 5);
  assert.ok(Math.abs(task.baselineLoss - Math.log(3)) < 1e-12);
  const sample = `${CLEF}badc`;
  assert.deepEqual(task.encode(sample), [4, 1, 0, 3, 2]);
  assert.equal(task.decode(task.encode(sample)), sample);
  assert.equal(task.decode(task.ids), text);
  // code-point order, not UTF-16 order (which would put 𝄞's surrogates, 0xD834…, before U+FF46)
  const wide = new TextTask(`\uFF46${CLEF}z`.repeat(20), { seq: 2 });
  assert.deepEqual(wide.vocab, ['z', '\uFF46', CLEF]);
  // training windows never touch the held-out part; targets are the inputs shifted by one
  const rng = new Rng(1);
  for (let i = 0; i < 50; i++) {
    const batch = task.trainBatch(rng, 16);
    assert.equal(batch.rows, 4 * 16);
    for (let j = 0; j < 16; j++) {
      const x = Array.from({ length: 4 }, (_, s) => batch.x[s * 16 + j]);
      const y = Array.from({ length: 4 }, (_, s) => batch.target[s * 16 + j]);
      assert.deepEqual(x.slice(1), y.slice(0, 3));
      for (const id of [...x, ...y]) assert.ok(id === 0 || id === 1 || id === 4, 'training window reached the held-out part');
    }
  }
  // validation: consecutive windows over the last 10%
  const val = task.validation();
  let seen = '';
  for (const batch of val) {
    for (let j = 0; j < batch.b; j++) {
      const x = Array.from({ length: 4 }, (_, s) => batch.x[s * batch.b + j]);
      const y = Array.from({ length: 4 }, (_, s) => batch.target[s * batch.b + j]);
      assert.deepEqual(x.slice(1), y.slice(0, 3));
      seen += task.decode(x);
    }
  }
  assert.equal(seen, 'cd'.repeat(48), '24 windows of 4 from character 900 on');
  assert.equal(task.solved(0.84 * Math.log(3), null), true);
  assert.equal(task.solved(0.86 * Math.log(3), null), false);
});

test('text: errors for missing, empty, non-UTF-8, too short files, bad seq, unknown prefix characters', () => {
  throwsRecur(() => textTaskFromFile(join(dir, 'nope.txt')), /nope\.txt": expected a readable file, received ENOENT \(no such file\)/);
  throwsRecur(() => textTaskFromFile(dir), /expected a regular file, received a directory/);
  throwsRecur(() => textTaskFromFile(file('empty.txt', '')), /expected some text, received an empty file/);
  throwsRecur(() => textTaskFromFile(file('latin1.txt', new Uint8Array([0x63, 0x61, 0x66, 0xe9]))), /expected UTF-8 text/);
  throwsRecur(() => textTaskFromFile(file('short.txt', 'hello world'), { seq: 4 }), /expected at least 50 characters for seq 4.*received 11/);
  throwsRecur(() => textTaskFromFile(file('short2.txt', 'x'.repeat(100))), /expected at least 650 characters for seq 64/);
  throwsRecur(() => textTaskFromFile(file('ok.txt', 'abc'.repeat(100)), { seq: 1 }), /seq: expected a whole number ≥ 2, received 1/);
  throwsRecur(() => textTaskFromFile(file('ok.txt', 'abc'.repeat(100)), { seq: 2.5 }), /seq: expected a whole number ≥ 2, received 2\.5/);
  const task = new TextTask('abc'.repeat(100), { seq: 4, source: 'abc' });
  throwsRecur(() => task.encode(`ab${CLEF}`), /character "𝄞" \(U\+1D11E\): expected one of the 3 characters/);
  throwsRecur(() => task.encode('abz'), /character "z" \(U\+007A\)/);
  throwsRecur(() => task.decode([0, 3]), /character id at position 1: expected a whole number in \[0, 3\), received 3/);
  // a byte-order mark is not a character of the text
  const bom = textTaskFromFile(file('bom.txt', '\uFEFF' + 'ab'.repeat(30)), { seq: 2 });
  assert.deepEqual(bom.vocab, ['a', 'b']);
});

test('text: data/names.txt loads with 27 characters', () => {
  const task = createTask({ kind: 'text', file: join(DATA, 'names.txt'), seq: 16 }, { seed: 1 });
  assert.equal(task.vocab!.length, 27);
  assert.equal(task.vocab![0], '\n');
  assert.ok(task.baselineLoss! > 2.8 && task.baselineLoss! < 2.82, `${task.baselineLoss}`);
  // 228,145 characters: the held-out part starts at 205,330 and holds 22,815, fewer than the cap
  assert.equal(task.valStart, 205330);
  assert.equal(task.valChars, 22815);
  assert.equal(task.validation().reduce((n, v) => n + v.b, 0), Math.floor((22815 - 1) / 16));
});

// ---------------------------------------------------------------- csv

// value: 1 … 8 in the training part (first 80% of 10 rows), then 10 and 13
const SMALL_CSV = 'time,value,note\n' + [1, 2, 3, 4, 5, 6, 7, 8, 10, 13].map((v, i) => `${i},${v},n${i}`).join('\n') + '\n';

test('csv: normalisation, persistence baseline and windows by hand', () => {
  const path = file('small.csv', SMALL_CSV);
  const task = csvTaskFromFile(path, { column: 'value', window: 2, horizon: 1 });
  assert.deepEqual(task.series, [1, 2, 3, 4, 5, 6, 7, 8, 10, 13]);
  assert.equal(task.trainEnd, 8);
  assert.equal(task.mean, 4.5);
  assert.ok(Math.abs(task.std - Math.sqrt(5.25)) < 1e-15);
  assert.equal(task.normalize(4.5), 0);
  for (const v of [-3, 0, 13, 1e6]) assert.ok(Math.abs(task.denormalize(task.normalize(v)) - v) < 1e-9 * Math.max(1, Math.abs(v)));
  // persistence on targets 10 and 13: errors 2 and 3 → (4 + 9)/2 in original units
  assert.ok(Math.abs(task.baselineLoss - 6.5 / 5.25) < 1e-12);
  const val = task.validation();
  assert.equal(val.length, 1);
  const v = val[0];
  assert.equal(v.t, 2); assert.equal(v.b, 2); assert.equal(v.rows, 2);
  const raw = (z: number) => Math.round(task.denormalize(z) * 1e9) / 1e9;
  assert.deepEqual(Array.from(v.x, raw), [7, 8, 8, 10]); // (T, B): step 0 of both, then step 1
  assert.deepEqual(Array.from(v.target, raw), [10, 13]);
  // training windows: inputs two consecutive values of 1 … 8, target the next one, inside the first 8
  const batch = task.trainBatch(new Rng(2), 50);
  for (let j = 0; j < 50; j++) {
    const a = raw(batch.x[j]), b = raw(batch.x[50 + j]), y = raw(batch.target[j]);
    assert.ok(a >= 1 && b === a + 1 && y === b + 1 && y <= 8, `${a} ${b} → ${y}`);
  }
  // horizon 2: persistence predicts x[j−2]: 7 for 10, 8 for 13 → (9 + 25)/2
  const h2 = csvTaskFromFile(path, { column: 'value', window: 2, horizon: 2 });
  assert.ok(Math.abs(h2.baselineLoss - 17 / 5.25) < 1e-12);
  const b2 = h2.trainBatch(new Rng(4), 50);
  for (let j = 0; j < 50; j++) assert.equal(raw(b2.target[j]) - raw(b2.x[50 + j]), 2);
  assert.equal(task.solved(1.2, null), true);
  assert.equal(task.solved(1.3, null), false);
  const d = task.describe();
  assert.equal(d.mean, 4.5);
  assert.equal(d.window, 2);
});

test('csv: quoted header, CRLF, blank lines; data/sunspots.csv', () => {
  const task = new CsvTask('"t","v"\r\n0,1\r\n\r\n1,"2"\r\n2,3\r\n3,4\r\n4,5\r\n', { column: 'v', window: 1, horizon: 1 });
  assert.deepEqual(task.series, [1, 2, 3, 4, 5]);
  const sun = createTask({ kind: 'csv', file: join(DATA, 'sunspots.csv'), column: 'SUNACTIVITY' }, { seed: 1 });
  assert.equal(sun.series.length, 309);
  assert.equal(sun.series[0], 5);
  assert.equal(sun.series[308], 2.9);
  assert.equal(sun.trainEnd, 247);
  assert.ok(sun.baselineLoss > 0 && sun.baselineLoss < 1);
  assert.equal(sun.validation().reduce((n, v) => n + v.b, 0), 62);
});

test('csv: errors name the line and column, list the columns, and say how many rows are needed', () => {
  const ok = (rows: string[]) => 'a,b\n' + rows.join('\n');
  const rows = Array.from({ length: 10 }, (_, i) => `${i},${i * i}`);
  throwsRecur(() => csvTaskFromFile(join(dir, 'none.csv'), { column: 'b' }), /CSV file ".*none\.csv": expected a readable file, received ENOENT \(no such file\)/);
  throwsRecur(() => new CsvTask(ok(rows), { column: 'c', window: 2 }), /expected a column named "c", received columns "a", "b"/);
  const missing = rows.slice(); missing[3] = '3,';
  throwsRecur(() => new CsvTask(ok(missing), { column: 'b', window: 2 }), /line 5 \(data row 4\), column "b": expected a number, received an empty cell/);
  const text = rows.slice(); text[6] = '6,abc';
  throwsRecur(() => new CsvTask(ok(text), { column: 'b', window: 2 }), /line 8 \(data row 7\), column "b": expected a number, received "abc"/);
  const hexy = rows.slice(); hexy[6] = '6,0x10';
  throwsRecur(() => new CsvTask(ok(hexy), { column: 'b', window: 2 }), /column "b": expected a number, received "0x10"/);
  const wide = rows.slice(); wide[2] = '2,4,5';
  throwsRecur(() => new CsvTask(ok(wide), { column: 'b', window: 2 }), /line 4: expected 2 comma-separated fields as in the header, received 3/);
  // the other column may hold anything
  const labels = rows.map((r, i) => `day ${i},${r.split(',')[1]}`);
  assert.equal(new CsvTask(ok(labels), { column: 'b', window: 2 }).series.length, 10);
  throwsRecur(() => new CsvTask(ok(rows), { column: 'b', window: 8 }), /expected at least 12 rows for window 8 and horizon 1 .*received 10/);
  throwsRecur(() => new CsvTask('a,b\n', { column: 'b', window: 1 }), /received 0/);
  throwsRecur(() => new CsvTask('', { column: 'b' }), /expected a header row/);
  throwsRecur(() => new CsvTask(ok(rows.map((r) => `${r.split(',')[0]},7`)), { column: 'b', window: 2 }), /expected values that vary.*received a constant 7/);
  throwsRecur(() => new CsvTask(ok(rows), { column: 'b', window: 0 }), /window: expected a whole number ≥ 1, received 0/);
  throwsRecur(() => new CsvTask(ok(rows), { column: 'b', horizon: 1.5 }), /horizon: expected a whole number ≥ 1, received 1\.5/);
});

// ---------------------------------------------------------------- createTask

test('createTask: lengths, kinds and options are checked', () => {
  throwsRecur(() => createTask({ kind: 'adding', length: 1 }, { seed: 1 }), /adding task length: expected a whole number ≥ 2.*received 1/);
  throwsRecur(() => createTask({ kind: 'adding', length: 2.5 }, { seed: 1 }), /adding task length.*received 2\.5/);
  throwsRecur(() => createTask({ kind: 'copy', length: 0 }, { seed: 1 }), /copy task length: expected a whole number ≥ 1.*received 0/);
  throwsRecur(() => createTask({ kind: 'order', length: 3 }, { seed: 1 }), /order task length: expected a whole number ≥ 4.*received 3/);
  throwsRecur(() => createTask({ kind: 'order', length: 100001 }, { seed: 1 }), /order task length: expected a whole number ≤ 100000, received 100001/);
  throwsRecur(() => createTask({ kind: 'nope' } as never, { seed: 1 }), /task kind: expected one of adding, copy, order, text, csv, smnist, pmnist, sfmnist, pfmnist, received "nope"/);
  throwsRecur(() => createTask({ kind: 'adding', length: 10 }, { seed: -1 }), /task seed/);
  throwsRecur(() => createTask({ kind: 'adding', length: 10 }, { seed: 1, valSize: 0 }), /validation size: expected a whole number ≥ 1, received 0/);
  throwsRecur(() => createTask({ kind: 'csv', file: join(DATA, 'sunspots.csv'), column: 'YEAR', window: 300 }, { seed: 1 }), /expected at least 377 rows/);
  const t = createTask({ kind: 'copy', length: 3 }, { seed: 2 });
  assert.equal(t.name, 'copy');
  assert.equal(t.describe().task, 'copy');
});

test('text: --shuffle-lines keeps every line, in a fixed order that is not the file order', async () => {
  const { shuffleLines, TextTask } = await import('../src/tasks/text.js');
  const lines = Array.from({ length: 200 }, (_, i) => `name${String(i).padStart(3, '0')}`);
  const text = lines.join('\n') + '\n';
  const a = shuffleLines(text);
  assert.equal(a, shuffleLines(text), 'deterministic');
  assert.notEqual(a, text);
  assert.deepEqual(a.trim().split('\n').sort(), lines);
  const task = new TextTask(text, { seq: 8, shuffleLines: true });
  assert.equal(task.describe().shuffledLines, true);
  assert.equal(task.decode(Array.from(task.ids)), a);
});

test('the core builds file tasks from text in memory: createTask takes a reader, and refuses a bare file name', () => {
  throwsRecur(() => createCoreTask({ kind: 'text', file: 'names.txt' }, { seed: 1 }), /text task: expected the file's text .*received only the file name "names.txt"/);
  throwsRecur(() => createCoreTask({ kind: 'csv', file: 'a.csv', column: 'v' }, { seed: 1 }), /csv task: expected the file's text/);
  const text = 'emma\nolivia\nava\nisabella\nsophia\n'.repeat(20);
  const asked: string[] = [];
  const task = createCoreTask({ kind: 'text', file: 'in-memory', seq: 8 }, { seed: 1, readText: (file, what) => { asked.push(`${what}:${file}`); return text; } });
  assert.deepEqual(asked, ['text file:in-memory']);
  assert.deepEqual(task.vocab, Array.from(new Set(text)).sort());
  assert.deepEqual(new TextTask(text, { seq: 8, source: 'in-memory' }).ids, task.ids);
  const csv = 'v\n' + Array.from({ length: 60 }, (_, i) => String(Math.sin(i / 3))).join('\n');
  const c = createCoreTask({ kind: 'csv', file: 'series', column: 'v', window: 4 }, { seed: 1, readText: () => csv });
  assert.equal(c.series.length, 60);
  assert.deepEqual(c.series, new CsvTask(csv, { column: 'v', window: 4 }).series);
});

test('text: --train-share and --val-chars reach the split: char-rnn\'s 95/5, the held-out part evaluated whole', () => {
  // 40,000 characters: a 10% held-out part of 4,000; 5% is 2,000, and a cap of 32,768 changes nothing here
  const path = file('share.txt', 'abcdefghij'.repeat(4000));
  const rows = (t: Task) => t.validation().reduce((s, b) => s + b.rows, 0);
  const first = (t: Task) => t.validation()[0].x[0];
  const base = createTask({ kind: 'text', file: path, seq: 50 }, { seed: 1 }) as TextTask;
  const charRnn = createTask({ kind: 'text', file: path, seq: 50, trainShare: 0.95, valCap: Infinity }, { seed: 1 }) as TextTask;
  const capped = createTask({ kind: 'text', file: path, seq: 50, trainShare: 0.95, valCap: 1001 }, { seed: 1 }) as TextTask;
  assert.equal(base.valStart, 36000);
  assert.equal(charRnn.valStart, 38000);
  assert.equal(rows(base), Math.floor(3999 / 50) * 50);
  assert.equal(rows(charRnn), Math.floor(1999 / 50) * 50);
  assert.equal(rows(capped), 1000);
  assert.equal(first(charRnn), charRnn.ids[38000]);
});
