/**
 * The window a question's words name: "since 10:00" (UTC, today, or yesterday when that is still
 * ahead), "in the last 2 hours", "past 30m". Nothing named: undefined (the investigator's default).
 */
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** The longest window words may ask for: the tools' own cap. */
export const MAX_WORDS_WINDOW_MS = 6 * 60 * MINUTE_MS;

export function windowFromWords(text: string, now: number): { fromMs: number } | undefined {
  const since = /\bsince\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b/i.exec(text);
  if (since) {
    let hour = Number(since[1]);
    const minute = Number(since[2] ?? 0);
    const half = since[3]?.toLowerCase();
    if (half === 'pm' && hour < 12) hour += 12;
    if (half === 'am' && hour === 12) hour = 0;
    if (hour > 23 || minute > 59 || (since[2] === undefined && half === undefined)) return undefined;
    const day = new Date(now);
    let fromMs = Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hour, minute);
    if (fromMs > now) fromMs -= DAY_MS;
    return { fromMs: Math.max(fromMs, now - MAX_WORDS_WINDOW_MS) };
  }
  const last = /\b(?:last|past)\s+(\d+)?\s*(m|min|mins|minutes?|h|hr|hrs|hours?)\b/i.exec(text);
  if (last) {
    const n = Number(last[1] ?? 1);
    const ms = n * (last[2].toLowerCase().startsWith('h') ? 60 : 1) * MINUTE_MS;
    if (n <= 0) return undefined;
    return { fromMs: now - Math.min(ms, MAX_WORDS_WINDOW_MS) };
  }
  return undefined;
}
