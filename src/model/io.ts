// Saving and loading a Sequential model as one safetensors file (see safetensors.ts for the
// format). Every parameter is stored under its PyTorch name (embed.weight, rnn.weight_ih_l0, …,
// head.bias) as F32 or F64 per the model's dtype, so `safetensors.torch.load_file` gives a state
// dict a PyTorch twin of the model accepts. `__metadata__` holds
//   "format": "pt"            what PyTorch's writer puts there
//   "recur.config": "{…}"     the ModelConfig as JSON
//   "recur.version": "0.1.0"  the recur that wrote the file
// plus the caller's extra strings (task description, vocabulary as JSON, …).
// A state dict without that metadata (PyTorch's save_file of a twin module) loads into a model
// built from a ModelConfig with loadStateDict, under the same checks.
//
// Loading treats the file as hostile. A file is read only when it is a regular file, its header
// checked against its size before its data is read (node/read-limited.ts); inspectSafetensors
// checks the header and the data layout without reading values; then:
// - the config text is scanned (no duplicate or forbidden keys, shallow nesting) and then
//   validated field by field by parseModelConfig;
// - before a model is built (and, from a file, before its data is read: node/files.ts), the number
//   of values the config implies must equal the number the file holds, so a 1 KB file cannot ask
//   for a model of terabytes; a text model's vocabulary must be one character per output (vocab.ts);
// - the file must have exactly the model's parameter names (missing and unexpected ones are all
//   listed) with the model's shapes, and every value must be finite (the error names the
//   parameter and the index). Values are copied one parameter at a time, straight from the file
//   into the model, so a load holds the model plus at most one parameter's copy.
//
// Bytes only: files (saveModel, loadModel, loadStateDict, atomic writes) are in the Node room,
// src/node/files.ts.

import { directionParams } from '../cells/cell.js';
import { cellSpec } from '../cells/table.js';
import { RecurError, fail } from '../errors.js';
import type { Kernels } from '../kernels/types.js';
import { parseModelConfig, type ModelConfig } from './config.js';
import { brief, encodeSafetensors, inspectSafetensors, readTensor, scanJsonKeys, type SafetensorsHeader, type TensorToWrite } from './safetensors.js';
import { Sequential } from './sequential.js';
import { numel } from '../tensor/param.js';
import { VOCAB_KEY, modelVocab } from './vocab.js';

export const RECUR_VERSION = '0.1.0';
export const FORMAT_KEY = 'format';
export const CONFIG_KEY = 'recur.config';
export const VERSION_KEY = 'recur.version';
const RESERVED_KEYS = [FORMAT_KEY, CONFIG_KEY, VERSION_KEY];
/** A valid config nests two levels (config → input / init); a little slack for clearer errors. */
const MAX_CONFIG_DEPTH = 4;

export interface LoadOptions {
  /** Kernel set of the loaded model (its dtype must match the config's), or one chosen for the config; default js. */
  kernels?: Kernels | ((config: ModelConfig) => Kernels);
}

export interface LoadedModel {
  model: Sequential;
  /** All of the file's metadata, the recur.* keys included. */
  metadata: Record<string, string>;
}

/** The model as safetensors bytes (see the file header for what goes in). */
export function modelToBytes(model: Sequential, extra: Record<string, string> = {}): Uint8Array {
  const dtype = (model.config.dtype ?? 'float32') === 'float64' ? 'F64' : 'F32';
  const tensors: TensorToWrite[] = model.params.map((p) => {
    for (let i = 0; i < p.value.length; i++) {
      if (!Number.isFinite(p.value[i])) fail(`parameter "${p.name}" at ${indexText(p.shape, i)}`, 'a finite number (a model with NaN or Infinity would not load)', p.value[i]);
    }
    return { name: p.name, dtype, shape: [...p.shape], data: p.value };
  });
  const metadata: Record<string, string> = {
    [FORMAT_KEY]: 'pt',
    [CONFIG_KEY]: JSON.stringify(model.config),
    [VERSION_KEY]: RECUR_VERSION,
  };
  for (const [k, v] of Object.entries(extra)) {
    if (RESERVED_KEYS.includes(k)) fail(`model metadata key "${k}"`, `a key other than ${RESERVED_KEYS.join(', ')} (recur writes those)`, k);
    if (typeof v !== 'string') throw new RecurError(`model metadata "${k}": expected a string, received ${brief(v)}`);
    metadata[k] = v;
  }
  return encodeSafetensors(tensors, metadata);
}

/** Rebuilds a model from safetensors bytes written by modelToBytes (or a matching PyTorch file with recur.config added). */
export function modelFromBytes(bytes: Uint8Array, opts: LoadOptions = {}): LoadedModel {
  const header = inspectSafetensors(bytes);
  const config = modelConfigOf(header);
  const model = new Sequential(config, { kernels: typeof opts.kernels === 'function' ? opts.kernels(config) : opts.kernels });
  copyTensorsInto(model, bytes, header, 'model file', `the parameters of the config (${describeConfig(config)})`);
  return { model, metadata: header.metadata };
}

/**
 * The config of a model file, from its checked header alone (node/files.ts calls it before the
 * data is read): parsed field by field, its number of parameter values equal to the file's (so
 * neither a 1 KB file can ask for a model of terabytes nor a tiny model carry gigabytes), and a
 * text model's vocabulary one character per output (vocab.ts).
 */
