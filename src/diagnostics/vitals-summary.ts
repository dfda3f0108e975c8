// The vital signs of a run in plain words: what the VitalsRecorder measured (vitals.ts), each as a
// value, a status (ok / warn / bad) and a note saying what it means, plus time series and the
// gradient-over-time heatmap. Plain data, shaped like report/types.ts (VitalSign, GradHeatmap) so
// the report can show it, without this layer knowing about the report.
//
// Thresholds are rules of thumb, stated where they are used; "warn" means worth a look, not wrong.

import type { ClipConfig } from '../train/trainer.js';
import { verdict } from './gradflow.js';
import type { LayerMemory } from './memory.js';
import type { SpectralBlock, VitalsRecorder } from './vitals.js';

export type VitalStatus = 'ok' | 'warn' | 'bad';
export interface Vital { name: string; value: string | number | null; status: VitalStatus; note: string }
/** One line of a chart; lines with the same `chart` are drawn together. */
export interface VitalSeries { chart: string; yLabel: string; logY: boolean; name: string; points: [number, number][] }
export interface VitalsSummary {
  vitals: Vital[];
  series: VitalSeries[];
  /** ‖∂L/∂h_t‖ at recorded training steps: norms[i][t] at steps[i]; null when nothing was recorded. */
  heatmap: { steps: number[]; norms: number[][] } | null;
}

function median(xs: number[]): number {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Three significant digits, or a power of ten form for very small and large values. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(1);
  return String(Number(v.toPrecision(3)));
}

const pct = (x: number) => `${(100 * x).toFixed(x < 0.001 && x > 0 ? 2 : 1)}%`;

/** Short parameter labels for the charts: rnn.weight_hh_l0 → W_hh l0. */
function shortName(name: string): string {
  const m = /^rnn\.weight_(ih|hh)_l(\d+)(_reverse)?$/.exec(name);
  if (m) return `W_${m[1]} l${m[2]}${m[3] ? ' reverse' : ''}`;
  return name;
}

