// The data and the scores of the side-by-side comparison (run.mjs): every program gets the same
// data from here and prints its predictions; run.mjs scores them the same way for every library.
// A small seeded generator of its own (mulberry32 and Box–Muller), so no library's RNG is used.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function rng(seed) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal, int: (n) => Math.floor(uniform() * n) };
}

/** 600 steps of a sine (period about 31 steps) with noise σ 0.3; train on the first 500, forecast each of the last 100 one step ahead. */
export function sine() {
  const r = rng(7);
  const series = Array.from({ length: 600 }, (_, t) => 10 + 3 * Math.sin(t / 5) + 0.3 * r.normal());
  return { series, history: series.slice(0, 500), targets: series.slice(500) };
}

/** Noisy waves of 15–40 steps (one feature) at three speeds, labelled by speed: 600 to train, 200 to test. */
export function waves() {
  const r = rng(3);
  const speeds = ['slow', 'medium', 'fast'];
  const make = (n) => {
    const x = [], y = [];
    for (let i = 0; i < n; i++) {
      const k = r.int(3), phase = r.uniform() * 2 * Math.PI;
      x.push(Array.from({ length: 15 + r.int(26) }, (_, t) => [Math.sin(phase + t * (0.3 + 0.5 * k)) + 0.3 * r.normal()]));
      y.push(speeds[k]);
    }
    return { x, y };
  };
  return { train: make(600), test: make(200), labels: speeds };
}

/** Every eighth name of data/names.txt: nine in ten train, one in ten is held out. */
export function names() {
  const all = readFileSync(fileURLToPath(new URL('../../data/names.txt', import.meta.url)), 'utf8').split('\n').filter((n) => n.length > 0);
  const some = all.filter((_, i) => i % 8 === 0);
  return { train: some.filter((_, i) => i % 10 !== 0), test: some.filter((_, i) => i % 10 === 0) };
}

/** 60 days of hourly temperature and load (load follows the hour and, 3 hours later, the temperature); the last week is held out. */
export function multivariate() {
  const r = rng(11);
  const hours = 24 * 60, temp = [], load = [];
  let weather = 0;
  for (let h = 0; h < hours; h++) {
    weather = 0.97 * weather + 0.5 * r.normal();
    temp.push(15 + 6 * Math.sin((2 * Math.PI * (h - 9)) / 24) + weather);
    load.push(500 + 40 * Math.sin((2 * Math.PI * (h - 14)) / 24) + 15 * (temp[Math.max(0, h - 3)] - 15) + 5 * r.normal());
  }
  const split = hours - 24 * 7;
  return { temp, load, split, targets: load.slice(split) };
}

/** The one line a program prints: its result as JSON. */
export function report(o) {
  console.log(JSON.stringify(o));
}
