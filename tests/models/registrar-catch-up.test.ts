import { buildWorker } from '../../src/app/worker';
import { testConfig } from '../../src/config/config';
import { createSilentLogger } from '../../src/log/logger';
import { testApp } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';

jest.setTimeout(180_000);

/**
 * Issue 15 "Bad input and faults": a worker that cannot reach the control plane loses nothing. A
 * training finished by a worker while no control plane was running waits in the queue's history;
 * the next control plane to start registers and evaluates it, once.
 */
describe('a training finished while no control plane listened', () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('is registered by the next control plane at start, and only once', async () => {
    const env = { REDIS_URL: redis.url, QUEUE_NAME: `sco-catch-up-${process.pid}`, JOB_BACKOFF_MS: '10' };
    const worker = buildWorker(testConfig(env), { log: createSilentLogger() });
    await worker.startWorkers();
    const added = await worker.queue.add(
      'train_model',
      { service: 'payments', windowS: 86_400 },
      { meta: { requestedBy: 'user:u-alice' } },
    );
    expect((await worker.queue.waitUntilFinished(added.id, 120_000)).state).toBe('completed');
    await worker.close();

    const { app } = await testApp(env, () => Date.now());
    const other = await testApp({ ...env, DATABASE_PATH: app.config.databasePath }, () => Date.now());
    try {
      const version = await waitFor(
        async () => {
          const v = app.models.byJob(added.id);
          return v?.metrics ? v : undefined;
        },
        60_000,
        'the finished training to be registered',
      );
      expect(version).toMatchObject({ name: 'payments-detector', version: 1, createdBy: 'user:u-alice' });
      expect(version.metrics).toMatchObject({ scorecard: expect.any(Object) });
      // Two control planes on one store: still one version, whichever registered it.
      await waitFor(async () => other.app.models.byJob(added.id), 60_000, 'the other control plane to see it');
      expect(app.models.get('payments-detector').versions).toHaveLength(1);
    } finally {
      await other.app.close();
      await app.close();
    }
  });
});
