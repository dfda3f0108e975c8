// A character model of a text or of a list of items (names, words, lines).
//
//   const m = new TextModel({ cell: 'gru', hiddenSize: 128 });
//   m.fit(names, { epochs: 5 });                          // string[]: each item its own sequence
//   m.generate({ prefix: 'em', temperature: 0.8, topK: 10 });  // "emmalyn"
//
// An array of strings is modelled item by item, each read between start and end marks ("\n"), as
// makemore does for names (tasks/lines.ts): generate writes one item and stops at its end; loss is
// the negative log-likelihood per character counting each item's end. One string is modelled as
// running text in windows of `seq` characters (tasks/text.ts), its last 10% held out; generate
// writes `length` characters. The vocabulary is kept with the model (as the CLI's), so models
// move between the library and `recur sample` / `recur eval` both ways.

import { RecurError, fail } from '../errors.js';
import type { Kernels } from '../kernels/types.js';
import { readTextMode, readVocab, textRecords, type Metadata } from '../model/records.js';
import { sampleTokens } from '../model/sample.js';
import { BOUNDARY, LinesTask } from '../tasks/lines.js';
import { TextTask } from '../tasks/text.js';
import { Rng } from '../tensor/rng.js';
import { evaluate } from '../train/trainer.js';
import { adopt, networkOf, readModel, RecurrentModel, type ModelClass } from './base.js';
import type { InputConfig } from '../model/config.js';
import { checkFit, type EpochTask, type FitOptions, type FitResult, type NetworkOptions } from './options.js';

export interface TextModelOptions extends NetworkOptions {
  /** Running text: characters per training window; default 64. */
  seq?: number;
  /** Width of the character embedding; default min(32, vocabulary size). */
  embedDim?: number;
}

export interface GenerateOptions {
  /** Text to continue (items: the start of the item). */
  prefix?: string;
  /** Characters to write at most; default 200 for running text, 100 for an item (which ends at its end mark). */
  length?: number;
  /** Softmax temperature; 0 takes the most likely character; default 1. */
  temperature?: number;
  /** Draw only among the k most likely characters. */
  topK?: number;
  /** Seed of this draw; by default the model's own sampler (seeded by the seed option) goes on. */
  seed?: number;
}

const LR = 3e-3;
const HIDDEN = 128;

export class TextModel extends RecurrentModel {
  private vocabulary: string[] | null = null;
  private textMode: 'stream' | 'lines' | null = null;
  private readonly opts: TextModelOptions;
  private readonly rng: Rng;

  constructor(options: TextModelOptions = {}) {
    super('text', 'TextModel', { hiddenSize: HIDDEN, ...options }, ['seq', 'embedDim']);
    this.opts = { ...options };
    if (options.seq !== undefined && (!Number.isInteger(options.seq) || options.seq < 2)) fail('TextModel option seq', 'a whole number ≥ 2', options.seq);
    if (options.embedDim !== undefined && (!Number.isInteger(options.embedDim) || options.embedDim < 1)) fail('TextModel option embedDim', 'a whole number ≥ 1', options.embedDim);
    this.rng = new Rng(this.seed);
  }

  /** The characters the model knows (id = position). */
  get vocab(): readonly string[] {
    return this.vocabulary ?? this.notFitted();
  }

  /** 'lines' for a model of items (each between start and end marks), 'stream' for running text. */
  get mode(): 'stream' | 'lines' {
    return this.textMode ?? this.notFitted();
  }

  protected override inputFor(task: EpochTask): InputConfig {
    if (this.net) return this.net.config.input;
    return this.opts.embedDim !== undefined && task.input.kind === 'tokens' ? { ...task.input, embedDim: this.opts.embedDim } : task.input;
  }

  fit(data: string | readonly string[], options?: FitOptions<string | readonly string[]>): FitResult {
    return this.finish(this.start(data, options).runSync());
  }

  async fitAsync(data: string | readonly string[], options?: FitOptions<string | readonly string[]>): Promise<FitResult> {
    return this.finish(await this.start(data, options).runAsync());
  }

  private start(data: string | readonly string[], options: FitOptions<string | readonly string[]> | undefined): ReturnType<RecurrentModel['run']> {
    const c = checkFit(options);
    const mode = typeof data === 'string' ? 'stream' : Array.isArray(data) ? 'lines' : fail('TextModel.fit data', 'a string (running text) or an array of strings (items)', data);
    if (this.textMode && mode !== this.textMode) fail('TextModel.fit data', this.textMode === 'lines' ? 'an array of strings (the model was fitted on items)' : 'a string (the model was fitted on running text)', typeof data);
    const vocab = this.vocabulary ?? undefined;
    let task: LinesTask | TextTask;
    if (mode === 'lines') {
      const v = c.o.validationData;
      if (v !== undefined && !Array.isArray(v)) fail('fit option validationData', 'an array of strings (items), as the data', v);
      task = new LinesTask(data as readonly string[], {
        validation: v as readonly string[] | undefined, validationSplit: c.o.validationSplit, seed: this.seed, vocab,
        order: 'epochs', source: 'TextModel.fit data',
      });
    } else {
      if (c.o.validationSplit !== undefined || c.o.validationData !== undefined) {
        throw new RecurError('fit option validationSplit/validationData: expected neither for running text (its last 10% validates); pass an array of strings to choose validation items');
      }
      task = new TextTask(data as string, { seq: this.opts.seq, vocab, source: 'TextModel.fit data' });
    }
    const run = this.run(task, c, LR, task.validation().length > 0);
    this.vocabulary = [...task.vocab];
    this.textMode = mode;
    return run;
  }

