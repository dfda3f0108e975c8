// Progress on standard error: a redrawn bar on a terminal, plain lines every few seconds when
// piped (so logs stay readable), nothing at all when quiet.

export interface ProgressOptions {
  total: number; label: string; quiet?: boolean; stream?: NodeJS.WriteStream;
  /** A wall-clock budget: the ETA is the sooner of the steps' end and the budget's. */
  seconds?: number;
}

export class Progress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private readonly tty: boolean;
  private readonly stream: NodeJS.WriteStream;

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr;
    this.tty = Boolean(this.stream.isTTY) && !process.env.CI;
  }

  update(step: number, fields: Record<string, string>): void {
    if (this.o.quiet) return;
    const now = performance.now();
    const final = step >= this.o.total;
    if (!final && now - this.lastDraw < (this.tty ? 100 : 5000)) return;
    this.lastDraw = now;
    const secs = (now - this.start) / 1000;
    const rate = step / Math.max(secs, 1e-9);
    const eta = Math.min(rate > 0 ? (this.o.total - step) / rate : Infinity, this.o.seconds !== undefined ? Math.max(0, this.o.seconds - secs) : Infinity);
    const info = Object.entries(fields).map(([k, v]) => `${k} ${v}`).join('  ');
    const text = `${this.o.label} step ${step}/${this.o.total}  ${info}  ${rate.toFixed(1)} steps/s  ETA ${formatDuration(eta)}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * step) / this.o.total);
      const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
      const cols = this.stream.columns ?? 120;
      this.stream.write(`\r${(bar + ' ' + text).slice(0, cols - 1).padEnd(cols - 1)}`);
    } else {
      this.stream.write(text + '\n');
    }
  }

  done(message?: string): void {
    if (this.o.quiet) return;
    if (this.tty) this.stream.write('\n');
    if (message) this.stream.write(message + '\n');
  }
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function formatNumber(x: number | null | undefined, digits = 4): string {
  if (x === null || x === undefined) return '-';
  if (!Number.isFinite(x)) return String(x);
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(2);
  return x.toPrecision(digits).replace(/\.?0+$/, '');
}

/** A plain text table: columns padded to their widest cell. */
export function table(header: string[], rows: string[][]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(w[i])).join('  ').trimEnd();
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}
