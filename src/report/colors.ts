// Colours for the charts.
//
// Lines use the Okabe–Ito palette (Okabe & Ito, "Color Universal Design", 2008), which stays
// distinguishable under the common colour-vision deficiencies; its yellow is left out because it
// vanishes on white. Beyond seven series the colours repeat with a dash pattern (see `seriesStyle`).
//
// Heatmaps use a perceptually ordered scale interpolated in RGB between nine anchors taken from
// matplotlib's viridis at 0, 1/8, ..., 1: lightness rises monotonically, so the order of values
// survives greyscale printing and colour-vision deficiencies.

export const PALETTE: readonly string[] = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/** Dash patterns used after the palette wraps around. */
const DASHES: readonly (string | undefined)[] = [undefined, '6 3', '2 3', '8 3 2 3'];

export function paletteColor(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

/** Colour and (after the first lap of the palette) dash pattern for series number `i`. */
export function seriesStyle(i: number): { color: string; dash: string | undefined } {
  return { color: paletteColor(i), dash: DASHES[Math.floor(i / PALETTE.length) % DASHES.length] };
}

const VIRIDIS_ANCHORS: readonly (readonly [number, number, number])[] = [
  [0x44, 0x01, 0x54], [0x48, 0x28, 0x78], [0x3e, 0x49, 0x89], [0x31, 0x68, 0x8e], [0x26, 0x82, 0x8e],
  [0x1f, 0x9e, 0x89], [0x35, 0xb7, 0x79], [0x6e, 0xce, 0x58], [0xfd, 0xe7, 0x25],
];

/** Colour of a position `u` in [0, 1] on the heatmap scale (dark purple to yellow). */
export function sequentialColor(u: number): string {
  const x = Number.isFinite(u) ? Math.min(1, Math.max(0, u)) : 0;
  const pos = x * (VIRIDIS_ANCHORS.length - 1);
  const i = Math.min(VIRIDIS_ANCHORS.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = VIRIDIS_ANCHORS[i]!, b = VIRIDIS_ANCHORS[i + 1]!;
  return rgbHex(a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f);
}

function rgbHex(r: number, g: number, b: number): string {
  const h = (v: number) => Math.round(v).toString(16).padStart(2, '0');
  return `#${h(r)}${h(g)}${h(b)}`;
}

/** Fill for heatmap cells with no value (non-finite, or not positive on a log colour scale). */
export const MISSING_COLOR = '#d9d9d9';
