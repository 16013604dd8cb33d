import { DemoChangeSource } from '../../src/changes/demo';
import { DemoFleet } from '../../src/sources/demo/fleet';

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 2, 2, 12, 0);

describe('DemoChangeSource', () => {
  const fleet = new DemoFleet({
    seed: 7,
    clock: () => NOW,
    faults: [
      { kind: 'bad_deploy', service: 'payments', start: { afterStartMs: -50 * MINUTE } },
      { kind: 'config_change', service: 'inventory', start: { afterStartMs: -20 * MINUTE } },
      { kind: 'memory_leak', service: 'search', start: { afterStartMs: -150 * MINUTE } },
      { kind: 'deploy', service: 'auth-gateway', start: { afterStartMs: -5 * MINUTE } },
      { kind: 'bad_deploy', service: 'checkout-api', start: { afterStartMs: -300 * MINUTE } },
    ],
  });
  const source = new DemoChangeSource(fleet);

  it("returns the fleet's events in the window, newest first, as change events", async () => {
    const events = await source.events({ fromMs: NOW - 120 * MINUTE, toMs: NOW });
    // The leak started 150 minutes ago: an OOM kill and a restart 90 and 30 minutes ago (the restart after the kill).
    expect(events.map((e) => [e.service, e.kind, (NOW - e.atMs) / MINUTE])).toEqual([
      ['auth-gateway', 'deploy', 5],
      ['inventory', 'config_change', 20],
      ['search', 'restart', 30],
      ['search', 'oom_kill', 30],
      ['payments', 'deploy', 50],
      ['search', 'restart', 90],
      ['search', 'oom_kill', 90],
    ]);
    for (const e of events) expect(e.source).toBe('demo');
    expect(events.find((e) => e.service === 'payments')?.summary).toMatch(/^deployed payments v\d+\.\d+\.0 \(was v/);
    expect(events.find((e) => e.service === 'inventory')?.summary).toMatch(/^changed inventory's config: /);
  });

  it('filters by service, caps by limit and never answers the future', async () => {
    const search = await source.events({ fromMs: NOW - 120 * MINUTE, toMs: NOW + 600 * MINUTE, service: 'search' });
    expect(search.every((e) => e.service === 'search' && e.atMs <= NOW)).toBe(true);
    expect(search).toHaveLength(4);
    const two = await source.events({ fromMs: NOW - 120 * MINUTE, toMs: NOW, limit: 2 });
    expect(two.map((e) => e.service)).toEqual(['auth-gateway', 'inventory']);
  });

  it('a quiet fleet and the built-in schedule leave no events', async () => {
    const quiet = new DemoChangeSource(new DemoFleet({ seed: 7, clock: () => NOW, faults: [] }));
    const builtIn = new DemoChangeSource(new DemoFleet({ seed: 7, clock: () => NOW }));
    expect(await quiet.events({ fromMs: NOW - 600 * MINUTE, toMs: NOW })).toEqual([]);
    expect(await builtIn.events({ fromMs: NOW - 600 * MINUTE, toMs: NOW })).toEqual([]);
  });
});

describe('a harmless deploy (DEMO_FAULTS kind deploy)', () => {
  it('leaves its deploy event and signals identical to a quiet fleet', async () => {
    const harmless = new DemoFleet({
      seed: 7,
      clock: () => NOW,
      faults: [{ kind: 'deploy', service: 'payments', start: { afterStartMs: -30 * MINUTE } }],
    });
    const quiet = new DemoFleet({ seed: 7, clock: () => NOW, faults: [] });
    const range = { startMs: NOW - 60 * MINUTE, endMs: NOW };
    for (const service of ['payments', 'checkout-api']) {
      for (const signal of ['latency_p99', 'error_rate', 'cpu'] as const) {
        const a = await harmless.query({ service, signal, ...range });
        const b = await quiet.query({ service, signal, ...range });
        expect(a.points).toEqual(b.points);
      }
    }
    expect(harmless.incidentsAt(NOW)).toEqual([]);
    const events = await new DemoChangeSource(harmless).events({ fromMs: NOW - 60 * MINUTE, toMs: NOW });
    expect(events.map((e) => [e.service, e.kind, e.atMs])).toEqual([['payments', 'deploy', NOW - 30 * MINUTE]]);
  });
});
