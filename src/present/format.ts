/** Number and time formatting shared by presenters. */
export function percent(v: number): string {
  if (!Number.isFinite(v)) return '–';
  return `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
}

export function ms(v: number): string {
  return Number.isFinite(v) ? `${Math.round(v)} ms` : '–';
}

export function rate(v: number): string {
  return Number.isFinite(v) ? `${v >= 100 ? Math.round(v) : v.toFixed(1)}/s` : '–';
}

export function duration(milliseconds: number): string {
  const s = Math.round(milliseconds / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? ` ${s % 60}s` : ''}`;
  return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60) ? ` ${Math.floor((s % 3600) / 60)}m` : ''}`;
}

export function windowWords(windowS: number): string {
  if (windowS === 3600) return 'the last hour';
  return `the last ${duration(windowS * 1000)}`;
}

export function ago(thenMs: number, nowMs: number): string {
  return `${duration(Math.max(0, nowMs - thenMs))} ago`;
}
