// Output paths: checked before any work (a run is not spent only to fail at its last write), and
// written with a fallback, so that a finished run is never lost to a write that fails anyway
// (the disk filled up, the folder went away): the bytes go to a fresh file in the OS's temporary
// folder (or the current one), and the user is told where.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { UsageError } from './args.js';

/** `file` can be created or replaced: not a directory, in an existing, writable directory. */
export function checkOutputFile(flag: string, file: string): void {
  if (file === '') throw new UsageError(`--${flag}: expected a file path, received ""`);
  const target = path.resolve(file);
  const st = statOrNull(target);
  if (st?.isDirectory()) throw new UsageError(`--${flag}: expected a file path, received "${file}" (a directory)`);
  const dir = path.dirname(target);
  const ds = statOrNull(dir);
  if (!ds) throw new UsageError(`--${flag}: expected a file in an existing directory, received "${file}" (no directory ${dir})`);
  if (!ds.isDirectory()) throw new UsageError(`--${flag}: expected a file in a directory, received "${file}" (${dir} is not a directory)`);
  writable(flag, file, dir);
}

/** `dir` is a directory or can be made one (mkdir -p): every existing part of it is a writable directory. */
export function checkOutputDir(flag: string, dir: string): void {
  if (dir === '') throw new UsageError(`--${flag}: expected a directory, received ""`);
  let at = path.resolve(dir);
  for (;;) {
    const st = statOrNull(at);
    if (st) {
      if (!st.isDirectory()) throw new UsageError(`--${flag}: expected a directory, received "${dir}" (${at} is not a directory)`);
      writable(flag, dir, at);
      return;
    }
    const up = path.dirname(at);
    if (up === at) return;
    at = up;
  }
}

/**
 * Writes with `write(file)`; when that fails, with `write(fallback)` to a fresh file in the
 * temporary folder (or the current one). Returns where the bytes went and, on a fallback, the
 * one line that says why and where.
 */
export function writeWithFallback(flag: string, file: string, write: (to: string) => void): { file: string; warning: string | null } {
  let why: string;
  try {
    write(file);
    return { file, warning: null };
  } catch (e) {
    why = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 200);
  }
  const ext = path.extname(file);
  const name = `recur-${path.basename(file, ext) || 'output'}-${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}${ext}`;
  for (const dir of [os.tmpdir(), process.cwd()]) {
    const to = path.join(dir, name);
    try {
      write(to);
      return { file: to, warning: `--${flag} "${file}" could not be written (${why}); it is in ${to} instead` };
    } catch { /* try the next place */ }
  }
  return { file: '', warning: `--${flag} "${file}" could not be written (${why}), nor a copy in ${os.tmpdir()} or ${process.cwd()}` };
}

function statOrNull(p: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: a part of the path is a file; the caller names it when it gets there
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
}

function writable(flag: string, given: string, dir: string): void {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new UsageError(`--${flag}: expected a writable directory, received "${given}" (${dir} is not writable)`);
  }
}
