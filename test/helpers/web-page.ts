// A page for the browser tests of recur/web (dist/web/): its module script exposes window.train
// (a run through startTraining, with the losses, the events seen and the longest gap between
// animation frames while it trained) and window.kernelsOnMainThread / window.loadFrom.

export const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>recur web test</title><link rel="icon" href="data:,">
<script type="module" src="./page.js"></script></head><body><p id="status">loading</p></body></html>`;

export const PAGE_JS = `import { startTraining, preloadTraining, loadWebKernels, webKernelsText, describeKernels } from '/lib/recur.js';
let watching = false, last = 0, maxGap = 0, frames = 0;
function frame(t) { if (!watching) return; if (last) maxGap = Math.max(maxGap, t - last); last = t; frames++; requestAnimationFrame(frame); }
// opts.preload: preloadTraining first, then wait that many ms before the run (opts.unpacked: the
// first sample of x as an array-like object, which the page does not pack)
window.train = async (spec, opts = {}) => {
  if (opts.preload) { preloadTraining({ threads: spec.threads }); await new Promise((r) => setTimeout(r, opts.preload)); }
  if (opts.unpacked) { const s0 = spec.task.x[0]; spec.task.x[0] = Object.assign({ length: s0.length }, s0); }
  watching = true; last = 0; maxGap = 0; frames = 0; requestAnimationFrame(frame);
  const run = startTraining(spec);
  const losses = [], kinds = new Set(), errors = [];
  let info = null;
  run.on('ready', (e) => { info = e.info; });
  run.on('progress', (e) => { for (const s of e.steps) losses.push(s.loss); });
  for (const k of ['eval', 'vitals', 'gradflow']) run.on(k, () => kinds.add(k));
  run.on('error', (e) => errors.push(e.message));
  let d;
  try { d = await run.done; } catch (e) { watching = false; run.terminate(); return { error: e.message, errors }; }
  const samples = spec.task.kind === 'text' ? await run.generate({ count: 5 }) : null;
  watching = false;
  run.terminate();
  return { info, losses, result: d.result, model: opts.model ? Array.from(d.model) : d.model.length, firstStepMs: d.firstStepMs,
    events: [...kinds].sort(), samples, maxGap, frames, isolated: crossOriginIsolated, errors };
};
window.kernelsOnMainThread = async (o) => webKernelsText(await loadWebKernels(o));
window.loadFrom = async (o) => { try { return describeKernels(await loadWebKernels(o)); } catch (e) { return { error: e.message }; } };
document.getElementById('status').textContent = 'ready';
`;
