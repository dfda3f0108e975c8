// The bench-sized model-file fuzz (issue 16): `npm run fuzz` (10,000 files), or
//   node scripts/fuzz-model-files.mjs [FILES] [SEED]
// after `npm run build`. Structural mutations of model files (test/helpers/model-fuzz.ts) judged
// in child processes under a 300 MB memory limit and 2 s of CPU time per file (test/helpers/fuzz-run.ts);
// prints the outcomes, the slowest file, the largest peak memory and every finding, and exits 1
// on any finding. test/model-file-fuzz.test.ts runs a few hundred of the same in `npm test`.
import { runFuzz } from '../dist/test/helpers/fuzz-run.js';

const files = Number(process.argv[2] ?? 10000);
const seed = Number(process.argv[3] ?? 1);
const s = await runFuzz({ files, seed, perChild: 250, concurrency: 2, perFileMs: 2000, rssLimitMB: 300 });
console.log(`${s.files} files in ${s.seconds.toFixed(1)} s: ${JSON.stringify(s.outcomes)}; slowest file ${s.maxFileMs} ms (${s.slowest}); largest child peak ${s.maxRssMB} MB`);
for (const f of s.findings.slice(0, 50)) console.log(`finding: ${f}`);
if (s.findings.length) { console.log(`${s.findings.length} findings`); process.exitCode = 1; }
