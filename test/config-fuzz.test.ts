// Fuzz of the JSON that files carry: 10,000 mutated, truncated and hostile model configs (wrong
// types, huge numbers, deep nesting, __proto__ and friends, duplicate keys, cut-off text) through
// parseJsonText + parseModelConfig, and 1,000 checkpoints whose state, training config and task
// JSON were mutated and re-signed through restoreCheckpoint. Each is a valid parse or a RecurError
// naming the problem: no other exception, no hang, no prototype pollution, no allocation beyond
// what the live run already has.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecurError } from '../src/errors.js';
import { parseModelConfig, type ModelConfig } from '../src/model/config.js';
import { decodeSafetensors, encodeSafetensors, type TensorToWrite } from '../src/model/safetensors.js';
import { parseJsonText } from '../src/model/untrusted-json.js';
import { Sequential } from '../src/model/sequential.js';
import { createTask } from '../src/tasks/index.js';
import { Rng } from '../src/tensor/rng.js';
import { CHECKSUM_KEY, STATE_KEY, TASK_KEY, TRAIN_KEY, checkpointChecksum, checkpointToBytes, restoreCheckpoint } from '../src/train/checkpoint.js';
import { Trainer, type TrainConfig } from '../src/train/trainer.js';

const CONFIGS: ModelConfig[] = [
  { input: { kind: 'features', size: 2 }, cell: 'lstm', hiddenSize: 64, outputMode: 'last', outputSize: 1 },
  { input: { kind: 'tokens', vocabSize: 65, embedDim: 32 }, cell: 'gru', hiddenSize: 128, numLayers: 2, dropout: 0.2, outputMode: 'every', outputSize: 65, dtype: 'float32' },
  { input: { kind: 'features', size: 1 }, cell: 'rnn', activation: 'leaky_relu', leak: 0.01, hiddenSize: 8, bidirectional: true, outputMode: 'every', outputSize: 3, init: { recurrent: 'identity', input: 'xavier', scale: 1, forgetBias: 1 } },
];

const HOSTILE: unknown[] = [
  null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 31, 2 ** 53, 2 ** 64, 1e21, 65537, 1 << 20, (1 << 20) + 1,
  '', 'x', '1', 'lstm', 'NaN', 'Infinity', '-0', '__proto__', 'constructor', 'x'.repeat(5000), [], [1], [[[]]], {}, { kind: 'features' },
];
const FORBIDDEN = ['__proto__', 'constructor', 'prototype'];

type Rnd = { int(n: number): number; uniform(): number };
const pick = <T>(rnd: Rnd, xs: readonly T[]): T => xs[rnd.int(xs.length)];

/** Paths to every value inside a JSON value. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

/** One mutation of a JSON text: structural (a value replaced, removed, added) or textual. */
function mutate(text: string, rnd: Rnd): string {
  const v = JSON.parse(text) as unknown;
  switch (rnd.int(12)) {
    case 0: case 1: case 2: { // a value replaced by a hostile one
      const ps = paths(v).filter((p) => p.length > 0);
      if (!ps.length) return JSON.stringify(pick(rnd, HOSTILE));
      const p = pick(rnd, ps);
      let o = v as Record<string | number, unknown>;
      for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      o[p[p.length - 1]] = pick(rnd, HOSTILE);
      return JSON.stringify(v);
    }
    case 3: { // a field removed
      const ps = paths(v).filter((p) => p.length > 0 && typeof p[p.length - 1] === 'string');
      if (!ps.length) return text;
      const p = pick(rnd, ps);
      let o = v as Record<string | number, unknown>;
      for (const k of p.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
      delete o[p[p.length - 1]];
      return JSON.stringify(v);
    }
    case 4: { // a forbidden, duplicate or unknown key inserted into some object
      const spots = [...text.matchAll(/\{/g)];
      if (!spots.length) return text;
      const at = pick(rnd, spots).index! + 1;
      const key = pick(rnd, [...FORBIDDEN, 'extra', 'hiddenSize', 'kind', 'step']);
      return text.slice(0, at) + `${JSON.stringify(key)}:${JSON.stringify(pick(rnd, HOSTILE))},` + text.slice(at);
    }
    case 5: { // deep nesting
      const depth = 1 + rnd.int(rnd.uniform() < 0.1 ? 100_000 : 1000);
      const deep = rnd.uniform() < 0.5 ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
      return text.replace('{', `{"deep":${deep},`);
    }
    case 6: return text.slice(0, rnd.int(text.length)); // truncated
    case 7: { // characters edited
      const chars = [...text];
      for (let k = 1 + rnd.int(3); k > 0; k--) {
        const at = rnd.int(chars.length + 1);
        const c = pick(rnd, ['{', '}', '[', ']', '"', ',', ':', '0', '-', 'e', '.', '\\', ' ', 'é', '\u0000', '\ud800', 'null']);
        if (rnd.uniform() < 0.5) chars.splice(at, 1, c);
        else chars.splice(at, 0, c);
      }
      return chars.join('');
    }
    case 8: { // a number replaced by an extreme one, in the text
      const spots = [...text.matchAll(/-?\d+(\.\d+)?(e[+-]?\d+)?/g)];
      if (!spots.length) return text;
      const m = pick(rnd, spots);
      return text.slice(0, m.index) + pick(rnd, ['1e999', '-1e999', '1e-999', '9007199254740993', '-0', '0.5', '4294967296', '65537']) + text.slice(m.index! + m[0].length);
    }
    case 9: return pick(rnd, ['', 'null', '[]', '"x"', '1', '{}', '{"__proto__":{"polluted":1}}', '{"a":1,"a":2}', '\ufeff{}', '{'.repeat(10)]);
    case 10: { // a string value made huge
      return text.replace(/"([a-z_]+)"(?=[,}\]])/, `"${'x'.repeat(1 + rnd.int(rnd.uniform() < 0.1 ? 200_000 : 2000))}"`);
    }
    default: return JSON.stringify(v, null, rnd.int(3)); // valid, re-spaced: must still parse
  }
}

