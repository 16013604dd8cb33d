import { firstInRange, type ServiceTimeline } from './actions';
import { hashOf, unit } from './noise';

/**
 * The incident schedule. A cycle repeats every CYCLE_MS, anchored at the Unix epoch plus a
 * seed-derived whole-minute offset. Within a cycle four incidents, each on its own service, are
 * staggered so that while nobody intervenes at least one service breaches an objective at any
 * moment, and auth-gateway always stays healthy:
 *
 *   minute   0 ..110  latency_regression  checkout-api  bad deploy: p50 x3.5-5, p99 x5-7, cpu +20%;
 *                                                       a rollback ends it
 *   minute   0 ..180  memory_leak         inventory     memory climbs from 40% to 100% of the limit,
 *                                                       past its 70% objective from about minute 90;
 *                                                       a restart ends it, else an OOM kill at 180
 *                                                       (memory resets, errors blip for ~2 minutes)
 *   minute 175 ..205  error_burst         payments      error rate 4-8%
 *   minute 200 ..245  traffic_spike       search        request rate x3-3.5, so cpu and p99 breach;
 *                                                       scaling out brings them back
 */
const { floor } = Math; // a local binding: global lookups are slow under jest's vm context
export const MINUTE_MS = 60_000;
export const CYCLE_MS = 240 * MINUTE_MS;

/** The built-in schedule's kinds, then cpu_saturation (only a DEMO_FAULTS fault has it: faults.ts). */
export const INCIDENT_KINDS = [
  'latency_regression',
  'memory_leak',
  'error_burst',
  'traffic_spike',
  'cpu_saturation',
] as const;
export type IncidentKind = (typeof INCIDENT_KINDS)[number];

/**
 * What a DEMO_FAULTS file can play (faults.ts); here so an incident can name its fault. `deploy` is a
 * harmless deploy: the event only, no effect (a red herring for investigations).
 */
export const FAULT_KINDS = [
  'bad_deploy',
  'config_change',
  'memory_leak',
  'cpu_saturation',
  'traffic_surge',
  'deploy',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const INCIDENT_LABELS: Record<IncidentKind, string> = {
  latency_regression: 'latency regression after a bad deploy',
  memory_leak: 'memory leak',
  error_burst: 'error burst',
  traffic_spike: 'traffic spike',
  cpu_saturation: 'cpu saturation',
};

export interface IncidentPlanEntry {
  kind: IncidentKind;
  service: string;
  /** Minutes after the start of the cycle. */
  startMin: number;
  durationMin: number;
  /** The action that ends it early, if any. */
  endedBy?: 'restart' | 'rollback';
}

export const INCIDENT_PLAN: readonly IncidentPlanEntry[] = [
  { kind: 'latency_regression', service: 'checkout-api', startMin: 0, durationMin: 110, endedBy: 'rollback' },
  { kind: 'memory_leak', service: 'inventory', startMin: 0, durationMin: 180, endedBy: 'restart' },
  { kind: 'error_burst', service: 'payments', startMin: 175, durationMin: 30 },
  { kind: 'traffic_spike', service: 'search', startMin: 200, durationMin: 45 },
];

/** An incident as callers see it. untilMs is the scheduled end, or the action that ended it. */
export interface IncidentInfo {
  kind: IncidentKind;
  service: string;
  sinceMs: number;
  /** Infinity for an open-ended DEMO_FAULTS fault nobody ended. */
  untilMs: number;
  /** The DEMO_FAULTS fault behind it (absent for the built-in schedule). */
  fault?: FaultKind;
}

export interface IncidentWindow extends IncidentInfo {
  cycle: number;
  scheduledUntilMs: number;
  endedBy: 'schedule' | 'restart' | 'rollback';
  /** 0..1, drawn per cycle from the seed: how bad this occurrence is. */
  severity: number;
  /** A memory leak's climb: false when it ends without an OOM kill (its fault ended first). Default true. */
  endsInOom?: boolean;
  /** Reported as an incident from then on (a leak's climb after a restart: the restart ended the last one). */
  reportedFromMs?: number;
}

const PLAN_BY_SERVICE = new Map<string, Array<{ entry: IncidentPlanEntry; index: number }>>();
INCIDENT_PLAN.forEach((entry, index) => {
  const list = PLAN_BY_SERVICE.get(entry.service) ?? [];
  list.push({ entry, index });
  PLAN_BY_SERVICE.set(entry.service, list);
});

/** The seed's schedule: where cycle 0 starts, and the keys that size each occurrence. */
export interface Schedule {
  /** Ms since the epoch: a whole number of minutes below CYCLE_MS. */
  offsetMs: number;
  /** One per INCIDENT_PLAN entry. */
  severityKeys: number[];
}

export function scheduleFor(seedKey: number): Schedule {
  return {
    offsetMs: (hashOf(seedKey, 'schedule') % (CYCLE_MS / MINUTE_MS)) * MINUTE_MS,
    severityKeys: INCIDENT_PLAN.map((_, index) => hashOf(seedKey, 'severity', index)),
  };
}

export function cycleIndexAt(offsetMs: number, t: number): number {
  return floor((t - offsetMs) / CYCLE_MS);
}

/**
 * One service's incident windows from the cycle holding t and the cycle before it (no window
 * is longer than a cycle, so these are all that can touch t), shortened by any action that
 * ends them.
 */
export function serviceWindows(
  schedule: Schedule,
  service: string,
  t: number,
  timeline: ServiceTimeline,
): IncidentWindow[] {
  const plan = PLAN_BY_SERVICE.get(service);
  if (plan === undefined) return [];
  const { offsetMs, severityKeys } = schedule;
  const current = cycleIndexAt(offsetMs, t);
  const windows: IncidentWindow[] = [];
  for (let cycle = current - 1; cycle <= current; cycle += 1) {
    const cycleStart = offsetMs + cycle * CYCLE_MS;
    for (const { entry, index } of plan) {
      const sinceMs = cycleStart + entry.startMin * MINUTE_MS;
      const scheduledUntilMs = sinceMs + entry.durationMin * MINUTE_MS;
      const endingTimes =
        entry.endedBy === 'restart' ? timeline.restarts : entry.endedBy === 'rollback' ? timeline.rollbacks : [];
      const endedAt = firstInRange(endingTimes, sinceMs, scheduledUntilMs);
      windows.push({
        kind: entry.kind,
        service,
        sinceMs,
        untilMs: endedAt ?? scheduledUntilMs,
        scheduledUntilMs,
        endedBy: endedAt === undefined || entry.endedBy === undefined ? 'schedule' : entry.endedBy,
        cycle,
        severity: unit(severityKeys[index], cycle),
      });
    }
  }
  return windows;
}

export function isActive(w: IncidentInfo, t: number): boolean {
  return w.sinceMs <= t && t < w.untilMs;
}

/** Active and reported: what status and incidentsAt show. */
export function isReported(w: IncidentWindow, t: number): boolean {
  return isActive(w, t) && t >= (w.reportedFromMs ?? w.sinceMs);
}

export function publicIncident(w: IncidentInfo & { reportedFromMs?: number }): IncidentInfo {
  const sinceMs = w.reportedFromMs ?? w.sinceMs;
  const info: IncidentInfo = { kind: w.kind, service: w.service, sinceMs, untilMs: w.untilMs };
  return w.fault === undefined ? info : { ...info, fault: w.fault };
}
