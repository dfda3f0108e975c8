// The cases of issue 16 (hostile files, huge sizes, careless flags), each run as its own process
// under a bound, with its exit code, first line of standard error and peak memory: the table of
// the issue's closing note. Measures any build of the CLI, so the same cases run on main's code
// (before) and on this branch's (after):
//
//   node scripts/hostile-cases.mjs [--recur PATH/dist/src/cli/main.js] [--only 1.1,2.3] [--out FILE.md]
//
// Every case runs as /usr/bin/time -v timeout -k 5 30 node main.js ... (peak memory from time's
// "Maximum resident set size"), while this script reads the node process's VmRSS every 20 ms and
// kills it past 3 GB, so no case can take the shared machine down. (ulimit -v cannot bound these
// runs: the wasm kernels' shared memory reserves about 10 GB of address space up front, and under
// a 3 GB ulimit -v they would not start at all.) Needs Debian's `time` package.

import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : def; };
const recur = path.resolve(opt('--recur', path.join(root, 'dist/src/cli/main.js')));
const only = opt('--only', '') ? new Set(opt('--only', '').split(',')) : null;
const outFile = opt('--out', '');
const RSS_LIMIT_KB = 3 * 1024 * 1024;
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'recur-hostile-'));
const names = path.join(root, 'data/names.txt');

// ---------------------------------------------------------------------------------------------
// Crafting model files: a valid file from the CLI under test, then its header rewritten.

function readSt(file) {
  const b = fs.readFileSync(file);
  const n = Number(b.readBigUInt64LE(0));
  return { header: JSON.parse(b.subarray(8, 8 + n).toString('utf8')), data: b.subarray(8 + n) };
}
function writeSt(file, header, data) {
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - (json.length % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  fs.writeFileSync(file, Buffer.concat([len, json, data]));
}
function withConfig(src, dst, change) {
  const { header, data } = readSt(src);
  const cfg = JSON.parse(header.__metadata__['recur.config']);
  change(cfg, header.__metadata__);
  header.__metadata__['recur.config'] = JSON.stringify(cfg);
  writeSt(dst, header, data);
  return dst;
}

function run(argv) {
  return execFileSync(process.execPath, [recur, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: '1' } });
}

const F = (name) => path.join(work, name);
run(['train', '--task', 'adding', '--length', '20', '--hidden', '8', '--steps', '1', '--kernels', 'js', '--save', F('adding.safetensors')]);
run(['train', '--task', 'text', '--text', names, '--hidden', '8', '--steps', '1', '--kernels', 'js', '--save', F('text.safetensors')]);
fs.writeFileSync(F('series.csv'), 'x\n' + Array.from({ length: 200 }, (_, i) => Math.sin(i / 5).toFixed(4)).join('\n') + '\n');
run(['train', '--task', 'csv', '--csv', F('series.csv'), '--column', 'x', '--window', '8', '--hidden', '8', '--steps', '1', '--kernels', 'js', '--save', F('csv.safetensors')]);
withConfig(F('adding.safetensors'), F('dil65536.safetensors'), (c) => { c.dilations = [65536]; });
fs.copyFileSync(F('adding.safetensors'), F('sparse.safetensors'));
fs.truncateSync(F('sparse.safetensors'), 1.5e9); // a valid model followed by 1.5 GB of (sparse) zeros
execFileSync('mkfifo', [F('fifo')]);
withConfig(F('text.safetensors'), F('vocab-surrogate.safetensors'), (_c, meta) => {
  const v = JSON.parse(meta['recur.vocab']);
  v[v.length - 1] = '\ud800';
  meta['recur.vocab'] = JSON.stringify(v);
});
{ // a text model whose head has one output more than its embedding has rows (and its vocabulary entries)
  const { header, data } = readSt(F('text.safetensors'));
  const cfg = JSON.parse(header.__metadata__['recur.config']);
  const o = cfg.outputSize, h = cfg.hiddenSize;
  cfg.outputSize = o + 1;
  header.__metadata__['recur.config'] = JSON.stringify(cfg);
  const v = JSON.parse(header.__metadata__['recur.vocab']);
  v.push('\u{1F600}');
  header.__metadata__['recur.vocab'] = JSON.stringify(v);
  // rebuild the data: head.weight (O, H) → (O+1, H), head.bias (O) → (O+1), everything else as is
  const parts = [];
  let at = 0;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__').sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  for (const [name, e] of entries) {
    let bytes = data.subarray(e.data_offsets[0], e.data_offsets[1]);
    if (name === 'head.weight') { bytes = Buffer.concat([bytes, Buffer.alloc(4 * h)]); e.shape = [o + 1, h]; }
    if (name === 'head.bias') { bytes = Buffer.concat([bytes, Buffer.alloc(4)]); e.shape = [o + 1]; }
    e.data_offsets = [at, at + bytes.length];
    at += bytes.length;
    parts.push(bytes);
  }
  writeSt(F('outsize.safetensors'), header, Buffer.concat(parts));
}
fs.writeFileSync(F('big.txt'), '');
fs.truncateSync(F('big.txt'), 200 * 2 ** 20); // 200 MiB of NUL characters (valid UTF-8)

