// Files, in the Node room: models (safetensors, ONNX) and text read from and written to disk, with
// atomic replacement. The core turns models into bytes and back (model/io.ts, model/onnx.ts) and
// builds tasks from text in memory; this file is the disk around them.
//
// Saving is atomic: the bytes go to a temporary file in the target's directory, which is fsynced,
// renamed over the target and the directory fsynced. A crash at any point leaves either the old
// file or the new one under the target name, never a torn one.

import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RecurError } from '../errors.js';
import type { ModelConfig } from '../model/config.js';
import { loadStateDictBytes, modelConfigOf, modelFromBytes, modelToBytes, type LoadedModel, type LoadOptions } from '../model/io.js';
import { modelToOnnx } from '../model/onnx.js';
import type { Sequential } from '../model/sequential.js';
import { DEFAULT_MAX_INPUT_MB, readFileLimited, readSafetensorsFile } from './read-limited.js';

/** The file system calls writeFileAtomic makes; node:fs by default, replaceable in tests. */
export interface AtomicFs {
  openSync(file: string, flags: string, mode?: number): number;
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(file: string): void;
}

/** Writes the model to `file` atomically (writeFileAtomic). */
export function saveModel(model: Sequential, file: string, extra?: Record<string, string>): void {
  writeFileAtomic(file, modelToBytes(model, extra));
}

/**
 * Reads and validates a model file written by saveModel: a regular file, its header checked
 * against its size, then its config (modelConfigOf) and `opts.check` on the config (a memory
 * budget, say), and only then its data (read-limited.ts).
 */
export function loadModel(file: string, opts: LoadOptions & { check?: (config: ModelConfig) => void } = {}): LoadedModel {
  return modelFromBytes(readSafetensorsFile(file, 'model file', (header) => opts.check?.(modelConfigOf(header))), opts);
}

/**
 * Replaces `file` with `data` so that a crash leaves the old content or the new, never a mix:
 * temporary file in the same directory (same file system, so rename is atomic), fsync, rename,
 * fsync of the directory (so the rename itself survives a power cut). On failure the temporary
 * file is removed and the previous file is untouched.
 */
export function writeFileAtomic(file: string, data: Uint8Array, ops: AtomicFs = fs): void {
  const target = path.resolve(file);
  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd = -1;
  let created = false;
  try {
    fd = ops.openSync(tmp, 'wx', 0o644); // wx: never follow or reuse something already there
    created = true;
    for (let off = 0; off < data.length;) {
      const wrote = ops.writeSync(fd, data, off, data.length - off);
      if (!(wrote > 0)) throw new Error(`write returned ${wrote}`);
      off += wrote;
    }
    ops.fsyncSync(fd);
    const closing = fd;
    fd = -1;
    ops.closeSync(closing);
    ops.renameSync(tmp, target);
    created = false;
  } catch (e) {
    if (fd >= 0) try { ops.closeSync(fd); } catch { /* already failing */ }
    if (created) try { ops.unlinkSync(tmp); } catch { /* already failing */ }
    throw new RecurError(`saving "${file}": expected a writable file in an existing directory, received ${errorText(e)}`);
  }
  syncDirectory(dir, ops);
}

/** fsync of a directory, where the platform allows one (Windows cannot open directories). */
function syncDirectory(dir: string, ops: AtomicFs): void {
  let fd = -1;
  try {
    fd = ops.openSync(dir, 'r');
    ops.fsyncSync(fd);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (!(process.platform === 'win32' || code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL' || code === 'ENOTSUP')) {
      throw new RecurError(`saving into "${dir}": expected the directory to sync after the rename, received ${errorText(e)} (the new file is in place but may not survive a power loss)`);
    }
  } finally {
    if (fd >= 0) try { ops.closeSync(fd); } catch { /* nothing more to do */ }
  }
}

/** Reads a state dict file into `model` (see loadStateDictBytes in model/io.ts). */
export function loadStateDict(model: Sequential, file: string): void {
  loadStateDictBytes(model, readSafetensorsFile(file, 'state dict file'));
}

/** Writes the model as an ONNX file, atomically; returns its size in bytes. */
export function saveOnnx(model: Sequential, file: string): number {
  const bytes = modelToOnnx(model);
  writeFileAtomic(file, bytes);
  return bytes.length;
}

/**
 * Reads a file as UTF-8 text; RecurErrors for a missing, unreadable, empty or non-UTF-8 file, for
 * anything but a regular file, and for one over `maxBytes` (default DEFAULT_MAX_INPUT_MB MiB).
 */
export function readTextFile(file: string, what = 'text file', maxBytes = DEFAULT_MAX_INPUT_MB * 2 ** 20): string {
  const bytes = readFileLimited(file, what, { maxBytes, raise: '--max-input-mb N raises the limit' });
  if (bytes.length === 0) throw new RecurError(`${what} ${JSON.stringify(file)}: expected some text, received an empty file`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RecurError(`${what} ${JSON.stringify(file)}: expected UTF-8 text, received bytes that are not valid UTF-8`);
  }
}

function errorText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${e.message})` : e.message;
  }
  return String(e);
}
