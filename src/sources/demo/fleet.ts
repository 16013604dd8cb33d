import { systemClock, type Clock } from '../../clock';
import { AppError } from '../../errors';
import {
  GOLDEN_SIGNALS,
  SIGNAL_UNITS,
  type MetricsSource,
  type Series,
  type SeriesQuery,
  type ServiceInfo,
} from '../types';
import {
  assertKnownService,
  insertAction,
  normaliseAction,
  replicasAt,
  timelineOf,
  type FleetAction,
  type RecordedFleetAction,
} from './actions';
import { DEMO_SERVICES, type DemoServiceSpec } from './catalog';
import { faultEvents, type DemoEvent } from './events';
import { resolveFaults, type DemoFault, type DemoFaultSpec } from './faults';
import {
  isReported,
  publicIncident,
  scheduleFor,
  type IncidentInfo,
  type IncidentWindow,
  type Schedule,
} from './incidents';
import { cleanSignals, noiseKeysFor, observed, observedSignals, windowsAt, type ServiceModel } from './model';
import { hashOf } from './noise';
import { breachedObjectives, summarise, type FleetActionResult, type ServiceSnapshot } from './report';

export interface DemoFleetOptions {
  seed: number;
  /** The native resolution, default 60_000 ms. */
  stepMs?: number;
  clock?: Clock;
  /** Actions persisted earlier, to restore the fleet's history. */
  initialActions?: readonly RecordedFleetAction[];
  /**
   * DEMO_FAULTS: play these faults instead of the built-in schedule ([]: a quiet fleet); relative starts
   * count from the clock's time at construction. Absent: the built-in 4-hour schedule.
   */
  faults?: readonly DemoFaultSpec[];
}

export interface ServiceState {
  service: string;
  replicas: number;
  activeIncidents: IncidentInfo[];
  /** Newest first, at most LAST_ACTIONS. */
  lastActions: RecordedFleetAction[];
}

export const DEFAULT_STEP_MS = 60_000;
export const MAX_POINTS = 50_000;
const LAST_ACTIONS = 10;

const SPECS = new Map<string, DemoServiceSpec>(DEMO_SERVICES.map((s) => [s.name, s]));

/**
 * The embedded metrics source and action target: a deterministic simulation of five services.
 * A value is a pure function of (seed, service, signal, step, actions applied up to then), so
 * any range can be queried in any order, like a real metrics store; the future has no data.
 */
export class DemoFleet implements MetricsSource {
  readonly kind = 'demo' as const;
  readonly seed: number;
  readonly stepMs: number;
  private readonly clock: Clock;
  private readonly seedKey: number;
  private readonly schedule: Schedule;
  private readonly noiseKeys: Map<string, ServiceModel['noiseKeys']>;
  private readonly log: RecordedFleetAction[] = [];
  private readonly faults: readonly DemoFault[] | undefined;

  constructor(options: DemoFleetOptions) {
    const { seed, stepMs = DEFAULT_STEP_MS, clock = systemClock, initialActions = [] } = options;
    if (!Number.isSafeInteger(seed))
      throw new AppError('config_invalid', `DemoFleet needs seed as a whole number (DEMO_SEED), got ${String(seed)}.`);
    if (!Number.isSafeInteger(stepMs) || stepMs <= 0) {
      throw new AppError(
        'config_invalid',
        `DemoFleet needs stepMs as a positive whole number of milliseconds, got ${String(stepMs)}.`,
      );
    }
    this.seed = seed;
    this.stepMs = stepMs;
    this.clock = clock;
    this.seedKey = hashOf(0x5eed, seed);
    this.schedule = scheduleFor(this.seedKey);
    this.faults = options.faults === undefined ? undefined : resolveFaults(options.faults, clock(), this.seedKey);
    this.noiseKeys = new Map(DEMO_SERVICES.map((s) => [s.name, noiseKeysFor(this.seedKey, s.name)]));
    initialActions.forEach((a, i) => {
      try {
        insertAction(this.log, normaliseAction(a, a.atMs));
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new AppError('bad_request', `DemoFleet initialActions[${i}] is invalid: ${message}`, { cause: err });
      }
    });
  }

