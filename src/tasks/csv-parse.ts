// CSV text → a table of strings, and chosen columns of it → numbers. Pure: no files, no Node.
//
// The format read (RFC 4180, plus what spreadsheets write):
// - Records end at \n, \r\n or \r; a leading byte-order mark is dropped; lines holding only
//   whitespace are skipped.
// - Fields are separated by one delimiter: ',' ';' or tab, given or detected from the first record
//   (the one of the three that occurs most often outside quotes; ',' when none does).
// - A field may be quoted: "…" holds delimiters, line breaks and doubled quotes ("" is one ").
//   Spaces around a quoted field are ignored; anything else after its closing quote is an error.
//   Unquoted fields are trimmed.
// - The first record is the header (column names) unless `header: false`, when the columns are
//   named "1", "2", … . Every record must have as many fields as the header (checked when columns
//   are read, after their names, so that a misspelt column is named first).
// Numbers (numericColumns): only the columns asked for are read, so dates and labels elsewhere are
// ignored. A number is decimal notation with an optional exponent (no hex, no thousands
// separators); with ';' or tab as delimiter a decimal comma is accepted too ("3,5" is 3.5), as
// European spreadsheets write it. An empty cell, or NA, N/A, NaN or null, is a missing value: an
// error naming its line and column unless a fill is chosen:
//   'previous'  the last value above it (the first value below it at the top of the column)
//   'linear'    linear interpolation between its neighbours above and below (the nearest at the ends)
//   'zero'      0

import { RecurError, fail } from '../errors.js';

export type CsvDelimiter = ',' | ';' | '\t';
export type CsvFill = 'error' | 'previous' | 'linear' | 'zero';
export const CSV_FILLS: readonly CsvFill[] = ['error', 'previous', 'linear', 'zero'];
const DELIMITERS: readonly CsvDelimiter[] = [',', ';', '\t'];
const DELIMITER_NAMES: Record<CsvDelimiter, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const DECIMAL_COMMA = /^[+-]?\d*,\d+(?:[eE][+-]?\d+)?$/;
const MISSING = new Set(['', 'NA', 'N/A', 'NaN', 'nan', 'null', 'NULL']);

export interface CsvParseOptions {
  /** The field separator; detected from the first record when omitted or 'auto'. */
  delimiter?: CsvDelimiter | 'auto';
  /** Whether the first record names the columns; default true. */
  header?: boolean;
  /** Where the text came from, for messages. */
  source?: string;
}

export interface CsvTable {
  /** Column names (from the header, or "1", "2", …). */
  header: string[];
  /** Data records (each must have header.length fields to be read: numericColumns checks). */
  rows: string[][];
  /** The 1-based line on which each data record starts. */
  lines: number[];
  delimiter: CsvDelimiter;
  source: string;
  /** Whether the first record named the columns (for messages). */
  headerRow: boolean;
}

interface RawRecord { fields: string[]; line: number }

/** Splits CSV text into records of fields (see the file header); RecurErrors name the line. */
export function parseCsv(text: string, opts: CsvParseOptions = {}): CsvTable {
  const source = opts.source ?? 'CSV';
  const what = `CSV ${JSON.stringify(source)}`;
  if (typeof text !== 'string') fail(`${what} text`, 'a string', text);
  if (opts.delimiter !== undefined && opts.delimiter !== 'auto' && !DELIMITERS.includes(opts.delimiter)) {
    fail('CSV delimiter', "',' or ';' or a tab ('\\t') or 'auto'", opts.delimiter);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const delimiter = opts.delimiter === undefined || opts.delimiter === 'auto' ? detectDelimiter(text) : opts.delimiter;
  const records = splitRecords(text, delimiter, what);
  if (records.length === 0) throw new RecurError(`${what}: expected a header row of column names, received no rows`);
  const first = records[0];
  const hasHeader = opts.header ?? true;
  const header = hasHeader ? first.fields : first.fields.map((_, i) => String(i + 1));
  if (hasHeader) {
    first.fields.forEach((name, i) => {
      if (name === '') throw new RecurError(`${what}, line ${first.line}, column ${i + 1}: expected a column name in the header, received an empty field`);
      if (first.fields.indexOf(name) !== i) throw new RecurError(`${what}, line ${first.line}: expected distinct column names, received ${JSON.stringify(name)} twice`);
    });
  }
  const data = hasHeader ? records.slice(1) : records;
  return { header, rows: data.map((r) => r.fields), lines: data.map((r) => r.line), delimiter, source, headerRow: hasHeader };
}

/** The delimiter that occurs most often outside quotes on the first non-blank record. */
export function detectDelimiter(text: string): CsvDelimiter {
  const counts = new Map<CsvDelimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false, seen = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === '\n' || c === '\r')) { if (seen) break; }
    else if (!quoted && counts.has(c as CsvDelimiter)) counts.set(c as CsvDelimiter, counts.get(c as CsvDelimiter)! + 1);
    if (c.trim() !== '') seen = true;
  }
  let best: CsvDelimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** The state machine of RFC 4180: fields, quotes, doubled quotes, line breaks inside quotes. */
