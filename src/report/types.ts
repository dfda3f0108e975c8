// What the HTML report draws. Everything here is plain data (numbers, strings, arrays), so the
// CLI, the trainer's history and later src/diagnostics can fill it without knowing how it is drawn.
// Every string in it is treated as untrusted and escaped on the way into the page.

export type ConfigValue = string | number | boolean | null;

/**
 * One training step, one evaluation, or both. A field left out means "not measured at this step";
 * a NaN or Infinity means "measured and not finite" and shows as a gap in the curve.
 */
export interface HistoryPoint {
  step: number;
  trainLoss?: number;
  valLoss?: number;
  lr?: number;
  /** Gradient norm before clipping (what the clipper saw). */
  gradNorm?: number;
  /** Whether clipping changed the gradient at this step. */
  clipped?: boolean;
  /** Validation accuracy in [0, 1]. */
  accuracy?: number;
}

/** The numbers of the summary table; any field may be missing (shown as a dash). */
export interface RunSummary {
  cell?: string;
  steps?: number;
  seconds?: number;
  trainLoss?: number | null;
  valLoss?: number | null;
  /** Loss of the trivial predictor for the task; drawn as a horizontal line on the loss chart. */
  baselineLoss?: number | null;
  solved?: boolean | null;
  /** More columns, in order of first appearance across runs. */
  extra?: Record<string, ConfigValue>;
}

/**
 * Norm of the gradient of the loss with respect to the hidden state at each time step, for one
 * model at two moments of training. Index 0 is the first time step.
 */
export interface GradFlow {
  atInit: readonly number[];
  atEnd: readonly number[];
  /** Time-step labels when they are not 1, 2, ..., T (e.g. every 4th step recorded). */
  timeSteps?: readonly number[];
  /** Training step of the "end" snapshot, for the legend. */
  endStep?: number;
}

/** The same norms recorded at several training steps: norms[i][t] at training step steps[i]. */
export interface GradHeatmap {
  steps: readonly number[];
  norms: readonly (readonly number[])[];
  timeSteps?: readonly number[];
}

export type VitalStatus = 'ok' | 'warn' | 'bad';

/** One line of the vital-signs table, e.g. spectral radius of the recurrent weights. */
export interface VitalSign {
  name: string;
  value: ConfigValue;
  status?: VitalStatus;
  /** A short plain-language reading, e.g. "gradient vanishes before step 20". */
  note?: string;
}

/**
 * One line of a chart of vital signs over training (e.g. the update / weight ratio of W_hh); lines
 * with the same `chart` title are drawn in one chart, across runs.
 */
export interface VitalSeries {
  chart: string;
  yLabel: string;
  logY?: boolean;
  name: string;
  points: readonly (readonly [number, number])[];
}

export interface RunHistory {
  name: string;
  config: Record<string, ConfigValue>;
  points: readonly HistoryPoint[];
  summary: RunSummary;
  /** Clipping threshold on the gradient norm, drawn as a horizontal line. */
  clipThreshold?: number;
  /** A hex colour or colour name for this run's lines; the palette is used otherwise. */
  color?: string;
  gradFlow?: GradFlow;
  heatmap?: GradHeatmap;
  vitals?: readonly VitalSign[];
  vitalSeries?: readonly VitalSeries[];
}

export interface ReportData {
  title: string;
  /** The command line that produced the report, shown under the title. */
  command?: string;
  /** Shown as given when a string; a Date is written as YYYY-MM-DD HH:MM UTC. */
  date?: string | Date;
  /** A paragraph about the task, e.g. what the baseline is. */
  description?: string;
  notes?: readonly string[];
  runs: readonly RunHistory[];
}
