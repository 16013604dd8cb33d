import { spawnSync } from 'node:child_process';
import type { App } from '../../src/app/control';
import { buildWorker, type Worker } from '../../src/app/worker';
import { testConfig } from '../../src/config/config';
import { createLogger } from '../../src/log/logger';
import { renderText } from '../../src/reply/render-text';
import { DURING_BURST, lastVersion, recordingSink, testApp } from '../helpers/app';
import { describeNeeding } from '../helpers/requires';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';
import { championOnApp } from './serving-fixtures';

const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Issue 15.4 with a remote worker: the champion's bytes travel in the detect_anomalies job through
 * BullMQ (a private redis-server) to a worker that opens no database, which names the version that
 * scored; a new champion (another sha256) is what the next job uses.
 */
describeNeeding(
  'the champion scores on a database-free worker (BullMQ)',
  hasRedisServer ? undefined : 'needs the redis-server binary on PATH (apt-get install redis-server)',
  () => {
    let redis: PrivateRedis;
    let control: App | undefined;
    let worker: Worker | undefined;

    beforeAll(async () => {
      redis = await startPrivateRedis();
    }, 30_000);
    afterAll(async () => {
      await worker?.close();
      await control?.close();
      await redis?.stop();
    }, 30_000);

    it('names the champion version the worker scored with, and the new one after a promotion', async () => {
      const env = { REDIS_URL: redis.url, QUEUE_NAME: `sco-serving-${process.pid}-${Date.now()}` };
      ({ app: control } = await testApp(env, DURING_BURST));
      // The control plane works no general jobs: only the remote worker does.
      await control.startWorkers({ general: false });
      worker = buildWorker(testConfig({ ...env, LOG_LEVEL: 'error' }), {
        clock: () => DURING_BURST,
        log: createLogger({ level: 'error', format: 'json' }),
      });
      await worker.startWorkers();
      const app = control;

      const say = async (text: string) => {
        const sink = recordingSink();
        const handled = await app.conversation.handleMessage(
          { platform: 'console', user: 'alice', channel: 'ops', text },
          sink,
        );
        await handled.done;
        return renderText(lastVersion(sink.messages[0]));
      };

      await championOnApp(app, DURING_BURST, 3);
      expect(await say('anomalies in payments error rate over the last hour')).toMatch(
        /scored by payments-detector v1 · as of/,
      );
      const v2 = await championOnApp(app, DURING_BURST, 4);
      expect(v2.version).toBe(2);
      expect(await say('anomalies in payments error rate over the last hour')).toMatch(
        /scored by payments-detector v2 · as of/,
      );
    }, 120_000);
  },
);
