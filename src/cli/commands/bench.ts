// recur bench: the benchmark workloads of bench/ (recur against TensorFlow.js, brain.js and
// PyTorch in one run), the same program as `npm run bench`. It lives in the repository's bench/
// folder, built next to the library; an installed package without it says so.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../args.js';

const RUN = new URL('../../../bench/run.js', import.meta.url);

interface BenchModule {
  parseArgs(argv: string[]): object | 'help';
  runBench(o: object): Promise<object>;
  formatTable(r: object): string;
  HELP: string;
  UsageError: new (...a: unknown[]) => Error;
}

export async function benchCommand(argv: string[]): Promise<number> {
  if (!existsSync(fileURLToPath(RUN))) {
    throw new UsageError('recur bench: the benchmark programs are not here (they come with the repository: git clone, npm ci, then recur bench)');
  }
  const bench = await import(RUN.href) as BenchModule;
  let o: object | 'help';
  try {
    o = bench.parseArgs(argv);
  } catch (e) {
    if (e instanceof bench.UsageError) throw new UsageError(`recur bench: ${e.message}`);
    throw e;
  }
  if (o === 'help') { process.stdout.write(bench.HELP.replace('npm run bench -- [flags]', 'recur bench [flags]')); return 0; }
  const report = await bench.runBench(o);
  process.stdout.write(bench.formatTable(report) + '\n');
  if ((o as { json?: boolean }).json) process.stdout.write(JSON.stringify(report) + '\n');
  return 0;
}