// ---------------------------------------------------------------------------------------------
// The cases.

const T = ['--task', 'adding', '--length', '10', '--hidden', '8'];
const CASES = [
  ['1.1', 'dilation 65536 in a 2.4 KB model file', ['eval', '--model', F('dil65536.safetensors'), '--task', 'adding', '--length', '20']],
  ['1.2', '--dilations 65536 from the CLI', ['train', '--task', 'adding', '--length', '20', '--dilations', '65536', '--steps', '1']],
  ['2.1', 'model file /dev/zero', ['eval', '--model', '/dev/zero', '--task', 'adding']],
  ['2.2', '1.5 GB sparse file: a valid model + trailing zeros', ['eval', '--model', F('sparse.safetensors'), '--task', 'adding', '--length', '20']],
  ['2.3', 'model file: a FIFO with no writer', ['eval', '--model', F('fifo'), '--task', 'adding']],
  ['2.4', 'text input /dev/zero', ['train', '--task', 'text', '--text', '/dev/zero', '--steps', '1']],
  ['2.5', 'CSV input /dev/zero', ['train', '--task', 'csv', '--csv', '/dev/zero', '--column', 'x', '--steps', '1']],
  ['2.6', 'text input: a 200 MiB file', ['train', '--task', 'text', '--text', F('big.txt'), '--steps', '1']],
  ['3.1', '--hidden 65536 (wasm)', ['train', '--task', 'adding', '--hidden', '65536', '--steps', '1']],
  ['3.2', '--hidden 65536 (js)', ['train', '--task', 'adding', '--hidden', '65536', '--steps', '1', '--kernels', 'js']],
  ['3.3', '--layers 64 --hidden 4096', ['train', '--task', 'adding', '--layers', '64', '--hidden', '4096', '--steps', '1']],
  ['3.4', '--length 100000 --batch 1000000', ['train', '--task', 'adding', '--length', '100000', '--batch', '1000000', '--steps', '1']],
  ['4.1', '--report into a missing folder', ['train', ...T, '--steps', '20', '--report', '/nonexistent/dir/r.html']],
  ['4.2', '--metrics-log into a missing folder', ['train', ...T, '--steps', '20', '--metrics-log', '/nonexistent/dir/m.jsonl']],
  ['4.3', '--save into a missing folder', ['train', ...T, '--steps', '20', '--save', '/nonexistent/dir/m.safetensors']],
  ['4.4', '--checkpoint-dir under a file', ['train', ...T, '--steps', '20', '--checkpoint-dir', '/etc/hostname/ck']],
  ['4.5', '--save onto a directory', ['train', ...T, '--steps', '20', '--save', '/tmp']],
  ['4.6', 'demo --out under a file', ['demo', '--out', '/etc/hostname/demo', '--steps', '2', '--length', '10', '--hidden', '4']],
  ['5.1', '--task text --bidirectional', ['train', '--task', 'text', '--text', names, '--bidirectional', '--steps', '1', '--hidden', '8']],
  ['5.2', '--leak with gru', ['train', ...T, '--cell', 'gru', '--leak', '0.1', '--steps', '1']],
  ['5.3', '--leak with tanh', ['train', ...T, '--cell', 'rnn', '--leak', '0.1', '--steps', '1']],
  ['5.4', '--embed on adding', ['train', ...T, '--embed', '8', '--steps', '1']],
  ['5.5', '--text on adding', ['train', ...T, '--text', names, '--steps', '1']],
  ['5.6', '--window on adding', ['train', ...T, '--window', '4', '--steps', '1']],
  ['5.7', '--column on adding', ['train', ...T, '--column', 'x', '--steps', '1']],
  ['5.8', '--dropout with one layer', ['train', ...T, '--dropout', '0.5', '--steps', '1']],
  ['5.9', '--preset irnn --cell lstm', ['train', ...T, '--preset', 'irnn', '--cell', 'lstm', '--steps', '1']],
  ['5.10', 'a flag twice with two values', ['train', ...T, '--hidden', '16', '--steps', '1']],
  ['5.11', 'eval --kernels foo', ['eval', '--model', F('adding.safetensors'), '--task', 'adding', '--length', '20', '--kernels', 'foo']],
  ['5.12', 'eval --threads 999', ['eval', '--model', F('adding.safetensors'), '--task', 'adding', '--length', '20', '--threads', '999']],
  ['5.13', 'sample --kernels foo', ['sample', '--model', F('text.safetensors'), '--kernels', 'foo', '--count', '1']],
  ['5.14', 'forecast --threads 999', ['forecast', '--model', F('csv.safetensors'), '--csv', F('series.csv'), '--column', 'x', '--steps', '2', '--threads', '999']],
  ['5.15', '--hidden -1', ['train', '--task', 'adding', '--hidden', '-1']],
  ['5.16', '--lr -0.1', ['train', '--task', 'adding', '--lr', '-0.1']],
  ['5.17', 'sample --temperature -1', ['sample', '--model', F('text.safetensors'), '--temperature', '-1']],
  ['5.18', '--lr 1e6 (diverges)', ['train', ...T, '--lr', '1e6', '--steps', '30', '--json']],
  ['6.1', 'vocabulary entry: a lone surrogate', ['sample', '--model', F('vocab-surrogate.safetensors'), '--count', '1']],
  ['6.2', 'text model: output size ≠ embedding rows', ['eval', '--model', F('outsize.safetensors'), '--task', 'text', '--text', names]],
  ['7.1', 'progress on a terminal: before the first evaluation, and the last line', ['train', ...T, '--steps', '300', '--eval-every', '200', '--kernels', 'js', '--json']],
  ['7.2', 'sample without --prefix (empty samples)', ['sample', '--model', F('text.safetensors'), '--count', '40', '--json']],
];

