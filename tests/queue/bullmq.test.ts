import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { createSilentLogger } from '../../src/log/logger';
import { createBullmqQueue, obliterateBullmqQueue } from '../../src/queue/bullmq/queue';
import type { JobQueue } from '../../src/queue/types';
import { TEST_REDIS_URL, describeIfRedis } from '../helpers/redis';
import { queueContract, type TestJobs } from './contract';

const logger = createSilentLogger();

describeIfRedis('bullmq backend', () => {
  // First: ioredis keeps a 2 s timer after dropping a refused socket; let it expire during the suite.
  it('check() fails fast when Redis cannot be reached', async () => {
    const queue = createBullmqQueue<TestJobs>({
      redisUrl: 'redis://127.0.0.1:1',
      name: 'unreachable',
      logger,
      historyLimit: 1,
      attempts: 1,
      backoffMs: 1,
    });
    await expect(queue.check()).rejects.toMatchObject({ code: 'unavailable' });
    await queue.close({ graceMs: 0 });
  });

  queueContract('bullmq (Redis)', async (options) => {
    const name = `contract-${process.pid}-${randomUUID().slice(0, 8)}`;
    const queues: JobQueue<TestJobs>[] = [];
    const open = () => {
      const queue = createBullmqQueue<TestJobs>({ redisUrl: TEST_REDIS_URL, name, logger, ...options });
      queues.push(queue);
      return queue;
    };
    return {
      queue: open(),
      reopen: async () => open(),
      async cleanup() {
        for (const q of queues) await q.close({ graceMs: 0 });
        await obliterateBullmqQueue({ redisUrl: TEST_REDIS_URL, name });
      },
    };
  });

  it('rejects bad settings early', () => {
    expect(() =>
      createBullmqQueue({ redisUrl: TEST_REDIS_URL, name: 'ok', logger, historyLimit: -1, attempts: 0, backoffMs: 1 }),
    ).toThrow(/historyLimit.*attempts/);
    const base = { redisUrl: TEST_REDIS_URL, name: 'ok', logger, historyLimit: 1, attempts: 1, backoffMs: 1 };
    expect(() => createBullmqQueue({ ...base, lockDurationMs: 0, stalledIntervalMs: 1.5 })).toThrow(
      /lockDurationMs, stalledIntervalMs must be whole milliseconds/,
    );
  });

  it('issue 18.6: names the worker that ran a job: <host>:<pid>', async () => {
    const name = `worker-name-${process.pid}-${randomUUID().slice(0, 8)}`;
    const queue = createBullmqQueue<TestJobs>({
      redisUrl: TEST_REDIS_URL,
      name,
      logger,
      historyLimit: 10,
      attempts: 1,
      backoffMs: 1,
    });
    try {
      await queue.work({ echo: async (job) => ({ echoed: job.data.value }) });
      const job = await queue.add('echo', { value: 1 });
      const done = await queue.waitUntilFinished(job.id, 10_000);
      expect(done).toMatchObject({ state: 'completed', worker: `${hostname()}:${process.pid}` });
      expect((await queue.list({ states: ['completed'] }))[0].worker).toBe(`${hostname()}:${process.pid}`);
    } finally {
      await queue.close({ graceMs: 0 });
      await obliterateBullmqQueue({ redisUrl: TEST_REDIS_URL, name });
    }
  });
});
