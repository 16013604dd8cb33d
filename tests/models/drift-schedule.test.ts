import { createDriftWatch, driftJobId } from '../../src/app/drift';
import { loadConfig } from '../../src/config/config';
import { createSilentLogger } from '../../src/log/logger';
import { recordDrift } from '../../src/models/drift-state';
import { testApp } from '../helpers/app';
import { trainChampion } from './drift-helpers';

jest.setTimeout(180_000);

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 10, 26, 10, 0, 0);

describe('the drift schedule', () => {
  it('queues one drift_check per champion per slot however many control planes tick; off queues none', async () => {
    let now = T0 + 5 * 60_000;
    const { app } = await testApp({ DRIFT_INTERVAL: 'off' }, () => now);
    try {
      await app.startWorkers();
      await trainChampion(app, 86_400);
      const watch = (intervalMs: number | null) =>
        createDriftWatch({
          registry: app.models,
          db: app.store.db,
          queue: app.queue,
          clock: app.clock,
          metrics: app.metrics,
          log: createSilentLogger(),
          intervalMs,
        });
      expect(await app.drift.tick()).toEqual([]);
      expect(await watch(null).tick()).toEqual([]);
      const [a, b] = [watch(HOUR), watch(HOUR)];
      const slot = Math.floor(now / HOUR);
      const first = await Promise.all([a.tick(), b.tick(), a.tick()]);
      expect(first).toEqual([
        [driftJobId('payments-detector', 1, slot)],
        [driftJobId('payments-detector', 1, slot)],
        [`drift-payments-detector-v1-${slot}`],
      ]);
      now += 30 * 60_000; // same slot
      expect(await b.tick()).toEqual([driftJobId('payments-detector', 1, slot)]);
      now += HOUR; // next slot
      expect(await a.tick()).toEqual([driftJobId('payments-detector', 1, slot + 1)]);
      const jobs = (await app.queue.list())
        .filter((j) => j.name === 'drift_check')
        .map((j) => j.id)
        .sort();
      expect(jobs).toEqual([driftJobId('payments-detector', 1, slot), driftJobId('payments-detector', 1, slot + 1)]);
      const job = await app.queue.get(jobs[0]);
      expect(job?.data).toMatchObject({
        service: 'payments',
        toMs: slot * HOUR,
        model: { name: 'payments-detector', version: 1 },
      });
      for (const id of jobs) await app.queue.waitUntilFinished(id, 60_000);
    } finally {
      await app.close();
    }
  });

  it('claims one card per drift episode, again only after it recovered; a stale slot changes nothing', async () => {
    const { app } = await testApp({ DRIFT_INTERVAL: 'off' });
    try {
      const v = await app.models.register({
        service: 'payments',
        params: {},
        seed: 1,
        window: { fromMs: T0 - 86_400_000, toMs: T0 },
        dataSha256: 'a'.repeat(64),
        codeVersion: 'test',
        createdBy: 'user:u-test',
        onnx: Buffer.from('not really onnx'),
      });
      const db = app.store.db;
      const fig = (h: number, drifted: boolean) => ({
        score: drifted ? 0.6 : 0.01,
        drifted,
        moved: [],
        at: T0 + h * HOUR,
      });
      const claim = (h: number, drifted: boolean, claimCard = true) =>
        recordDrift(db, v.name, v.version, fig(h, drifted), { claimCard });
      expect(claim(1, false)).toEqual({ recorded: true, card: false });
      expect(claim(2, true, false)).toEqual({ recorded: true, card: false }); // a process with no channel
      expect(claim(2, true)).toEqual({ recorded: true, card: true });
      expect(claim(2, true)).toEqual({ recorded: true, card: false }); // another process, same result
      expect(claim(3, true)).toEqual({ recorded: true, card: false }); // still drifting
      expect(claim(1, false)).toEqual({ recorded: false, card: false }); // an older slot, late
      expect(app.models.version(v.name, v.version).drift).toMatchObject({ drifted: true, at: T0 + 3 * HOUR });
      expect(claim(4, false)).toEqual({ recorded: true, card: false }); // recovered
      expect(claim(5, true)).toEqual({ recorded: true, card: true }); // a new episode
      expect(app.models.version(v.name, v.version).hasReference).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('reads DRIFT_INTERVAL: 1h by default, a duration, off; anything else is one clear line', () => {
    const ok = (v?: string) => {
      const r = loadConfig({ DATABASE_PATH: ':memory:', ...(v === undefined ? {} : { DRIFT_INTERVAL: v }) });
      if (!r.ok) throw new Error(r.problems.join('\n'));
      return r.config.driftIntervalMs;
    };
    expect(ok()).toBe(HOUR);
    expect(ok('30m')).toBe(30 * 60_000);
    expect(ok('1d')).toBe(86_400_000);
    expect(ok('off')).toBeNull();
    for (const bad of ['hourly', '10s', '8d', '1.5h']) {
      const r = loadConfig({ DATABASE_PATH: ':memory:', DRIFT_INTERVAL: bad });
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.problems).toHaveLength(1);
        expect(r.problems[0]).toMatch(
          /^DRIFT_INTERVAL: expected a (duration such as 30m, 1h or 1d|duration from 1m to 7d).*, got "/,
        );
      }
    }
  });
});