function splitRecords(text: string, delimiter: CsvDelimiter, what: string): RawRecord[] {
  const records: RawRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1, recordLine = 1;
  let i = 0;
  const n = text.length;
  let fieldQuoted = false;
  const endField = (): void => { fields.push(fieldQuoted ? field : field.trim()); field = ''; fieldQuoted = false; };
  const endRecord = (): void => { endField(); records.push({ fields, line: recordLine }); fields = []; };
  while (i < n) {
    const c = text[i];
    if (c === '"' && field.trim() === '' && !fieldQuoted) {
      // a quoted field: read to the closing quote
      const opened = line;
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= n) throw new RecurError(`${what}, line ${opened}: expected a closing quote for the field opened there, received the end of the text`);
        const d = text[j];
        if (d === '"') {
          if (text[j + 1] === '"') { value += '"'; j += 2; continue; }
          j++;
          break;
        }
        if (d === '\n' || (d === '\r' && text[j + 1] !== '\n')) line++;
        value += d;
        j++;
      }
      // only spaces may follow the closing quote
      while (j < n && (text[j] === ' ' || (text[j] === '\t' && delimiter !== '\t'))) j++;
      if (j < n && text[j] !== delimiter && text[j] !== '\n' && text[j] !== '\r') {
        throw new RecurError(`${what}, line ${line}, field ${fields.length + 1}: expected a ${DELIMITER_NAMES[delimiter]} or the end of the line after a closing quote, received ${JSON.stringify(text[j])}`);
      }
      field = value;
      fieldQuoted = true;
      i = j;
      continue;
    }
    if (c === delimiter) { endField(); i++; continue; }
    if (c === '\n' || c === '\r') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
      continue;
    }
    if (fieldQuoted) {
      throw new RecurError(`${what}, line ${line}, field ${fields.length + 1}: expected a ${DELIMITER_NAMES[delimiter]} or the end of the line after a closing quote, received ${JSON.stringify(c)}`);
    }
    field += c;
    i++;
  }
  if (field !== '' || fields.length > 0 || fieldQuoted) endRecord();
  // blank lines (whitespace only) are not records
  return records.filter((r) => !(r.fields.length === 1 && r.fields[0] === ''));
}

/** Index of the column named `name` (or, when no column has that name, a 1-based number given as text). */
export function columnIndex(table: CsvTable, name: string, what = 'column'): number {
  if (typeof name !== 'string' || name === '') fail(what, 'a column name', name);
  const i = table.header.indexOf(name);
  if (i >= 0) return i;
  throw new RecurError(`CSV ${JSON.stringify(table.source)}: expected a column named ${JSON.stringify(name)}, received columns ${table.header.map((h) => JSON.stringify(h)).join(', ')}`);
}

/**
 * The numbers of the named columns, each a Float64Array over the data rows. Missing values are an
 * error naming the line and column unless `fill` says how to fill them; any other text that is
 * not a number is always an error.
 */
export function numericColumns(table: CsvTable, names: readonly string[], fill: CsvFill = 'error'): Float64Array[] {
  if (!CSV_FILLS.includes(fill)) fail('CSV fill', CSV_FILLS.join(' | '), fill);
  const what = `CSV ${JSON.stringify(table.source)}`;
  const cols = names.map((name) => columnIndex(table, name));
  table.rows.forEach((row, r) => {
    if (row.length !== table.header.length) {
      throw new RecurError(`${what}, line ${table.lines[r]}: expected ${table.header.length} ${DELIMITER_NAMES[table.delimiter]}-separated fields as in the ${table.headerRow ? 'header' : 'first row'}, received ${row.length}`);
    }
  });
  return names.map((name, k) => {
    const col = cols[k];
    const values = new Float64Array(table.rows.length);
    const missing: number[] = [];
    table.rows.forEach((row, r) => {
      const cell = row[col];
      const where = `${what}, line ${table.lines[r]} (data row ${r + 1}), column ${JSON.stringify(name)}`;
      if (MISSING.has(cell)) {
        if (fill === 'error') throw new RecurError(`${where}: expected a number, received ${cell === '' ? 'an empty cell' : `${JSON.stringify(cell)} (a missing value)`} (choose a fill for missing values: previous, linear or zero)`);
        missing.push(r);
        return;
      }
      const v = parseNumber(cell, table.delimiter);
      if (v === null) throw new RecurError(`${where}: expected a number, received ${JSON.stringify(cell)}`);
      values[r] = v;
    });
    if (missing.length > 0) fillMissing(values, missing, fill, `${what}, column ${JSON.stringify(name)}`);
    return values;
  });
}

/** A decimal number, or null. A decimal comma is accepted when the delimiter is not a comma. */
export function parseNumber(cell: string, delimiter: CsvDelimiter = ','): number | null {
  let s = cell.trim();
  if (delimiter !== ',' && DECIMAL_COMMA.test(s)) s = s.replace(',', '.');
  if (!NUMBER.test(s)) return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

function fillMissing(values: Float64Array, missing: readonly number[], fill: CsvFill, what: string): void {
  const n = values.length;
  const isMissing = new Uint8Array(n);
  for (const r of missing) isMissing[r] = 1;
  if (missing.length === n) throw new RecurError(`${what}: expected at least one number to fill missing values from, received none`);
  if (fill === 'zero') { for (const r of missing) values[r] = 0; return; }
  // nearest known value above (prev) and below (next) of every row
  const prev = new Int32Array(n).fill(-1), next = new Int32Array(n).fill(-1);
  for (let r = 0, last = -1; r < n; r++) { if (!isMissing[r]) last = r; prev[r] = last; }
  for (let r = n - 1, last = -1; r >= 0; r--) { if (!isMissing[r]) last = r; next[r] = last; }
  for (const r of missing) {
    const a = prev[r], b = next[r];
    if (fill === 'previous') values[r] = values[a >= 0 ? a : b];
    else if (a < 0 || b < 0) values[r] = values[a >= 0 ? a : b];
    else values[r] = values[a] + ((values[b] - values[a]) * (r - a)) / (b - a);
  }
}
