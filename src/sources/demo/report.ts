import type { Objectives } from '../types';
import type { RecordedFleetAction } from './actions';
import type { IncidentInfo } from './incidents';
import type { SignalValues } from './model';

/** A service at one instant: what a status command shows. */
export interface ServiceSnapshot {
  service: string;
  /** On the fleet's step. */
  atMs: number;
  replicas: number;
  signals: SignalValues;
  /** The objectives the values are over, in the order of Objectives. */
  breaches: Array<keyof Objectives>;
  activeIncidents: IncidentInfo[];
}

export interface FleetActionResult {
  action: RecordedFleetAction;
  /** The service at the first step the action touches, without it and with it. */
  before: ServiceSnapshot;
  after: ServiceSnapshot;
  /** Incidents this action ended (a restart ends a leak, a rollback a bad deploy). */
  resolvedIncidents: IncidentInfo[];
  /** One or two sentences for chat. */
  summary: string;
}

export function breachedObjectives(values: SignalValues, objectives: Objectives): Array<keyof Objectives> {
  const breaches: Array<keyof Objectives> = [];
  if (values.latency_p99 > objectives.latency_p99_ms) breaches.push('latency_p99_ms');
  if (values.error_rate > objectives.error_rate) breaches.push('error_rate');
  if (values.cpu > objectives.cpu) breaches.push('cpu');
  if (values.memory > objectives.memory) breaches.push('memory');
  return breaches;
}

/** How the fleet's reports write a ratio and a latency (the demo executor's plans and checks too). */
export const pct = (ratio: number): string => `${Math.round(ratio * 100)}%`;
export const ms = (value: number): string => `${Math.round(value)} ms`;

export function summarise(
  action: RecordedFleetAction,
  before: ServiceSnapshot,
  after: ServiceSnapshot,
  resolved: IncidentInfo[],
): string {
  const b = before.signals;
  const a = after.signals;
  const name = action.service;
  const ended = (kind: IncidentInfo['kind']): boolean => resolved.some((i) => i.kind === kind);
  const stillRegressed = after.activeIncidents.some((i) => i.kind === 'latency_regression');
  switch (action.kind) {
    case 'restart': {
      const memory = `memory ${pct(b.memory)} -> ${pct(a.memory)} of the limit`;
      const leakFault = resolved.some((i) => i.kind === 'memory_leak' && i.fault !== undefined);
      const leak = leakFault
        ? '; this climb is over, but the leak is still in the code and memory will climb again'
        : ended('memory_leak')
          ? `; the memory leak is cleared`
          : '';
      const hint = stillRegressed
        ? ' Latency stays high: a restart does not undo the bad deploy; a rollback does.'
        : '';
      return (
        `Restarted ${name} (${after.replicas} replicas): ${memory}${leak}. ` +
        `Expect a short latency blip while the pods warm up.${hint}`
      );
    }
    case 'scale': {
      const verb =
        after.replicas > before.replicas ? 'Scaled out' : after.replicas < before.replicas ? 'Scaled in' : 'Kept';
      return (
        `${verb} ${name} from ${before.replicas} to ${after.replicas} replicas: ` +
        `cpu ${pct(b.cpu)} -> ${pct(a.cpu)} of requested, p99 ${ms(b.latency_p99)} -> ${ms(a.latency_p99)}.`
      );
    }
    case 'rollback':
      if (!ended('latency_regression') && ended('error_burst'))
        return (
          `Rolled back ${name}'s config change: errors ${pct(b.error_rate)} -> ${pct(a.error_rate)}; ` +
          'the error burst is over.'
        );
      return ended('latency_regression')
        ? `Rolled back ${name}: p99 ${ms(b.latency_p99)} -> ${ms(a.latency_p99)}, ` +
            `p50 ${ms(b.latency_p50)} -> ${ms(a.latency_p50)}; the latency regression is over.`
        : `Rolled back ${name}; no bad deploy was active, so apart from a short latency blip nothing changes.`;
    case 'clear_cache':
      return (
        `Cleared the cache of ${name}: p99 ${ms(b.latency_p99)} -> ${ms(a.latency_p99)} while the cache warms up ` +
        'again (a few minutes).'
      );
  }
}
