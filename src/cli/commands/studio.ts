// recur studio [--port N] [--no-isolation]: serves recur studio (dist/studio/, built with the
// package) on 127.0.0.1 with the static server of the Node room (Host check, CSP, COOP/COEP so
// training can use threads) until interrupted. Nothing is fetched from the network.

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { StaticServer } from '../../node/static-server.js';
import { UsageError, int, parse } from '../args.js';

const HELP = `recur studio [--port N] [--no-isolation]
  Serves recur studio, a page that trains recurrent networks in the browser (tasks, cells,
  remedies, live charts, several runs side by side), on http://127.0.0.1:PORT/ until Ctrl-C.
  --port N          port (default 0: a free one)
  --no-isolation    no COOP/COEP headers (training then runs on one kernel thread per run)`;

export async function studioCommand(argv: string[]): Promise<number> {
  const { values: v } = parse(argv, { help: { type: 'boolean', short: 'h' }, port: { type: 'string' }, 'no-isolation': { type: 'boolean' } });
  if (v.help) { console.log(HELP); return 0; }
  const dir = fileURLToPath(new URL('../../../studio/', import.meta.url));
  if (!existsSync(dir)) throw new UsageError(`studio: expected the built page in ${dir} (run \`npm run build:studio\`), received no such folder`);
  const server = await StaticServer.start({ mounts: { '/': dir }, port: int(v, 'port', 0, 0, 65535), isolate: v['no-isolation'] !== true });
  process.stderr.write(`recur studio: ${server.url} (Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => { resolve(); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  process.stderr.write('recur studio: stopped\n');
  return 0;
}
