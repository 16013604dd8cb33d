import { AppError } from '../../errors';
import { DEMO_SERVICE_NAMES, MAX_REPLICAS, MIN_REPLICAS } from './catalog';

export const FLEET_ACTION_KINDS = ['restart', 'scale', 'rollback', 'clear_cache'] as const;
export type FleetActionKind = (typeof FLEET_ACTION_KINDS)[number];

/** What a caller asks for; atMs defaults to the fleet's clock. */
export interface FleetAction {
  kind: FleetActionKind;
  service: string;
  /** Required for 'scale': 1..50. */
  replicas?: number;
  atMs?: number;
}

/** An action as kept in the log (and as a caller persists and restores it). */
export interface RecordedFleetAction {
  kind: FleetActionKind;
  service: string;
  replicas?: number;
  atMs: number;
}

/** One service's actions, split by kind, each list ascending by time. */
export interface ServiceTimeline {
  restarts: number[];
  rollbacks: number[];
  clearCaches: number[];
  scales: Array<{ atMs: number; replicas: number }>;
}

export function unknownService(service: string): AppError {
  return new AppError('not_found', `Unknown service "${service}". Known services: ${DEMO_SERVICE_NAMES.join(', ')}.`);
}

export function assertKnownService(service: unknown): asserts service is string {
  if (typeof service !== 'string' || !DEMO_SERVICE_NAMES.includes(service)) throw unknownService(String(service));
}

/** Check an action and give it its time; throws AppError('bad_request' | 'not_found'). */
export function normaliseAction(action: FleetAction, atMs: number): RecordedFleetAction {
  const kind: unknown = action.kind;
  if (typeof kind !== 'string' || !(FLEET_ACTION_KINDS as readonly string[]).includes(kind)) {
    throw new AppError(
      'bad_request',
      `Unknown action "${String(kind)}"; the demo fleet supports ${FLEET_ACTION_KINDS.join(', ')}.`,
    );
  }
  assertKnownService(action.service);
  if (!Number.isFinite(atMs))
    throw new AppError('bad_request', `atMs must be a finite time in milliseconds since the epoch, got ${atMs}.`);
  if (action.kind !== 'scale') return { kind: action.kind, service: action.service, atMs };
  const replicas = action.replicas;
  if (
    typeof replicas !== 'number' ||
    !Number.isInteger(replicas) ||
    replicas < MIN_REPLICAS ||
    replicas > MAX_REPLICAS
  ) {
    throw new AppError(
      'bad_request',
      `scale needs replicas as a whole number from ${MIN_REPLICAS} to ${MAX_REPLICAS}, got ${String(replicas)}.`,
    );
  }
  return { kind: 'scale', service: action.service, replicas, atMs };
}

/** Insert keeping the log ascending by atMs; equal times keep their order of arrival. */
export function insertAction(log: RecordedFleetAction[], action: RecordedFleetAction): void {
  let i = log.length;
  while (i > 0 && log[i - 1].atMs > action.atMs) i -= 1;
  log.splice(i, 0, action);
}

export function timelineOf(log: readonly RecordedFleetAction[], service: string): ServiceTimeline {
  const timeline: ServiceTimeline = { restarts: [], rollbacks: [], clearCaches: [], scales: [] };
  for (const a of log) {
    if (a.service !== service) continue;
    switch (a.kind) {
      case 'restart':
        timeline.restarts.push(a.atMs);
        break;
      case 'rollback':
        timeline.rollbacks.push(a.atMs);
        break;
      case 'clear_cache':
        timeline.clearCaches.push(a.atMs);
        break;
      case 'scale':
        timeline.scales.push({ atMs: a.atMs, replicas: a.replicas ?? MIN_REPLICAS });
        break;
    }
  }
  return timeline;
}

/** The latest time in an ascending list that is <= t. */
export function lastAtOrBefore(times: readonly number[], t: number): number | undefined {
  for (let i = times.length - 1; i >= 0; i -= 1) {
    const x = times[i];
    if (x <= t) return x;
  }
  return undefined;
}

/** The earliest time in an ascending list within [from, to). */
export function firstInRange(times: readonly number[], from: number, to: number): number | undefined {
  for (const x of times) {
    if (x >= to) return undefined;
    if (x >= from) return x;
  }
  return undefined;
}

export function replicasAt(timeline: ServiceTimeline, t: number, defaultReplicas: number): number {
  for (let i = timeline.scales.length - 1; i >= 0; i -= 1) {
    const s = timeline.scales[i];
    if (s.atMs <= t) return s.replicas;
  }
  return defaultReplicas;
}
