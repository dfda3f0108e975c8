// What every high-level object shares: its network options, the engine model it builds from the
// data's shape on the first fit (or reads from bytes), fit in both forms, summary() and the bytes
// of a model file with the records that let the CLI and the library use it on data later.

import { RecurError } from '../errors.js';
import { describeKernels, kernelsText, type KernelChoice } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import type { InputConfig } from '../model/config.js';
import { modelFromBytes, modelToBytes } from '../model/io.js';
import { KIND_KEY, readKind, type Metadata, type ModelKind } from '../model/records.js';
import { Sequential } from '../model/sequential.js';
import { numel } from '../tensor/param.js';
import { FitRun } from './fit.js';
import { checkNetwork, coreKernels, kernelsFor, networkConfig, type CheckedFit, type EpochTask, type FitResult, type KernelMaker, type NetworkOptions } from './options.js';

export const DEFAULT_SEED = 1;

/** A high-level class as its static side sees it: made from options, with its kernel maker. */
export interface ModelClass<T> { new (options?: NetworkOptions): T; makeKernels: KernelMaker }

export abstract class RecurrentModel {
  /**
   * How the objects of this class make their kernels when the options give no kernel set: the
   * core's createKernels here (js unless given a wasm module); the Node entry's classes make them
   * with the wasm builds from disk and worker threads (src/node/api.ts).
   */
  static makeKernels: KernelMaker = coreKernels;

  protected net: Sequential | null = null;
  protected readonly network: NetworkOptions;
  private kernelSet: Kernels | null = null;
  /** The outcome of the last fit (null before one). */
  lastFit: FitResult | null = null;
  /** Description of the data the model was fitted on (saved as recur.task). */
  protected taskInfo: Record<string, string | number | boolean> | null = null;

  protected constructor(readonly kind: ModelKind, protected readonly title: string, options: NetworkOptions | undefined, extraKeys: readonly string[]) {
    this.network = checkNetwork(options, extraKeys, `${title} options`);
  }

  /** The engine model (a Sequential): forward passes, parameters, diagnostics, ONNX export. */
  get model(): Sequential {
    return this.net ?? this.notFitted();
  }

  protected notFitted(): never {
    throw new RecurError(`${this.title}: expected a fitted or loaded model, received one that has not been fitted yet (call fit first, or fromBytes)`);
  }

  /** The network's input for a task (a subclass may widen an embedding, say). */
  protected inputFor(task: EpochTask): InputConfig {
    return task.input;
  }

  /** The kernel set the model runs on ('wasm' or 'js' in its name). */
  get kernels(): Kernels {
    this.kernelSet ??= this.net?.kernels ?? kernelsFor(this.network, (this.constructor as typeof RecurrentModel).makeKernels);
    return this.kernelSet;
  }

  /** Which kernels the model runs on, as asked and as chosen, and why when 'auto' did not get wasm. */
  get kernelChoice(): KernelChoice {
    return describeKernels(this.kernels);
  }

  protected get seed(): number {
    return this.network.seed ?? DEFAULT_SEED;
  }

  /** Builds the network for the task's shape on the first fit; later fits must bring data of the same shape. */
  protected prepare(task: EpochTask): Sequential {
    const cfg = networkConfig(this.network, this.inputFor(task), task.outputSize, task.outputMode, `${this.title} options`);
    if (!this.net) {
      this.net = new Sequential(cfg, { kernels: this.kernels, seed: this.seed });
    } else {
      const had = this.net.config;
      if (JSON.stringify(had.input) !== JSON.stringify(cfg.input) || had.outputSize !== cfg.outputSize) {
        throw new RecurError(`${this.title}.fit: expected data of the shape the model was built for (${shape(had.input, had.outputSize)}), received data of shape ${shape(cfg.input, cfg.outputSize)}`);
      }
    }
    this.taskInfo = task.describe();
    return this.net;
  }

  protected run(task: EpochTask, c: CheckedFit<unknown>, lr: number, validated: boolean): FitRun {
    const net = this.prepare(task);
    return new FitRun(net, task, c, { seed: this.seed, lr, validated });
  }

  protected finish(r: FitResult): FitResult {
    this.lastFit = r;
    return r;
  }

