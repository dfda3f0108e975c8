// The CSV parser on texts whose answers are written out by hand: quoting (delimiters, doubled
// quotes and line breaks inside quotes), the three delimiters given or detected, decimal commas,
// headers, blank lines and line endings, missing values refused or filled, unused columns left
// unread, and every error naming its line and column.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecurError } from '../src/errors.js';
import { detectDelimiter, numericColumns, parseCsv, parseNumber } from '../src/tasks/csv-parse.js';

function throwsRecur(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: unknown) => e instanceof RecurError && pattern.test(e.message), `expected a RecurError matching ${pattern}`);
}

test('quoted fields hold delimiters, doubled quotes and line breaks; lines are counted through them', () => {
  const t = parseCsv('name,note,v\n"Smith, J.","said ""hi""",1\n"multi\nline",x,2\r\nplain , "  spaced  " ,3\n', { source: 'q' });
  assert.deepEqual(t.header, ['name', 'note', 'v']);
  assert.deepEqual(t.rows, [['Smith, J.', 'said "hi"', '1'], ['multi\nline', 'x', '2'], ['plain', '  spaced  ', '3']]);
  assert.deepEqual(t.lines, [2, 3, 5]);
  assert.equal(t.delimiter, ',');
  // the line after a quoted line break is reported as itself
  throwsRecur(() => numericColumns(parseCsv('a,b\n"x\ny",1\n1,2,3\n'), ['b']), /line 4: expected 2 comma-separated fields as in the header, received 3/);
  // a misspelt column is named before a malformed row
  throwsRecur(() => numericColumns(parseCsv('a,b\n1,2,3\n'), ['c']), /expected a column named "c"/);
});

test('delimiters: detected from the first record (outside quotes) or given; decimal commas with ; and tab', () => {
  assert.equal(detectDelimiter('a;b;c\n1;2;3'), ';');
  assert.equal(detectDelimiter('a\tb\n1\t2'), '\t');
  assert.equal(detectDelimiter('"x,y";z\n1;2'), ';');
  assert.equal(detectDelimiter('one\n1\n'), ',');
  const semi = parseCsv('\ufeffdate;price;qty\n2024-01-01;"3,5";2\n2024-01-02;4,25;3\n');
  assert.equal(semi.delimiter, ';');
  assert.deepEqual(Array.from(numericColumns(semi, ['price'])[0]), [3.5, 4.25]);
  const tab = parseCsv('a\tb\n1.5\t2\n', { delimiter: '\t' });
  assert.deepEqual(Array.from(numericColumns(tab, ['a', 'b']).flatMap((c) => Array.from(c))), [1.5, 2]);
  // a comma is never a decimal point when it is the delimiter
  assert.equal(parseNumber('3,5', ','), null);
  assert.equal(parseNumber('3,5', ';'), 3.5);
  throwsRecur(() => parseCsv('a,b', { delimiter: '|' as ',' }), /CSV delimiter: expected/);
});

test('headers, blank lines, line endings; without a header the columns are numbered', () => {
  const t = parseCsv('\r\n  \na,b\r\r1,2\r\n\n3,4');
  assert.deepEqual(t.header, ['a', 'b']);
  assert.deepEqual(t.rows, [['1', '2'], ['3', '4']]);
  const n = parseCsv('1,2\n3,4\n', { header: false });
  assert.deepEqual(n.header, ['1', '2']);
  assert.deepEqual(Array.from(numericColumns(n, ['2'])[0]), [2, 4]);
  throwsRecur(() => parseCsv(''), /expected a header row of column names, received no rows/);
  throwsRecur(() => parseCsv('a,a\n1,2'), /line 1: expected distinct column names, received "a" twice/);
  throwsRecur(() => parseCsv('a,,c\n1,2,3'), /line 1, column 2: expected a column name in the header, received an empty field/);
  throwsRecur(() => parseCsv('a,b\n"open,1\n2,3\n'), /line 2: expected a closing quote for the field opened there, received the end of the text/);
  throwsRecur(() => parseCsv('a,b\n"x"y,1\n'), /line 2, field 1: expected a comma or the end of the line after a closing quote, received "y"/);
});

test('numbers: only the columns asked for are read; text elsewhere (dates) is ignored, text in them is an error', () => {
  const t = parseCsv('date,x,label\n2024-01-01,1e3,up\n2024-01-02, -2.5 ,down\n2024-01-03,.5,"up, then down"\n');
  assert.deepEqual(Array.from(numericColumns(t, ['x'])[0]), [1000, -2.5, 0.5]);
  throwsRecur(() => numericColumns(t, ['label']), /line 2 \(data row 1\), column "label": expected a number, received "up"/);
  throwsRecur(() => numericColumns(t, ['y']), /expected a column named "y", received columns "date", "x", "label"/);
  for (const bad of ['0x10', 'Infinity', '1,000', '1.2.3', '--1']) assert.equal(parseNumber(bad), null, bad);
  for (const [s, v] of [['+4', 4], ['4.', 4], ['-1E-2', -0.01]] as const) assert.equal(parseNumber(s), v);
});

test('missing values: an error naming row and column, or filled from the previous value, linearly or with zero', () => {
  const t = parseCsv('t,v\n0,\n1,2\n2,NA\n3,\n4,8\n5,""\n');
  throwsRecur(() => numericColumns(t, ['v']), /line 2 \(data row 1\), column "v": expected a number, received an empty cell \(choose a fill/);
  const na = parseCsv('t,v\n0,1\n1,N/A\n');
  throwsRecur(() => numericColumns(na, ['v']), /line 3 \(data row 2\), column "v": expected a number, received "N\/A" \(a missing value\)/);
  assert.deepEqual(Array.from(numericColumns(t, ['v'], 'previous')[0]), [2, 2, 2, 2, 8, 8]);
  assert.deepEqual(Array.from(numericColumns(t, ['v'], 'linear')[0]), [2, 2, 4, 6, 8, 8]);
  assert.deepEqual(Array.from(numericColumns(t, ['v'], 'zero')[0]), [0, 2, 0, 0, 8, 0]);
  throwsRecur(() => numericColumns(parseCsv('t,v\n0,\n1,\n'), ['v'], 'linear'), /expected at least one number to fill missing values from, received none/);
  throwsRecur(() => numericColumns(t, ['v'], 'mean' as 'zero'), /CSV fill: expected error \| previous \| linear \| zero/);
});
