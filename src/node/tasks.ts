// Tasks from files, in the Node room: the core builds the text and CSV tasks from text in memory
// (tasks/text.ts, tasks/csv.ts); these read that text from UTF-8 files first.

import { createTask as createCoreTask, type CreateTaskOptions, type TaskConfig } from '../tasks/index.js';
import { CsvTask, checkWindow, type CsvOptions } from '../tasks/csv.js';
import type { Task } from '../tasks/task.js';
import { TextTask, checkSeq, type TextOptions } from '../tasks/text.js';
import { loadImages } from './datasets.js';
import { readTextFile } from './files.js';

/** The character-level task of a UTF-8 text file (options checked before the file is read). */
export function textTaskFromFile(file: string, opts: Omit<TextOptions, 'source'> & { maxBytes?: number } = {}): TextTask {
  checkSeq(opts.seq);
  const { maxBytes, ...o } = opts;
  return new TextTask(readTextFile(file, 'text file', maxBytes), { ...o, source: file });
}

/** The forecasting task of one column of a CSV file (options checked before the file is read). */
export function csvTaskFromFile(file: string, opts: Omit<CsvOptions, 'source'> & { maxBytes?: number }): CsvTask {
  checkWindow(opts);
  const { maxBytes, ...o } = opts;
  return new CsvTask(readTextFile(file, 'CSV file', maxBytes), { ...o, source: file });
}

/** createTask (tasks/index.ts) that reads a text or CSV task's file (at most its maxBytes), or an image task's data set, from disk. */
export function createTask(config: Extract<TaskConfig, { kind: 'text'; lines?: false }>, opts: CreateTaskOptions): TextTask;
export function createTask(config: Extract<TaskConfig, { kind: 'csv' }>, opts: CreateTaskOptions): CsvTask;
export function createTask(config: TaskConfig, opts: CreateTaskOptions): Task;
export function createTask(config: TaskConfig, opts: CreateTaskOptions): Task {
  const maxBytes = config.kind === 'text' || config.kind === 'csv' ? config.maxBytes : undefined;
  return createCoreTask(config, { readText: (file, what) => readTextFile(file, what, maxBytes), loadImages, ...opts });
}
