/** How the postmortem writes times, numbers, kinds and other people's text. */
import type { RootCauseKind } from '../../ports/investigation';

/** `09:58` (UTC). */
export const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);
/** `2026-11-26` (UTC). */
export const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
/** `2026-11-26 09:58` (UTC). */
export const dayTime = (ms: number) => `${day(ms)} ${hhmm(ms)}`;

/** A time within the draft: `09:58` when the whole incident is one UTC day, else with the date. */
export function stamp(ms: number, oneDay: boolean): string {
  return oneDay ? hhmm(ms) : dayTime(ms);
}

/** `1h 5m`, `40m`, `45s`. */
export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m}m`;
  return `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ''}`;
}

/** A ratio as a percentage: `3.5%`, `0.12%`, `42%`. */
export function pct(ratio: number): string {
  const v = ratio * 100;
  if (!Number.isFinite(v)) return 'unknown';
  if (v === 0) return '0%';
  return `${v >= 10 ? v.toFixed(0) : v >= 1 ? v.toFixed(1) : v.toPrecision(2)}%`;
}

/** A burn rate: `12.3x`. */
export function rate(v: number): string {
  return Number.isFinite(v) ? `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}x` : 'unknown';
}

export const OBJECTIVE_WORDS: Record<'latency_p99_ms' | 'error_rate' | 'cpu' | 'memory', string> = {
  latency_p99_ms: 'p99 latency',
  error_rate: 'error rate',
  cpu: 'CPU',
  memory: 'memory',
};

export const KIND_WORDS: Record<RootCauseKind, string> = {
  bad_deploy: 'bad deploy',
  config_change: 'config change',
  memory_leak: 'memory leak',
  cpu_saturation: 'CPU saturation',
  traffic_surge: 'traffic surge',
  other: 'other cause',
};

/**
 * Text someone else wrote (alert titles, annotations, labels, result sentences) as one inline run
 * of Markdown: on one line (so never a heading, a list or a quote), at most `max` characters, with
 * the characters that would make it a link, HTML, code, a table cell or emphasis escaped. It stays
 * data, whatever it says.
 */
export function inline(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  return cut.replace(/[\\`*_[\]<|]/g, (c) => `\\${c}`);
}
