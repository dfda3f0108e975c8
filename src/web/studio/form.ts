// The studio's controls: which fields show for the task and cell chosen, uploaded files read as
// UTF-8 (a file that is not is refused with a message), CSV headers offered as the column choice,
// and the form read into a run's spec (protocol.ts). Nothing here trains.

import { RecurError } from '../../errors.js';
import { CELL_KINDS, cellSpec } from '../../cells/table.js';
import { INIT_KINDS } from '../../tensor/init.js';
import type { ClipConfig, TrainConfig } from '../../train/trainer.js';
import type { OptimizerConfig } from '../../train/optimizers.js';
import type { ScheduleConfig } from '../../train/schedules.js';
import type { ModelSpec, TaskSpec, TrainingSpec } from '../protocol.js';

/** Largest upload read: 64 MB of text (its ids take four times that in the worker). */
export const MAX_UPLOAD_BYTES = 64 * 2 ** 20;

export interface Upload { name: string; text: string }

export class StudioForm {
  upload: Upload | null = null;
  private names: string | null = null;

  constructor(readonly form: HTMLFormElement, private readonly message: HTMLElement) {
    fill(this.select('cell'), CELL_KINDS, 'lstm');
    fill(this.select('init'), INIT_KINDS, 'default');
    form.addEventListener('change', (e) => {
      if ((e.target as HTMLElement).getAttribute('name') === 'file') void this.readFile();
      this.showFields();
    });
    this.showFields();
  }

  field(name: string): HTMLInputElement {
    return this.form.elements.namedItem(name) as HTMLInputElement;
  }

  private select(name: string): HTMLSelectElement {
    return this.form.elements.namedItem(name) as HTMLSelectElement;
  }

  private value(name: string): string {
    return this.field(name).value.trim();
  }

  /** Shows the fields of the chosen task and cell only. */
  showFields(): void {
    const task = this.value('task'), cell = this.value('cell');
    for (const el of Array.from(this.form.querySelectorAll<HTMLElement>('[data-for]'))) el.hidden = !el.dataset.for!.split(' ').includes(task);
    for (const el of Array.from(this.form.querySelectorAll<HTMLElement>('[data-cell]'))) el.hidden = el.dataset.cell !== cell;
    // the activation choice of the cell (RNN, IndRNN); hidden for cells with fixed activations
    const acts = cellSpec(cell as ModelSpec['cell']).activations ?? [];
    const act = this.select('activation');
    if (act.dataset.filledFor !== cell) { fill(act, acts, acts.includes('tanh') ? 'tanh' : acts[0] ?? ''); act.dataset.filledFor = cell; }
    (act.closest('label') as HTMLElement).hidden = acts.length === 0;
  }

