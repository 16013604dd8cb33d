import { AppError } from '../../errors';
import { firstInRange, lastAtOrBefore, type ServiceTimeline } from './actions';
import { DEMO_SERVICE_NAMES } from './catalog';
import { MINUTE_MS, type FaultKind, type IncidentKind, type IncidentWindow } from './incidents';
import { hashOf, unit } from './noise';

export { FAULT_KINDS, type FaultKind } from './incidents';

/**
 * DEMO_FAULTS: a list of faults the fleet plays instead of its built-in schedule. Each fault is
 * an incident window on its service with the effect of the built-in incident it resembles
 * (model.ts), ended early by the remediation that fixes it:
 *
 *   bad_deploy      latency_regression, plus errors 2-4%        a rollback ends it
 *   config_change   error_burst (errors 4-8%, p99 x1.3)         a rollback ends it
 *   memory_leak     memory_leak, as a sawtooth: each climb takes LEAK_CLIMB_MS from the last reset to
 *                   the limit, then an OOM kill resets it; a restart ends the current climb (a new one
 *                   starts at once and is reported as an incident from half-way up)
 *   cpu_saturation  cpu_saturation: cpu to 90-96% of requested at steady traffic, so latency queues
 *   traffic_surge   traffic_spike: request rate x3-3.5, so cpu and p99 climb
 *   deploy          nothing: a harmless deploy leaves its deploy event (events.ts) and no incident
 *
 * Scaling out relieves the last two through the load per replica (model.ts), as it does a traffic spike.
 */

/** When a fault starts: milliseconds after the fleet's start (negative: before it), or a time. */
export type FaultStart = { afterStartMs: number } | { atMs: number };

/** A fault as configured (src/config/demo-faults.ts reads them from the DEMO_FAULTS file). */
export interface DemoFaultSpec {
  kind: FaultKind;
  service: string;
  start: FaultStart;
  /** Open-ended when absent. */
  durationMs?: number;
}

/** A fault at fixed times: its start resolved against the fleet's start. */
export interface DemoFault {
  /** Its place in the file. */
  index: number;
  kind: FaultKind;
  service: string;
  startMs: number;
  /** Infinity when open-ended. */
  endMs: number;
  /** 0..1 from the seed and the index: how bad it is. */
  severity: number;
}

export const LEAK_CLIMB_MS = 60 * MINUTE_MS;

export const FAULT_INCIDENT: Record<Exclude<FaultKind, 'deploy'>, IncidentKind> = {
  bad_deploy: 'latency_regression',
  config_change: 'error_burst',
  memory_leak: 'memory_leak',
  cpu_saturation: 'cpu_saturation',
  traffic_surge: 'traffic_spike',
};

/** The action that ends a (non-leak) fault early. */
const ENDED_BY: Record<FaultKind, 'rollback' | 'restart' | undefined> = {
  bad_deploy: 'rollback',
  config_change: 'rollback',
  memory_leak: 'restart',
  cpu_saturation: undefined,
  traffic_surge: undefined,
  deploy: undefined,
};

/** Fix each fault's times; throws AppError('config_invalid') naming the fault for an unknown service or bad time. */
export function resolveFaults(specs: readonly DemoFaultSpec[], fleetStartMs: number, seedKey: number): DemoFault[] {
  return specs.map((spec, index) => {
    if (!DEMO_SERVICE_NAMES.includes(spec.service)) {
      throw new AppError(
        'config_invalid',
        `DEMO_FAULTS fault ${index}: unknown service "${spec.service}"; ` +
          `expected one of ${DEMO_SERVICE_NAMES.join(', ')}.`,
      );
    }
    const startMs = 'atMs' in spec.start ? spec.start.atMs : fleetStartMs + spec.start.afterStartMs;
    const duration = spec.durationMs ?? Infinity;
    if (!Number.isFinite(startMs) || !(duration > 0)) {
      throw new AppError(
        'config_invalid',
        `DEMO_FAULTS fault ${index}: expected a finite start and a positive duration, ` +
          `got ${String(startMs)} and ${String(spec.durationMs)}.`,
      );
    }
    const severity = unit(hashOf(seedKey, 'fault', index, spec.kind, spec.service), 0);
    return { index, kind: spec.kind, service: spec.service, startMs, endMs: startMs + duration, severity };
  });
}