export function summarizeVitals(rec: VitalsRecorder, o: { clip?: ClipConfig } = {}): VitalsSummary {
  const { model, records } = rec;
  const params = model.params;
  const weights = params.map((p, i) => ({ p, i })).filter(({ p }) => /weight/.test(p.name));
  const vitals: Vital[] = [];
  const series: VitalSeries[] = [];
  const late = records.slice(Math.floor(records.length / 2));

  // the whole gradient's norm (before clipping) at the recorded steps
  const totals = records.map((r) => Math.sqrt(r.gradNorms.reduce((s, g) => s + g * g, 0)));
  const typical = median(totals.slice(Math.floor(totals.length / 2)));
  const clip = rec.clip;
  const clipKind = o.clip?.kind ?? 'none';
  if (records.length) {
    const spiky = clip.maxNorm > 1e3 * typical;
    vitals.push({
      name: 'gradient norm (before clipping)', value: typical,
      status: spiky && clipKind === 'none' ? 'warn' : 'ok',
      note: `typical over the second half of training; largest ${fmt(clip.maxNorm)} at step ${clip.maxNormStep}` +
        (spiky && clipKind === 'none' ? ': spikes over 1000× the typical norm, clipping (--clip-norm) would bound them' : ''),
    });
  }

  // clipping
  if (clipKind !== 'none') {
    const share = clip.measured ? clip.clipped / clip.measured : 0;
    const mean = clip.clipped ? clip.sumClippedNorm / clip.clipped : NaN;
    vitals.push({
      name: 'clipped steps', value: pct(share), status: share > 0.5 ? 'warn' : 'ok',
      note: `${clip.clipped} of ${clip.measured} steps` + (clip.clipped ? `; norm before clipping: mean ${fmt(mean)}, largest ${fmt(clip.maxClippedNorm)}` : '') +
        (share > 0.5 ? '. Clipping acts on most steps, so the threshold rather than the gradient sets the step size: a lower learning rate or a higher threshold may train better' : ''),
    });
  } else {
    vitals.push({ name: 'clipped steps', value: 'no clipping', status: 'ok', note: 'gradient clipping was off' });
  }

  // update-to-weight ratio ‖Δw‖/‖w‖ of the weight matrices
  const updates = late.filter((r) => r.updateRatios).map((r) => {
    let best = -Infinity, who = '';
    for (const { p, i } of weights) { const v = r.updateRatios![i]; if (Number.isFinite(v) && v > best) { best = v; who = p.name; } }
    return { best, who };
  }).filter((u) => u.best > -Infinity);
  if (updates.length) {
    const v = median(updates.map((u) => u.best));
    const who = updates[updates.length - 1].who;
    // ~1e-3 per step is the usual healthy range (a widely quoted rule of thumb); Adam at lr 1e-2 sits near 1e-2
    const status: VitalStatus = v > 0.3 ? 'bad' : v > 0.03 || v < 1e-6 ? 'warn' : 'ok';
    const reading = v > 0.3 ? 'each update changes the weights by a large part of themselves: the learning rate is likely too high'
      : v > 0.03 ? 'large updates (over 3% of the weights a step): watch for instability, or lower the learning rate'
      : v < 1e-6 ? 'the weights barely move: the learning rate is too low, or the gradient has vanished'
      : 'within the usual range (about 1e-4 to 1e-2 a step)';
    vitals.push({ name: 'update / weight ratio', value: v, status, note: `largest over the weight matrices (${shortName(who)}), median over the second half; ${reading}` });
  }

  // how long IndRNN and the min cells remember
  const lastMem = [...records].reverse().find((r) => r.memory);
  if (lastMem) vitals.push(memoryVital(lastMem.memory!, lastMem.step, model.config.recurrentMax, records.find((r) => r.gradFlow)?.gradFlow?.length ?? null));

  // spectral sizes of the recurrent weights
  const end = rec.spectralAtEnd ?? [...records].reverse().find((r) => r.spectral)?.spectral ?? rec.spectralAtStart;
  const top = (blocks: SpectralBlock[]) => blocks.reduce((a, b) => (b.radius > a.radius ? b : a), blocks[0]);
  if (end.length) {
    const b = top(end), b0 = top(rec.spectralAtStart);
    const gated = model.config.cell !== 'rnn';
    const status: VitalStatus = !gated && (b.radius > 1.2 || b.radius < 0.8) ? 'warn' : 'ok';
    const reading = gated ? 'the gates rescale each step, so for gated cells this bounds growth only loosely'
      : b.radius > 1.2 ? 'above 1: states and gradients can grow by about ρ a step along its leading direction (exploding)'
      : b.radius < 0.8 ? 'below 1: the gradient shrinks by about ρ (times the activation\'s slope) a step back (vanishing over long sequences)'
      : 'near 1: the recurrence neither shrinks nor grows the signal much';
    vitals.push({
      name: 'spectral radius of W_hh', value: b.radius, status,
      note: `largest gate block ${b.name} (largest singular value ${fmt(b.sigmaMax)}; at the start ${fmt(b0.radius)}): ${reading}`,
    });
  }

  // gradient reaching the first time step, from the last recorded backward
  const lastFlow = [...records].reverse().find((r) => r.gradFlow && r.gradFlow.length > 1);
  if (lastFlow) {
    const v = verdict(lastFlow.gradFlow!);
    const last = model.config.outputMode === 'last';
    vitals.push({
      name: 'gradient at t = 1 / at t = T', value: v.ratioFirstToLast,
      status: last && v.verdict !== 'healthy' ? 'bad' : 'ok',
      note: last ? `${v.verdict} at step ${lastFlow.step} (under 1e-3: vanishing, over 1e3: exploding)`
        : `at step ${lastFlow.step}; the loss is on every step, so early steps also get gradient of their own`,
    });
  }

  // saturation and dead units, on the last recorded batch
  const lastRec = records[records.length - 1];
  if (lastRec && lastRec.saturated !== null) {
    const s = lastRec.saturated;
    const what = model.config.cell === 'rnn' ? 'units' : 'gate values';
    vitals.push({
      name: 'saturation', value: pct(s), status: s > 0.5 ? 'bad' : s > 0.2 ? 'warn' : 'ok',
      note: `${what} within ${rec.margin} of 0 or 1 (tanh: of ±1) at step ${lastRec.step}; little gradient passes a saturated one`,
    });
  }
  if (lastRec && lastRec.dead !== null) {
    const d = lastRec.dead;
    vitals.push({
      name: 'dead units', value: pct(d), status: d > 0.25 ? 'bad' : d > 0 ? 'warn' : 'ok',
      note: `ReLU units at 0 for every step of the whole batch at step ${lastRec.step}; they pass no gradient`,
    });
  }

  // NaN guard
  const skips = rec.nanEvents.filter((e) => e.kind !== 'rollback').length;
  const rollbacks = rec.nanEvents.length - skips;
  vitals.push({
    name: 'NaN guard', value: skips + rollbacks === 0 ? 'no events' : `${skips} skipped, ${rollbacks} rollbacks`,
    status: rollbacks ? 'bad' : skips ? 'warn' : 'ok',
    note: rollbacks ? 'repeated non-finite steps: weights were restored and the learning rate lowered' : skips ? 'some steps had a non-finite loss or gradient and were not applied' : 'every step was finite',
  });

  // time series
  for (const { p, i } of weights) {
    series.push({ chart: 'Gradient norm per weight matrix', yLabel: 'gradient norm (log scale)', logY: true, name: shortName(p.name), points: records.map((r) => [r.step, r.gradNorms[i]]) });
  }
  for (const { p, i } of weights) {
    const pts = records.filter((r) => r.updateRatios).map((r): [number, number] => [r.step, r.updateRatios![i]]);
    if (pts.length) series.push({ chart: 'Update / weight ratio', yLabel: '‖Δw‖ / ‖w‖ (log scale)', logY: true, name: shortName(p.name), points: pts });
  }
  const spectral = records.filter((r) => r.spectral);
  for (let k = 0; k < (spectral[0]?.spectral?.length ?? 0); k++) {
    const pts = spectral.map((r): [number, number] => [r.step, r.spectral![k].radius]);
    series.push({ chart: 'Spectral radius of W_hh', yLabel: 'spectral radius', logY: false, name: spectral[0].spectral![k].name, points: pts });
  }
  const mem = records.filter((r) => r.memory);
  for (let l = 0; l < (mem[0]?.memory?.length ?? 0); l++) {
    const pts = mem.map((r): [number, number] => [r.step, r.memory![l]!.memorySteps]).filter(([, v]) => Number.isFinite(v));
    if (pts.length) series.push({ chart: 'Memory (steps a state keeps 1/e of itself)', yLabel: 'steps (log scale)', logY: true, name: `layer ${l}`, points: pts });
  }
  const sat = records.filter((r) => r.saturated !== null);
  if (sat.length) series.push({ chart: 'Saturated gates and dead units', yLabel: 'fraction', logY: false, name: 'saturated', points: sat.map((r) => [r.step, r.saturated!]) });
  const dead = records.filter((r) => r.dead !== null);
  if (dead.length) series.push({ chart: 'Saturated gates and dead units', yLabel: 'fraction', logY: false, name: 'dead units', points: dead.map((r) => [r.step, r.dead!]) });

  const flows = records.filter((r) => r.gradFlow);
  const heatmap = flows.length ? { steps: flows.map((r) => r.step), norms: flows.map((r) => r.gradFlow!) } : null;
  return { vitals, series, heatmap };
}

