// Character-level language modelling of a text (a string; src/node/tasks.ts reads it from a UTF-8 file), in the manner of Karpathy's char-rnn and
// min-char-rnn: at every step the model reads one character and predicts the next.
//
// Conventions:
// - A character is a Unicode code point (so "𝄞", two UTF-16 units, is one symbol). The file must be
//   valid UTF-8; a leading byte-order mark is dropped. No other normalisation (line endings, NFC)
//   is applied: the text is modelled as it is.
// - Vocabulary: the set of characters of the whole file, sorted by code point; id = position.
// - Split: the first 90% of the characters train, the last 10% (contiguous) validate. char-rnn used
//   95/5; recur keeps a larger held-out part and evaluates only its first VAL_CAP_CHARS characters
//   (32,768) so that an evaluation stays quick.
// - Training windows: `seq` characters (default 64) from a uniformly random offset of the training
//   part; the targets are the same window shifted by one, so every target lies in the training part.
// - Validation: consecutive, non-overlapping windows of the held-out part (in batches of up to
//   VAL_BATCH), each predicted character counted once.
// - Input: token ids, x is (T, B); embedding width min(32, vocabulary size).
// - Loss: cross-entropy on every step (row = t·B + b), in nats per character.
// - Baseline: the unigram entropy of the training part, −Σ p(c) ln p(c): what the best model that
//   ignores the history scores on the training text.
// - Solved: validation loss below TEXT_SOLVED_RATIO (0.85) × that entropy: a model has to use the
//   history to get there. For scale, an add-one bigram model fitted to the training part scores
//   0.75 × the unigram entropy on the held-out part of data/tinyshakespeare.txt (2.49 vs 3.31 nats)
//   but only 0.92 × on data/names.txt (2.58 vs 2.81), where more than one character of context
//   is needed.
// - The text must be at least 10·(seq + 1) characters long, so the held-out 10% holds one window.

import { RecurError, fail } from '../errors.js';
import type { InputConfig } from '../model/config.js';
import { textRecords } from '../model/records.js';
import { Rng } from '../tensor/rng.js';
import type { Batch, LossKind, Task } from './task.js';

export const DEFAULT_SEQ = 64;
export const VAL_CAP_CHARS = 32768;
export const TEXT_SOLVED_RATIO = 0.85;
const VAL_BATCH = 64;
const MAX_EMBED = 32;

export interface TextOptions {
  /** Window length in characters (≥ 2); default 64. */
  seq?: number;
  /** Where the text came from, for messages and describe(). */
  source?: string;
  /**
   * Shuffle the lines (seeded, fixed) before the 90/10 split, for files of independent items one
   * per line, such as names.txt: its tail holds rare names in alphabetical order, so without
   * shuffling the held-out part is neither representative nor independent of its neighbours.
   */
  shuffleLines?: boolean;
  /**
   * A fixed vocabulary (a saved model's) instead of the text's own characters: a character outside
   * it is a RecurError naming its line and column.
   */
  vocab?: readonly string[];
  /** Share of the text that trains (char-rnn: 0.95); default 0.9. */
  trainShare?: number;
  /** Held-out characters evaluated, at most; default VAL_CAP_CHARS (Infinity: all of them). */
  valCap?: number;
}

/** The lines of `text` in a fixed pseudo-random order (Fisher–Yates with a fixed seed). */
export function shuffleLines(text: string): string {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const rng = new Rng(0x5eed);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [lines[i], lines[j]] = [lines[j], lines[i]];
  }
  return lines.join('\n') + '\n';
}

/** −Σ p ln p of the counts (nats). */
function entropy(counts: ArrayLike<number>, total: number): number {
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i] > 0) { const p = counts[i] / total; h -= p * Math.log(p); }
  }
  return h;
}

export class TextTask implements Task {
  readonly name = 'text';
  readonly input: InputConfig;
  readonly outputSize: number;
  readonly outputMode = 'every' as const;
  readonly loss: LossKind = 'cross_entropy';
  readonly baselineLoss: number;
  readonly vocab: readonly string[];
  readonly seq: number;
  readonly source: string;
  readonly shuffled: boolean;
  /** The whole text as ids. */
  readonly ids: Int32Array;
  /** Index (in characters) where the held-out last 10% starts. */
  readonly valStart: number;
  /** Characters of the held-out part used for validation (at most VAL_CAP_CHARS). */
  readonly valChars: number;
  private readonly index: Map<string, number>;
  private valBatches: Batch[] | null = null;

