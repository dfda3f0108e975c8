// Preloaded into a CLI process by the resource-limit test (node --import …/rss-on-exit.js):
// at exit, writes the process's peak resident memory in kB (process.resourceUsage().maxRSS) to
// the file named by RECUR_TEST_RSS_FILE. Test-only: nothing in recur reads that variable.
import { writeFileSync } from 'node:fs';

const file = process.env['RECUR_TEST_RSS_FILE'];
if (file) process.on('exit', () => { writeFileSync(file, String(process.resourceUsage().maxRSS)); });