  async services(): Promise<ServiceInfo[]> {
    return DEMO_SERVICES.map((s) => ({
      name: s.name,
      description: s.description,
      objectives: { ...s.objectives },
      dependsOn: [...s.dependsOn],
    }));
  }

  async check(): Promise<void> {
    // Embedded: always reachable.
  }

  async query(query: SeriesQuery): Promise<Series> {
    const { service, signal, startMs, endMs } = query;
    assertKnownService(service);
    if (!(GOLDEN_SIGNALS as readonly string[]).includes(signal)) {
      throw new AppError(
        'bad_request',
        `Unknown signal "${String(signal)}"; expected one of ${GOLDEN_SIGNALS.join(', ')}.`,
      );
    }
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs)) {
      throw new AppError(
        'bad_request',
        'startMs and endMs must be finite times in milliseconds since the epoch, ' +
          `got ${String(startMs)} and ${String(endMs)}.`,
      );
    }
    if (endMs < startMs)
      throw new AppError(
        'bad_request',
        `The range ends (${endMs}) before it starts (${startMs}); endMs must be >= startMs.`,
      );
    const step = query.stepMs ?? this.stepMs;
    if (!Number.isSafeInteger(step) || step < this.stepMs) {
      throw new AppError(
        'bad_request',
        `stepMs must be a whole number of milliseconds >= ${this.stepMs} (the demo fleet's resolution), ` +
          `got ${String(step)}.`,
      );
    }
    const first = Math.ceil(startMs / step) * step;
    const last = Math.floor(endMs / step) * step;
    const count = last >= first ? Math.round((last - first) / step) + 1 : 0;
    if (count > MAX_POINTS) {
      throw new AppError(
        'bad_request',
        `The range holds ${count} points at a ${step} ms step; the limit is ${MAX_POINTS}. ` +
          'Use a shorter range or a larger stepMs.',
      );
    }
    const stop = Math.min(last, Math.floor(this.clock() / step) * step);
    const model = this.model(service);
    const points: Series['points'] = [];
    for (let t = first; t <= stop; t += step) {
      const native = t - (((t % this.stepMs) + this.stepMs) % this.stepMs);
      points.push([t, observed(model, signal, cleanSignals(model, native)[signal], native)]);
    }
    return { service, signal, unit: SIGNAL_UNITS[signal], stepMs: step, points };
  }

  /** Apply an action from action.atMs (default now) on; the history before it is unchanged. */
  apply(action: FleetAction): FleetActionResult {
    const now = this.clock();
    const recorded = normaliseAction(action, action.atMs ?? now);
    if (recorded.atMs > now)
      throw new AppError('bad_request', `atMs (${recorded.atMs}) is in the future; the fleet's clock says ${now}.`);
    const firstStep = Math.ceil(recorded.atMs / this.stepMs) * this.stepMs;
    const before = this.snapshotAligned(recorded.service, firstStep);
    insertAction(this.log, recorded);
    const after = this.snapshotAligned(recorded.service, firstStep);
    const resolved = this.windows(recorded.service, recorded.atMs)
      .filter((w) => w.endedBy !== 'schedule' && w.untilMs === recorded.atMs)
      .map(publicIncident);
    return {
      action: { ...recorded },
      before,
      after,
      resolvedIncidents: resolved,
      summary: summarise(recorded, before, after, resolved),
    };
  }

  /** Replicas, incidents and recent actions of a service now. */
  state(service: string): ServiceState {
    assertKnownService(service);
    const now = this.clock();
    const spec = this.spec(service);
    const timeline = timelineOf(this.log, service);
    const lastActions = this.log
      .filter((a) => a.service === service && a.atMs <= now)
      .slice(-LAST_ACTIONS)
      .reverse()
      .map((a) => ({ ...a }));
    return {
      service,
      replicas: replicasAt(timeline, now, spec.replicas),
      activeIncidents: this.activeIncidents(service, now),
      lastActions,
    };
  }

  /** The service's signals, breaches and incidents at the step at or before atMs (default now). */
  snapshot(service: string, atMs?: number): ServiceSnapshot {
    assertKnownService(service);
    const t = atMs ?? this.clock();
    if (!Number.isFinite(t))
      throw new AppError(
        'bad_request',
        `atMs must be a finite time in milliseconds since the epoch, got ${String(t)}.`,
      );
    return this.snapshotAligned(service, Math.floor(t / this.stepMs) * this.stepMs);
  }

  /** Every service's incidents active at tMs, given the actions applied. */
  incidentsAt(tMs: number): IncidentInfo[] {
    if (!Number.isFinite(tMs))
      throw new AppError(
        'bad_request',
        `tMs must be a finite time in milliseconds since the epoch, got ${String(tMs)}.`,
      );
    return DEMO_SERVICES.flatMap((s) => this.activeIncidents(s.name, tMs));
  }

  /**
   * What the DEMO_FAULTS faults left in [fromMs, toMs] (capped at now), oldest first: deploys, config
   * changes, OOM kills and restarts (events.ts). The built-in schedule leaves none.
   */
  events(range: { fromMs: number; toMs: number; service?: string }): DemoEvent[] {
    const { fromMs, toMs, service } = range;
    if (service !== undefined) assertKnownService(service);
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs)) {
      throw new AppError(
        'bad_request',
        'fromMs and toMs must be finite times in milliseconds since the epoch, ' +
          `got ${String(fromMs)} and ${String(toMs)}.`,
      );
    }
    if (this.faults === undefined) return [];
    const restartsOf = (name: string) => timelineOf(this.log, name).restarts;
    return faultEvents(this.faults, this.seedKey, restartsOf, { fromMs, toMs: Math.min(toMs, this.clock()), service });
  }

  /** The action log, ascending by time: persist it and pass it back as initialActions. */
  actions(): RecordedFleetAction[] {
    return this.log.map((a) => ({ ...a }));
  }

  private snapshotAligned(service: string, t: number): ServiceSnapshot {
    const model = this.model(service);
    const signals = observedSignals(model, t);
    return {
      service,
      atMs: t,
      replicas: replicasAt(model.timeline, t, model.spec.replicas),
      signals,
      breaches: breachedObjectives(signals, model.spec.objectives),
      activeIncidents: this.activeIncidents(service, t),
    };
  }

  private activeIncidents(service: string, t: number): IncidentInfo[] {
    return this.windows(service, t)
      .filter((w) => isReported(w, t))
      .map(publicIncident);
  }

  /** The service's incident windows that can touch t (the schedule's or the faults'), given the actions applied. */
  private windows(service: string, t: number): IncidentWindow[] {
    return windowsAt(this.model(service, false), t);
  }

  private spec(service: string): DemoServiceSpec {
    const spec = SPECS.get(service);
    if (spec === undefined) throw new AppError('internal', `No spec for demo service ${service}.`);
    return spec;
  }

  /** With faults, the callees' models come along (one hop) unless withCallees is false. */
  private model(service: string, withCallees = true): ServiceModel {
    const spec = this.spec(service);
    return {
      spec,
      schedule: this.schedule,
      stepMs: this.stepMs,
      timeline: timelineOf(this.log, service),
      noiseKeys: this.noiseKeys.get(service) ?? noiseKeysFor(this.seedKey, service),
      windowCache: new Map(),
      ...(this.faults === undefined
        ? {}
        : {
            faults: this.faults,
            callees: withCallees ? spec.dependsOn.map((name) => this.model(name, false)) : [],
          }),
    };
  }
}
