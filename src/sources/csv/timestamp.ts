/**
 * CSV timestamps, as milliseconds since the epoch:
 * - ISO 8601: 2024-01-15T10:00:00Z, 2024-01-15T10:00:00.250+02:00, 2024-01-15 (midnight);
 * - 'YYYY-MM-DD HH:MM:SS' (the NAB corpus layout);
 * - unix seconds, fractions allowed: 1705312800, 1705312800.5.
 * A time without a zone is UTC (never the machine's zone, so results do not depend on where
 * the bot runs). A whole number of 1e11 or more is taken as milliseconds (1e11 s is year 5138).
 */
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const NUMBER = /^\d+(?:\.\d+)?$/;
const MS_THRESHOLD = 1e11;

export function parseTimestamp(text: string): number | undefined {
  const t = text.trim();
  if (NUMBER.test(t)) {
    const n = Number(t);
    return n >= MS_THRESHOLD ? Math.round(n) : Math.round(n * 1000);
  }
  const m = ISO.exec(t);
  if (!m) return undefined;
  const [year, month, day, hour = 0, minute = 0, second = 0] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((x) =>
    x === undefined ? undefined : Number(x),
  ) as number[];
  const ms = m[7] ? Number(`${m[7]}00`.slice(0, 3)) : 0; // truncated to the millisecond
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return undefined; // 2024-02-30, 25:00 …
  }
  return utc - offsetMs(m[8]);
}

function offsetMs(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}
