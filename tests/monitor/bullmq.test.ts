import type { MonitorScanJobResult } from '../../src/jobs/map';
import { testApp } from '../helpers/app';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';
import { faultsFile, INTERVAL, MIN, monitorIncidents, secondMonitor, T0 } from './helpers';

jest.setTimeout(120_000);

/**
 * The monitor on BullMQ (REDIS_URL), the same slots as on the embedded queue: two control planes on one
 * store tick every slot, the scans run in a real `worker` process (its own demo fleet and streams: the
 * fault has absolute times so both fleets agree), and each slot is one BullMQ job acted on once.
 */
describe('the monitor on BullMQ with a worker process', () => {
  let redis: PrivateRedis;
  let worker: WorkerProcess | undefined;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await worker?.stop();
    await redis.stop();
  });

  it('queues one job per slot across two control planes; the worker scans, the store acts once', async () => {
    const queueName = `monitor-${process.pid}`;
    const faults = faultsFile(`
faults:
  - { kind: bad_deploy, service: payments, start: "${new Date(T0 + 31 * MIN).toISOString()}", duration: 1h }
`);
    let now = T0;
    const env = { REDIS_URL: redis.url, QUEUE_NAME: queueName, DEMO_FAULTS: faults, MONITOR_INTERVAL: '5m' };
    const { app } = await testApp(env, () => now);
    worker = await startWorkerProcess({ redisUrl: redis.url, queueName, env: { DEMO_FAULTS: faults } });
    const other = secondMonitor(app);
    try {
      for (; now <= T0 + 45 * MIN; now += INTERVAL) {
        const [a, b] = await Promise.all([app.monitor.tick(), other.tick()]);
        expect(a).toEqual(b);
        for (const id of a) {
          const job = await app.queue.waitUntilFinished(id, 60_000);
          expect(job.state).toBe('completed');
          await Promise.all([app.monitor.handle(id), other.handle(id)]);
        }
      }
      const slots = app.monitor.slots(T0);
      expect(slots.map((s) => s.slotMs)).toEqual(Array.from({ length: 10 }, (_, k) => T0 + k * INTERVAL));
      expect(slots.every((s) => s.state === 'handled')).toBe(true);
      const jobs = (await app.queue.list({ limit: 100 })).filter((j) => j.name === 'monitor_scan');
      expect(jobs).toHaveLength(10);
      // Scanned by the worker process: the first scan started its streams, the later ones fed the new minutes.
      const first = (await app.queue.get(`monitor-${T0}`))?.result as MonitorScanJobResult;
      const later = (await app.queue.get(`monitor-${T0 + INTERVAL}`))?.result as MonitorScanJobResult;
      expect(first.pointsScored).toBeGreaterThan(30 * 1440);
      expect(later.pointsScored).toBe(30 * 5);
      const [incident] = monitorIncidents(app).filter((i) => i.service === 'payments');
      expect(incident).toBeDefined();
      expect((incident.createdAt - (T0 + 31 * MIN)) / MIN).toBeLessThanOrEqual(2 * (INTERVAL / MIN));
      expect(await app.metrics.registry.metrics()).toMatch(/^smartcloudops_monitor_scans_total 10$/m);
    } finally {
      await app.close();
    }
  });
});
