import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import Database from 'better-sqlite3';
import { Queue } from 'bullmq';
import { tempDbPath } from '../helpers/app';
import { freePort, runCli, startCli, waitFor } from '../helpers/cli';
import { describeIfRedis, TEST_REDIS_URL } from '../helpers/redis';
import { obliterateBullmqQueue } from '../../src/queue/bullmq/queue';

/**
 * issue 13.13: the README's split, `serve --no-workers` plus `worker` processes, on real Redis
 * and real processes. Remediation jobs need the control plane's store, so `serve` runs them even
 * with --no-workers; ordinary jobs go to `worker`. `doctor` says when jobs wait on a queue nobody works.
 */
describeIfRedis('issue 13.13: serve --no-workers + worker runs remediations', () => {
  const queueName = `sco-noworkers-${process.pid}-${Date.now()}`;
  const password = 'correct horse battery staple 9';
  const db = tempDbPath('sco-noworkers-');
  const base = {
    PATH: process.env.PATH ?? '',
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_NAME: queueName,
    LOG_FORMAT: 'json',
    JWT_SECRET: randomBytes(36).toString('base64'),
  };
  const children: ReturnType<typeof startCli>[] = [];

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
    for (const name of [queueName, `${queueName}-control`])
      await obliterateBullmqQueue({ redisUrl: TEST_REDIS_URL, name });
  }, 30_000);

  it(
    'a remediation and an investigation over REST run on serve; ' + 'doctor names a queue nobody works',
    async () => {
      for (const [email, role] of [
        ['olivia@example.com', 'operator'],
        ['ada@example.com', 'approver'],
      ]) {
        expect(
          (
            await runCli(['user', 'add', '--email', email, '--role', role], {
              env: { DATABASE_PATH: db },
              input: `${password}\n`,
            })
          ).code,
        ).toBe(0);
      }
      const port = await freePort();
      const serve = startCli(['serve', '--no-workers'], {
        ...base,
        DATABASE_PATH: db,
        PORT: String(port),
        HOST: '127.0.0.1',
      });
      const worker = startCli(['worker'], { ...base, DATABASE_PATH: tempDbPath('sco-noworkers-w-') });
      children.push(serve, worker);
      const api = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => ((await fetch(`${api}/readyz`).catch(() => undefined))?.ok ? true : undefined),
        20_000,
        `serve to be ready: ${serve.output()}`,
      );

      const token = async (email: string) => {
        const res = await fetch(`${api}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password }),
        });
        return {
          authorization: `Bearer ${((await res.json()) as { access_token: string }).access_token}`,
          'content-type': 'application/json',
        };
      };
      const operator = await token('olivia@example.com');
      const approver = await token('ada@example.com');

      const requested = await fetch(`${api}/api/v1/remediations`, {
        method: 'POST',
        headers: operator,
        body: JSON.stringify({ action: 'restart', target: 'checkout-api' }),
      });
      expect(requested.status).toBe(201);
      const raw = new Database(db, { readonly: true });
      const state = () =>
        raw.prepare('SELECT id, state FROM remediation_requests ORDER BY created_at DESC LIMIT 1').get() as {
          id: string;
          state: string;
        };
      try {
        const { id } = state();
        expect(
          (
            await fetch(`${api}/api/v1/remediations/${id}/approve`, {
              method: 'POST',
              headers: { authorization: approver.authorization },
            })
          ).status,
        ).toBe(202);
        const settled = await waitFor(
          async () => (['succeeded', 'failed', 'unknown'].includes(state().state) ? state().state : undefined),
          20_000,
          `the remediation to run; serve said: ${serve.output()}`,
        );
        expect(settled).toBe('succeeded');
        expect(serve.output()).toMatch(/--no-workers: this process runs only remediation and investigation jobs/);
      } finally {
        raw.close();
      }

      // An investigation reads the control plane's store (incidents, remediations, runbooks): serve runs it.
      const investigation = await fetch(`${api}/api/v1/investigations`, {
        method: 'POST',
        headers: operator,
        body: JSON.stringify({ service: 'checkout-api' }),
      });
      expect(investigation.status).toBe(202);
      const invId = ((await investigation.json()) as { id: string }).id;
      const answered = await waitFor(
        async () => {
          const r = await fetch(`${api}/api/v1/investigations/${invId}`, { headers: operator });
          const body = (await r.json()) as { status: string; verdict?: string };
          return body.status === 'done' || body.status === 'failed' ? body : undefined;
        },
        30_000,
        `the investigation to finish; serve said: ${serve.output()}`,
      );
      expect(answered).toMatchObject({ status: 'done', verdict: expect.stringMatching(/root_cause|inconclusive/) });

      // Ordinary jobs still reach the worker.
      const anomalies = await fetch(`${api}/api/v1/anomalies`, {
        method: 'POST',
        headers: operator,
        body: JSON.stringify({ service: 'checkout-api' }),
      });
      expect(anomalies.status).toBe(202);
      const jobId = ((await anomalies.json()) as { job: { id: string } }).job.id;
      const done = await waitFor(
        async () => {
          const job = (
            (await (await fetch(`${api}/api/v1/jobs/${jobId}`, { headers: operator })).json()) as {
              job?: { state: string };
            }
          ).job;
          return job && ['completed', 'failed'].includes(job.state) ? job.state : undefined;
        },
        30_000,
        `the anomaly job to finish; worker said: ${worker.output()}`,
      );
      expect(done).toBe('completed');

      const healthy = await runCli(['doctor'], { env: { ...base, DATABASE_PATH: db } });
      expect(healthy.stdout).toMatch(new RegExp(`ok +workers +${queueName}: worked`));

      // Without `serve`, a remediation job waits: doctor says so and what to start.
      serve.kill('SIGTERM');
      await once(serve, 'exit');
      const control = new Queue(`${queueName}-control`, { connection: { url: TEST_REDIS_URL } });
      await control.add('remediation', { data: { requestId: 'r-stuck' }, meta: {} });
      await control.close();
      const stuck = await runCli(['doctor'], { env: { ...base, DATABASE_PATH: db } });
      expect(stuck.stdout).toMatch(
        new RegExp(`FAIL +workers +1 remediation jobs wait on ${queueName}-control and no process works it`),
      );
      expect(stuck.stdout).toMatch(/fix: start `smartcloudops serve`/);
    },
    90_000,
  );
});
