// What a saved model carries besides its weights and config, so that it can be used on data in
// the data's own terms: strings in a model file's `__metadata__` (io.ts), one JSON value each,
// written by the CLI (`recur train --save`) and the library (`toBytes`) alike and read by both.
//
//   recur.kind      "text" | "forecaster" | "classifier" | "regressor": what the model is for
//   recur.vocab     text: ["\n", "a", …], one character per output (id = position)
//   recur.text      text: { "mode": "stream" | "lines" }: windows of a running text, or items
//                   that each start and end with "\n" (lines.ts)
//   recur.norm      forecaster of one column: { mean, std, window, horizon }
//   recur.series    forecaster: { columns, inputs, targets, window, horizon, mean, std }
//                   (column names; input and target column indices; per-column normalisation)
//   recur.labels    classifier: [label, …], the class of each output (numbers or strings)
//   recur.features  sequence models: { mean, std }, per input feature
//   recur.targets   regressor: { mean, std }, per output
//
// Files written before recur.kind existed are read by what they hold (a vocabulary: text; a
// normalisation: forecaster). Readers treat the strings as hostile (untrusted-json.ts) and check
// them against the model's config; every error names the record.

import { RecurError } from '../errors.js';
import type { ModelConfig } from './config.js';
import { modelVocab, VOCAB_KEY } from './vocab.js';
import { array, finite, int as intField, object, oneOf, parseJsonText, string } from './untrusted-json.js';

export { VOCAB_KEY } from './vocab.js';
export const KIND_KEY = 'recur.kind';
export const TEXT_KEY = 'recur.text';
export const NORM_KEY = 'recur.norm';
export const SERIES_KEY = 'recur.series';
export const LABELS_KEY = 'recur.labels';
export const FEATURES_KEY = 'recur.features';
export const TARGETS_KEY = 'recur.targets';

export type ModelKind = 'text' | 'forecaster' | 'classifier' | 'regressor';
export const MODEL_KINDS: readonly ModelKind[] = ['text', 'forecaster', 'classifier', 'regressor'];
const MAX_LIST = 1 << 20;
const MAX_WINDOW = 1 << 20;

export interface SeriesRecord { columns: string[]; inputs: number[]; targets: number[]; window: number; horizon: number; mean: number[]; std: number[] }
export interface NormRecord { mean: number[]; std: number[] }
export type Metadata = Record<string, string>;

// ---------------------------------------------------------------------------------------------
// Writing.

export function textRecords(vocab: readonly string[], mode: 'stream' | 'lines'): Metadata {
  return { [KIND_KEY]: 'text', [VOCAB_KEY]: JSON.stringify(vocab), [TEXT_KEY]: JSON.stringify({ mode }) };
}

/** A forecaster's records; also the older one-column `recur.norm` where it applies (one column in and out). */
export function seriesRecords(s: SeriesRecord): Metadata {
  const out: Metadata = { [KIND_KEY]: 'forecaster', [SERIES_KEY]: JSON.stringify(s) };
  if (s.columns.length === 1) out[NORM_KEY] = JSON.stringify({ mean: s.mean[0], std: s.std[0], window: s.window, horizon: s.horizon });
  return out;
}

