// The shapes of series data the forecaster takes, turned into named columns:
//   number[] or a typed array        one column (named "value" unless `names` says otherwise)
//   number[][]                       rows × columns, each row one time step (columns "0", "1", …
//                                    unless named)
//   { name: number[] | typed array } named columns of equal length
// Values are checked where they are used (finite, equal lengths) and errors name the column and row.

import { RecurError, fail, failWith } from '../errors.js';

export type SeriesData = ArrayLike<number> | readonly (readonly number[])[] | Readonly<Record<string, ArrayLike<number>>>;

export interface NamedColumns { names: string[]; columns: ArrayLike<number>[] }

export function seriesColumns(data: SeriesData, what: string, names?: readonly string[]): NamedColumns {
  if (data === null || typeof data !== 'object') fail(what, 'a series: number[], a typed array, number[][] (rows × columns) or { name: number[] }', data);
  if (ArrayBuffer.isView(data)) return single(data as unknown as ArrayLike<number>, names);
  if (Array.isArray(data)) {
    if (data.length === 0) failWith(what, 'a series with some values', 'an empty array');
    if (!Array.isArray(data[0]) && !ArrayBuffer.isView(data[0])) return single(data as ArrayLike<number>, names);
    const rows = data as readonly (readonly number[])[];
    const width = rows[0].length;
    if (width === 0) failWith(`${what}[0]`, 'a row of at least one value (rows × columns)', 'an empty row');
    rows.forEach((r, j) => {
      if ((!Array.isArray(r) && !ArrayBuffer.isView(r)) || r.length !== width) fail(`${what}[${j}]`, `a row of ${width} values (as row 0; rows × columns)`, r);
    });
    const cols = Array.from({ length: width }, (_, c) => Float64Array.from(rows, (r, j) => {
      const v = r[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what}[${j}][${c}]`, 'a finite number', v);
      return v;
    }));
    const n = names ?? cols.map((_, c) => String(c));
    if (n.length !== width) fail('columns (names of the data\'s columns)', `${width} names, one per column`, n);
    return { names: [...n], columns: cols };
  }
  const entries = Object.entries(data as Record<string, ArrayLike<number>>);
  if (entries.length === 0) failWith(what, 'at least one named column', 'an empty object');
  for (const [k, v] of entries) {
    if (v === null || typeof v !== 'object' || typeof (v as ArrayLike<number>).length !== 'number') fail(`${what}.${k}`, 'an array of numbers', v);
  }
  return { names: entries.map(([k]) => k), columns: entries.map(([, v]) => v) };
}

function single(values: ArrayLike<number>, names?: readonly string[]): NamedColumns {
  return { names: [names?.[0] ?? 'value'], columns: [values] };
}

/**
 * The columns a model uses (`wanted`, by name), from data of the same layout: by name when the data
 * has them all, else in order when it has exactly as many columns.
 */
export function selectColumns(data: NamedColumns, wanted: readonly string[], what: string): ArrayLike<number>[] {
  const idx = wanted.map((w) => data.names.indexOf(w));
  if (idx.every((i) => i >= 0)) return idx.map((i) => data.columns[i]);
  if (data.columns.length === wanted.length) return data.columns;
  throw new RecurError(`${what}: expected the model's columns ${wanted.map((w) => JSON.stringify(w)).join(', ')} (by name, or exactly ${wanted.length} in that order), received ${data.names.map((w) => JSON.stringify(w)).join(', ')}`);
}

/** Index of a column given by name or number. */
export function resolveColumn(c: string | number, names: readonly string[], what: string): number {
  if (typeof c === 'number') {
    if (!Number.isInteger(c) || c < 0 || c >= names.length) fail(what, `a column index in [0, ${names.length})`, c);
    return c;
  }
  const i = names.indexOf(c);
  if (i < 0) fail(what, `one of the columns ${names.map((n) => JSON.stringify(n)).join(', ')}`, c);
  return i;
}

/** Which columns a forecaster reads and predicts (names or indices; default all, or the inputs). */
export interface ColumnChoice { inputs?: readonly (string | number)[]; targets?: string | number | readonly (string | number)[] }

/**
 * The columns of a first fit: those used (inputs first, then targets not among them) with their
 * names, and the inputs and targets as indices into them. `what` names the options in messages.
 */
export function usedColumns(d: NamedColumns, o: ColumnChoice, what: string): { columns: ArrayLike<number>[]; names: string[]; inputs: number[]; targets: number[] } {
  const ins = (o.inputs ?? d.names.map((_, i) => i)).map((x, k) => resolveColumn(x, d.names, `${what} inputs[${k}]`));
  if (ins.length === 0) fail(`${what} inputs`, 'at least one column', o.inputs);
  const t = o.targets === undefined ? (o.inputs === undefined ? d.names.map((_, i) => i) : ins) : (Array.isArray(o.targets) ? o.targets : [o.targets as string | number]).map((x, k) => resolveColumn(x, d.names, `${what} targets[${k}]`));
  if (t.length === 0) fail(`${what} targets`, 'at least one column', o.targets);
  const used = [...new Set([...ins, ...t])];
  if (new Set(ins).size !== ins.length) fail(`${what} inputs`, 'distinct columns', o.inputs);
  if (new Set(t).size !== t.length) fail(`${what} targets`, 'distinct columns', o.targets);
  return { columns: used.map((i) => d.columns[i]), names: used.map((i) => d.names[i]), inputs: ins.map((i) => used.indexOf(i)), targets: t.map((i) => used.indexOf(i)) };
}