  /** What the model is and holds: its layers with their output shapes and parameter counts, its data. */
  summary(): string {
    const head = `${this.title} (${this.kind})`;
    if (!this.net) return `${head}: not built yet; fit builds the network from the data's shape.\n`;
    const net = this.net;
    const c = net.config;
    const d = c.bidirectional ? 2 : 1;
    const layers = c.numLayers ?? 1;
    const rows: [string, string, number][] = [];
    const count = (test: (name: string) => boolean): number => net.params.filter((p) => test(p.name)).reduce((s, p) => s + numel(p.shape), 0);
    rows.push(['input', c.input.kind === 'tokens' ? `(T, B) ids < ${c.input.vocabSize}` : `(T, B, ${c.input.size})`, 0]);
    if (c.input.kind === 'tokens') rows.push([`embedding ${c.input.vocabSize}→${c.input.embedDim}`, `(T, B, ${c.input.embedDim})`, count((n) => n.startsWith('embed.'))]);
    for (let l = 0; l < layers; l++) {
      const last = l === layers - 1 && c.outputMode === 'last';
      const extras = [c.bidirectional ? 'bidirectional' : '', c.dilations ? `dilation ${c.dilations[l]}` : '', c.residual ? 'residual' : '', c.skip ? 'skip' : ''].filter(Boolean).join(', ');
      const act = c.cell === 'rnn' ? ` ${c.activation ?? 'tanh'}` : '';
      rows.push([`${c.cell}${act} layer ${l}${extras ? ` (${extras})` : ''}`, last ? `(B, ${d * c.hiddenSize})` : `(T, B, ${d * c.hiddenSize})`, count((n) => n.startsWith('rnn.') && new RegExp(`_l${l}(?:_|$|\\.)`).test(n))]);
    }
    rows.push([`dense head${c.outputMode === 'last' ? ' (last step)' : ''}`, c.outputMode === 'last' ? `(B, ${c.outputSize})` : `(T, B, ${c.outputSize})`, count((n) => n.startsWith('head.'))]);
    const w = [Math.max(5, ...rows.map((r) => r[0].length)), Math.max(12, ...rows.map((r) => r[1].length))];
    const line = (a: string, b: string, n: string): string => `  ${a.padEnd(w[0])}  ${b.padEnd(w[1])}  ${n.padStart(10)}\n`;
    let out = `${head}: ${c.cell}, ${layers} layer${layers > 1 ? 's' : ''} of ${c.hiddenSize}, ${c.dtype ?? 'float32'}, kernels ${kernelsText(describeKernels(net.kernels))}\n`;
    out += line('layer', 'output shape', 'parameters');
    for (const [a, b, n] of rows) out += line(a, b, n.toLocaleString('en-US'));
    out += line('total', '', net.paramCount.toLocaleString('en-US'));
    for (const l of this.dataLines()) out += `  ${l}\n`;
    return out;
  }

  /** Lines describing the data side (normalisation, vocabulary, classes) for summary(). */
  protected abstract dataLines(): string[];

  /** The records this object's data needs (model/records.ts). */
  protected abstract records(): Metadata;

  /** The model as safetensors bytes: weights, config and the records of its data (the CLI reads them). */
  toBytes(): Uint8Array {
    const extra: Metadata = { ...this.records() };
    if (this.taskInfo) extra['recur.task'] = JSON.stringify(this.taskInfo);
    return modelToBytes(this.model, extra);
  }
}

/**
 * Reads a model file's bytes for a high-level object of kind `kind` (a file of another kind is
 * refused), on the given kernels or the best this platform has for the model's dtype.
 */
export function readModel(bytes: Uint8Array, kind: ModelKind, what: string, kernels: Kernels | undefined, make: KernelMaker): { net: Sequential; metadata: Metadata } {
  if (!(bytes instanceof Uint8Array)) throw new RecurError(`${what}.fromBytes: expected the bytes of a model file (a Uint8Array), received ${typeof bytes}`);
  const { model, metadata } = modelFromBytes(bytes, { kernels: kernels ?? ((config) => kernelsFor({ dtype: config.dtype ?? 'float32' }, make)) });
  const found = readKind(metadata);
  if (found !== kind) {
    throw new RecurError(`${what}.fromBytes: expected a ${kind} model file, received ${found ? `a ${found} model` : `a model without records of its data (no "${KIND_KEY}")`}`);
  }
  return { net: model, metadata };
}

/** Network options that rebuild a loaded model's network (for summary and further fits). */
export function networkOf(net: Sequential, base: NetworkOptions): NetworkOptions {
  const c = net.config;
  const o: NetworkOptions = { ...base, cell: c.cell, hiddenSize: c.hiddenSize, numLayers: c.numLayers ?? 1, dtype: c.dtype ?? 'float32', kernels: net.kernels };
  for (const k of ['activation', 'leak', 'bidirectional', 'dropout', 'init', 'dilations', 'residual', 'skip'] as const) {
    if (c[k] !== undefined) (o as Record<string, unknown>)[k] = c[k];
  }
  return o;
}

function shape(input: Sequential['config']['input'], outputs: number): string {
  return `${input.kind === 'tokens' ? `${input.vocabSize} token ids` : `${input.size} feature${input.size === 1 ? '' : 's'}`} in, ${outputs} out`;
}

/** Attaches a loaded network to a freshly made object (used by the fromBytes of each object). */
export function adopt<T extends RecurrentModel>(obj: T, net: Sequential, taskText: string | undefined): T {
  (obj as unknown as { net: Sequential }).net = net;
  if (taskText !== undefined) {
    try {
      const t = JSON.parse(taskText) as unknown;
      if (typeof t === 'object' && t !== null && !Array.isArray(t)) {
        const plain: Record<string, string | number | boolean> = {};
        for (const [k, v] of Object.entries(t)) if (['string', 'number', 'boolean'].includes(typeof v) && k !== '__proto__') plain[k] = v as string | number | boolean;
        (obj as unknown as { taskInfo: typeof plain }).taskInfo = plain;
      }
    } catch { /* a description only */ }
  }
  return obj;
}
