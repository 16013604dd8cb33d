import {
  DemoFleet,
  LEAK_CLIMB_MS,
  SPREAD_LAG_MS,
  type DemoFaultSpec,
  type FaultKind,
  type SignalValues,
} from '../../src/sources/demo';
import type { Signal } from '../../src/sources/types';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2025, 0, 15, 12, 0, 30); // not on a step
const clock = (): number => NOW;
/** The fault window of most tests: from 8 h ago for 2 h, so there is data before and after it. */
const START = -8 * HOUR;
const DURATION = 2 * HOUR;
const T0 = NOW + START;
const T1 = T0 + DURATION;

const fault = (kind: FaultKind, service: string, extra: Partial<DemoFaultSpec> = {}): DemoFaultSpec => ({
  kind,
  service,
  start: { afterStartMs: START },
  durationMs: DURATION,
  ...extra,
});
const fleetWith = (faults: DemoFaultSpec[], seed = 42): DemoFleet => new DemoFleet({ seed, clock, faults });
const quiet = (seed = 42): DemoFleet => fleetWith([], seed);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function series(fleet: DemoFleet, service: string, signal: Signal, from: number, to: number): Promise<number[]> {
  return (await fleet.query({ service, signal, startMs: from, endMs: to })).points.map(([, v]) => v);
}

/** Median of faulted / quiet over [from, to]: the same seed's noise cancels, so 1 means untouched. */
async function ratio(fleet: DemoFleet, service: string, signal: Signal, from: number, to: number): Promise<number> {
  const a = await series(fleet, service, signal, from, to);
  const b = await series(quiet(fleet.seed), service, signal, from, to);
  return median(a.map((v, i) => v / b[i]));
}

/** Median of faulted - quiet over [from, to]. */
async function excess(fleet: DemoFleet, service: string, signal: Signal, from: number, to: number): Promise<number> {
  const a = await series(fleet, service, signal, from, to);
  const b = await series(quiet(fleet.seed), service, signal, from, to);
  return median(a.map((v, i) => v - b[i]));
}

/** Every value of the service equals the quiet fleet's over [from, to]. */
async function untouched(fleet: DemoFleet, service: string, from: number, to: number): Promise<void> {
  for (const signal of ['latency_p50', 'latency_p99', 'error_rate', 'request_rate', 'cpu', 'memory'] as const) {
    const got = await series(fleet, service, signal, from, to);
    expect({ service, signal, got }).toEqual({
      service,
      signal,
      got: await series(quiet(), service, signal, from, to),
    });
  }
}

const inWindow = [T0 + 10 * MIN, T1 - 5 * MIN] as const;
const before = [T0 - 2 * HOUR, T0 - MIN] as const;
const after = [T1 + 20 * MIN, T1 + 3 * HOUR] as const;

