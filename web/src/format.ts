/** How figures and times read on the page. */

export function formatValue(value: number | null, unit: string): string {
  if (value === null) return 'no data';
  if (unit === 'ratio') return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)}%`;
  if (unit === 'ms') return `${Math.round(value)} ms`;
  if (unit === 'req/s') return `${value >= 100 ? Math.round(value) : value.toFixed(1)} req/s`;
  return `${value.toPrecision(3)} ${unit}`;
}

/** `14:05 UTC` (the full time is in the element's title). */
export function shortTime(iso: string): string {
  return `${iso.slice(11, 16)} UTC`;
}

/** `2026-11-26 14:05 UTC`. */
export function fullTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function burnText(rate: number | null): string {
  return rate === null ? '–' : rate >= 10 ? rate.toFixed(0) : rate.toFixed(1);
}
