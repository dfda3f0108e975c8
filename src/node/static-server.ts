// A static file server on 127.0.0.1 for recur studio (and the browser tests and bench): the files
// of the folders it is given, listed once at start, so a request path is looked up in that list
// and never reaches the file system as a path (no traversal). Like the dashboard it refuses a Host
// other than its own address (DNS rebinding) and sends a Content-Security-Policy that allows only
// the page's own files (scripts, workers, wasm compiled from them). With `isolate` (the default) it
// sends COOP/COEP, which makes the page cross-origin isolated, so the kernels can use threads.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', js: 'text/javascript; charset=utf-8', css: 'text/css; charset=utf-8',
  wasm: 'application/wasm', json: 'application/json; charset=utf-8', svg: 'image/svg+xml', png: 'image/png',
  txt: 'text/plain; charset=utf-8', csv: 'text/csv; charset=utf-8',
};

export const STUDIO_CSP = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export interface StaticOptions {
  /** URL prefix ('/', '/lib/') → folder; every file under the folder is served below the prefix. */
  mounts: Record<string, string>;
  /** 0 chooses a free port. */
  port: number;
  /** Send COOP/COEP (cross-origin isolation, for threads); default true. */
  isolate?: boolean;
  /** Content-Security-Policy of every response; default STUDIO_CSP. */
  csp?: string;
}

function listFiles(dir: string, prefix: string, out: Map<string, string>): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) listFiles(p, `${prefix}${e.name}/`, out);
    else if (e.isFile() && (e.name.split('.').pop() ?? '') in TYPES) out.set(prefix + e.name, p);
  }
}

export class StaticServer {
  private readonly files = new Map<string, string>();

  private constructor(private readonly server: Server, readonly port: number, files: Map<string, string>, private readonly o: StaticOptions) {
    this.files = files;
  }

  static async start(o: StaticOptions): Promise<StaticServer> {
    const files = new Map<string, string>();
    for (const [prefix, dir] of Object.entries(o.mounts)) {
      statSync(dir); // a missing folder is an error now, not a 404 later
      listFiles(dir, prefix.endsWith('/') ? prefix : `${prefix}/`, files);
    }
    let self: StaticServer | null = null;
    const server = createServer((req, res) => self!.handle(req, res));
    await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(o.port, '127.0.0.1', () => resolve()); });
    self = new StaticServer(server, (server.address() as AddressInfo).port, files, o);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /** The file behind a served path, or undefined. */
  fileOf(path: string): string | undefined {
    return this.files.get(path.endsWith('/') ? `${path}index.html` : path);
  }

  /** The paths served (for tests). */
  get paths(): string[] {
    return [...this.files.keys()].sort();
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${this.port}` && host !== `localhost:${this.port}`) return this.send(res, 403, 'txt', 'forbidden: unexpected Host header\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.setHeader('Allow', 'GET, HEAD'); return this.send(res, 405, 'txt', 'method not allowed\n'); }
    let path = (req.url ?? '/').split(/[?#]/)[0]!;
    if (path.endsWith('/')) path += 'index.html';
    const file = this.files.get(path);
    if (!file) return this.send(res, 404, 'txt', 'not found\n');
    this.send(res, 200, path.split('.').pop()!, readFileSync(file));
  }

  private send(res: ServerResponse, code: number, ext: string, body: string | Uint8Array): void {
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[ext] ?? 'application/octet-stream', 'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
      'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': this.o.csp ?? STUDIO_CSP, 'Cross-Origin-Resource-Policy': 'same-origin',
    };
    if (this.o.isolate !== false) { headers['Cross-Origin-Opener-Policy'] = 'same-origin'; headers['Cross-Origin-Embedder-Policy'] = 'require-corp'; }
    res.writeHead(code, headers);
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }
}
