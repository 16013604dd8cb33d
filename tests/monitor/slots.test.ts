import { CATCH_UP_MS, monitorJobId } from '../../src/app/monitor';
import { loadConfig } from '../../src/config/config';
import type { MonitorScanJobData } from '../../src/jobs/map';
import { testApp } from '../helpers/app';
import { INTERVAL, MIN, monitorApp, scanNow, secondMonitor, T0 } from './helpers';

jest.setTimeout(120_000);

const ids = (from: number, n: number) => Array.from({ length: n }, (_, k) => monitorJobId(from + k * INTERVAL));

describe("the monitor's schedule", () => {
  it('queues one scan per slot however many control planes tick, at the slot time, acted on once', async () => {
    const { app, setNow } = await monitorApp({ DEMO_FAULTS: 'none' }, { start: T0 + 2 * MIN });
    try {
      const other = secondMonitor(app);
      const ticks = await Promise.all([app.monitor.tick(), other.tick(), app.monitor.tick()]);
      expect(ticks).toEqual([ids(T0, 1), ids(T0, 1), ids(T0, 1)]);
      setNow(T0 + 4 * MIN); // same slot
      expect(await other.tick()).toEqual(ids(T0, 1));
      const jobs = (await app.queue.list()).filter((j) => j.name === 'monitor_scan');
      expect(jobs.map((j) => [j.id, (j.data as MonitorScanJobData).atMs])).toEqual([[monitorJobId(T0), T0]]);
      await app.queue.waitUntilFinished(monitorJobId(T0), 60_000);
      await Promise.all([app.monitor.handle(monitorJobId(T0)), other.handle(monitorJobId(T0))]);
      expect(app.monitor.slots()).toEqual([
        { slotMs: T0, jobId: monitorJobId(T0), state: 'handled', queuedAt: T0 + 2 * MIN, handledAt: T0 + 4 * MIN },
      ]);
      expect(await app.metrics.registry.metrics()).toMatch(/^smartcloudops_monitor_scans_total 1$/m);
    } finally {
      await app.close();
    }
  });

  it('after a gap queues the slots it missed, an hour back at most; an older scan acted on late is left', async () => {
    const { app, setNow, logs } = await monitorApp({ DEMO_FAULTS: 'none' });
    try {
      await scanNow(app);
      setNow(T0 + 20 * MIN + 30_000); // down for three slots
      expect(await app.monitor.tick()).toEqual(ids(T0 + INTERVAL, 4));
      setNow(T0 + 4 * 60 * MIN); // down for hours: the last hour only, and the gap said
      const late = await app.monitor.tick();
      expect(late).toEqual(ids(T0 + 4 * 60 * MIN - CATCH_UP_MS, CATCH_UP_MS / INTERVAL + 1));
      expect(logs()).toMatch(/monitor slots missed while no control plane ran/);
      // The newest scan is acted on first; the older ones are left (acting on them would turn it back).
      const newest = late[late.length - 1];
      await app.queue.waitUntilFinished(newest, 60_000);
      await app.monitor.handle(newest);
      for (const id of [...ids(T0 + INTERVAL, 4), ...late.slice(0, -1)]) {
        await app.queue.waitUntilFinished(id, 60_000);
        await app.monitor.handle(id);
      }
      const states = app.monitor.slots().map((s) => s.state);
      expect(states.filter((s) => s === 'handled')).toHaveLength(2);
      expect(states.filter((s) => s === 'stale')).toHaveLength(states.length - 2);
    } finally {
      await app.close();
    }
  });

  it('on start acts on a scan that finished unheard, and queues again a slot whose job is gone', async () => {
    const { app, setNow } = await monitorApp({ DEMO_FAULTS: 'none' });
    try {
      const [first] = await app.monitor.tick();
      await app.queue.waitUntilFinished(first, 60_000);
      // A slot recorded as queued whose job never made it to the queue (a crash between the two).
      app.store.db
        .prepare("INSERT INTO monitor_scans (slot_ms, job_id, state, queued_at) VALUES (?, ?, 'queued', ?)")
        .run(T0 + INTERVAL, monitorJobId(T0 + INTERVAL), T0);
      setNow(T0 + INTERVAL + MIN);
      const stop = secondMonitor(app).start();
      try {
        await expectEventually(async () => (await app.queue.get(monitorJobId(T0 + INTERVAL)))?.state === 'completed');
        await app.monitor.handle(monitorJobId(T0 + INTERVAL));
        await expectEventually(async () => app.monitor.slots().every((s) => s.state === 'handled'));
      } finally {
        stop();
      }
    } finally {
      await app.close();
    }
  });

  it('off queues nothing', async () => {
    const { app } = await testApp({ MONITOR_INTERVAL: 'off' }, T0);
    try {
      expect(await app.monitor.tick()).toEqual([]);
      const stop = app.monitor.start();
      stop();
      expect(app.monitor.slots()).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('reads MONITOR_INTERVAL: 5m by default, a duration from 5s to 1d, off; anything else is one clear line', () => {
    const ok = (v?: string) => {
      const r = loadConfig({ DATABASE_PATH: ':memory:', ...(v === undefined ? {} : { MONITOR_INTERVAL: v }) });
      if (!r.ok) throw new Error(r.problems.join('\n'));
      return r.config.monitorIntervalMs;
    };
    expect(ok()).toBe(5 * MIN);
    expect(ok('1m')).toBe(MIN);
    expect(ok('5s')).toBe(5000);
    expect(ok('1d')).toBe(86_400_000);
    expect(ok('off')).toBeNull();
    for (const bad of ['often', '1s', '2d', '1.5m']) {
      const r = loadConfig({ DATABASE_PATH: ':memory:', MONITOR_INTERVAL: bad });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.problems).toHaveLength(1);
        expect(r.problems[0]).toMatch(/^MONITOR_INTERVAL: expected a (duration such as 5m|duration from 5s to 1d).*/);
      }
    }
  });
});

async function expectEventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
