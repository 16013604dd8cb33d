import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRng } from '../../src/anomaly/iforest/rng';
import { testApp } from '../helpers/app';
import { freePort, startCli, waitFor } from '../helpers/cli';
import { redisAvailable } from '../helpers/redis';
import { describeNeeding } from '../helpers/requires';

/**
 * Issue 13.2 with Redis down: while Redis is frozen (SIGSTOP), approvals commit in SQLite but their
 * jobs cannot be queued; the approve call answers at once that it will start when the queue is
 * back, and `serve` is killed with SIGKILL at random moments. Redis comes back (SIGCONT); the next
 * control plane's recovery queues every approved request and each runs exactly once.
 */
const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** A private redis-server this test may kill (never the shared one on 6379). */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => ((await redisAvailable(`redis://127.0.0.1:${port}`)) ? true : undefined),
    10_000,
    `redis-server on ${port}`,
  );
  return redis;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

describeNeeding(
  'issue 13.2: an approval made while Redis is down is kept and runs once when it is back',
  hasRedisServer ? undefined : 'redis-server is not installed: install Redis (apt-get install redis-server)',
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'sco-qdown-'));
    const db = join(dir, 'sco.db');
    const ledger = join(dir, 'ledger.txt');
    const children: ChildProcess[] = [];
    afterAll(async () => {
      for (const c of children) await kill(c, 'SIGKILL');
    });

    it(
      'answers approvals without hanging, loses none across SIGKILLs while Redis is frozen, ' +
        'and runs each once after recovery',
      async () => {
        const runbooks = join(dir, 'runbooks');
        mkdirSync(runbooks);
        writeFileSync(join(runbooks, 'count.sh'), `#!/bin/sh\necho "$SCO_REQUEST_ID" >> '${ledger}'\n`);
        chmodSync(join(runbooks, 'count.sh'), 0o755);
        const config = join(dir, 'actions.json');
        writeFileSync(
          config,
          JSON.stringify({
            actions: {
              runbook: {
                risk: 'high',
                approvals: 1,
                cooldownS: 0,
                maxPerHour: 1000,
                targets: { default: { kind: 'shell', script: '{runbook}.sh', args: ['{target}'] } },
              },
            },
          }),
        );
        const redisPort = await freePort();
        const env = {
          DATABASE_PATH: db,
          CONFIG_FILE: config,
          RUNBOOKS_DIR: runbooks,
          LOG_FORMAT: 'json',
          LOG_LEVEL: 'warn',
          HOST: '127.0.0.1',
          DEMO_FAULTS: 'none',
          REDIS_URL: `redis://127.0.0.1:${redisPort}`,
          QUEUE_NAME: `qdown${process.pid}`,
        };
        const { app } = await testApp({ DATABASE_PATH: db });
        const olivia = app.auth.apiKeys.create(
          await app.auth.users.create({
            email: 'olivia@example.com',
            password: 'operator pass phrase',
            role: 'operator',
            name: 'olivia',
          }),
          { name: 'ops', permissions: ['read', 'remediation.request'] },
        ).key;
        const ada = app.auth.apiKeys.create(
          await app.auth.users.create({
            email: 'ada@example.com',
            password: 'approver pass phrase',
            role: 'approver',
            name: 'ada',
          }),
          { name: 'ops', permissions: ['read', 'remediation.approve'] },
        ).key;
        await app.close();
        const redis = await startRedis(redisPort);
        children.push(redis);

        const unsettled = () => {
          const raw = new Database(db, { readonly: true });
          try {
            return raw
              .prepare("SELECT COUNT(*) FROM remediation_requests WHERE state IN ('approved', 'executing')")
              .pluck()
              .get() as number;
          } finally {
            raw.close();
          }
        };
        /** A control plane that has recovered and run everything approved before it. */
        const serve = async () => {
          const port = await freePort();
          const child = startCli(['serve'], { ...env, PORT: String(port) });
          children.push(child);
          const base = `http://127.0.0.1:${port}`;
          await waitFor(
            async () =>
              (await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok ? true : undefined,
            20_000,
            `serve to listen: ${child.output()}`,
          );
          await waitFor(
            async () => (unsettled() === 0 ? true : undefined),
            30_000,
            `recovery to run every approved request: ${child.output()}`,
          );
          return { child, base };
        };
        const ask = async (base: string) => {
          const res = await fetch(`${base}/api/v1/remediations`, {
            method: 'POST',
            headers: { 'x-api-key': olivia, 'content-type': 'application/json' },
            body: JSON.stringify({ action: 'runbook', target: 'payments', runbook: 'count' }),
          });
          expect(res.status).toBe(201);
          return ((await res.json()) as { request_id: string }).request_id;
        };
        const approve = (base: string, id: string) =>
          fetch(`${base}/api/v1/remediations/${id}/approve`, {
            method: 'POST',
            headers: { 'x-api-key': ada },
            signal: AbortSignal.timeout(30_000),
          });

        // The answer while the queue is unreachable: recorded, clear, no hang.
        const first = await serve();
        const id = await ask(first.base);
        redis.kill('SIGSTOP');
        const answered = await approve(first.base, id);
        expect(answered.status).toBe(503);
        expect(await answered.json()).toMatchObject({
          id,
          state: 'approved',
          error: 'unavailable',
          message: expect.stringMatching(
            /queue \(Redis at [^)]+\) is not answering.*approval is recorded.*starts by itself when the queue is back/,
          ),
        });
        await kill(first.child, 'SIGKILL');
        redis.kill('SIGCONT');
        expect(existsSync(ledger)).toBe(false);

        // Kills at random moments while approvals are in flight and Redis is frozen.
        const rng = createRng(Number(process.env.KILL_LOOP_SEED ?? Date.now() % 1_000_000));
        const asked = [id];
        for (let round = 0; round < 6; round++) {
          const { child, base } = await serve();
          const ids = [await ask(base), await ask(base), await ask(base)];
          asked.push(...ids);
          redis.kill('SIGSTOP');
          const inFlight = ids.map((r) => approve(base, r).catch(() => undefined));
          await new Promise((r) => setTimeout(r, rng.next() * 300));
          await kill(child, 'SIGKILL');
          redis.kill('SIGCONT');
          await Promise.all(inFlight);
        }

        const last = await serve();
        const raw = new Database(db, { readonly: true });
        const states = raw.prepare('SELECT id, state FROM remediation_requests').all() as Array<{
          id: string;
          state: string;
        }>;
        const audited = raw
          .prepare("SELECT target FROM audit_log WHERE action = 'remediation.approve' AND outcome = 'ok'")
          .pluck()
          .all() as string[];
        raw.close();
        const runs = readFileSync(ledger, 'utf8').trim().split('\n');
        const approved = states.filter((r) => r.state !== 'pending_approval');
        expect(approved.map((r) => r.id)).toContain(id);
        expect(approved.filter((r) => r.state !== 'succeeded')).toEqual([]);
        expect([...runs].sort()).toEqual(approved.map((r) => r.id).sort());
        expect([...audited].sort()).toEqual(approved.map((r) => `remediation:${r.id}`).sort());
        expect(states.map((r) => r.id).sort()).toEqual([...asked].sort());
        const read = await fetch(`${last.base}/api/v1/remediations/${id}`, { headers: { 'x-api-key': ada } });
        expect(await read.json()).toMatchObject({ state: 'succeeded', approvals: [{ user: { name: 'ada' } }] });
        await kill(last.child, 'SIGTERM');
        await kill(redis, 'SIGKILL');
      },
      150_000,
    );
  },
);
