/**
 * Timestamps accepted by `detect`, as epoch milliseconds (UTC):
 * - NAB's `YYYY-MM-DD HH:MM:SS` (read as UTC; the fast path),
 * - ISO 8601 date-times `YYYY-MM-DD[T| ]HH:MM[:SS[.fff]][Z|±HH[:MM]]` and dates `YYYY-MM-DD`
 *   (without an offset read as UTC, so results never depend on the machine's time zone),
 * - unix time in seconds or milliseconds (`1396310400`, `1396310400.5`, `1396310400000`):
 *   a number of 1e11 or more is read as milliseconds.
 * Anything else gives NaN.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, mo: number, d: number): boolean {
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= (mo === 2 && leap ? 29 : DAYS_IN_MONTH[mo - 1]);
}

function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (!validDate(y, mo, d) || h > 23 || mi > 59 || s > 59) return NaN;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (y >= 100) return t;
  const at = new Date(t);
  at.setUTCFullYear(y); // Date.UTC maps years 0..99 to 1900..1999
  return at.getTime();
}

/** Two ASCII digits at i as a number, or -1. */
function two(text: string, i: number): number {
  const a = text.charCodeAt(i) - 48;
  const b = text.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

function nabFormat(text: string): number {
  // YYYY-MM-DD HH:MM:SS
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return NaN;
  const hi = two(text, 0);
  const lo = two(text, 2);
  const mo = two(text, 5);
  const d = two(text, 8);
  const h = two(text, 11);
  const mi = two(text, 14);
  const s = two(text, 17);
  if (hi < 0 || lo < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0) return NaN;
  return utcMs(hi * 100 + lo, mo, d, h, mi, s, 0);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const UNIX = /^\d+(?:\.\d+)?$/;

export function parseTimestampMs(raw: string): number {
  if (raw.length === 19) {
    const fast = nabFormat(raw);
    if (!Number.isNaN(fast)) return fast;
  }
  const text = raw.trim();
  if (text.length === 19 && text !== raw) {
    const fast = nabFormat(text);
    if (!Number.isNaN(fast)) return fast;
  }
  if (UNIX.test(text)) {
    const n = Number(text);
    return n >= 1e11 ? n : n * 1000;
  }
  const m = ISO.exec(text);
  if (!m) return NaN;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  if (tz && h === undefined) return NaN; // an offset needs a time
  const ms = frac ? Number(`0.${frac}`) * 1000 : 0;
  const local = utcMs(Number(y), Number(mo), Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), 0);
  if (Number.isNaN(local)) return NaN;
  let offsetMin = 0;
  if (tz && tz !== 'Z' && tz !== 'z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2) || 0);
    if (oh > 23 || om > 59) return NaN;
    offsetMin = sign * (oh * 60 + om);
  }
  return local + ms - offsetMin * 60_000;
}
