// Everything that reaches an SVG or HTML page from data (run names, config values, task
// descriptions, colours) goes through this file. Text is escaped for both element content and
// quoted attribute values; colours are accepted only in forms that cannot name a URL.

const XML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// Code points that XML 1.0 forbids even when escaped (C0 controls other than tab, LF, CR;
// lone surrogates; U+FFFE/U+FFFF). They are replaced so the output always parses.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML/HTML content and for double- or single-quoted attribute values. */
export function escapeXml(value: unknown): string {
  return String(value).replace(INVALID_XML, '\uFFFD').replace(/[&<>"']/g, (c) => XML_ESCAPES[c]!);
}

/** Shortens `s` to at most `max` characters (before escaping), ending with an ellipsis. */
export function truncate(s: string, max: number): string {
  const chars = Array.from(s);
  return chars.length <= max ? s : chars.slice(0, Math.max(1, max - 1)).join('') + '…';
}

const HEX_COLOR = /^#(?:[0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const NAMED_COLOR = /^[a-z]{3,24}$/i;

/** The colour if it is a hex colour or a plain colour name, otherwise `fallback`. */
export function safeColor(color: string | undefined, fallback: string): string {
  if (color === undefined) return fallback;
  return HEX_COLOR.test(color) || NAMED_COLOR.test(color) ? color : fallback;
}
