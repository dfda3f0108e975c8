// Hostile model files, by structure (issue 16): a few hundred files mutated in their config
// (sizes, layers, dilations, vocabulary), their header (shapes, offsets, dtypes, the length field)
// and their bytes, judged in child processes under a memory and a time limit. Each file loads and
// runs or is refused with a RecurError; no child's peak memory reaches 300 MB, whatever its files
// claim; no file takes more than 2 s of CPU time (and a child that hangs is killed). The
// bench-sized run (10,000 files and more) is `npm run fuzz` (scripts/fuzz-model-files.mjs).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFuzz } from './helpers/fuzz-run.js';

test('model file fuzz: 320 structural mutations, each loaded or refused, under 300 MB and 2 s of CPU each', async () => {
  const s = await runFuzz({ files: 320, seed: 16, perChild: 80, concurrency: 2, perFileMs: 2000, rssLimitMB: 300 });
  assert.deepEqual(s.findings, []);
  assert.equal((s.outcomes.ok ?? 0) + (s.outcomes.refused ?? 0), 320, JSON.stringify(s.outcomes));
  // the mutations reach both sides: valid files that run (resized ones included) and refusals
  assert.ok((s.outcomes.ok ?? 0) >= 10, `files that loaded and ran: ${s.outcomes.ok}`);
  assert.ok((s.outcomes.refused ?? 0) >= 200, `files refused: ${s.outcomes.refused}`);
  assert.ok(s.maxRssMB > 0 && s.maxRssMB < 300, `peak resident memory of a child: ${s.maxRssMB} MB`);
});
