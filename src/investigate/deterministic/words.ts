import type { ChangeEvent } from '../../changes/types';
import type { Signal } from '../../sources/types';
import type { SignalAnomaly } from './observations';

/** How claims and summaries name times, signals and values. */
export function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

const SIGNAL_WORDS: Record<Signal, string> = {
  latency_p50: 'p50 latency',
  latency_p99: 'p99 latency',
  error_rate: 'error rate',
  request_rate: 'request rate',
  cpu: 'CPU',
  memory: 'memory',
};

function value(signal: Signal, v: number): string {
  if (signal === 'latency_p50' || signal === 'latency_p99') return `${Math.round(v)} ms`;
  if (signal === 'request_rate') return `${Math.round(v)} req/s`;
  if (signal === 'error_rate') return `${(v * 100).toFixed(v < 0.01 ? 2 : 1)}%`;
  return `${Math.round(v * 100)}%`;
}

export function signalWords(signal: Signal): string {
  return SIGNAL_WORDS[signal];
}

/** "payments p99 latency above its band since 11:47 (454 ms -> 3250 ms)" */
export function anomalyClaim(a: SignalAnomaly): string {
  const dir = a.direction === 'below' ? 'below' : 'above';
  return (
    `${a.service} ${SIGNAL_WORDS[a.signal]} ${dir} its expected band since ${hhmm(a.onsetMs)} ` +
    `(${value(a.signal, a.before)} -> ${value(a.signal, a.peak)}${a.ongoing ? ', still' : ''})`
  );
}

/** "deploy at 11:45: deployed payments v2.19.0 (was v2.18.3)" */
export function changeClaim(c: ChangeEvent): string {
  return `${c.kind.replace('_', ' ')} at ${hhmm(c.atMs)}: ${c.summary}`;
}
