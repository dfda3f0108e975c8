// Character-level modelling of items that are each their own sequence (names, words, short lines),
// as makemore does for names: item "emma" is read as ⏎ e m m a and predicts e m m a ⏎, so the
// model learns where items start and end. The boundary token is the newline, which is why an item
// may not contain one, and why such a model samples one item per line (`recur sample`).
//
// Conventions:
// - Items: the given strings, or the lines of a text (a trailing \r dropped, whitespace trimmed,
//   empty lines skipped: makemore's reading of names.txt). Characters are Unicode code points.
// - Vocabulary: "\n" and the characters of the training items, sorted by code point; id = position
//   (for names.txt: "\n", a … z, as makemore's "." and a … z).
// - Split: the given validation items, or the items at given positions (makemore's own test split
//   is data/names-makemore-test.txt, made by scripts/makemore_split.py), or a held-out set chosen by
//   a seeded shuffle of the items: min(1000, ⌊10%⌋) items by default (makemore's test-set size), or a
//   `validationSplit` share.
// - A batch of B items is padded to its longest item + 1 steps: x (T, B) ids, target (T·B) ids,
//   row t·B + b, −1 on padding; `lengths` gives each item's length + 1.
// - Loss: cross-entropy on every real step: the negative log-likelihood per character, counting
//   each item's characters and its end (makemore's convention), in nats.
// - Baseline: the unigram entropy of the training targets (characters and ends). Solved: a
//   validation loss below TEXT_SOLVED_RATIO × that (as the text task).

import { RecurError, fail, failWith } from '../errors.js';
import type { InputConfig } from '../model/config.js';
import { textRecords } from '../model/records.js';
import { Rng } from '../tensor/rng.js';
import { EpochOrder } from './epochs.js';
import type { Batch, LossKind, Task } from './task.js';

export const BOUNDARY = '\n';
export const LINES_SOLVED_RATIO = 0.85;
export const MAX_HELD_OUT = 1000;
const VAL_BATCH = 256;
const MAX_EMBED = 32;

/** makemore's reading of a file of items: lines, trimmed, the empty ones dropped. */
export function splitLines(text: string): string[] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
}

export interface LinesOptions {
  /** Held-out items (or a split of `items`). */
  validation?: readonly string[];
  /** The positions in `items` of the held-out ones (makemore's test split: data/names-makemore-test.txt). */
  validationIndices?: readonly number[];
  /** Share of the items held out, in [0, 1); default min(1000, 10%) items. */
  validationSplit?: number;
  /** Seed of the held-out choice; default 0. */
  seed?: number;
  /** A saved model's vocabulary (it must hold "\n"). */
  vocab?: readonly string[];
  /** Embedding width; default min(32, vocabulary size). */
  embedDim?: number;
  order?: 'random' | 'epochs';
  source?: string;
}

export class LinesTask implements Task {
  readonly name = 'text';
  readonly input: InputConfig;
  readonly outputSize: number;
  readonly outputMode = 'every' as const;
  readonly loss: LossKind = 'cross_entropy';
  readonly baselineLoss: number;
  readonly vocab: readonly string[];
  readonly source: string;
  readonly trainItems: number;
  readonly validationItems: number;
  /** Characters + ends predicted in the training and the validation items. */
  readonly trainTargets: number;
  readonly validationTargets: number;
  private readonly index: Map<string, number>;
  private readonly train: Int32Array[];
  private readonly val: Int32Array[];
  private readonly order: EpochOrder | null;
  private valBatches: Batch[] | null = null;

  constructor(items: readonly string[], opts: LinesOptions = {}) {
    this.source = opts.source ?? 'items';
    const what = `text items ${JSON.stringify(this.source)}`;
    const all = checkItems(items, what);
    let train = all, val: string[] = [];
    const given = [opts.validation, opts.validationIndices, opts.validationSplit || undefined].filter((x) => x !== undefined).length;
    if (given > 1) throw new RecurError('validation: expected one of validationSplit, validation items or validation indices, received more');
    if (opts.validation !== undefined) {
      val = checkItems(opts.validation, `validation items`);
    } else if (opts.validationIndices !== undefined) {
      const held = new Uint8Array(all.length);
      for (const i of opts.validationIndices) {
        if (!Number.isInteger(i) || i < 0 || i >= all.length) fail('validation index', `a whole number in [0, ${all.length})`, i);
        held[i] = 1;
      }
      if (opts.validationIndices.length >= all.length) fail('validation indices', `fewer than the ${all.length} items (some must train)`, opts.validationIndices.length);
      val = opts.validationIndices.map((i) => all[i]);
      train = all.filter((_, i) => !held[i]);
    } else {
      const n = all.length;
      let nVal: number;
      if (opts.validationSplit !== undefined) {
        const s = opts.validationSplit;
        if (typeof s !== 'number' || !(s >= 0 && s < 1)) fail('validationSplit', 'a fraction in [0, 1)', s);
        nVal = s > 0 ? Math.max(1, Math.round(n * s)) : 0;
      } else {
        nVal = Math.min(MAX_HELD_OUT, Math.floor(n / 10));
      }
      if (n - nVal < 1) fail('validationSplit', `a share that leaves at least one of the ${n} items to train on`, opts.validationSplit);
      const perm = Array.from({ length: n }, (_, i) => i);
      const rng = new Rng(opts.seed ?? 0);
      for (let i = n - 1; i > 0; i--) { const j = rng.int(i + 1); [perm[i], perm[j]] = [perm[j], perm[i]]; }
      train = perm.slice(0, n - nVal).map((i) => all[i]);
      val = perm.slice(n - nVal).map((i) => all[i]);
    }
    if (opts.vocab) {
      if (!opts.vocab.includes(BOUNDARY)) fail('vocabulary of a line model', 'one that holds "\\n" (the start and end of every item)', opts.vocab);
      this.vocab = [...opts.vocab];
    } else {
      const chars = new Set<string>([BOUNDARY]);
      for (const item of train) for (const c of item) chars.add(c);
      this.vocab = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    }
    this.index = new Map(this.vocab.map((c, i) => [c, i]));
    this.train = train.map((s, i) => this.encodeItem(s, `${what}, item ${i + 1}`));
    this.val = val.map((s, i) => this.encodeItem(s, `validation item ${i + 1}`));
    const v = this.vocab.length;
    this.outputSize = v;
    this.input = { kind: 'tokens', vocabSize: v, embedDim: opts.embedDim ?? Math.min(MAX_EMBED, v) };
    const counts = new Float64Array(v);
    let total = 0;
    for (const ids of this.train) for (let k = 1; k < ids.length; k++) { counts[ids[k]]++; total++; }
    let h = 0;
    for (const c of counts) if (c > 0) h -= (c / total) * Math.log(c / total);
    this.baselineLoss = h;
    this.trainItems = this.train.length;
    this.validationItems = this.val.length;
    this.trainTargets = total;
    this.validationTargets = this.val.reduce((s, ids) => s + ids.length - 1, 0);
    this.order = opts.order === 'epochs' ? new EpochOrder(this.train.length) : null;
  }