export function sequenceRecords(kind: 'classifier' | 'regressor', features: NormRecord, labels: readonly (number | string)[] | null, targets: NormRecord | null): Metadata {
  const out: Metadata = { [KIND_KEY]: kind, [FEATURES_KEY]: JSON.stringify(features) };
  if (labels) out[LABELS_KEY] = JSON.stringify(labels);
  if (targets) out[TARGETS_KEY] = JSON.stringify(targets);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading.

/** What the model is for: recur.kind, or what the records of an older file say; null when nothing does. */
export function readKind(metadata: Metadata): ModelKind | null {
  const k = metadata[KIND_KEY];
  if (k !== undefined) return oneOf(k, `model file metadata "${KIND_KEY}"`, MODEL_KINDS);
  if (metadata[VOCAB_KEY] !== undefined) return 'text';
  if (metadata[NORM_KEY] !== undefined || metadata[SERIES_KEY] !== undefined) return 'forecaster';
  return null;
}

/** The vocabulary of a text model (vocab.ts reads it); null when there is none. */
export const readVocab = modelVocab;

/** 'lines' when the text model reads items that start and end with "\n"; 'stream' otherwise. */
export function readTextMode(metadata: Metadata): 'stream' | 'lines' {
  const text = metadata[TEXT_KEY];
  if (text === undefined) return 'stream';
  const where = `model file metadata "${TEXT_KEY}"`;
  const o = object(parseJsonText(text, where, 1), where, ['mode']);
  return oneOf(o.mode, `${where} field "mode"`, ['stream', 'lines'] as const);
}

/** The normalisation of a one-column forecaster (recur.norm); null when there is none. */
export function readNorm(metadata: Metadata): { mean: number; std: number; window: number; horizon: number } | null {
  const text = metadata[NORM_KEY];
  if (text === undefined) return null;
  const where = `model file metadata "${NORM_KEY}"`;
  const o = object(parseJsonText(text, where, 1), where, ['mean', 'std', 'window', 'horizon']);
  const std = finite(o.std, `${where} field "std"`);
  if (!(std > 0)) throw new RecurError(`${where} field "std": expected a number > 0, received ${std}`);
  return { mean: finite(o.mean, `${where} field "mean"`), std, window: intField(o.window, `${where} field "window"`, 1, MAX_WINDOW), horizon: intField(o.horizon, `${where} field "horizon"`, 1, MAX_WINDOW) };
}

/**
 * A forecaster's columns, windows and normalisation: recur.series, or recur.norm of a one-column
 * model (its column named by `column`, default that of recur.task). Checked against the config:
 * as many inputs as the model reads, as many targets as it outputs. Null when there is neither.
 */
export function readSeries(metadata: Metadata, config: ModelConfig, column?: string): SeriesRecord | null {
  const text = metadata[SERIES_KEY];
  let s: SeriesRecord;
  if (text === undefined) {
    const norm = readNorm(metadata);
    if (!norm) return null;
    s = { columns: [column ?? taskColumn(metadata) ?? 'value'], inputs: [0], targets: [0], window: norm.window, horizon: norm.horizon, mean: [norm.mean], std: [norm.std] };
  } else {
    const where = `model file metadata "${SERIES_KEY}"`;
    const o = object(parseJsonText(text, where, 2), where, ['columns', 'inputs', 'targets', 'window', 'horizon', 'mean', 'std']);
    const columns = array(o.columns, `${where} field "columns"`, 1, MAX_LIST).map((c, i) => string(c, `${where} field "columns[${i}]"`));
    const c = columns.length;
    const indices = (v: unknown, f: string): number[] => {
      const xs = array(v, `${where} field "${f}"`, 1, c).map((x, i) => intField(x, `${where} field "${f}[${i}]"`, 0, c - 1));
      if (new Set(xs).size !== xs.length) throw new RecurError(`${where} field "${f}": expected distinct column indices, received ${JSON.stringify(xs)}`);
      return xs;
    };
    const norm = readNormArrays(o, where, c);
    s = { columns, inputs: indices(o.inputs, 'inputs'), targets: indices(o.targets, 'targets'), window: intField(o.window, `${where} field "window"`, 1, MAX_WINDOW), horizon: intField(o.horizon, `${where} field "horizon"`, 1, MAX_WINDOW), ...norm };
  }
  const inputs = config.input.kind === 'features' ? config.input.size : -1;
  if (inputs !== s.inputs.length || config.outputSize !== s.targets.length || config.outputMode !== 'last') {
    throw new RecurError(`model file: expected a forecaster's config (${s.inputs.length} features in, ${s.targets.length} outputs on the last step, as its series record says), received ${inputs < 0 ? 'token input' : `${inputs} features in`} and ${config.outputSize} outputs on ${config.outputMode === 'last' ? 'the last step' : 'every step'}`);
  }
  return s;
}

/** A { mean, std } record of per-feature (or per-output) normalisation; null when absent. */
export function readNormRecord(metadata: Metadata, key: typeof FEATURES_KEY | typeof TARGETS_KEY, size: number): NormRecord | null {
  const text = metadata[key];
  if (text === undefined) return null;
  const where = `model file metadata "${key}"`;
  return readNormArrays(object(parseJsonText(text, where, 2), where, ['mean', 'std']), where, size);
}

/** The class labels of a classifier, one per output, distinct, all numbers or all strings. */
export function readLabels(metadata: Metadata, config: ModelConfig): (number | string)[] | null {
  const text = metadata[LABELS_KEY];
  if (text === undefined) return null;
  const where = `model file metadata "${LABELS_KEY}"`;
  const v = array(parseJsonText(text, where, 1), where, config.outputSize, config.outputSize);
  const kind = typeof v[0];
  v.forEach((l, i) => {
    if (typeof l !== kind || (typeof l !== 'string' && (typeof l !== 'number' || !Number.isFinite(l)))) {
      throw new RecurError(`${where}[${i}]: expected a ${kind === 'number' ? 'finite number' : 'string'} (labels are all numbers or all strings), received ${JSON.stringify(l)?.slice(0, 40)}`);
    }
  });
  if (new Set(v).size !== v.length) throw new RecurError(`${where}: expected distinct labels, received a repeated one`);
  return v as (number | string)[];
}

function readNormArrays(o: Record<string, unknown>, where: string, size: number): NormRecord {
  const mean = array(o.mean, `${where} field "mean"`, size, size).map((x, i) => finite(x, `${where} field "mean[${i}]"`));
  const std = array(o.std, `${where} field "std"`, size, size).map((x, i) => {
    const s = finite(x, `${where} field "std[${i}]"`);
    if (!(s > 0)) throw new RecurError(`${where} field "std[${i}]": expected a number > 0, received ${s}`);
    return s;
  });
  return { mean, std };
}

/** The column of a CLI-trained one-column model, from its task description. */
function taskColumn(metadata: Metadata): string | null {
  const text = metadata['recur.task'];
  if (text === undefined) return null;
  try {
    const t = JSON.parse(text) as unknown;
    const c = typeof t === 'object' && t !== null ? (t as Record<string, unknown>).column : undefined;
    return typeof c === 'string' ? c : null;
  } catch {
    return null;
  }
}
