import { GOLDEN_SIGNALS, type Signal } from '../types';
import { lastAtOrBefore, replicasAt, type ServiceTimeline } from './actions';
import type { DemoServiceSpec } from './catalog';
import { faultWindows, type DemoFault } from './faults';
import { cycleIndexAt, isActive, MINUTE_MS, serviceWindows, type IncidentWindow, type Schedule } from './incidents';
import { gauss, hashOf, wander } from './noise';

/**
 * How one service's golden signals follow from its baseline, the time of day, its incidents
 * and the actions applied to it. Everything here is a pure function of its arguments.
 */
export type SignalValues = Record<Signal, number>;

export interface ServiceModel {
  spec: DemoServiceSpec;
  schedule: Schedule;
  stepMs: number;
  timeline: ServiceTimeline;
  noiseKeys: Record<Signal, NoiseKeys>;
  /** Incident windows by cycle index, filled as points are computed. */
  windowCache: Map<number, IncidentWindow[]>;
  /** DEMO_FAULTS: the faults played instead of the schedule ([]: a quiet fleet). */
  faults?: readonly DemoFault[];
  /** With faults: the services this one calls (without their own callees: a fault spreads one hop). */
  callees?: readonly ServiceModel[];
}

interface NoiseKeys {
  white: number;
  wander: number;
}

/** Relative noise per signal: white (per step) and a slow wander (15-minute knots). */
const NOISE: Record<Signal, NoiseKeys> = {
  latency_p50: { white: 0.04, wander: 0.05 },
  latency_p99: { white: 0.06, wander: 0.05 },
  error_rate: { white: 0.12, wander: 0.08 },
  request_rate: { white: 0.03, wander: 0.04 },
  cpu: { white: 0.02, wander: 0.03 },
  memory: { white: 0.005, wander: 0.01 },
};
// Local bindings: under a vm context (jest) every lookup of the global Math is slow.
const { cos, exp, floor, max, min, PI } = Math;
const WANDER_PERIOD_MS = 15 * MINUTE_MS;
const DAY_MS = 24 * 60 * MINUTE_MS;
const HOUR_MS = 60 * MINUTE_MS;

/** Blips after actions decay with these time constants. */
const RESTART_TAU_MS = 90_000;
const MEMORY_WARMUP_TAU_MS = 8 * MINUTE_MS;
const CACHE_WARMUP_TAU_MS = 4 * MINUTE_MS;
const SPIKE_RAMP_MS = 3 * MINUTE_MS;
/** Utilisation past which queues build up and latency climbs. */
const LOAD_KNEE = 0.55;

export function noiseKeysFor(seedKey: number, service: string): Record<Signal, NoiseKeys> {
  const keys = {} as Record<Signal, NoiseKeys>;
  for (const signal of GOLDEN_SIGNALS) {
    keys[signal] = {
      white: hashOf(seedKey, service, signal, 'white'),
      wander: hashOf(seedKey, service, signal, 'wander'),
    };
  }
  return keys;
}

function decay(sinceMs: number | undefined, t: number, tauMs: number): number {
  return sinceMs === undefined ? 0 : exp(-(t - sinceMs) / tauMs);
}

function maxDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return max(a, b);
}

function queueing(cpu: number, k: number): number {
  const over = max(0, cpu - LOAD_KNEE);
  return 1 + k * over * over;
}

export function windowsAt(m: ServiceModel, t: number): IncidentWindow[] {
  if (m.faults !== undefined) return faultWindows(m.faults, m.spec.name, t, m.timeline);
  const cycle = cycleIndexAt(m.schedule.offsetMs, t);
  let windows = m.windowCache.get(cycle);
  if (windows === undefined) {
    windows = serviceWindows(m.schedule, m.spec.name, t, m.timeline);
    m.windowCache.set(cycle, windows);
  }
  return windows;
}

/**
 * A fault spreads to the services that call its service: each caller's latency rises by SPREAD of the
 * callee's relative rise and its error rate by SPREAD of the callee's extra errors, SPREAD_LAG_MS later
 * (one hop: callers of callers see nothing).
 */
export const SPREAD = 0.5;
export const SPREAD_LAG_MS = 3 * MINUTE_MS;
/** How long after its window a callee's fault can still show (an OOM kill's error blip decays). */
const SPREAD_TAIL_MS = 10 * MINUTE_MS;

/** The noise-free signals of a service at t (t on the fleet's native step), callees' faults included. */
export function cleanSignals(m: ServiceModel, t: number): SignalValues {
  const own = signalsFrom(m, t, windowsAt(m, t));
  for (const callee of m.callees ?? []) {
    const tc = t - SPREAD_LAG_MS;
    const windows = windowsAt(callee, tc);
    if (!windows.some((w) => w.sinceMs <= tc && tc < w.untilMs + SPREAD_TAIL_MS)) continue;
    const hit = signalsFrom(callee, tc, windows);
    const calm = signalsFrom(callee, tc, []);
    own.latency_p50 *= 1 + SPREAD * max(0, hit.latency_p50 / calm.latency_p50 - 1);
    own.latency_p99 *= 1 + SPREAD * max(0, hit.latency_p99 / calm.latency_p99 - 1);
    own.error_rate = min(1, own.error_rate + SPREAD * max(0, hit.error_rate - calm.error_rate));
  }
  return own;
}