  /** ⏎ c₁ … cₙ ⏎ as ids; a character outside the vocabulary is named with its item and position. */
  private encodeItem(item: string, where: string): Int32Array {
    const chars = Array.from(item);
    const ids = new Int32Array(chars.length + 2);
    ids[0] = ids[chars.length + 1] = this.index.get(BOUNDARY)!;
    chars.forEach((c, k) => {
      const id = this.index.get(c);
      if (id === undefined) {
        const hex = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new RecurError(`${where}, character ${k + 1}: expected a character of the vocabulary (${this.vocab.length} characters, from the training items), received ${JSON.stringify(c)} (U+${hex})`);
      }
      ids[k + 1] = id;
    });
    return ids;
  }

  stepsPerEpoch(batchSize: number): number {
    return Math.max(1, Math.ceil(this.trainItems / batchSize));
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const picks = this.order ? this.order.next(rng, batchSize) : Array.from({ length: batchSize }, () => rng.int(this.train.length));
    return this.batch(picks.map((i) => this.train[i]));
  }

  validation(): readonly Batch[] {
    if (!this.valBatches) {
      this.valBatches = [];
      for (let k = 0; k < this.val.length; k += VAL_BATCH) this.valBatches.push(this.batch(this.val.slice(k, k + VAL_BATCH)));
    }
    return this.valBatches;
  }

  /** Batches of other items under this vocabulary (for measuring a loss on them). */
  batchesOf(items: readonly string[], what = 'items'): Batch[] {
    const ids = checkItems(items, what).map((s, i) => this.encodeItem(s, `${what}, item ${i + 1}`));
    const out: Batch[] = [];
    for (let k = 0; k < ids.length; k += VAL_BATCH) out.push(this.batch(ids.slice(k, k + VAL_BATCH)));
    return out;
  }

  /** x (T, B): ids[0 … n]; target (T·B): ids[1 … n+1], −1 after each item's end. */
  private batch(items: readonly Int32Array[]): Batch {
    const b = items.length;
    let t = 0;
    for (const ids of items) t = Math.max(t, ids.length - 1);
    const x = new Float64Array(t * b);
    const target = new Float64Array(t * b).fill(-1);
    const lengths = new Int32Array(b);
    items.forEach((ids, j) => {
      lengths[j] = ids.length - 1;
      for (let s = 0; s < ids.length - 1; s++) { x[s * b + j] = ids[s]; target[s * b + j] = ids[s + 1]; }
    });
    return { x, t, b, target, rows: t * b, lengths: lengths.every((l) => l === t) ? null : lengths };
  }

  solved(valLoss: number, _accuracy: number | null): boolean {
    return valLoss < LINES_SOLVED_RATIO * this.baselineLoss;
  }

  modelRecords(): Record<string, string> {
    return textRecords(this.vocab, 'lines');
  }

  describe(): Record<string, string | number | boolean> {
    return {
      task: 'text', file: this.source, lines: true, vocabSize: this.vocab.length, trainItems: this.trainItems,
      validationItems: this.validationItems, unigramEntropy: this.baselineLoss,
    };
  }
}

function checkItems(items: readonly string[], what: string): string[] {
  if (!Array.isArray(items) || items.length === 0) fail(what, 'a non-empty array of strings', items);
  items.forEach((s, i) => {
    if (typeof s !== 'string') fail(`${what}[${i}]`, 'a string', s);
    if (s.length === 0) failWith(`${what}[${i}]`, 'a non-empty string', '""');
    if (s.includes(BOUNDARY)) fail(`${what}[${i}]`, 'a string without a line break (the line break marks where an item starts and ends)', s);
  });
  return [...items];
}