/**
 * IndRNN: |u| against its bound; min cells: the decays a_t and the memory they give. Status warn
 * when even the longest-remembering units (IndRNN: the largest |u|; min cells: a_t's 90th
 * percentile) keep under a tenth of the sequence: a task that needs its start at its end cannot
 * learn that way (stack layers, or raise the bound / the forget bias).
 */
function memoryVital(mem: LayerMemory[], step: number, bound: number | undefined, t: number | null): Vital {
  const per = mem.map((m) => `layer ${m.layer} ${fmt(m.memorySteps)}`).join(', ');
  if (mem[0]?.maxAbsU !== undefined) {
    const maxU = Math.max(...mem.map((m) => m.maxAbsU!));
    const longest = maxU >= 1 ? Infinity : 1 / (1 - maxU);
    const short = t !== null && longest < t / 10;
    const at = mem.map((m) => (m.atBound === null || m.atBound === undefined ? '' : `layer ${m.layer} ${pct(m.atBound)}`)).filter(Boolean).join(', ');
    return {
      name: 'recurrent weights |u| (IndRNN)', value: maxU, status: short ? 'warn' : 'ok',
      note: `largest |u| at step ${step}` + (bound !== undefined ? ` (bound ${fmt(bound)}; units within 1% of it: ${at})` : ' (no bound)') +
        `; memory 1/(1 − median |u|): ${per} steps` + (short ? `; even the largest |u| keeps under a tenth of the ${t} steps` : ''),
    };
  }
  const top = mem[mem.length - 1]!.a!;
  const longest = Math.max(...mem.map((m) => (m.a!.p90 >= 1 ? Infinity : 1 / (1 - m.a!.p90))));
  const short = t !== null && longest < t / 10;
  return {
    name: 'decay a_t (h = a ⊙ h + v)', value: top.mean, status: short ? 'warn' : 'ok',
    note: `top layer at step ${step}: mean ${fmt(top.mean)}, 10–90% ${fmt(top.p10)}–${fmt(top.p90)}; memory 1/(1 − mean a): ${per} steps` +
      (short ? `; even the 10% longest-remembering units keep under a tenth of the ${t} steps` : ''),
  };
}