  /** One sample: an item (stops at its end) or `length` characters of running text, after `prefix`. */
  generate(options: GenerateOptions = {}): string {
    const o = options;
    if (typeof o !== 'object' || o === null) fail('TextModel.generate options', 'an object', o);
    const lines = this.mode === 'lines';
    const prefix = o.prefix ?? '';
    if (typeof prefix !== 'string') fail('TextModel.generate prefix', 'a string', prefix);
    const length = o.length ?? (lines ? 100 : 200);
    if (!Number.isInteger(length) || length < 0) fail('TextModel.generate length', 'a whole number ≥ 0', length);
    const temperature = o.temperature ?? 1;
    if (typeof temperature !== 'number' || !(temperature >= 0) || !Number.isFinite(temperature)) fail('TextModel.generate temperature', 'a number ≥ 0', temperature);
    if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 1)) fail('TextModel.generate topK', 'a whole number ≥ 1', o.topK);
    if (o.seed !== undefined && (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff)) fail('TextModel.generate seed', 'a whole number in [0, 4294967295]', o.seed);
    if (lines && prefix.includes(BOUNDARY)) fail('TextModel.generate prefix', 'text without a line break (an item ends at one)', prefix);
    const ids = this.encode(lines ? BOUNDARY + prefix : prefix || (this.vocab.includes(BOUNDARY) ? BOUNDARY : this.vocab[0]), 'TextModel.generate prefix');
    const rng = o.seed !== undefined ? new Rng(o.seed) : this.rng;
    const stop = lines ? this.vocab.indexOf(BOUNDARY) : undefined;
    if (length === 0) return prefix;
    return prefix + sampleTokens(this.model, ids, length, temperature, rng, stop, o.topK).map((i) => this.vocab[i]).join('');
  }

  /**
   * Negative log-likelihood per character (nats) of `data` under the model: items (each
   * character and each item's end counted, makemore's convention) or running text (every
   * character after the first).
   */
  loss(data: string | readonly string[]): number {
    const net = this.model;
    if (this.mode === 'lines') {
      if (!Array.isArray(data)) fail('TextModel.loss data', 'an array of strings (items, as the model was fitted on)', data);
      return evaluate(net, new LinesTask(data as readonly string[], { validation: data as readonly string[], vocab: this.vocab, source: 'TextModel.loss data' })).loss;
    }
    if (typeof data !== 'string') fail('TextModel.loss data', 'a string (running text, as the model was fitted on)', data);
    const ids = this.encode(data as string, 'TextModel.loss data');
    if (ids.length < 2) fail('TextModel.loss data', 'at least two characters', data);
    // one pass over the text with the state carried along, in chunks
    let sum = 0, state = null as ReturnType<typeof net.finalState> | null;
    const v = this.vocab.length, chunk = 512;
    for (let a = 0; a < ids.length - 1; a += chunk) {
      const n = Math.min(chunk, ids.length - 1 - a);
      const y = net.forward(ids.slice(a, a + n), n, 1, { state }).data;
      state = net.finalState();
      for (let t = 0; t < n; t++) {
        let max = -Infinity;
        for (let j = 0; j < v; j++) max = Math.max(max, y[t * v + j]);
        let z = 0;
        for (let j = 0; j < v; j++) z += Math.exp(y[t * v + j] - max);
        sum += max + Math.log(z) - y[t * v + ids[a + t + 1]];
      }
    }
    return sum / (ids.length - 1);
  }

  private encode(text: string, what: string): number[] {
    const index = new Map(this.vocab.map((c, i) => [c, i]));
    return Array.from(text, (c, k) => {
      const id = index.get(c);
      if (id === undefined) fail(`${what}, character ${k + 1}`, `a character of the model's vocabulary (${this.vocab.length} characters)`, c);
      return id;
    });
  }

  protected records(): Metadata {
    return textRecords(this.vocab, this.mode);
  }

  protected dataLines(): string[] {
    if (!this.vocabulary) return [];
    const shown = this.vocabulary.map((c) => (c === '\n' ? '⏎' : c)).join('');
    return [`data: ${this.textMode === 'lines' ? 'items, each between start and end marks (⏎)' : 'running text'}; ${this.vocabulary.length} characters: ${shown.length > 80 ? shown.slice(0, 80) + '…' : shown}`];
  }

  /** A text model from a model file's bytes (the library's toBytes or `recur train --task text --save`). */
  static fromBytes<T extends TextModel>(this: ModelClass<T>, bytes: Uint8Array, options: { kernels?: Kernels } = {}): T {
    const { net, metadata } = readModel(bytes, 'text', 'TextModel', options.kernels, this.makeKernels);
    const vocab = readVocab(metadata, net.config);
    if (!vocab || net.config.input.kind !== 'tokens') throw new RecurError('TextModel.fromBytes: expected a text model (token input, a "recur.vocab" record), received none');
    const m = adopt(new this(networkOf(net, {})), net, metadata['recur.task']);
    m.vocabulary = vocab;
    m.textMode = readTextMode(metadata);
    return m;
  }
}
