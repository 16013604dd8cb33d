import { AppError } from '../../src/errors';
import { CYCLE_MS, DemoFleet, type IncidentInfo, type IncidentKind } from '../../src/sources/demo';
import { GOLDEN_SIGNALS, type Objectives, type Signal } from '../../src/sources/types';

const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2025, 0, 15, 12, 0, 30); // deliberately not on a step
const clock = (): number => NOW;
const fleetOf = (seed = 42): DemoFleet => new DemoFleet({ seed, clock });

async function values(
  fleet: DemoFleet,
  service: string,
  signal: Signal,
  startMs: number,
  endMs: number,
): Promise<number[]> {
  return (await fleet.query({ service, signal, startMs, endMs })).points.map(([, v]) => v);
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The latest complete occurrence of an incident kind, with an hour of data either side. */
function lastIncident(fleet: DemoFleet, kind: IncidentKind): IncidentInfo {
  const found = new Map<number, IncidentInfo>();
  for (let t = NOW - 3 * CYCLE_MS; t <= NOW; t += MIN) {
    for (const i of fleet.incidentsAt(t)) if (i.kind === kind) found.set(i.sinceMs, i);
  }
  const complete = [...found.values()].filter((i) => i.sinceMs - HOUR >= NOW - 3 * CYCLE_MS && i.untilMs + HOUR <= NOW);
  const last = complete.at(-1);
  if (last === undefined) throw new Error(`no complete ${kind} in the last three cycles`);
  return last;
}

async function objectivesOf(fleet: DemoFleet, service: string): Promise<Objectives> {
  const info = (await fleet.services()).find((s) => s.name === service);
  if (info === undefined) throw new Error(`no service ${service}`);
  return info.objectives;
}

describe('DemoFleet as a metrics source', () => {
  it('lists five lower-case services with descriptions and objectives', async () => {
    const fleet = fleetOf();
    const services = await fleet.services();
    expect(fleet.kind).toBe('demo');
    expect(services.map((s) => s.name)).toEqual(['checkout-api', 'payments', 'inventory', 'search', 'auth-gateway']);
    for (const s of services) {
      expect(s.name).toMatch(/^[a-z][a-z0-9-]*$/);
      expect(s.description.length).toBeGreaterThan(10);
      expect(Object.keys(s.objectives).sort()).toEqual(['cpu', 'error_rate', 'latency_p99_ms', 'memory']);
    }
    await expect(fleet.check()).resolves.toBeUndefined();
  });

  it('is deterministic: same seed, same series, whatever order and chunking; another seed differs', async () => {
    const a = fleetOf(7);
    const b = fleetOf(7);
    const start = NOW - 6 * HOUR;
    for (const signal of GOLDEN_SIGNALS) {
      const whole = await a.query({ service: 'search', signal, startMs: start, endMs: NOW });
      expect(whole.points.length).toBeGreaterThanOrEqual(6 * 60);
      const chunks = [];
      for (let i = 5; i >= 0; i -= 1) {
        chunks[i] = (
          await b.query({
            service: 'search',
            signal,
            startMs: start + i * HOUR,
            endMs: i === 5 ? NOW : start + (i + 1) * HOUR - 1,
          })
        ).points;
      }
      expect(chunks.flat()).toEqual(whole.points);
    }
    const other = await fleetOf(8).query({ service: 'search', signal: 'latency_p99', startMs: start, endMs: NOW });
    const same = await a.query({ service: 'search', signal: 'latency_p99', startMs: start, endMs: NOW });
    expect(other.points).not.toEqual(same.points);
  });

  it('returns step-aligned points within the range and none after the clock', async () => {
    const fleet = fleetOf();
    const startMs = NOW - 30 * MIN - 12_345;
    const series = await fleet.query({ service: 'payments', signal: 'request_rate', startMs, endMs: NOW + HOUR });
    expect(series).toMatchObject({ service: 'payments', signal: 'request_rate', unit: 'req/s', stepMs: MIN });
    const times = series.points.map(([t]) => t);
    expect(times.every((t) => t % MIN === 0)).toBe(true);
    expect(times[0]).toBe(Math.ceil(startMs / MIN) * MIN);
    expect(times.at(-1)).toBe(Math.floor(NOW / MIN) * MIN);
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(series.points.every(([, v]) => Number.isFinite(v) && v > 0)).toBe(true);
    const future = await fleet.query({ service: 'payments', signal: 'cpu', startMs: NOW + MIN, endMs: NOW + HOUR });
    expect(future.points).toEqual([]);
  });

  it('resamples to a coarser step by taking the value at each step', async () => {
    const fleet = fleetOf();
    const start = NOW - 2 * HOUR;
    const fine = await fleet.query({ service: 'inventory', signal: 'memory', startMs: start, endMs: NOW });
    const coarse = await fleet.query({
      service: 'inventory',
      signal: 'memory',
      startMs: start,
      endMs: NOW,
      stepMs: 5 * MIN,
    });
    expect(coarse.stepMs).toBe(5 * MIN);
    expect(coarse.points.length).toBe(24);
    const byTime = new Map(fine.points);
    for (const [t, v] of coarse.points) {
      expect(t % (5 * MIN)).toBe(0);
      expect(v).toBe(byTime.get(t));
    }
  });

  it('rejects bad ranges and unknown services with a clear AppError', async () => {
    const fleet = fleetOf();
    const q = { service: 'search', signal: 'cpu' as const, startMs: NOW - HOUR, endMs: NOW };
    const rejects = (query: Parameters<DemoFleet['query']>[0], code: string, text: string): Promise<void> =>
      expect(fleet.query(query)).rejects.toMatchObject({
        name: 'AppError',
        code,
        message: expect.stringContaining(text),
      });
    await rejects({ ...q, endMs: q.startMs - 1 }, 'bad_request', 'before it starts');
    await rejects({ ...q, startMs: Number.NaN }, 'bad_request', 'finite');
    await rejects({ ...q, endMs: Number.POSITIVE_INFINITY }, 'bad_request', 'finite');
    await rejects({ ...q, startMs: NOW - 60_000 * MIN }, 'bad_request', 'limit is 50000');
    await rejects({ ...q, stepMs: 1000 }, 'bad_request', '>= 60000');
    await rejects({ ...q, signal: 'latency' as Signal }, 'bad_request', 'latency_p99');
    await rejects({ ...q, service: 'serch' }, 'not_found', 'checkout-api, payments, inventory, search, auth-gateway');
    await expect(fleet.query({ ...q, service: 'Search' })).rejects.toBeInstanceOf(AppError);
    expect(() => fleet.state('nope')).toThrow(
      expect.objectContaining({ code: 'not_found', message: expect.stringContaining('auth-gateway') }),
    );
  });
});

describe('DemoFleet incidents', () => {
  it('always has at least one breaching and one healthy service while nobody intervenes', () => {
    for (const seed of [42, 1, 2024]) {
      const fleet = fleetOf(seed);
      const start = NOW - 2 * CYCLE_MS;
      for (let i = 0; i < 20; i += 1) {
        const t = start + Math.round((i * 2 * CYCLE_MS) / 20);
        const snaps = ['checkout-api', 'payments', 'inventory', 'search', 'auth-gateway'].map((s) =>
          fleet.snapshot(s, t),
        );
        const breaching = snaps.filter((s) => s.breaches.length > 0);
        expect({ seed, t, breaching: breaching.length > 0 }).toEqual({ seed, t, breaching: true });
        expect(breaching.length).toBeLessThan(snaps.length);
        expect(breaching.every((s) => s.activeIncidents.length > 0 || s.service === 'inventory')).toBe(true);
      }
    }
  });

  it('memory leak on inventory: memory climbs past the objective, then an OOM kill resets it', async () => {
    const fleet = fleetOf();
    const leak = lastIncident(fleet, 'memory_leak');
    expect(leak.service).toBe('inventory');
    const objective = (await objectivesOf(fleet, 'inventory')).memory;
    const mem = await values(fleet, 'inventory', 'memory', leak.sinceMs, leak.untilMs - MIN);
    const halfHourly = mem.filter((_, i) => i % 30 === 0);
    halfHourly.slice(1).forEach((v, i) => expect(v).toBeGreaterThan(halfHourly[i]));
    expect(mem[0]).toBeLessThan(objective);
    expect(mem.at(-1)).toBeGreaterThan(objective);
    const afterOom = await values(fleet, 'inventory', 'memory', leak.untilMs, leak.untilMs + HOUR);
    expect(Math.max(...afterOom)).toBeLessThan(objective);
  });

  it('latency regression on checkout-api: p50 and p99 several times the baseline', async () => {
    const fleet = fleetOf();
    const reg = lastIncident(fleet, 'latency_regression');
    expect(reg.service).toBe('checkout-api');
    const during = await values(fleet, 'checkout-api', 'latency_p99', reg.sinceMs, reg.untilMs - MIN);
    const after = await values(fleet, 'checkout-api', 'latency_p99', reg.untilMs + 5 * MIN, reg.untilMs + HOUR);
    expect(median(during) / median(after)).toBeGreaterThan(4);
    expect(Math.min(...during)).toBeGreaterThan((await objectivesOf(fleet, 'checkout-api')).latency_p99_ms);
    const p50 = await values(fleet, 'checkout-api', 'latency_p50', reg.sinceMs, reg.untilMs - MIN);
    const p50After = await values(fleet, 'checkout-api', 'latency_p50', reg.untilMs + 5 * MIN, reg.untilMs + HOUR);
    expect(median(p50) / median(p50After)).toBeGreaterThan(3);
  });

  it('error burst on payments: errors at several percent for its window only', async () => {
    const fleet = fleetOf();
    const burst = lastIncident(fleet, 'error_burst');
    expect(burst.service).toBe('payments');
    expect((burst.untilMs - burst.sinceMs) / MIN).toBeGreaterThanOrEqual(20);
    expect((burst.untilMs - burst.sinceMs) / MIN).toBeLessThanOrEqual(30);
    const during = await values(fleet, 'payments', 'error_rate', burst.sinceMs, burst.untilMs - MIN);
    const before = await values(fleet, 'payments', 'error_rate', burst.sinceMs - HOUR, burst.sinceMs - MIN);
    const objective = (await objectivesOf(fleet, 'payments')).error_rate;
    expect(Math.min(...during)).toBeGreaterThan(objective);
    expect(mean(during)).toBeGreaterThan(0.03);
    expect(Math.max(...before)).toBeLessThan(objective);
  });

  it('traffic spike on search: request rate about x3, cpu and p99 breach', async () => {
    const fleet = fleetOf();
    const spike = lastIncident(fleet, 'traffic_spike');
    expect(spike.service).toBe('search');
    const objectives = await objectivesOf(fleet, 'search');
    const mid = [spike.sinceMs + 5 * MIN, spike.untilMs - 5 * MIN] as const;
    const rate = await values(fleet, 'search', 'request_rate', ...mid);
    const rateBefore = await values(fleet, 'search', 'request_rate', spike.sinceMs - 30 * MIN, spike.sinceMs - MIN);
    expect(mean(rate) / mean(rateBefore)).toBeGreaterThan(2.5);
    expect(Math.min(...(await values(fleet, 'search', 'cpu', ...mid)))).toBeGreaterThan(objectives.cpu);
    expect(median(await values(fleet, 'search', 'latency_p99', ...mid))).toBeGreaterThan(objectives.latency_p99_ms);
  });
});

describe('DemoFleet actions', () => {
  it(
    'a restart during a leak brings memory back under the objective from ' + 'that moment; history is unchanged',
    async () => {
      const untouched = fleetOf();
      const fleet = fleetOf();
      const leak = lastIncident(fleet, 'memory_leak');
      const objective = (await objectivesOf(fleet, 'inventory')).memory;
      const at = leak.untilMs - 30 * MIN;
      const result = fleet.apply({ kind: 'restart', service: 'inventory', atMs: at });
      expect(result.before.signals.memory).toBeGreaterThan(objective);
      expect(result.after.signals.memory).toBeLessThan(objective);
      expect(result.resolvedIncidents).toEqual([
        { kind: 'memory_leak', service: 'inventory', sinceMs: leak.sinceMs, untilMs: at },
      ]);
      expect(result.summary).toMatch(/Restarted inventory.*memory leak is cleared/);
      const range = [leak.sinceMs, leak.untilMs + HOUR] as const;
      const [was, now] = await Promise.all(
        [untouched, fleet].map((f) =>
          f.query({ service: 'inventory', signal: 'memory', startMs: range[0], endMs: range[1] }),
        ),
      );
      const i = now.points.findIndex(([t]) => t >= at);
      expect(now.points.slice(0, i)).toEqual(was.points.slice(0, i));
      expect(Math.max(...now.points.slice(i).map(([, v]) => v))).toBeLessThan(objective);
      expect(fleet.incidentsAt(at + MIN).some((x) => x.kind === 'memory_leak')).toBe(false);
      expect(fleet.state('inventory').lastActions).toEqual([{ kind: 'restart', service: 'inventory', atMs: at }]);
    },
  );

  it('scaling out during the traffic spike lowers cpu and p99; scaling in raises them', async () => {
    const untouched = fleetOf();
    const fleet = fleetOf();
    const spike = lastIncident(fleet, 'traffic_spike');
    const at = spike.sinceMs + 10 * MIN;
    const result = fleet.apply({ kind: 'scale', service: 'search', replicas: 9, atMs: at });
    expect(result.before.replicas).toBe(3);
    expect(result.after.replicas).toBe(9);
    expect(result.summary).toMatch(/Scaled out search from 3 to 9 replicas/);
    const objectives = await objectivesOf(fleet, 'search');
    for (const signal of ['cpu', 'latency_p99'] as const) {
      const was = await values(untouched, 'search', signal, at, spike.untilMs - MIN);
      const now = await values(fleet, 'search', signal, at, spike.untilMs - MIN);
      expect(mean(now)).toBeLessThan(mean(was) / 2);
      expect(await values(fleet, 'search', signal, spike.sinceMs, at - 1)).toEqual(
        await values(untouched, 'search', signal, spike.sinceMs, at - 1),
      );
    }
    expect(Math.max(...(await values(fleet, 'search', 'cpu', at, spike.untilMs)))).toBeLessThan(objectives.cpu);
    const quiet = spike.untilMs + 30 * MIN;
    const scaledIn = fleet.apply({ kind: 'scale', service: 'search', replicas: 1, atMs: quiet });
    expect(scaledIn.after.signals.cpu).toBeGreaterThan(scaledIn.before.signals.cpu * 2.5);
    expect(scaledIn.after.signals.latency_p99).toBeGreaterThan(scaledIn.before.signals.latency_p99);
    expect(fleet.state('search').replicas).toBe(1);
  });

  it('a rollback ends the latency regression; clear_cache causes a short latency rise', async () => {
    const untouched = fleetOf();
    const fleet = fleetOf();
    const reg = lastIncident(fleet, 'latency_regression');
    const objective = (await objectivesOf(fleet, 'checkout-api')).latency_p99_ms;
    const at = reg.sinceMs + 20 * MIN;
    const result = fleet.apply({ kind: 'rollback', service: 'checkout-api', atMs: at });
    expect(result.resolvedIncidents.map((i) => i.kind)).toEqual(['latency_regression']);
    expect(result.summary).toMatch(/latency regression is over/);
    expect(Math.max(...(await values(fleet, 'checkout-api', 'latency_p99', at, reg.untilMs)))).toBeLessThan(objective);
    expect(fleet.state('checkout-api').activeIncidents.some((i) => i.sinceMs === reg.sinceMs)).toBe(false);

    const cacheAt = reg.untilMs + 30 * MIN;
    fleet.apply({ kind: 'clear_cache', service: 'checkout-api', atMs: cacheAt });
    const was = await values(untouched, 'checkout-api', 'latency_p99', cacheAt, cacheAt + 40 * MIN);
    const now = await values(fleet, 'checkout-api', 'latency_p99', cacheAt, cacheAt + 40 * MIN);
    expect(now[0] / was[0]).toBeGreaterThan(1.8);
    expect(now[40] / was[40]).toBeCloseTo(1, 2);
  });

  it('validates actions and restores a persisted action log', async () => {
    const fleet = fleetOf();
    const bad = (action: Parameters<DemoFleet['apply']>[0], code: string, text: string): void =>
      expect(() => fleet.apply(action)).toThrow(
        expect.objectContaining({ code, message: expect.stringContaining(text) }),
      );
    bad({ kind: 'restart', service: 'nope' }, 'not_found', 'checkout-api');
    bad({ kind: 'scale', service: 'search' }, 'bad_request', 'from 1 to 50');
    bad({ kind: 'scale', service: 'search', replicas: 51 }, 'bad_request', 'from 1 to 50');
    bad({ kind: 'scale', service: 'search', replicas: 2.5 }, 'bad_request', 'from 1 to 50');
    bad({ kind: 'reboot' as 'restart', service: 'search' }, 'bad_request', 'restart, scale, rollback, clear_cache');
    bad({ kind: 'restart', service: 'search', atMs: NOW + HOUR }, 'bad_request', 'future');

    fleet.apply({ kind: 'scale', service: 'payments', replicas: 5, atMs: NOW - 3 * HOUR });
    fleet.apply({ kind: 'restart', service: 'inventory' });
    const restored = new DemoFleet({ seed: 42, clock, initialActions: fleet.actions() });
    expect(restored.actions()).toEqual(fleet.actions());
    expect(restored.state('payments').replicas).toBe(5);
    for (const service of ['payments', 'inventory']) {
      const q = { service, signal: 'cpu' as const, startMs: NOW - 4 * HOUR, endMs: NOW };
      expect(await restored.query(q)).toEqual(await fleet.query(q));
    }
    expect(
      () => new DemoFleet({ seed: 42, clock, initialActions: [{ kind: 'restart', service: 'gone', atMs: 0 }] }),
    ).toThrow(/initialActions\[0\]/);
  });
});
