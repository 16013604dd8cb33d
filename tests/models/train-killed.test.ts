import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';

jest.setTimeout(240_000);

/**
 * Issue 15 "Bad input and faults": a training job killed mid-way leaves no half-registered version.
 * A `worker` process is SIGKILLed while it trains; nothing is registered; another worker takes the
 * stalled job over and finishes it; the control plane registers exactly one version from it.
 */
describe('a training whose worker is killed mid-way', () => {
  let redis: PrivateRedis;
  let app: App | undefined;
  const workers: WorkerProcess[] = [];
  const queueName = `sco-train-killed-${process.pid}`;

  const startWorker = async () => {
    const w = await startWorkerProcess({ redisUrl: redis.url, queueName });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await app?.close();
    for (const w of workers) await w.stop('SIGKILL');
    await redis?.stop();
  });

  it('registers nothing until another worker finishes it, then exactly one version', async () => {
    const first = await startWorker();
    ({ app } = await testApp({ REDIS_URL: redis.url, QUEUE_NAME: queueName }, () => Date.now()));
    await app.startWorkers({ general: false });
    const control = app;
    // 30 days of one-minute data: long enough to be caught training.
    const job = await control.queue.add(
      'train_model',
      { service: 'payments', windowS: 30 * 86_400 },
      { meta: { requestedBy: 'user:u-olivia' } },
    );
    await waitFor(
      async () => ((await control.queue.get(job.id))?.state === 'active' ? true : undefined),
      30_000,
      'the training to start',
    );
    await first.stop('SIGKILL');
    expect((await control.queue.get(job.id))?.state).toBe('active');
    expect(control.models.list()).toEqual([]);

    await startWorker();
    const done = await control.queue.waitUntilFinished(job.id, 180_000);
    expect(done.state).toBe('completed');
    const version = await waitFor(
      async () => {
        const v = control.models.byJob(job.id);
        return v?.metrics ? v : undefined;
      },
      60_000,
      'the version to be registered',
    );
    expect(version).toMatchObject({ name: 'payments-detector', version: 1, createdBy: 'user:u-olivia' });
    expect(control.models.get('payments-detector').versions).toHaveLength(1);
  });
});
