// The live dashboard's server (node/dashboard.ts) without a browser: it listens on 127.0.0.1
// only, serves its three routes and nothing else (no path reaches the file system), refuses other
// methods and foreign Host headers, escapes hostile strings from training data, and streams
// updates, ending the stream when the run is done. Plus the CLI's flag checks.

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { Dashboard } from '../src/node/dashboard.js';
import type { ReportData } from '../src/report/types.js';

const HOSTILE = '<img src=x onerror=alert(1)>"\'&';

function data(step: number): ReportData {
  return {
    title: `run ${HOSTILE}`, command: `recur train ${HOSTILE}`,
    runs: [{
      name: HOSTILE, config: { [HOSTILE]: HOSTILE }, summary: { steps: step },
      points: Array.from({ length: step }, (_, i) => ({ step: i + 1, trainLoss: 1 / (i + 1) })),
      vitals: [{ name: HOSTILE, value: HOSTILE, status: 'warn', note: HOSTILE }],
    }],
  };
}

function get(port: number, path: string, o: { method?: string; host?: string } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: o.method ?? 'GET', headers: o.host ? { host: o.host } : {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('dashboard: its own routes only, on 127.0.0.1, with hostile strings escaped', async () => {
  const dash = await Dashboard.start({ port: 0, title: 'test', interval: 0 });
  try {
    assert.match(dash.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    dash.update(() => data(20), 'Training: step 20.');
    const page = await get(dash.port, '/');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'nonce-[^']+'; connect-src 'self'/);
    assert.ok(!page.body.includes('<img'), 'no live <img> from the data');
    assert.ok(page.body.includes('&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;'));
    // the only script is the page's own, carrying the nonce of the header
    const nonce = /'nonce-([^']+)'/.exec(String(page.headers['content-security-policy']))![1];
    assert.deepEqual([...page.body.matchAll(/<script([^>]*)>/g)].map((m) => m[1]), [` nonce="${nonce}"`]);
    const state = JSON.parse((await get(dash.port, '/state.json')).body) as { html: string; status: string; done: boolean };
    assert.equal(state.done, false);
    assert.ok(!state.html.includes('<img') && state.html.includes('<svg'));
    for (const path of ['/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/dist/src/index.js', '/index.html', '//etc/passwd', '/events/../state.json']) {
      assert.equal((await get(dash.port, path)).status, 404, path);
    }
    assert.equal((await get(dash.port, '/', { method: 'POST' })).status, 405);
    assert.equal((await get(dash.port, '/', { host: 'attacker.example' })).status, 403);
    assert.equal((await get(dash.port, '/state.json', { host: `localhost:${dash.port}` })).status, 200);
  } finally {
    await dash.close();
  }
});

test('dashboard: the event stream sends the state, later updates, and ends when the run is done', async () => {
  const dash = await Dashboard.start({ port: 0, title: 'test', interval: 0 });
  try {
    const events: { html: string; status: string; done: boolean }[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: dash.port, path: '/events' }, (res) => {
        assert.match(String(res.headers['content-type']), /^text\/event-stream/);
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          buf += c;
          let i;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const msg = buf.slice(0, i); buf = buf.slice(i + 2);
            const line = msg.split('\n').find((l) => l.startsWith('data: '))!;
            events.push(JSON.parse(line.slice(6)));
            if (events.length === 1) { dash.update(() => data(5), 'step 5'); setTimeout(() => dash.finish(data(9), 'finished'), 20); }
          }
        });
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.end();
    });
    await ended;
    assert.equal(events[0].html, '');
    assert.equal(events.at(-1)!.done, true);
    assert.equal(events.at(-1)!.status, 'finished');
    assert.ok(events.length >= 3, `${events.length} events`);
    assert.ok(events.some((e) => e.status === 'step 5' && e.html.includes('<svg')));
  } finally {
    await dash.close();
  }
});