describe('DEMO_FAULTS: each kind on its service, in its window only', () => {
  it('bad_deploy: p50, p99 and errors up from the deploy; a deploy event at its start', async () => {
    const fleet = fleetWith([fault('bad_deploy', 'payments')]);
    expect(await ratio(fleet, 'payments', 'latency_p50', ...inWindow)).toBeGreaterThan(3);
    expect(await ratio(fleet, 'payments', 'latency_p99', ...inWindow)).toBeGreaterThan(4.5);
    expect(await excess(fleet, 'payments', 'error_rate', ...inWindow)).toBeGreaterThan(0.015);
    await untouched(fleet, 'payments', ...before);
    await untouched(fleet, 'payments', ...after);
    expect(fleet.snapshot('payments', T0 + 30 * MIN).breaches).toEqual(expect.arrayContaining(['error_rate']));
    expect(fleet.incidentsAt(T0 + 30 * MIN)).toEqual([
      { kind: 'latency_regression', fault: 'bad_deploy', service: 'payments', sinceMs: T0, untilMs: T1 },
    ]);
    expect(fleet.incidentsAt(T0 - MIN)).toEqual([]);
    expect(fleet.incidentsAt(T1)).toEqual([]);
    const events = fleet.events({ fromMs: NOW - 24 * HOUR, toMs: NOW });
    expect(events).toEqual([
      {
        atMs: T0,
        service: 'payments',
        kind: 'deploy',
        detail: expect.stringMatching(/^deployed payments v\d+\.\d+\.0 \(was v/),
      },
    ]);
    expect(fleet.events({ fromMs: T0 + 1, toMs: NOW })).toEqual([]);
    expect(fleet.events({ fromMs: NOW - 24 * HOUR, toMs: NOW, service: 'search' })).toEqual([]);
  });

  it('config_change: errors up (latency barely); a config change event at its start', async () => {
    const fleet = fleetWith([fault('config_change', 'auth-gateway')]);
    expect(await excess(fleet, 'auth-gateway', 'error_rate', ...inWindow)).toBeGreaterThan(0.035);
    expect(await ratio(fleet, 'auth-gateway', 'latency_p50', ...inWindow)).toBeCloseTo(1, 5);
    await untouched(fleet, 'auth-gateway', ...before);
    await untouched(fleet, 'auth-gateway', ...after);
    expect(fleet.incidentsAt(T0 + HOUR).map((i) => [i.kind, i.fault])).toEqual([['error_burst', 'config_change']]);
    expect(fleet.events({ fromMs: 0, toMs: NOW })).toEqual([
      {
        atMs: T0,
        service: 'auth-gateway',
        kind: 'config_change',
        detail: expect.stringMatching(/^changed auth-gateway's config: /),
      },
    ]);
  });

  it('cpu_saturation: cpu near its limit with steady traffic, latency up', async () => {
    const fleet = fleetWith([fault('cpu_saturation', 'search')]);
    expect(median(await series(fleet, 'search', 'cpu', ...inWindow))).toBeGreaterThan(0.85);
    expect(await ratio(fleet, 'search', 'request_rate', ...inWindow)).toBeCloseTo(1, 5);
    expect(await ratio(fleet, 'search', 'latency_p99', ...inWindow)).toBeGreaterThan(1.5);
    await untouched(fleet, 'search', ...before);
    await untouched(fleet, 'search', ...after);
    expect(fleet.state('search').activeIncidents).toEqual([]);
    expect(fleet.incidentsAt(T0 + HOUR).map((i) => [i.kind, i.fault])).toEqual([['cpu_saturation', 'cpu_saturation']]);
    expect(fleet.events({ fromMs: 0, toMs: NOW })).toEqual([]);
  });

  it('traffic_surge: request rate x3, then cpu and p99 up', async () => {
    const fleet = fleetWith([fault('traffic_surge', 'search')]);
    const rate = await ratio(fleet, 'search', 'request_rate', ...inWindow);
    expect(rate).toBeGreaterThan(2.9);
    expect(rate).toBeLessThan(3.6);
    expect(await ratio(fleet, 'search', 'cpu', ...inWindow)).toBeGreaterThan(2.9);
    expect(await ratio(fleet, 'search', 'latency_p99', ...inWindow)).toBeGreaterThan(2);
    await untouched(fleet, 'search', ...before);
    await untouched(fleet, 'search', ...after);
    expect(fleet.incidentsAt(T0 + HOUR).map((i) => [i.kind, i.fault])).toEqual([['traffic_spike', 'traffic_surge']]);
  });

  it('memory_leak: a sawtooth of climbs to the limit, each ended by an OOM kill and a restart', async () => {
    const fleet = fleetWith([fault('memory_leak', 'inventory', { durationMs: 3 * LEAK_CLIMB_MS + 20 * MIN })]);
    const end = T0 + 3 * LEAK_CLIMB_MS + 20 * MIN;
    const resets = [1, 2, 3].map((k) => T0 + k * LEAK_CLIMB_MS);
    for (const r of resets) {
      expect(fleet.snapshot('inventory', r - MIN).signals.memory).toBeGreaterThan(0.9);
      // The first step after the reset (30 s after it).
      expect(fleet.snapshot('inventory', r + MIN).signals.memory).toBeLessThan(0.4);
      expect(fleet.snapshot('inventory', r + MIN).signals.error_rate).toBeGreaterThan(0.015);
    }
    expect(fleet.snapshot('inventory', T0 + 40 * MIN).breaches).toEqual(['memory']);
    expect(fleet.events({ fromMs: 0, toMs: NOW })).toEqual(
      resets.flatMap((atMs) => [
        { atMs, service: 'inventory', kind: 'oom_kill', detail: expect.stringContaining('OOMKilled') },
        { atMs, service: 'inventory', kind: 'restart', detail: expect.stringContaining('restarted') },
      ]),
    );
    // The last climb is cut by the fault's end: no OOM kill, memory back to normal.
    expect(fleet.snapshot('inventory', end + MIN).signals.memory).toBeLessThan(0.5);
    expect(fleet.incidentsAt(resets[0] + MIN)).toEqual([
      { kind: 'memory_leak', fault: 'memory_leak', service: 'inventory', sinceMs: resets[0], untilMs: resets[1] },
    ]);
    await untouched(fleet, 'inventory', ...before);
    expect(fleet.events({ fromMs: resets[1], toMs: resets[1] }).map((e) => e.kind)).toEqual(['oom_kill', 'restart']);
  });
});

describe('DEMO_FAULTS: spread to callers', () => {
  it('a caller shows a weaker effect, SPREAD_LAG_MS later; services off the path are untouched', async () => {
    const fleet = fleetWith([fault('bad_deploy', 'payments')]);
    const own = await ratio(fleet, 'payments', 'latency_p99', ...inWindow);
    const caller = await ratio(fleet, 'checkout-api', 'latency_p99', ...inWindow);
    expect(caller).toBeGreaterThan(1.5);
    expect(caller).toBeLessThan(own * 0.7);
    expect(await excess(fleet, 'checkout-api', 'error_rate', ...inWindow)).toBeGreaterThan(0.005);
    expect(await ratio(fleet, 'checkout-api', 'cpu', ...inWindow)).toBeCloseTo(1, 5);
    // Later: nothing on the caller until the lag has passed, then the effect.
    await untouched(fleet, 'checkout-api', T0 - HOUR, T0 + SPREAD_LAG_MS - MIN);
    expect(await ratio(fleet, 'checkout-api', 'latency_p99', T0 + SPREAD_LAG_MS + MIN, T0 + 20 * MIN)).toBeGreaterThan(
      1.5,
    );
    await untouched(fleet, 'checkout-api', T1 + SPREAD_LAG_MS + 15 * MIN, T1 + 3 * HOUR);
    for (const service of ['search', 'inventory', 'auth-gateway']) await untouched(fleet, service, T0 - HOUR, NOW);
    // Only the faulted service reports an incident.
    expect(fleet.incidentsAt(T0 + HOUR).map((i) => i.service)).toEqual(['payments']);
  });

  it('a leak on inventory reaches its callers (checkout-api, search) as OOM error blips; one hop only', async () => {
    const fleet = fleetWith([fault('memory_leak', 'inventory')]);
    const oom = T0 + LEAK_CLIMB_MS;
    for (const caller of ['checkout-api', 'search']) {
      const blip = await excess(fleet, caller, 'error_rate', oom + SPREAD_LAG_MS, oom + SPREAD_LAG_MS + MIN);
      expect({ caller, blip: blip > 0.005 }).toEqual({ caller, blip: true });
      await untouched(fleet, caller, T0 - HOUR, oom + SPREAD_LAG_MS - MIN);
    }
    for (const service of ['payments', 'auth-gateway']) await untouched(fleet, service, T0 - HOUR, NOW);
  });

  it('lists who calls whom in services()', async () => {
    const services = await quiet().services();
    expect(Object.fromEntries(services.map((s) => [s.name, s.dependsOn]))).toEqual({
      'checkout-api': ['payments', 'inventory', 'auth-gateway'],
      payments: [],
      inventory: [],
      search: ['inventory'],
      'auth-gateway': [],
    });
  });
});

describe('DEMO_FAULTS: times', () => {
  it('an ISO start equals the relative start it names; relative starts count from construction', async () => {
    const relative = fleetWith([fault('traffic_surge', 'search')]);
    const iso = fleetWith([fault('traffic_surge', 'search', { start: { atMs: NOW + START } })]);
    const later = new DemoFleet({ seed: 42, clock: () => NOW + HOUR, faults: [fault('traffic_surge', 'search')] });
    const range = [T0 - HOUR, T1 + HOUR] as const;
    expect(await series(iso, 'search', 'request_rate', ...range)).toEqual(
      await series(relative, 'search', 'request_rate', ...range),
    );
    expect(later.incidentsAt(T0 + HOUR + 5 * MIN)[0]).toMatchObject({ sinceMs: NOW + HOUR + START });
  });

  it('an open-ended fault lasts until now (untilMs Infinity) and a fault in the future has no data yet', async () => {
    const fleet = fleetWith([
      { kind: 'config_change', service: 'payments', start: { afterStartMs: -30 * MIN } },
      { kind: 'bad_deploy', service: 'search', start: { afterStartMs: 10 * MIN } },
    ]);
    expect(fleet.state('payments').activeIncidents).toEqual([
      { kind: 'error_burst', fault: 'config_change', service: 'payments', sinceMs: NOW - 30 * MIN, untilMs: Infinity },
    ]);
    expect(fleet.snapshot('payments').breaches).toContain('error_rate');
    expect(fleet.state('search').activeIncidents).toEqual([]);
    expect(fleet.events({ fromMs: 0, toMs: NOW + HOUR }).map((e) => e.kind)).toEqual(['config_change']);
  });

  it('is deterministic: same seed, faults and clock give the same values and events', async () => {
    const faults = [fault('memory_leak', 'inventory'), fault('bad_deploy', 'payments', { durationMs: undefined })];
    const a = fleetWith(faults, 7);
    const b = fleetWith(faults, 7);
    for (const service of ['checkout-api', 'inventory', 'payments']) {
      for (const signal of ['latency_p99', 'memory', 'error_rate'] as const) {
        expect(await series(a, service, signal, T0 - HOUR, NOW)).toEqual(
          await series(b, service, signal, T0 - HOUR, NOW),
        );
      }
    }
    expect(a.events({ fromMs: 0, toMs: NOW })).toEqual(b.events({ fromMs: 0, toMs: NOW }));
    expect(a.events({ fromMs: 0, toMs: NOW }).map((e) => e.kind)).toEqual(['deploy', 'oom_kill', 'restart']);
  });
});

describe('DEMO_FAULTS: remediations end faults', () => {
  const at = T0 + 30 * MIN;
  const mid = (s: SignalValues): number => s.latency_p99;

  it('a rollback ends a bad_deploy, on its service and then on its callers', async () => {
    const fleet = fleetWith([fault('bad_deploy', 'payments')]);
    const result = fleet.apply({ kind: 'rollback', service: 'payments', atMs: at });
    expect(result.resolvedIncidents).toEqual([
      { kind: 'latency_regression', fault: 'bad_deploy', service: 'payments', sinceMs: T0, untilMs: at },
    ]);
    expect(mid(result.after.signals)).toBeLessThan(mid(result.before.signals) / 2);
    expect(result.summary).toMatch(/latency regression is over/);
    expect(fleet.incidentsAt(at + MIN)).toEqual([]);
    expect(await ratio(fleet, 'payments', 'latency_p99', at + 10 * MIN, T1)).toBeLessThan(1.02);
    expect(await ratio(fleet, 'checkout-api', 'latency_p99', at + SPREAD_LAG_MS + 15 * MIN, T1)).toBeCloseTo(1, 5);
  });

  it('a rollback ends a config_change', () => {
    const fleet = fleetWith([fault('config_change', 'payments')]);
    const result = fleet.apply({ kind: 'rollback', service: 'payments', atMs: at });
    expect(result.resolvedIncidents.map((i) => [i.kind, i.fault])).toEqual([['error_burst', 'config_change']]);
    expect(result.after.breaches).not.toContain('error_rate');
    expect(result.summary).toMatch(/config change.*error burst is over/);
  });

  it("a restart ends a memory leak's current climb; the leak climbs again and the next OOM kill moves", () => {
    const fleet = fleetWith([fault('memory_leak', 'inventory')]);
    const restartAt = T0 + 50 * MIN;
    const result = fleet.apply({ kind: 'restart', service: 'inventory', atMs: restartAt });
    expect(result.resolvedIncidents).toEqual([
      { kind: 'memory_leak', fault: 'memory_leak', service: 'inventory', sinceMs: T0, untilMs: restartAt },
    ]);
    expect(result.after.signals.memory).toBeLessThan(0.4);
    expect(result.after.activeIncidents).toEqual([]);
    expect(result.summary).toMatch(/leak is still in the code/);
    // Reported again from half-way up the new climb; the OOM kill comes a full climb after the restart.
    expect(fleet.incidentsAt(restartAt + LEAK_CLIMB_MS / 2 + MIN).map((i) => i.kind)).toEqual(['memory_leak']);
    expect(fleet.events({ fromMs: 0, toMs: NOW }).map((e) => [e.atMs, e.kind])).toEqual([
      [restartAt + LEAK_CLIMB_MS, 'oom_kill'],
      [restartAt + LEAK_CLIMB_MS, 'restart'],
    ]);
  });

  it('a scale-out relieves cpu_saturation and traffic_surge', () => {
    for (const kind of ['cpu_saturation', 'traffic_surge'] as const) {
      const fleet = fleetWith([fault(kind, 'search')]);
      const result = fleet.apply({ kind: 'scale', service: 'search', replicas: 12, atMs: at });
      expect({ kind, before: result.before.breaches.includes('cpu') }).toEqual({ kind, before: true });
      expect({ kind, after: result.after.breaches }).toEqual({ kind, after: [] });
    }
  });
});

describe('DEMO_FAULTS=none: a quiet fleet', () => {
  it('no service breaches any objective and no incident shows over a simulated day', () => {
    const found: unknown[] = [];
    let checked = 0;
    for (const seed of [42, 7]) {
      const fleet = quiet(seed);
      for (let t = NOW - 24 * HOUR; t <= NOW; t += MIN) {
        found.push(...fleet.incidentsAt(t));
        for (const service of ['checkout-api', 'payments', 'inventory', 'search', 'auth-gateway']) {
          const { breaches } = fleet.snapshot(service, t);
          checked += 1;
          if (breaches.length) found.push({ seed, t, service, breaches });
        }
      }
      found.push(...fleet.events({ fromMs: 0, toMs: NOW }));
    }
    expect(checked).toBe(2 * 5 * (24 * 60 + 1));
    expect(found).toEqual([]);
  });
});