  /** Reads the chosen file as UTF-8 text; a CSV offers its columns. Problems go to the message line. */
  async readFile(): Promise<void> {
    this.message.textContent = '';
    this.upload = null;
    const file = this.field('file').files?.[0];
    if (!file) return;
    try {
      if (file.size > MAX_UPLOAD_BYTES) throw new RecurError(`${file.name}: expected a file of at most ${MAX_UPLOAD_BYTES / 2 ** 20} MB, received ${(file.size / 2 ** 20).toFixed(1)} MB`);
      const bytes = new Uint8Array(await file.arrayBuffer());
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new RecurError(`${file.name}: expected UTF-8 text, received bytes that are not (a binary file, or another encoding: save it as UTF-8)`);
      }
      if (text.includes('\u0000')) throw new RecurError(`${file.name}: expected text, received a file with NUL bytes (a binary file?)`);
      this.upload = { name: file.name, text };
      if (this.value('task') === 'csv') this.offerColumns(text, file.name);
      else this.message.textContent = '';
    } catch (e) {
      this.message.textContent = (e as Error).message;
    }
  }

  /** The CSV's numeric columns (from its header and the first rows) as the column choice. */
  private offerColumns(text: string, name: string): void {
    const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    const first = lines[0] ?? '';
    const delim = [',', ';', '\t'].map((d) => [d, first.split(d).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
    const header = first.split(delim).map((h) => h.trim().replace(/^"(.*)"$/, '$1'));
    const rows = lines.slice(1, 21).map((l) => l.split(delim));
    const numeric = header.filter((_, i) => rows.length > 0 && rows.every((r) => r[i] !== undefined && r[i]!.trim() !== '' && Number.isFinite(Number(r[i]))));
    const select = this.select('column');
    if (lines.length < 2 || header.length < 1 || numeric.length === 0) {
      fill(select, [], '');
      throw new RecurError(`${name}: expected a CSV with a header line and at least one numeric column, received ${lines.length < 2 ? 'fewer than two lines' : `columns ${header.slice(0, 6).map((h) => JSON.stringify(h)).join(', ')} with no numbers in their first rows`}`);
    }
    fill(select, numeric, numeric.at(-1)!);
  }

  /** The names data set, fetched once from the studio's own files. */
  private async namesText(): Promise<string> {
    if (this.names === null) {
      const r = await fetch(new URL('./data/names.txt', document.baseURI));
      if (!r.ok) throw new RecurError(`names: expected the studio's data/names.txt, received HTTP ${r.status}`);
      this.names = await r.text();
    }
    return this.names;
  }

  private int(name: string, lo: number, hi: number): number {
    const raw = this.value(name);
    const v = Number(raw);
    if (raw === '' || !Number.isInteger(v) || v < lo || v > hi) throw new RecurError(`${name}: expected a whole number from ${lo} to ${hi}, received ${JSON.stringify(raw)}`);
    return v;
  }

  private num(name: string, lo: number): number {
    const raw = this.value(name);
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v) || v <= lo) throw new RecurError(`${name}: expected a number above ${lo}, received ${JSON.stringify(raw)}`);
    return v;
  }

  private async task(): Promise<TaskSpec> {
    const kind = this.value('task');
    if (kind === 'adding' || kind === 'copy' || kind === 'order') return { kind, length: this.int('length', 2, 100000) };
    const seq = this.int('seq', 2, 4096);
    if (kind === 'names') return { kind: 'text', text: await this.namesText(), seq, shuffleLines: true, name: 'names.txt' };
    if (kind === 'text') {
      const pasted = this.field('text').value;
      const text = pasted.trim() !== '' ? pasted : this.upload?.text;
      if (!text) throw new RecurError('text: expected pasted text or an uploaded UTF-8 file, received neither');
      return { kind: 'text', text, seq, name: pasted.trim() !== '' ? 'pasted text' : this.upload!.name };
    }
    if (!this.upload) throw new RecurError('CSV: expected an uploaded CSV file, received none');
    const column = this.value('column');
    if (column === '') throw new RecurError('CSV column: expected a numeric column of the uploaded file, received none');
    return { kind: 'csv', text: this.upload.text, column, window: this.int('window', 1, 4096), name: this.upload.name };
  }

  private model(): ModelSpec {
    const cell = this.value('cell') as ModelSpec['cell'];
    const layers = this.int('layers', 1, 8);
    const m: ModelSpec = { cell, hiddenSize: this.int('hidden', 1, 4096), numLayers: layers };
    if ((cellSpec(cell).activations ?? []).length > 0) m.activation = this.value('activation') as ModelSpec['activation'];
    const init = this.value('init') as NonNullable<ModelSpec['init']>['recurrent'];
    const fb = this.value('forgetBias');
    if (init !== 'default' || (cell === 'lstm' && fb !== '')) {
      m.init = { recurrent: init, ...(cell === 'lstm' && fb !== '' ? { forgetBias: Number(fb) } : {}) };
    }
    const dil = this.value('dilations');
    if (dil !== '') {
      const d = dil.split(/[\s,]+/).map(Number);
      if (d.some((x) => !Number.isInteger(x) || x < 1) || d.length !== layers) throw new RecurError(`dilations: expected ${layers} whole number(s) ≥ 1 (one per layer), received ${JSON.stringify(dil)}`);
      m.dilations = d;
    }
    if (this.field('skip').checked) m.skip = { budget: 1e-4 };
    return m;
  }

  private train(): TrainConfig {
    const steps = this.int('steps', 1, 1e6), lr = this.num('lr', 0);
    const kind = this.value('optimizer') as OptimizerConfig['kind'];
    const optimizer = { kind, lr, ...(kind === 'momentum' ? { momentum: 0.9 } : {}) } as OptimizerConfig;
    const t = this.num('clipValue', 0);
    const clipKind = this.value('clip');
    const clip: ClipConfig = clipKind === 'norm' ? { kind: 'norm', maxNorm: t } : clipKind === 'value' ? { kind: 'value', value: t } : clipKind === 'adaptive' ? { kind: 'adaptive', factor: t } : { kind: 'none' };
    const schedules: Record<string, ScheduleConfig | undefined> = {
      constant: undefined, cosine: { kind: 'cosine', tMax: steps, etaMin: lr / 100 }, step: { kind: 'step', stepSize: Math.max(1, Math.floor(steps / 4)), gamma: 0.5 },
      onecycle: { kind: 'onecycle', maxLr: lr, totalSteps: steps + 1 }, plateau: { kind: 'plateau', factor: 0.5, patience: 3 },
    };
    return {
      steps, batchSize: this.int('batch', 1, 4096), seed: this.int('seed', 0, 2 ** 32 - 1), optimizer, clip,
      schedule: schedules[this.value('schedule')], evalEvery: Math.max(10, Math.min(250, Math.round(steps / 10))),
    };
  }

  /** The run the form describes, and a short name for it. */
  async spec(): Promise<{ spec: TrainingSpec; name: string }> {
    const threads = this.value('threads');
    const spec: TrainingSpec = { task: await this.task(), model: this.model(), train: this.train(), threads: threads === 'auto' ? 'auto' : Number(threads) };
    const m = spec.model, c = spec.train.clip!;
    const bits = [m.cell + (m.activation && m.activation !== 'tanh' ? `/${m.activation}` : ''), `H${m.hiddenSize}`, m.numLayers! > 1 ? `${m.numLayers}L` : '',
      m.dilations ? `dil ${m.dilations.join(',')}` : '', m.skip ? 'skip' : '', m.init ? `init ${m.init.recurrent}` : '',
      spec.train.optimizer.kind, `lr ${spec.train.optimizer.lr}`, c.kind === 'none' ? 'no clip' : `clip ${c.kind}`];
    return { spec, name: bits.filter((b) => b !== '').join(' · ') };
  }
}

function fill(select: HTMLSelectElement, values: readonly string[], chosen: string): void {
  select.replaceChildren(...values.map((v) => {
    const o = document.createElement('option');
    o.value = v;
    o.textContent = v;
    o.selected = v === chosen;
    return o;
  }));
}
