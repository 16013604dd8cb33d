import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/log/logger';
import { createBullmqQueue } from '../../src/queue/bullmq/queue';
import type { JobQueue } from '../../src/queue/types';
import type { AnomaliesJobResult, Jobs, StatusJobResult } from '../../src/jobs/map';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { describeNeeding } from '../helpers/requires';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';

/**
 * Issue 14.1: a `worker` is the core alone. The real `worker` process, started in a directory it
 * cannot write to and with no DATABASE_PATH (the default would be ./data/smartcloudops.db), works
 * jobs enqueued through the BullMQ queue port on its own redis-server, and leaves no file behind.
 */
const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Root writes through a 0555 directory, so as root the worker runs as `nobody`. Without such a
 * user it runs as root, and the empty directory at the end is the proof instead.
 */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' });
  const [uid, gid] = [id('-u'), id('-g')];
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** Every path under `dir`, however deep. */
const everything = (dir: string) => readdirSync(dir, { recursive: true, encoding: 'utf8' });

describeNeeding(
  'issue 14.1: the worker process opens no database',
  hasRedisServer ? undefined : 'needs the redis-server binary on PATH (apt-get install redis-server)',
  () => {
    let redis: PrivateRedis;
    let cwd: string;
    let worker: WorkerProcess | undefined;
    let queue: JobQueue<Jobs> | undefined;
    const queueName = `sco-worker-role-${process.pid}-${Date.now()}`;

    beforeAll(async () => {
      redis = await startPrivateRedis();
      cwd = mkdtempSync(join(tmpdir(), 'sco-worker-role-'));
      chmodSync(cwd, 0o555);
    }, 30_000);
    afterAll(async () => {
      await queue?.close();
      await worker?.stop('SIGKILL');
      await redis?.stop();
      if (cwd) {
        chmodSync(cwd, 0o755);
        rmSync(cwd, { recursive: true, force: true });
      }
    }, 30_000);

    it('works status and anomaly jobs from Redis, creating no SQLite file and no data/ directory', async () => {
      const user = unprivileged();
      worker = await startWorkerProcess({ redisUrl: redis.url, queueName, cwd, ...(user ?? {}) });
      const child = worker.child;

      queue = createBullmqQueue<Jobs>({
        redisUrl: redis.url,
        name: queueName,
        logger: createLogger({ level: 'error', format: 'json' }),
        historyLimit: 100,
        attempts: 1,
        backoffMs: 10,
      });
      const status = await queue.add('status', { windowS: 3600 });
      const anomalies = await queue.add('detect_anomalies', { service: 'checkout-api', windowS: 3600 });

      const statusDone = await queue.waitUntilFinished(status.id, 30_000);
      expect(statusDone).toMatchObject({ state: 'completed' });
      const services = (statusDone.result as StatusJobResult).services;
      expect(services.map((s) => s.name)).toContain('checkout-api');
      for (const s of services) expect(typeof s.healthy).toBe('boolean');

      const anomaliesDone = await queue.waitUntilFinished(anomalies.id, 60_000);
      expect(anomaliesDone).toMatchObject({ state: 'completed' });
      const { findings } = anomaliesDone.result as AnomaliesJobResult;
      expect(findings.length).toBeGreaterThan(0);
      for (const f of findings) expect(f.service).toBe('checkout-api');

      expect(child.exitCode).toBeNull(); // still working
      expect(everything(cwd)).toEqual([]);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect((await exited)[0]).toBe(0);
      expect(everything(cwd)).toEqual([]);
      expect(worker.output()).not.toMatch(/database|sqlite/i);
    }, 120_000);
  },
);
