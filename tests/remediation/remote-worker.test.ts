import { testConfig } from '../../src/config/config';
import { createLogger } from '../../src/log/logger';
import type { App } from '../../src/app/control';
import { buildWorker, type Worker } from '../../src/app/worker';
import { NOW, recordingSink, tempDbPath, testApp } from '../helpers/app';
import { describeIfRedis, TEST_REDIS_URL } from '../helpers/redis';

/**
 * With Redis, `worker` processes elsewhere take ordinary jobs but never remediation jobs: those
 * need the control plane's store, so they wait on the control queue for `serve` (or `chat`).
 */
describeIfRedis('remediation jobs with remote workers (BullMQ on real Redis)', () => {
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_NAME: `sco-routed-${process.pid}-${Date.now()}`,
    DEFAULT_ROLE: 'operator',
  };
  let control: App;
  let worker: Worker;

  afterAll(async () => {
    await worker?.close();
    await control?.close();
  });

  it('leaves remediation to the control plane and ordinary jobs to any worker', async () => {
    ({ app: control } = await testApp(env));
    const config = testConfig({ ...env, DATABASE_PATH: tempDbPath('sco-remote-'), LOG_LEVEL: 'error' });
    worker = buildWorker(config, {
      clock: () => NOW,
      log: createLogger({ level: 'error', format: 'json' }),
    });
    await worker.startWorkers();

    // The control plane is not working yet: only the remote worker is.
    const status = await control.queue.add('status', { windowS: 3600 });
    expect((await control.queue.waitUntilFinished(status.id, 20_000)).state).toBe('completed');

    await control.conversation.handleMessage(
      { platform: 'slack', user: 'U1', channel: 'C1', text: '/ops scale checkout-api 6' },
      recordingSink(),
    );
    const [job] = (await control.queue.list({ limit: 5 })).filter((j) => j.name === 'remediation');
    expect(job).toBeDefined();
    await new Promise((r) => setTimeout(r, 1500)); // ample time for the worker to take it, if it could
    expect((await control.queue.get(job.id))?.state).toBe('waiting');

    await control.startWorkers();
    const done = await control.queue.waitUntilFinished(job.id, 20_000);
    expect(done.state).toBe('completed');
    expect(done.result).toMatchObject({ state: 'succeeded', action: 'scale', target: 'checkout-api' });
  }, 60_000);
});