export function modelConfigOf(header: SafetensorsHeader): ModelConfig {
  const { tensors, metadata } = header;
  const configText = metadata[CONFIG_KEY];
  if (configText === undefined) {
    const keys = Object.keys(metadata);
    throw new RecurError(`model file metadata: expected a "${CONFIG_KEY}" entry holding the model config as JSON, received ${keys.length ? `only ${keys.slice(0, 20).map((k) => brief(k)).join(', ')}` : 'no metadata'}`);
  }
  scanJsonKeys(configText, `model file metadata "${CONFIG_KEY}"`, MAX_CONFIG_DEPTH);
  let json: unknown;
  try {
    json = JSON.parse(configText);
  } catch (e) {
    throw new RecurError(`model file metadata "${CONFIG_KEY}": expected the model config as JSON, received a syntax error (${e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 100) : 'unknown'})`);
  }
  const config = parseModelConfig(json);

  let fileValues = 0;
  for (const t of tensors.values()) fileValues += t.n;
  const wanted = configValueCount(config);
  if (wanted !== fileValues) {
    throw new RecurError(`model file: expected the ${wanted} parameter values its config describes (${describeConfig(config)}), received ${fileValues} values in ${tensors.size} tensors`);
  }
  if (metadata[VOCAB_KEY] !== undefined) modelVocab(metadata, config);
  return config;
}

/**
 * Sets the parameters of `model` from a safetensors state dict without recur's metadata, such as
 * PyTorch's `safetensors.torch.save_file(twin.state_dict(), file)` for a twin module with
 * submodules `embed` (nn.Embedding), `rnn` (nn.RNN / nn.LSTM / nn.GRU) and `head` (nn.Linear). The
 * names must be exactly the model's (missing and unexpected ones are all listed), each shape the
 * model's and every value finite; F32, F64, F16 and BF16 tensors load into either dtype. A file
 * that fails a check leaves the model unchanged.
 */
export function loadStateDictBytes(model: Sequential, bytes: Uint8Array): void {
  const header = inspectSafetensors(bytes);
  // into a fresh twin first, so a file that fails any check leaves `model` as it was
  const staged = new Sequential(model.config);
  copyTensorsInto(staged, bytes, header, 'state dict', `the parameters of the model (${describeConfig(model.config)})`);
  for (const p of model.params) p.value.set(staged.param(p.name).value);
}

/** Checks the file holds exactly the model's parameter names and shapes, then copies the values in. */
function copyTensorsInto(model: Sequential, bytes: Uint8Array, header: SafetensorsHeader, what: string, expected: string): void {
  const { tensors } = header;
  const names = new Set(model.params.map((p) => p.name));
  const missing = model.params.map((p) => p.name).filter((n) => !tensors.has(n));
  const unexpected = [...tensors.keys()].filter((n) => !names.has(n));
  if (missing.length || unexpected.length) {
    const list = (xs: string[]): string => (xs.length ? xs.slice(0, 20).map((x) => brief(x)).join(', ') + (xs.length > 20 ? `, … (${xs.length})` : '') : 'none');
    throw new RecurError(`${what}: expected exactly ${expected}, received missing: ${list(missing)}; unexpected: ${list(unexpected)}`);
  }
  for (const p of model.params) {
    const t = tensors.get(p.name)!;
    if (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i])) {
      throw new RecurError(`parameter "${p.name}": expected shape [${p.shape.join(', ')}], received shape ${brief(t.shape)}`);
    }
    const data = readTensor(bytes, header, t);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) fail(`parameter "${p.name}" at ${indexText(p.shape, i)}`, 'a finite number', data[i]);
    }
    p.value.set(data);
    // float64 values beyond float32's range become Infinity in a float32 model
    for (let i = 0; i < p.value.length; i++) {
      if (!Number.isFinite(p.value[i])) fail(`parameter "${p.name}" at ${indexText(p.shape, i)}`, `a value within the range of the model's ${model.kernels.dtype}`, data[i]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/**
 * Values the parameters of `config` hold, computed from the config alone (PyTorch's layouts:
 * embedding (V, E); per layer and direction those of the cell's description (directionParams);
 * head (O, D·H) and (O)): exactly what Sequential allocates (test/safetensors.test.ts), compared
 * with the file's count before building; names and shapes are checked after.
 */
export function configValueCount(config: ModelConfig): number {
  const spec = cellSpec(config.cell);
  const h = config.hiddenSize;
  const d = config.bidirectional ? 2 : 1;
  let n = 0;
  let width: number;
  if (config.input.kind === 'tokens') {
    n += config.input.vocabSize * config.input.embedDim;
    width = config.input.embedDim;
  } else {
    width = config.input.size;
  }
  for (let l = 0; l < (config.numLayers ?? 1); l++) {
    for (const p of directionParams(spec, width, h)) n += d * numel(p.shape);
    if (config.skip) n += h + 1;
    if (config.residual && width !== d * h) n += d * h * width;
    width = d * h;
  }
  return n + config.outputSize * width + config.outputSize;
}

function describeConfig(c: ModelConfig): string {
  const input = c.input.kind === 'tokens' ? `tokens ${c.input.vocabSize}→${c.input.embedDim}` : `${c.input.size} features`;
  const extras = `${c.dilations ? `, dilations ${c.dilations.join(',')}` : ''}${c.residual ? ', residual' : ''}${c.skip ? `, skip λ ${c.skip.budget}` : ''}`;
  return `${c.cell}, ${input}, hidden ${c.hiddenSize} × ${c.numLayers ?? 1} layers${c.bidirectional ? ' bidirectional' : ''}${extras}, output ${c.outputSize}`;
}

/** "[row, col] (flat index i)" for a flat index into a tensor of `shape`. */
function indexText(shape: readonly number[], flat: number): string {
  if (shape.length <= 1) return `index ${flat}`;
  const idx: number[] = [];
  let rest = flat;
  for (let k = shape.length - 1; k >= 0; k--) {
    idx.unshift(rest % shape[k]);
    rest = Math.floor(rest / shape[k]);
  }
  return `[${idx.join(', ')}] (flat index ${flat})`;
}