function rssKb(pid) {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch { return 0; }
}
function nodeChild(pid) {
  // time → timeout → node: the deepest descendant is the node process
  let cur = pid;
  for (let i = 0; i < 3; i++) {
    let kids = '';
    try { kids = fs.readFileSync(`/proc/${cur}/task/${cur}/children`, 'utf8').trim(); } catch { return null; }
    if (!kids) return i === 2 ? cur : null;
    cur = Number(kids.split(/\s+/)[0]);
  }
  return cur;
}

function runCase([id, what, argv]) {
  return new Promise((resolve) => {
    const timeFile = path.join(work, `time-${id}.txt`);
    const started = Date.now();
    // 7.1 runs on a terminal (script(1)), where the progress bar is redrawn at every step
    const tty = id === '7.1';
    const cmd = tty ? ['script', '-qec', [process.execPath, recur, ...argv].map((a) => `'${a}'`).join(' '), '/dev/null'] : [process.execPath, recur, ...argv];
    const env = { ...process.env, CI: '1' };
    if (tty) delete env.CI;
    const child = spawn('/usr/bin/time', ['-v', '-o', timeFile, 'timeout', '-k', '5', '30', ...cmd],
      { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '', err = '', killed = false;
    child.stdout.on('data', (d) => { if (out.length < 1e6) out += d; });
    child.stderr.on('data', (d) => { if (err.length < 1e6) err += d; });
    const watch = setInterval(() => {
      const pid = nodeChild(child.pid);
      if (pid && rssKb(pid) > RSS_LIMIT_KB) { killed = true; try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }, 20);
    child.on('close', (code) => {
      clearInterval(watch);
      const t = fs.existsSync(timeFile) ? fs.readFileSync(timeFile, 'utf8') : '';
      const peak = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(t)?.[1] ?? 0);
      const inner = /Exit status: (\d+)/.exec(t)?.[1];
      const exit = inner !== undefined ? Number(inner) : code;
      const lines = err.split('\n').filter((l) => l.trim() !== '' && !/^\s*(lstm|gru|rnn|tanh) step |^(dashboard|report):/.test(l));
      const message = lines[0] ?? '';
      resolve({ id, what, argv, exit: killed ? 'killed at 3 GB' : exit === 124 ? 'timeout 30 s' : exit, message, stderrLines: lines.length,
        stack: /\n\s+at /.test(err), peakMB: Math.round(peak / 1024), seconds: (Date.now() - started) / 1000, out, err });
    });
  });
}

const shown = (argv) => 'recur ' + argv.map((a) => (a.startsWith(work) ? a.replace(work, '$W') : a.startsWith(root) ? path.relative(root, a) : a)).join(' ');
const rows = [];
for (const c of CASES) {
  if (only && !only.has(c[0])) continue;
  const r = await runCase(c);
  let note = '';
  if (c[0] === '5.18') { try { note = `last stdout: ${r.out.trim().split('\n').at(-1).slice(0, 160)}`; } catch { /* none */ } }
  if (c[0] === '7.1') {
    const bars = (r.out + r.err).split(/[\r\n]+/).map((l) => /step (\d+)\/300 +loss \S+ +val (\S+)/.exec(l)).filter(Boolean);
    const final = /"valLoss":([^,]+)/.exec(r.out)?.[1];
    note = `progress val at step ${bars[0]?.[1]}: ${bars[0]?.[2]}; at step ${bars.at(-1)?.[1]}: ${bars.at(-1)?.[2]}; final valLoss ${Number(final).toPrecision(4)}`;
  }
  if (c[0] === '7.2') { try { const s = JSON.parse(r.out.trim().split('\n').at(-1)).samples; note = `${s.filter((x) => x.replace(/\n/g, '') === '').length} of ${s.length} samples empty`; } catch { note = 'no JSON'; } }
  rows.push({ ...r, note });
  process.stderr.write(`${r.id}\texit ${r.exit}\t${r.peakMB} MB\t${r.seconds.toFixed(1)} s\t${r.message.slice(0, 150)}${r.stack ? ' [stack trace]' : ''}${note ? `\n\t${note}` : ''}\n`);
}
const esc = (s) => String(s).replace(/\|/g, '\\|').replace(/\n/g, ' ');
const md = ['| case | command | exit | stderr (first line) | lines | peak MB | s |', '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.id} ${esc(r.what)} | \`${esc(shown(r.argv))}\` | ${r.exit} | ${esc(r.message.slice(0, 200))}${r.stack ? ' (+ stack trace)' : ''}${r.note ? ` — ${esc(r.note)}` : ''} | ${r.stderrLines} | ${r.peakMB} | ${r.seconds.toFixed(1)} |`)].join('\n');
if (outFile) fs.writeFileSync(outFile, md + '\n');
else console.log(md);
fs.rmSync(work, { recursive: true, force: true });