function trainerFor(): Trainer {
  const task = createTask({ kind: 'adding', length: 5 }, { seed: 2, valSize: 16 });
  const model = new Sequential({ input: task.input, cell: 'lstm', hiddenSize: 3, outputMode: task.outputMode, outputSize: task.outputSize }, { seed: 2 });
  const config: TrainConfig = {
    steps: 20, batchSize: 2, seed: 2, evalEvery: 5, optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9 },
    schedule: { kind: 'plateau', patience: 1, warmup: { iters: 2 } }, clip: { kind: 'adaptive', factor: 2 },
  };
  return new Trainer(model, task, config);
}

test('fuzz: 10,000 mutated model configs and 1,000 mutated checkpoint records: a valid parse or a RecurError, fast', (t) => {
  const started = performance.now();
  const rnd = new Rng(7_2024);
  const kinds = new Map<string, number>();
  let slowest = 0;
  const attempt = (label: string, input: string, fn: () => void): boolean => {
    const t0 = performance.now();
    try {
      fn();
      return true;
    } catch (e) {
      if (!(e instanceof RecurError)) assert.fail(`${label}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}\n  input ${JSON.stringify(input.slice(0, 300))}`);
      const key = e.message.replace(/"[^"]*"|\d+/g, '#').slice(0, 50);
      kinds.set(key, (kinds.get(key) ?? 0) + 1);
      assert.ok(e.message.length < 1200, `${label}: a bounded message`);
      assert.equal(e.message.includes('\n'), false, `${label}: one line: ${e.message.slice(0, 300)}`);
      return false;
    } finally {
      slowest = Math.max(slowest, performance.now() - t0);
    }
  };

  const MODEL_CASES = 10_000;
  let parsed = 0;
  for (let i = 0; i < MODEL_CASES; i++) {
    let text = JSON.stringify(CONFIGS[i % CONFIGS.length]);
    for (let k = 1 + rnd.int(3); k > 0; k--) {
      // no further once the text is no longer JSON, or is large (deep nesting, a huge string)
      try { text = mutate(text, rnd); } catch { break; }
      if (text.length > 5000) break;
    }
    if (attempt(`model config ${i}`, text, () => {
      const c = parseModelConfig(parseJsonText(text, 'model config', 4));
      assert.ok(c.hiddenSize >= 1 && c.hiddenSize <= 65536 && c.outputSize >= 1);
    })) parsed++;
  }

  const modelSeconds = (performance.now() - started) / 1000;
  const trainer = trainerFor();
  for (const _ of trainer.run()) if (trainer.loop.step === 12) break;
  const good = checkpointToBytes(trainer);
  const d = decodeSafetensors(good);
  const tensors: TensorToWrite[] = [...d.tensors].map(([name, x]) => ({ name, dtype: x.data instanceof Float64Array ? 'F64' : 'F32', shape: x.shape, data: x.data }));
  const CKPT_CASES = 1_000;
  let restored = 0;
  const fresh = trainerFor(); // a restore that fails changes nothing; one that succeeds replaces the whole state
  for (let i = 0; i < CKPT_CASES; i++) {
    const key = pick(rnd, [STATE_KEY, STATE_KEY, STATE_KEY, TRAIN_KEY, TASK_KEY]);
    const metadata = { ...d.metadata };
    let text = metadata[key]!;
    for (let k = 1 + rnd.int(2); k > 0; k--) {
      try { text = mutate(text, rnd); } catch { break; }
      if (text.length > 5000) break;
    }
    metadata[key] = text;
    const unsigned = encodeSafetensors(tensors, metadata);
    metadata[CHECKSUM_KEY] = checkpointChecksum(unsigned);
    const bytes = encodeSafetensors(tensors, metadata);
    if (attempt(`checkpoint ${key} ${i}`, text, () => restoreCheckpoint(fresh, bytes))) restored++;
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');

  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`${MODEL_CASES} model configs: ${parsed} parsed, ${MODEL_CASES - parsed} refused; ${CKPT_CASES} checkpoints: ${restored} restored, ${CKPT_CASES - restored} refused`);
  t.diagnostic(`model configs ${modelSeconds.toFixed(2)} s`);
  t.diagnostic(`${kinds.size} distinct kinds of refusal; slowest case ${slowest.toFixed(1)} ms; ${seconds.toFixed(2)} s in all`);
  assert.ok(parsed > 300 && MODEL_CASES - parsed > MODEL_CASES / 2, 'both outcomes are exercised');
  assert.ok(restored > 50 && CKPT_CASES - restored > CKPT_CASES / 2);
  assert.ok(kinds.size > 40, 'the mutations reach many different checks');
  assert.ok(slowest < 500, `slowest case ${slowest.toFixed(0)} ms`);
});
