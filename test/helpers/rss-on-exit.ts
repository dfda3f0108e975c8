// Preloaded into a CLI process by the tests of hostile input (node --import …/rss-on-exit.js): at
// exit, writes the process's peak resident memory in kB (process.resourceUsage().maxRSS) and its
// CPU time in ms, as JSON, to the file named by RECUR_TEST_RSS_FILE. Test-only: nothing in recur
// reads that variable.
import { writeFileSync } from 'node:fs';

const file = process.env['RECUR_TEST_RSS_FILE'];
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKB: u.maxRSS, cpuMs: Math.round((u.userCPUTime + u.systemCPUTime) / 1000) }));
  });
}
