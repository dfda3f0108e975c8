// The vocabulary of a text model: the "recur.vocab" metadata of its file, a JSON array with one
// character per output (id = position). Read as hostile input, when the model is loaded:
// - a character is exactly one Unicode scalar value: one code point, not a lone surrogate (which
//   no UTF-8 text can hold, so such an entry could never be read or written);
// - the entries are distinct, one per output of the head;
// - a text model reads the same ids it predicts: its embedding has one row per output.

import { RecurError } from '../errors.js';
import type { ModelConfig } from './config.js';
import { parseJsonText } from './untrusted-json.js';

export const VOCAB_KEY = 'recur.vocab';

/** The vocabulary a text model was saved with; null when its metadata has none. */
export function modelVocab(metadata: Record<string, string>, config: ModelConfig): string[] | null {
  const text = metadata[VOCAB_KEY];
  if (text === undefined) return null;
  const where = `model file metadata "${VOCAB_KEY}"`;
  const n = config.outputSize;
  const inp = config.input;
  if (inp.kind !== 'tokens') throw new RecurError(`${where}: expected a model that reads token ids (a text model), received one that reads ${inp.size} features`);
  if (inp.vocabSize !== n) throw new RecurError(`model file: expected a text model whose embedding has one row per output, received ${inp.vocabSize} embedding rows and ${n} outputs`);
  const v = parseJsonText(text, where, 1);
  if (!Array.isArray(v) || v.length !== n) throw new RecurError(`${where}: expected an array of ${n} characters (one per output), received ${Array.isArray(v) ? `${v.length} entries` : typeof v}`);
  v.forEach((c, i) => {
    if (!isOneCharacter(c)) throw new RecurError(`${where}[${i}]: expected one character (one Unicode code point, not a lone surrogate), received ${describeEntry(c)}`);
  });
  if (new Set(v).size !== v.length) throw new RecurError(`${where}: expected distinct characters, received a repeated one`);
  return v as string[];
}

function isOneCharacter(c: unknown): c is string {
  if (typeof c !== 'string' || c.length === 0 || c.length > 2) return false;
  const cp = c.codePointAt(0)!;
  return (cp < 0xd800 || cp > 0xdfff) && String.fromCodePoint(cp) === c;
}

function describeEntry(c: unknown): string {
  if (typeof c !== 'string') return typeof c;
  const units = Array.from(c.slice(0, 8), (ch) => 'U+' + ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0'));
  return `${c.length} UTF-16 units (${units.join(' ')}${c.length > 8 ? ' …' : ''})`;
}
