// The live dashboard: the report's views, served on 127.0.0.1 while a run trains, updated in the
// open page by server-sent events.
//
// Design: the server renders the same sections as the HTML report (html.ts, SVG drawn here) and
// pushes them as one HTML fragment in a JSON message; a few lines of inline script put the fragment
// in place. No assets, no client-side drawing code, no dependency.
//
// What it serves, and only that: GET / (the page), GET /events (the event stream), GET /state.json
// (the latest fragment, for scripts). Nothing from the request path reaches the file system, as
// nothing is read from it. Requests whose Host is not this server's own address are refused (a
// page elsewhere cannot read the dashboard through DNS rebinding). Every string from training data
// is escaped by the renderer; the fragment is JSON-encoded into the stream; the page allows only
// its own nonce'd script and connections to itself (Content-Security-Policy).
//
// Lifetime: the server runs until close(). `finish()` pushes the final state with done = true, and
// the open page keeps showing it after the server has gone.

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { escapeXml as esc } from '../report/escape.js';
import { renderPage, reportSections, reportSubtitle } from '../report/html.js';
import type { ReportData } from '../report/types.js';

export interface DashboardOptions {
  /** 0 chooses a free port. */
  port: number;
  title: string;
  /** Least time between two pushes, ms; default 500. */
  interval?: number;
}

interface State { html: string; status: string; done: boolean }

// The page's whole script: replace the sections with each update; stop listening when done.
const SCRIPT = `
const status = document.getElementById('live-status');
const body = document.getElementById('live-body');
const es = new EventSource('/events');
es.addEventListener('update', (ev) => {
  const d = JSON.parse(ev.data);
  const t = document.createElement('template');
  t.innerHTML = d.html;
  body.replaceChildren(t.content);
  status.textContent = d.status;
  document.documentElement.dataset.updates = String(Number(document.documentElement.dataset.updates || 0) + 1);
  if (d.done) { es.close(); document.documentElement.dataset.done = 'true'; }
});
es.addEventListener('error', () => {
  if (es.readyState === EventSource.CLOSED || document.documentElement.dataset.done) return;
  es.close();
  status.textContent = 'Connection lost: the run has ended or the server stopped. The charts show the last state received.';
});
`;

export class Dashboard {
  private state: State = { html: '', status: 'Waiting for the first training steps…', done: false };
  private readonly clients = new Set<ServerResponse>();
  private source: (() => ReportData) | null = null;
  private dirty = false;
  private lastPush = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly interval: number;
  private title: string;
  private sub = '';

  private constructor(private readonly server: Server, readonly port: number, o: DashboardOptions) {
    this.interval = o.interval ?? 500;
    this.title = o.title;
  }

  /** Starts the server on 127.0.0.1; resolves once it listens. */
  static start(o: DashboardOptions): Promise<Dashboard> {
    return new Promise((resolve, reject) => {
      let dash: Dashboard | null = null;
      const server = createServer((req, res) => { if (dash) dash.handle(req, res); else res.destroy(); });
      server.once('error', reject);
      server.listen(o.port, '127.0.0.1', () => {
        dash = new Dashboard(server, (server.address() as AddressInfo).port, o);
        resolve(dash);
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/`;
  }

  /**
   * Marks the data changed; `source` is called to build it when the next push is due (at most one
   * push every `interval` ms, so a fast run does not spend its time drawing).
   */
  update(source: () => ReportData, status: string): void {
    this.source = source;
    this.state.status = status;
    this.dirty = true;
    const wait = this.lastPush + this.interval - Date.now();
    if (wait <= 0) this.push();
    else if (!this.timer) this.timer = setTimeout(() => { this.timer = null; this.push(); }, wait);
  }

  /** Pushes the final state (done) to every open page and ends their streams. */
  finish(data: ReportData, status: string): void {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.render(data);
    this.state.status = status;
    this.state.done = true;
    this.broadcast();
    for (const c of this.clients) c.end();
    this.clients.clear();
  }

  close(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    for (const c of this.clients) c.end();
    this.clients.clear();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Renders and sends the latest data, if it changed and someone is watching (drawing for nobody would slow the run). */
  private push(): void {
    if (this.clients.size === 0) return;
    this.lastPush = Date.now();
    if (this.flush()) this.broadcast();
  }

  /** Renders the latest data if it changed since the last render; returns whether it did. */
  private flush(): boolean {
    if (!this.dirty || !this.source) return false;
    this.dirty = false;
    this.render(this.source());
    return true;
  }

  private render(data: ReportData): void {
    this.title = data.title;
    this.sub = reportSubtitle(data);
    this.state.html = reportSections(data);
  }

  private broadcast(): void {
    const msg = `event: update\ndata: ${JSON.stringify(this.state)}\n\n`;
    for (const c of this.clients) c.write(msg);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${this.port}` && host !== `localhost:${this.port}`) return plain(res, 403, 'forbidden: unexpected Host header\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') { res.setHeader('Allow', 'GET, HEAD'); return plain(res, 405, 'method not allowed\n'); }
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/events' || path === '/state.json') this.flush();
    if (path === '/') return this.page(res);
    if (path === '/events') return this.events(req, res);
    if (path === '/state.json') return send(res, 200, 'application/json; charset=utf-8', JSON.stringify(this.state));
    return plain(res, 404, 'not found\n');
  }

  private page(res: ServerResponse): void {
    const nonce = randomBytes(16).toString('base64');
    const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'nonce-${nonce}'; connect-src 'self'; base-uri 'none'; form-action 'none'`;
    const header = `${this.sub}<p class="sub live" id="live-status">${esc(this.state.status)}</p>`;
    const html = renderPage({
      title: this.title, header, body: `<div id="live-body">${this.state.html}</div>`, csp, script: { nonce, code: SCRIPT },
      footer: 'Live dashboard of recur: updates while the run trains. Nothing is loaded from the network.',
    });
    // frame-ancestors works only as a header (a <meta> policy ignores it, with a console warning)
    res.setHeader('Content-Security-Policy', `${csp}; frame-ancestors 'none'`);
    send(res, 200, 'text/html; charset=utf-8', html);
  }

  private events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
    if (req.method === 'HEAD') { res.end(); return; }
    res.write(`event: update\ndata: ${JSON.stringify(this.state)}\n\n`);
    if (this.state.done) { res.end(); return; }
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, {
    'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer', 'X-Frame-Options': 'DENY',
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}

function plain(res: ServerResponse, code: number, msg: string): void {
  send(res, code, 'text/plain; charset=utf-8', msg);
}