/** The noise-free signals of a service at t given the incident windows that touch it. */
function signalsFrom(m: ServiceModel, t: number, windows: readonly IncidentWindow[]): SignalValues {
  const { spec, timeline } = m;
  const b = spec.baseline;
  let traffic = 1;
  let p50F = 1;
  let p99F = 1;
  let cpuF = 1;
  let extraErrors = 0;
  let leakMemory = 0;
  let oomAt: number | undefined;
  /** Of requested at the default replica count: cpu stays at least this high (cpu_saturation). */
  let cpuFloor = 0;

  for (const w of windows) {
    if (w.kind === 'memory_leak' && w.endedBy === 'schedule' && w.untilMs <= t && w.endsInOom !== false)
      oomAt = maxDefined(oomAt, w.untilMs);
    if (!isActive(w, t)) continue;
    const s = w.severity;
    switch (w.kind) {
      case 'latency_regression':
        p50F *= 3.5 + 1.5 * s;
        p99F *= 5 + 2 * s;
        cpuF *= 1.2;
        if (w.fault === 'bad_deploy') extraErrors += 0.02 + 0.02 * s;
        break;
      case 'memory_leak':
        leakMemory = ((1 - b.memory) * (t - w.sinceMs)) / (w.scheduledUntilMs - w.sinceMs);
        break;
      case 'error_burst':
        extraErrors += 0.04 + 0.04 * s;
        p99F *= 1.3;
        break;
      case 'traffic_spike': {
        const ramp = min(1, (t - w.sinceMs + MINUTE_MS) / SPIKE_RAMP_MS, (w.untilMs - t) / SPIKE_RAMP_MS);
        traffic *= 1 + (2 + 0.5 * s) * ramp;
        break;
      }
      case 'cpu_saturation':
        // Busy whatever the traffic (a hot loop): the work is shared by the replicas, so scaling out relieves it.
        cpuFloor = max(cpuFloor, (0.9 + 0.06 * s) * min(1, (t - w.sinceMs + MINUTE_MS) / SPIKE_RAMP_MS));
        break;
    }
  }

  // A restart or an OOM kill replaces the pods: a short latency blip and request dip, and
  // memory starts low and warms up again. An OOM kill also drops in-flight requests.
  const podRestartAt = maxDefined(lastAtOrBefore(timeline.restarts, t), oomAt);
  const restartBlip = decay(podRestartAt, t, RESTART_TAU_MS);
  const memoryWarmup = 1 - 0.25 * decay(podRestartAt, t, MEMORY_WARMUP_TAU_MS);
  extraErrors += 0.03 * decay(oomAt, t, RESTART_TAU_MS);
  const rollbackBlip = decay(lastAtOrBefore(timeline.rollbacks, t), t, RESTART_TAU_MS);
  const cacheCold = decay(lastAtOrBefore(timeline.clearCaches, t), t, CACHE_WARMUP_TAU_MS);

  const hour = (((t % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
  const daily = 1 + b.dailyAmplitude * cos((2 * PI * (hour - b.peakHourUtc)) / 24);
  const requestRate = b.requestRate * daily * traffic * (1 - 0.12 * restartBlip);

  const replicas = replicasAt(timeline, t, spec.replicas);
  const perReplicaLoad = (requestRate / b.requestRate) * (spec.replicas / replicas);
  const cpu = max(b.cpu * perReplicaLoad * cpuF, (cpuFloor * spec.replicas) / replicas) * (1 + 0.2 * cacheCold);
  const blips = (1 + 0.6 * restartBlip) * (1 + 0.3 * rollbackBlip);

  return {
    request_rate: requestRate,
    cpu,
    latency_p50: b.latencyP50Ms * queueing(cpu, 5) * p50F * blips * (1 + 1.0 * cacheCold),
    latency_p99: b.latencyP99Ms * queueing(cpu, 10) * p99F * blips * (1 + 1.2 * cacheCold),
    error_rate: min(1, b.errorRate + extraErrors + 0.05 * max(0, cpu - 1)),
    memory: min(1, b.memory * memoryWarmup + leakMemory),
  };
}

/** The observed value: the clean value with deterministic noise for (seed, service, signal, step). */
export function observed(m: ServiceModel, signal: Signal, clean: number, t: number): number {
  const keys = m.noiseKeys[signal];
  const size = NOISE[signal];
  const factor =
    1 + size.white * gauss(keys.white, floor(t / m.stepMs)) + size.wander * wander(keys.wander, t, WANDER_PERIOD_MS);
  const value = max(0, clean * factor);
  return signal === 'error_rate' || signal === 'memory' ? min(1, value) : value;
}

export function observedSignals(m: ServiceModel, t: number): SignalValues {
  const clean = cleanSignals(m, t);
  const out = {} as SignalValues;
  for (const signal of GOLDEN_SIGNALS) out[signal] = observed(m, signal, clean[signal], t);
  return out;
}
