// A character model of names, one name a sequence (as makemore does): an array of strings in,
// new names out. The model reads each name between start and end marks, so it learns where
// names begin and end; loss is in nats per character, each name's end counted.
//
//   npm run build && node dist/examples/names.js [path/to/names.txt]

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TextModel } from 'recur';

// The data: data/names.txt of the repository (32,033 names); every eighth keeps this quick.
const file = process.argv[2] ?? fileURLToPath(new URL('../../data/names.txt', import.meta.url));
const all = readFileSync(file, 'utf8').split('\n').filter((n) => n.length > 0);
const names = all.filter((_, i) => i % 8 === 0);
const train = names.filter((_, i) => i % 10 !== 0), held = names.filter((_, i) => i % 10 === 0);

// user code begins
const model = new TextModel({ cell: 'gru', hiddenSize: 64, seed: 1 });
const result = model.fit(train, { epochs: 4, validationData: held });
const samples = Array.from({ length: 8 }, () => model.generate({ temperature: 0.8 }));
const completed = model.generate({ prefix: 'mar', temperature: 0.8, topK: 5 });
// user code ends

console.log(`held-out loss ${result.valLoss!.toFixed(3)} nats per character (unigram entropy ${result.baselineLoss!.toFixed(3)})`);
console.log(`new names: ${samples.join(', ')}; mar…: ${completed}`);
// 0.85 × the unigram entropy is where recur counts a text task solved; a table of bigram counts
// (add-one) fitted to the same names scores 0.89 × on the held-out ones
assert.ok(result.valLoss! < 0.85 * result.baselineLoss!, 'loss well under the unigram entropy');
assert.ok(completed.startsWith('mar'));
