import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { tempDbPath } from '../helpers/app';
import { freePort, runCli, startCli, waitFor } from '../helpers/cli';
import { describeNeeding } from '../helpers/requires';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';

/**
 * The second adversarial trial of issues 13.3 and 13.8 on a real `serve` process: its own
 * password-protected redis-server (never the shared one), killed and restarted under it. The
 * process answers fast while Redis is gone, works again when it is back, stops on SIGTERM while
 * it is gone, and the Redis password reaches no answer, no log line (LOG_LEVEL=debug) and no
 * `doctor` or configuration output. The test's timeout bounds every wait: a hang fails it.
 */
const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
const PASSWORD = 'Trial-redis-pw-7f3k';
const ADMIN_PASSWORD = 'Trial-root-passphrase-42';
const AM_TOKEN = 'alert-webhook-token-trial-9876543210';

describeNeeding(
  'issue 13.3 (trial): serve with a password-protected Redis that dies, and stops while it is dead',
  hasRedisServer ? undefined : 'needs the redis-server binary on PATH (apt-get install redis-server)',
  () => {
    let redis: PrivateRedis;
    let env: Record<string, string>;
    const answers: string[] = [];

    beforeAll(async () => {
      redis = await startPrivateRedis({ password: PASSWORD });
      env = {
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        DATABASE_PATH: tempDbPath(),
        REDIS_URL: redis.url,
        QUEUE_NAME: `sco-serve-trial-${process.pid}-${Date.now()}`,
        LOG_LEVEL: 'debug',
        LOG_FORMAT: 'json',
        SHUTDOWN_GRACE_MS: '1000',
        JWT_SECRET: 'Jq8v2Lr5Xw0Zt7Nc4Hb1Ks6Md9Pf3Gy8Ae5Ub2Vo7Wi',
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD,
        ALERTMANAGER_WEBHOOK_TOKEN: AM_TOKEN,
      };
    }, 30_000);
    afterAll(async () => {
      await redis?.stop();
    }, 30_000);

    const base = () => `http://127.0.0.1:${env.PORT}`;
    const call = async (method: string, path: string, headers: Record<string, string> = {}, body?: object) => {
      const res = await fetch(`${base()}${path}`, {
        method,
        headers: { ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      answers.push(text);
      return { status: res.status, text };
    };

    it(
      'answers 503 naming Redis while it is dead, works again when it is back, ' +
        'and stops on SIGTERM while it is dead',
      async () => {
        const serve = startCli(['serve'], env);
        try {
          await waitFor(
            async () => ((await call('GET', '/readyz')).status === 200 ? true : undefined),
            20_000,
            `serve ready: ${serve.output()}`,
          );
          const login = await call('POST', '/auth/login', {}, { email: 'admin@example.com', password: ADMIN_PASSWORD });
          expect(login.status).toBe(200);
          const auth = { authorization: `Bearer ${(JSON.parse(login.text) as { access_token: string }).access_token}` };
          expect((await call('GET', '/api/v1/jobs', auth)).status).toBe(200);

          await redis.kill();
          const ready = await call('GET', '/readyz');
          expect(ready.status).toBe(503);
          expect(ready.text).toContain(`Redis at 127.0.0.1:${redis.port}`);
          const jobs = await call('GET', '/api/v1/jobs', auth);
          expect(jobs.status).toBe(503);
          expect(JSON.parse(jobs.text)).toMatchObject({
            error: 'unavailable',
            message: `The job queue (Redis at 127.0.0.1:${redis.port}) is not answering; try again shortly.`,
          });
          expect((await call('GET', '/metrics')).status).toBe(200);

          await redis.restart();
          await waitFor(
            async () => ((await call('GET', '/api/v1/jobs', auth)).status === 200 ? true : undefined),
            20_000,
            'GET /api/v1/jobs to answer 200 again',
          );
          expect((await call('POST', '/api/v1/anomalies', auth, { service: 'checkout-api' })).status).toBe(202);

          await redis.kill();
          expect((await call('GET', '/readyz')).status).toBe(503);
          serve.kill('SIGTERM');
          const [code] = await once(serve, 'exit');
          expect(code).toBe(0);
          expect(serve.output()).toContain('"message":"stopped"');
        } finally {
          if (serve.exitCode === null && serve.signalCode === null) serve.kill('SIGKILL');
          await redis.restart();
        }
        // request lines were written (LOG_LEVEL=debug), and none of them holds the password
        expect(serve.output()).toContain('"level":"http"');
        expect(serve.output()).not.toContain(PASSWORD);
        expect(answers.join('\n')).not.toContain(PASSWORD);
      },
      90_000,
    );

    it('doctor names Redis without its password, whether Redis answers or not', async () => {
      const live = await runCli(['doctor'], { env, timeoutMs: 30_000 });
      expect(live.stdout + live.stderr).toContain(`127.0.0.1:${redis.port}`);
      await redis.kill();
      try {
        const dead = await runCli(['doctor'], { env, timeoutMs: 30_000 });
        expect(dead.stdout + dead.stderr).toContain(`127.0.0.1:${redis.port}`);
        expect(dead.stdout + dead.stderr + live.stdout + live.stderr).not.toContain(PASSWORD);
      } finally {
        await redis.restart();
      }
    }, 60_000);

    it('a REDIS_URL that does not parse is refused without printing its password (serve and doctor)', async () => {
      for (const broken of [
        `redis://:${PASSWORD}@127.0.0.1:notaport`,
        `redis//:${PASSWORD}@127.0.0.1:1`,
        `http://user:${PASSWORD}@127.0.0.1:1`,
      ]) {
        for (const command of ['serve', 'doctor']) {
          const result = await runCli([command], { env: { ...env, REDIS_URL: broken }, timeoutMs: 20_000 });
          expect(result.code).not.toBe(0);
          expect(result.stdout + result.stderr).toContain('REDIS_URL');
          expect(result.stdout + result.stderr).not.toContain(PASSWORD);
        }
      }
    }, 60_000);

    it(
      'a serve that cannot start (a weak ADMIN_PASSWORD) exits 1 with Redis connected, ' +
        'instead of hanging on its connections',
      async () => {
        const result = await runCli(['serve'], {
          env: { ...env, DATABASE_PATH: tempDbPath(), ADMIN_PASSWORD: 'admin-admin-admin-1' },
          timeoutMs: 30_000,
        });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('ADMIN_PASSWORD');
        expect(result.stdout + result.stderr).not.toContain(PASSWORD);
      },
      60_000,
    );
  },
);