  constructor(text: string, opts: TextOptions = {}) {
    const seq = checkSeq(opts.seq);
    this.seq = seq;
    this.source = opts.source ?? 'text';
    const what = `text ${JSON.stringify(this.source)}`;
    if (text.length === 0) throw new RecurError(`${what}: expected some text, received an empty text`);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    this.shuffled = opts.shuffleLines === true;
    if (this.shuffled) text = shuffleLines(text);
    const chars = Array.from(text);
    const n = chars.length;
    const need = 10 * (seq + 1);
    if (n < need) {
      throw new RecurError(`${what}: expected at least ${need} characters for seq ${seq} (the held-out last 10% must hold one window of seq + 1), received ${n}`);
    }
    this.vocab = opts.vocab ? [...opts.vocab] : [...new Set(chars)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    this.index = new Map(this.vocab.map((c, i) => [c, i]));
    const ids = new Int32Array(n);
    let line = 1, col = 1;
    for (let i = 0; i < n; i++) {
      const id = this.index.get(chars[i]);
      if (id === undefined) {
        const hex = chars[i].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new RecurError(`${what}, line ${line}, column ${col}: expected a character of the model's vocabulary (${this.vocab.length} characters), received ${JSON.stringify(chars[i])} (U+${hex})`);
      }
      ids[i] = id;
      if (chars[i] === '\n') { line++; col = 1; } else col++;
    }
    this.ids = ids;
    const share = opts.trainShare ?? 0.9;
    if (!(share >= 0.5 && share < 1)) fail('text task train share', 'a number in [0.5, 1)', share);
    this.valStart = share === 0.9 ? Math.floor((n * 9) / 10) : Math.floor(n * share);
    if (n - this.valStart < seq + 1) throw new RecurError(`${what}: expected a held-out part of at least seq + 1 = ${seq + 1} characters, received ${n - this.valStart}`);
    this.valChars = Math.min(n - this.valStart, opts.valCap ?? VAL_CAP_CHARS);
    const v = this.vocab.length;
    this.outputSize = v;
    this.input = { kind: 'tokens', vocabSize: v, embedDim: Math.min(MAX_EMBED, v) };
    const counts = new Float64Array(v);
    for (let i = 0; i < this.valStart; i++) counts[ids[i]]++;
    this.baselineLoss = entropy(counts, this.valStart);
  }

  /** Ids of `text`; a RecurError names the first character outside the vocabulary. */
  encode(text: string): number[] {
    const out: number[] = [];
    for (const c of text) {
      const id = this.index.get(c);
      if (id === undefined) {
        const hex = c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
        throw new RecurError(`character ${JSON.stringify(c)} (U+${hex}): expected one of the ${this.vocab.length} characters of the vocabulary of ${JSON.stringify(this.source)}, received a character it does not have`);
      }
      out.push(id);
    }
    return out;
  }

  /** The text of `ids`; a RecurError for an id outside [0, vocabulary size). */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const c = this.vocab[ids[i]];
      if (c === undefined) fail(`character id at position ${i}`, `a whole number in [0, ${this.vocab.length})`, ids[i]);
      s += c;
    }
    return s;
  }

  /** Batches of `batchSize` windows that cover the training part once. */
  stepsPerEpoch(batchSize: number): number {
    return Math.max(1, Math.ceil(this.valStart / (this.seq * batchSize)));
  }

  trainBatch(rng: Rng, batchSize: number): Batch {
    const offsets = new Array<number>(batchSize);
    // offset + seq ≤ valStart − 1: the last target is still a training character
    for (let j = 0; j < batchSize; j++) offsets[j] = rng.int(this.valStart - this.seq);
    return this.windows(offsets);
  }

  validation(): readonly Batch[] {
    if (!this.valBatches) {
      const count = Math.floor((this.valChars - 1) / this.seq);
      const offsets = Array.from({ length: count }, (_, k) => this.valStart + k * this.seq);
      this.valBatches = [];
      for (let k = 0; k < count; k += VAL_BATCH) this.valBatches.push(this.windows(offsets.slice(k, k + VAL_BATCH)));
    }
    return this.valBatches;
  }

  /** x (T, B): ids[o … o+T); target (T·B): ids[o+1 … o+T], row t·B + b. */
  private windows(offsets: readonly number[]): Batch {
    const t = this.seq, b = offsets.length;
    const x = new Float64Array(t * b);
    const target = new Float64Array(t * b);
    for (let j = 0; j < b; j++) {
      const o = offsets[j];
      for (let s = 0; s < t; s++) {
        x[s * b + j] = this.ids[o + s];
        target[s * b + j] = this.ids[o + s + 1];
      }
    }
    return { x, t, b, target, rows: t * b, lengths: null };
  }

  solved(valLoss: number, _accuracy: number | null): boolean {
    return valLoss < TEXT_SOLVED_RATIO * this.baselineLoss;
  }

  modelRecords(): Record<string, string> {
    return textRecords(this.vocab, 'stream');
  }

  describe(): Record<string, string | number | boolean> {
    return {
      task: 'text', file: this.source, seq: this.seq, vocabSize: this.vocab.length, characters: this.ids.length,
      trainCharacters: this.valStart, validationCharacters: this.valChars, unigramEntropy: this.baselineLoss, shuffledLines: this.shuffled,
    };
  }
}

export function checkSeq(seq: number | undefined): number {
  if (seq === undefined) return DEFAULT_SEQ;
  if (!Number.isInteger(seq) || seq < 2) fail('text task seq', 'a whole number ≥ 2', seq);
  return seq;
}
