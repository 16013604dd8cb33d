import type { ChangeEvent } from '../../changes/types';
import type { Signal } from '../../sources/types';
import type { SignalAnomaly } from './observations';
import { SIGNAL_WORDS, signalValue } from '../../sources/words';

/** How claims and summaries name times, signals and values. */
export function hhmm(ms: number): string {
  return new Date(ms).toISOString().slice(11, 16);
}

export function signalWords(signal: Signal): string {
  return SIGNAL_WORDS[signal];
}

/** "payments p99 latency above its band since 11:47 (454 ms -> 3250 ms)" */
export function anomalyClaim(a: SignalAnomaly): string {
  const dir = a.direction === 'below' ? 'below' : 'above';
  return (
    `${a.service} ${SIGNAL_WORDS[a.signal]} ${dir} its expected band since ${hhmm(a.onsetMs)} ` +
    `(${signalValue(a.signal, a.before)} -> ${signalValue(a.signal, a.peak)}${a.ongoing ? ', still' : ''})`
  );
}

/** "deploy at 11:45: deployed payments v2.19.0 (was v2.18.3)" */
export function changeClaim(c: ChangeEvent): string {
  return `${c.kind.replace('_', ' ')} at ${hhmm(c.atMs)}: ${c.summary}`;
}
