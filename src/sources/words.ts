import type { Signal } from './types';

/** How people read a golden signal's name: `latency_p99` -> "p99 latency". */
export const SIGNAL_WORDS: Record<Signal, string> = {
  latency_p50: 'p50 latency',
  latency_p99: 'p99 latency',
  error_rate: 'error rate',
  request_rate: 'request rate',
  cpu: 'CPU',
  memory: 'memory',
};

/** A signal's value in its unit for people: `412 ms`, `3.2%`, `85%`; `?` when unknown. */
export function signalValue(signal: Signal, v: number): string {
  if (!Number.isFinite(v)) return '?';
  if (signal === 'latency_p50' || signal === 'latency_p99') return `${Math.round(v)} ms`;
  if (signal === 'request_rate') return `${Math.round(v)} req/s`;
  if (signal === 'error_rate') return `${(v * 100).toFixed(v < 0.01 ? 2 : 1)}%`;
  return `${Math.round(v * 100)}%`;
}