function windowOf(
  f: DemoFault & { kind: Exclude<FaultKind, 'deploy'> },
  fields: Partial<IncidentWindow> & Pick<IncidentWindow, 'sinceMs' | 'untilMs'>,
) {
  const w: IncidentWindow = {
    kind: FAULT_INCIDENT[f.kind],
    service: f.service,
    scheduledUntilMs: f.endMs,
    endedBy: 'schedule',
    cycle: f.index,
    severity: f.severity,
    fault: f.kind,
    ...fields,
  };
  return w;
}

/** The first time in an ascending list that is > t. */
function firstAfter(times: readonly number[], t: number): number | undefined {
  for (const x of times) if (x > t) return x;
  return undefined;
}

/** The climb of a leak that holds t (startMs <= t < endMs): from its last reset to the next. */
function climbAt(f: DemoFault & { kind: 'memory_leak' }, restarts: readonly number[], t: number): IncidentWindow {
  const lastRestart = lastAtOrBefore(restarts, t);
  const anchor = lastRestart !== undefined && lastRestart > f.startMs ? lastRestart : f.startMs;
  const sinceMs = anchor + Math.floor((t - anchor) / LEAK_CLIMB_MS) * LEAK_CLIMB_MS;
  const oomAt = sinceMs + LEAK_CLIMB_MS;
  const restartAt = firstAfter(restarts, t) ?? Infinity;
  const untilMs = Math.min(oomAt, restartAt, f.endMs);
  const endedBy = restartAt === untilMs ? 'restart' : 'schedule';
  const afterRestart = sinceMs === anchor && anchor !== f.startMs;
  return windowOf(f, {
    sinceMs,
    untilMs,
    scheduledUntilMs: oomAt,
    endedBy,
    endsInOom: endedBy === 'schedule' && oomAt < f.endMs,
    ...(afterRestart ? { reportedFromMs: sinceMs + LEAK_CLIMB_MS / 2 } : {}),
  });
}

/** The windows of one leak that touch t: the climb holding t (or the last one) and the one before it. */
function leakWindows(f: DemoFault & { kind: 'memory_leak' }, restarts: readonly number[], t: number): IncidentWindow[] {
  if (t < f.startMs) return [];
  const current = climbAt(f, restarts, Math.min(t, f.endMs - 1));
  return current.sinceMs > f.startMs ? [climbAt(f, restarts, current.sinceMs - 1), current] : [current];
}

/** One service's fault windows that can touch t, shortened by the actions that end them. */
export function faultWindows(
  faults: readonly DemoFault[],
  service: string,
  t: number,
  timeline: ServiceTimeline,
): IncidentWindow[] {
  const windows: IncidentWindow[] = [];
  for (const f of faults) {
    if (f.service !== service) continue;
    if (f.kind === 'memory_leak') {
      windows.push(...leakWindows({ ...f, kind: f.kind }, timeline.restarts, t));
      continue;
    }
    if (f.kind === 'deploy') continue;
    const endedBy = ENDED_BY[f.kind];
    const times = endedBy === 'rollback' ? timeline.rollbacks : endedBy === 'restart' ? timeline.restarts : [];
    const endedAt = firstInRange(times, f.startMs, f.endMs);
    windows.push(
      windowOf(
        { ...f, kind: f.kind },
        {
          sinceMs: f.startMs,
          untilMs: endedAt ?? f.endMs,
          endedBy: endedAt === undefined || endedBy === undefined ? 'schedule' : endedBy,
        },
      ),
    );
  }
  return windows;
}
