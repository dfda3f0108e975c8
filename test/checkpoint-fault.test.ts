// Fault test of checkpoints: training runs in child processes killed with SIGKILL at random moments
// (some while a checkpoint is being written, some between writes), resumed each time until they
// finish, end with the weights of a run that never stopped, bit for bit; and each resume starts
// from the newest complete checkpoint. Once through the library (test/helpers/ckpt-child.ts, with
// slowed writes so kills land inside them) and once through `recur train --resume`.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../src/node/files.js';
import { Rng } from '../src/tensor/rng.js';
import { listCheckpoints } from '../src/node/checkpoint-dir.js';

const CHILD = fileURLToPath(new URL('./helpers/ckpt-child.js', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
// in memory where there is a tmpfs: the kills test the process, not the disk, and fsync on a disk
// would take most of the time
const root = fs.mkdtempSync(join(fs.existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'recur-ckpt-fault-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

interface Outcome { code: number | null; signal: NodeJS.Signals | null; lines: string[]; err: string }

/**
 * Runs a child; `plan` sees each line of its standard output (and the start) and may return a delay
 * in ms after which the child is killed with SIGKILL.
 */
function runChild(args: string[], plan: (line: string | null) => number | null): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RECUR_KERNELS: 'js' } });
    const lines: string[] = [];
    let err = '', buf = '', armed = false;
    const arm = (delay: number | null): void => {
      if (delay === null || armed) return;
      armed = true;
      setTimeout(() => child.kill('SIGKILL'), delay);
    };
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        lines.push(line);
        arm(plan(line));
      }
    });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code, signal) => resolve({ code, signal, lines, err }));
    arm(plan(null));
  });
}

const tempFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')) : []);
const newestStep = (dir: string): number => listCheckpoints(dir)[0]?.step ?? 0;

function sameWeights(a: string, b: string): void {
  const x = loadModel(a).model, y = loadModel(b).model;
  assert.equal(x.params.length, y.params.length);
  x.params.forEach((p, i) => assert.deepEqual(Buffer.from(p.value.buffer, p.value.byteOffset, p.value.byteLength), Buffer.from(y.params[i].value.buffer, y.params[i].value.byteOffset, y.params[i].value.byteLength), `weights of ${p.name} differ`));
}

test('library: killed 12 times at random (inside checkpoint writes too), resumed each time, the weights equal an unbroken run\'s bit for bit', async (t) => {
  const PAUSE = 10;
  const ref = join(root, 'ref.safetensors');
  const r0 = await runChild([CHILD, join(root, 'ref-ckpt'), ref, '0'], () => null);
  assert.equal(r0.code, 0, r0.err);

  const dir = join(root, 'faulted'), out = join(root, 'out.safetensors');
  const rnd = new Rng(20250607);
  const KILLS = 12;
  let kills = 0, inWrite = 0, tempsLeft = 0, rounds = 0;
  for (;;) {
    assert.ok(++rounds < 40, 'the run never finished');
    const expected = newestStep(dir);
    const tempsBefore = new Set(tempFiles(dir));
    const mode = kills >= KILLS ? 'none' : kills % 3 === 2 ? 'anytime' : 'write';
    let writes = 0;
    const target = 1 + rnd.int(3);
    const r = await runChild([CHILD, dir, out, String(PAUSE)], (line) => {
      if (mode === 'anytime' && line === null) return 120 + rnd.int(250);
      if (mode === 'write' && line?.startsWith('write ') && ++writes === target) return rnd.int(3 * PAUSE);
      return null;
    });
    const resumed = r.lines.find((l) => l.startsWith('resumed '));
    if (resumed) assert.equal(Number(resumed.slice(8)), expected, `round ${rounds} resumed from the newest complete checkpoint (${r.lines.join(' | ')})`);
    assert.equal(r.err.includes('skipped'), false, `no complete checkpoint is ever corrupt: ${r.err}`);
    if (r.code === 0) break;
    assert.equal(r.signal, 'SIGKILL', r.err);
    kills++;
    const last = r.lines.filter((l) => l.startsWith('write ') || l.startsWith('wrote ')).at(-1);
    if (last?.startsWith('write ')) inWrite++;
    if (tempFiles(dir).some((f) => !tempsBefore.has(f))) tempsLeft++;
  }
  sameWeights(out, ref);
  assert.ok(kills >= 10, `${kills} kills`);
  assert.ok(inWrite >= 3, `${inWrite} kills inside a checkpoint write`);
  assert.ok(listCheckpoints(dir).length <= 3, 'the last 3 kept');
  assert.deepEqual(tempFiles(dir), [], 'temporary files of killed writers are cleaned up');
  t.diagnostic(`${kills} kills in ${rounds} runs: ${inWrite} inside a checkpoint write (${tempsLeft} left a temporary file behind)`);
});

test('recur train --resume: killed at random moments, resumed with the same command, saves the weights of an unbroken run', async (t) => {
  const args = (dir: string, save: string): string[] => [MAIN, 'train', '--task', 'adding', '--length', '10', '--cell', 'gru', '--hidden', '8',
    '--steps', '150', '--batch', '8', '--kernels', 'js', '--no-stop', '--eval-every', '50', '--schedule', 'plateau', '--dropout', '0.1', '--layers', '2',
    '--checkpoint-dir', dir, '--checkpoint-every', '5', '--resume', '--save', save, '--json'];
  const ref = join(root, 'cli-ref.safetensors');
  const r0 = await runChild(args(join(root, 'cli-ref'), ref), () => null);
  assert.equal(r0.code, 0, r0.err);
  assert.match(r0.err, /no checkpoint in .* yet: starting at step 0/);

  const dir = join(root, 'cli-faulted'), out = join(root, 'cli-out.safetensors');
  const rnd = new Rng(99);
  let kills = 0, rounds = 0;
  for (;;) {
    assert.ok(++rounds < 20, 'the run never finished');
    const expected = newestStep(dir);
    const r = await runChild(args(dir, out), (line) => (line === null && kills < 3 ? 150 + rnd.int(300) : null));
    if (expected > 0) assert.match(r.err, new RegExp(`resuming from .*ckpt-${String(expected).padStart(6, '0')}\\.safetensors \\(step ${expected} of 150\\)`));
    if (r.code === 0) {
      assert.equal(JSON.parse(r.lines.at(-1)!).steps, 150);
      break;
    }
    assert.equal(r.signal, 'SIGKILL', r.err);
    kills++;
  }
  sameWeights(out, ref);
  t.diagnostic(`${kills} kills of recur train in ${rounds} runs`);
});
