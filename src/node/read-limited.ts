// Reading files that users name (model files, text and CSV input) without trusting them: the
// memory a read takes is bounded before a byte of content is read.
//
// - Opened without blocking (O_NONBLOCK: a FIFO with no writer would otherwise hang in open) and
//   checked with fstat on the open descriptor (no race between a check and the open): only a
//   regular file is read. Directories, FIFOs, sockets and devices (/dev/zero never ends) are
//   refused by name.
// - Text and CSV input: the file's size against a limit (DEFAULT_MAX_INPUT_MB, which a caller may
//   raise, the CLI with --max-input-mb), before the read.
// - safetensors: the 8-byte header length, then the header alone, checked in full against the
//   file's size (inspectSafetensorsPrefix: every tensor inside the data, the data tiled exactly,
//   no trailing bytes), then the caller's own check of the header (a model's config, its memory),
//   and only then the data. A 1.5 GB file whose header describes 1.5 KB of tensors is refused
//   after reading 8 + N bytes.
// - The read takes exactly the size fstat gave: a file that grows meanwhile is cut there, one
//   that shrinks is an error.

import * as fs from 'node:fs';
import { RecurError } from '../errors.js';
import { MAX_HEADER_BYTES, inspectSafetensorsPrefix, type SafetensorsHeader } from '../model/safetensors.js';

/** Default limit on a text or CSV input file, in MiB (1 MiB = 2^20 bytes). */
export const DEFAULT_MAX_INPUT_MB = 64;

export interface LimitOptions {
  /** Largest file accepted, in bytes. */
  maxBytes: number;
  /** How to raise the limit, for the message (the CLI's flag). */
  raise?: string;
}

/** Reads a whole regular file of at most `limit.maxBytes` bytes. */
export function readFileLimited(file: string, what: string, limit: LimitOptions): Uint8Array {
  const { fd, size } = openRegular(file, what);
  try {
    if (size > limit.maxBytes) {
      throw new RecurError(`${what} ${JSON.stringify(file)}: expected at most ${mib(limit.maxBytes)} MiB, received ${mib(size)} MiB${limit.raise ? ` (${limit.raise})` : ''}`);
    }
    const bytes = new Uint8Array(size);
    readAt(fd, bytes, 0, 0, size, file, what);
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a safetensors file: the header first, checked against the file's size, then `check`
 * (which may throw) on the header, then the data. Returns the whole file's bytes.
 */
export function readSafetensorsFile(file: string, what: string, check?: (header: SafetensorsHeader) => void): Uint8Array {
  const { fd, size } = openRegular(file, what);
  try {
    const where = `${what} ${JSON.stringify(file)}`;
    if (size < 8) throw new RecurError(`${where}: expected a safetensors file (at least 8 bytes: the header length), received ${size} bytes`);
    const len = new Uint8Array(8);
    readAt(fd, len, 0, 0, 8, file, what);
    const dv = new DataView(len.buffer);
    const lo = dv.getUint32(0, true), hi = dv.getUint32(4, true);
    if (hi !== 0 || lo > MAX_HEADER_BYTES) throw new RecurError(`${where}: expected a safetensors header length of at most ${MAX_HEADER_BYTES} bytes, received ${dv.getBigUint64(0, true)}`);
    if (lo > size - 8) throw new RecurError(`${where}: expected a safetensors header length within the file's ${size - 8} bytes after the length field, received ${lo}`);
    const prefix = new Uint8Array(8 + lo);
    prefix.set(len);
    readAt(fd, prefix, 8, 8, lo, file, what);
    const header = inspectSafetensorsPrefix(prefix, size);
    check?.(header);
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(size);
    } catch {
      throw new RecurError(`${where}: expected a file this process can hold in memory, received ${mib(size)} MiB`);
    }
    bytes.set(prefix);
    readAt(fd, bytes, prefix.length, prefix.length, size - prefix.length, file, what);
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}

/** Opens a regular file for reading; RecurErrors for anything else, named. */
function openRegular(file: string, what: string): { fd: number; size: number } {
  let fd: number;
  try {
    // O_NONBLOCK only matters for FIFOs (open would wait for a writer); it is 0 where undefined
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new RecurError(`${what} ${JSON.stringify(file)}: expected a readable file, received ${errnoText(e)}`);
  }
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw new RecurError(`${what} ${JSON.stringify(file)}: expected a readable file, received ${errnoText(e)}`);
  }
  if (!st.isFile()) {
    fs.closeSync(fd);
    throw new RecurError(`${what} ${JSON.stringify(file)}: expected a regular file, received ${kindOf(st)}`);
  }
  return { fd, size: st.size };
}

/** Reads exactly n bytes at file position `pos` into buf[at …]. */
function readAt(fd: number, buf: Uint8Array, at: number, pos: number, n: number, file: string, what: string): void {
  let done = 0;
  while (done < n) {
    let got: number;
    try {
      got = fs.readSync(fd, buf, at + done, n - done, pos + done);
    } catch (e) {
      throw new RecurError(`${what} ${JSON.stringify(file)}: expected a readable file, received ${errnoText(e)} after ${pos + done} bytes`);
    }
    if (got === 0) throw new RecurError(`${what} ${JSON.stringify(file)}: expected ${pos + n} bytes (its size when opened), received ${pos + done}: the file shrank while being read`);
    done += got;
  }
}

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** "ENOENT (no such file)": the code, and what it means. */
function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const meaning: Record<string, string> = {
    ENOENT: 'no such file', EACCES: 'permission denied', EPERM: 'permission denied', EISDIR: 'a directory',
    ENOTDIR: 'a path through something that is not a directory', ELOOP: 'too many symbolic links',
  };
  if (code === undefined) return e instanceof Error ? e.message : String(e);
  return meaning[code] ? `${code} (${meaning[code]})` : code;
}

function mib(bytes: number): string {
  const m = bytes / 2 ** 20;
  return m >= 10 ? m.toFixed(0) : String(Number(m.toPrecision(2)));
}
