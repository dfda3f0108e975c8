// names.txt as makemore models it (Karpathy, github.com/karpathy/makemore): one name a sequence,
// read after a start token and ended by an end token, with makemore's test split and metric, so
// recur's figure stands beside makemore's published ones.
//
// Conventions:
// - Names: the lines of the text, trimmed, empty ones dropped (makemore's create_datasets).
// - Split: the test names are given by index into that list; data/names-makemore-test.txt holds
//   the 1,000 indices makemore's seeded torch.randperm picks (scripts/makemore_split.py); the
//   rest train.
// - Vocabulary: "\n" (makemore's token 0, start and end) then the characters, sorted; id = position.
// - A name c₁ … cₙ is x = ⏎ c₁ … cₙ and target = c₁ … cₙ ⏎: n + 1 predictions. A batch is padded
//   to its longest name + 1 steps with ⏎ in x and −1 (ignored) in the target; a causal model's
//   predictions on real steps do not depend on the padding after them, so no lengths are passed.
// - Metric (makemore's): the mean negative log-likelihood per prediction, every character of each
//   name and its end, over the whole test set (makemore averages 10 per-batch means of 100 names;
//   the two agree up to the batches' mix of lengths). Nats.
// - Training batches: names drawn uniformly with replacement (makemore's RandomSampler).
// - Baseline: the unigram entropy of the training targets. Solved: test NLL ≤ NAMES_TARGET, the
//   level of makemore's default transformer (about 1.92–1.93).
// This lives here until the line-items task (`--task text --lines`) is on main; it then needs only
// the split and the metric on top of that one.

import { RecurError, fail } from '../errors.js';
import type { InputConfig } from '../model/config.js';
import type { Rng } from '../tensor/rng.js';
import type { Batch, LossKind, Task } from './task.js';

export const NAMES_TARGET = 1.93;
const VAL_BATCH = 250;

/** makemore's reading of a file of names. */
export function namesOf(text: string): string[] {
  return text.split('\n').map((w) => w.trim()).filter((w) => w.length > 0);
}

/** Indices, one a line (the format of data/names-makemore-test.txt). */
export function parseIndexList(text: string, count: number, what: string): number[] {
  const out: number[] = [];
  text.split('\n').forEach((line, k) => {
    const s = line.trim();
    if (s === '') return;
    const i = Number(s);
    if (!/^\d+$/.test(s) || i >= count) fail(`${what}, line ${k + 1}`, `a whole number in [0, ${count})`, s);
    out.push(i);
  });
  if (new Set(out).size !== out.length) fail(what, 'distinct indices', 'a repeated index');
  return out;
}

export class NamesTask implements Task {
  readonly name = 'names';
  readonly input: InputConfig;
  readonly outputSize: number;
  readonly outputMode = 'every' as const;
  readonly loss: LossKind = 'cross_entropy';
  readonly baselineLoss: number;
  readonly vocab: readonly string[];
  readonly train: readonly Int32Array[];
  readonly test: readonly Int32Array[];
  private valBatches: Batch[] | null = null;

  constructor(text: string, testIndices: readonly number[], private readonly source = 'names') {
    const names = namesOf(text);
    if (names.length < 2) throw new RecurError(`names ${JSON.stringify(source)}: expected at least 2 names, received ${names.length}`);
    const isTest = new Uint8Array(names.length);
    for (const i of testIndices) {
      if (!Number.isInteger(i) || i < 0 || i >= names.length) fail('names test index', `a whole number in [0, ${names.length})`, i);
      isTest[i] = 1;
    }
    if (testIndices.length === 0 || testIndices.length >= names.length) fail('names test set', `between 1 and ${names.length - 1} names`, testIndices.length);
    const chars = [...new Set(names.join(''))].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    this.vocab = ['\n', ...chars];
    const id = new Map(this.vocab.map((c, k) => [c, k]));
    const enc = (w: string): Int32Array => Int32Array.from(Array.from(w), (c) => id.get(c)!);
    this.train = names.filter((_, i) => !isTest[i]).map(enc);
    this.test = testIndices.map((i) => enc(names[i]));
    this.outputSize = this.vocab.length;
    this.input = { kind: 'tokens', vocabSize: this.vocab.length, embedDim: Math.min(32, this.vocab.length) };
    const counts = new Float64Array(this.vocab.length);
    let total = 0;
    for (const w of this.train) { for (const c of w) counts[c]++; counts[0]++; total += w.length + 1; }
    let h = 0;
    for (const c of counts) if (c > 0) { const p = c / total; h -= p * Math.log(p); }
    this.baselineLoss = h;
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const picked: Int32Array[] = [];
    for (let j = 0; j < batchSize; j++) picked.push(this.train[rng.int(this.train.length)]);
    return this.pad(picked);
  }

  validation(): readonly Batch[] {
    if (!this.valBatches) {
      this.valBatches = [];
      for (let k = 0; k < this.test.length; k += VAL_BATCH) this.valBatches.push(this.pad(this.test.slice(k, k + VAL_BATCH)));
    }
    return this.valBatches;
  }

  /** x (T, B) ids: ⏎ then the name, ⏎ as padding; target (T·B): the name then ⏎, −1 as padding. */
  private pad(names: readonly Int32Array[]): Batch {
    const b = names.length;
    const t = Math.max(...names.map((w) => w.length)) + 1;
    const x = new Float64Array(t * b);
    const target = new Float64Array(t * b).fill(-1);
    names.forEach((w, j) => {
      for (let s = 0; s < w.length; s++) { x[(s + 1) * b + j] = w[s]; target[s * b + j] = w[s]; }
      target[w.length * b + j] = 0;
    });
    return { x, t, b, target, rows: t * b, lengths: null };
  }

  solved(valLoss: number, _accuracy: number | null): boolean {
    return valLoss <= NAMES_TARGET;
  }

  describe(): Record<string, string | number | boolean> {
    return { task: 'names', file: this.source, vocabSize: this.vocab.length, trainNames: this.train.length, testNames: this.test.length, unigramEntropy: this.baselineLoss };
  }
}
