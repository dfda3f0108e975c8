// Model files for the high-level objects (src/api/): their bytes to and from a path. The objects
// themselves hold no file code, so they run unchanged where there is no file system.

import { readFileSync } from 'node:fs';
import { RecurError } from '../errors.js';
import type { Kernels } from '../kernels/types.js';
import { readKind } from '../model/records.js';
import { inspectSafetensors } from '../model/safetensors.js';
import { Forecaster, SequenceClassifier, SequenceRegressor, TextModel } from './api.js';
import { writeFileAtomic } from './files.js';

export type AnyModel = Forecaster | SequenceClassifier | SequenceRegressor | TextModel;
type Loader<T> = { fromBytes(bytes: Uint8Array, options?: { kernels?: Kernels }): T };

/** Writes the model to `file` atomically (a crash leaves the old file or the new one). */
export function save(model: { toBytes(): Uint8Array }, file: string): void {
  if (model === null || typeof model !== 'object' || typeof model.toBytes !== 'function') throw new RecurError(`save: expected a Forecaster, SequenceClassifier, SequenceRegressor or TextModel, received ${typeof model}`);
  writeFileAtomic(file, model.toBytes());
}

/**
 * Reads a model file: as the class given (`load(file, Forecaster)`), or as whatever its records
 * say it is. Files written by `recur train --save` load too.
 */
export function load<T>(file: string, as: Loader<T>, options?: { kernels?: Kernels }): T;
export function load(file: string, as?: undefined, options?: { kernels?: Kernels }): AnyModel;
export function load<T>(file: string, as?: Loader<T>, options: { kernels?: Kernels } = {}): T | AnyModel {
  const bytes = readFile(file);
  if (as) return as.fromBytes(bytes, options);
  const kind = readKind(inspectSafetensors(bytes).metadata);
  switch (kind) {
    case 'forecaster': return Forecaster.fromBytes(bytes, options);
    case 'classifier': return SequenceClassifier.fromBytes(bytes, options);
    case 'regressor': return SequenceRegressor.fromBytes(bytes, options);
    case 'text': return TextModel.fromBytes(bytes, options);
    default: throw new RecurError(`load "${file}": expected a model file with records of its data (recur.kind), received one without (a model saved from a synthetic task; use loadModel)`);
  }
}

function readFile(file: string): Uint8Array {
  if (typeof file !== 'string' || file === '') throw new RecurError(`load: expected a file path, received ${JSON.stringify(file)}`);
  try {
    return readFileSync(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new RecurError(`load "${file}": expected a readable model file, received ${code ?? String(e)}`);
  }
}
