import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { testApp } from '../helpers/app';
import { freePort, startCli, waitFor } from '../helpers/cli';
import { redisAvailable } from '../helpers/redis';
import { describeNeeding } from '../helpers/requires';

/**
 * Issue 13.2 with Redis down: the approval is recorded (with its audit record) and the approve
 * call answers at once that it will start when the queue is back; the process is then killed
 * with SIGKILL before it could queue anything. When Redis and the control plane come back, the
 * recovery queues the request and it runs exactly once.
 */
const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** A private redis-server this test may kill (never the shared one on 6379). */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(async () => ((await redisAvailable(`redis://127.0.0.1:${port}`)) ? true : undefined), 10_000, `redis-server on ${port}`);
  return redis;
}

async function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

describeNeeding('issue 13.2: an approval made while Redis is down is kept and runs once when it is back', hasRedisServer ? undefined : 'redis-server is not installed: install Redis (apt-get install redis-server)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sco-qdown-'));
  const db = join(dir, 'sco.db');
  const ledger = join(dir, 'ledger.txt');
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) await kill(c, 'SIGKILL');
  });

  it('answers the approval without hanging, survives SIGKILL, and runs it once after recovery', async () => {
    const runbooks = join(dir, 'runbooks');
    mkdirSync(runbooks);
    writeFileSync(join(runbooks, 'count.sh'), `#!/bin/sh\necho "$SCO_REQUEST_ID" >> '${ledger}'\n`);
    chmodSync(join(runbooks, 'count.sh'), 0o755);
    const config = join(dir, 'actions.json');
    writeFileSync(config, JSON.stringify({ actions: { runbook: { risk: 'high', approvals: 1, cooldownS: 0, maxPerHour: 100, targets: { default: { kind: 'shell', script: '{runbook}.sh', args: ['{target}'] } } } } }));
    const redisPort = await freePort();
    const env = { DATABASE_PATH: db, CONFIG_FILE: config, RUNBOOKS_DIR: runbooks, LOG_FORMAT: 'json', LOG_LEVEL: 'warn', HOST: '127.0.0.1', DEMO_FAULTS: 'none', REDIS_URL: `redis://127.0.0.1:${redisPort}`, QUEUE_NAME: `qdown${process.pid}` };
    const { app } = await testApp({ DATABASE_PATH: db });
    const olivia = app.auth.apiKeys.create(await app.auth.users.create({ email: 'olivia@example.com', password: 'operator pass phrase', role: 'operator', name: 'olivia' }), { name: 'ops', permissions: ['read', 'remediation.request'] }).key;
    const ada = app.auth.apiKeys.create(await app.auth.users.create({ email: 'ada@example.com', password: 'approver pass phrase', role: 'approver', name: 'ada' }), { name: 'ops', permissions: ['read', 'remediation.approve'] }).key;
    await app.close();

    let redis = await startRedis(redisPort);
    children.push(redis);
    const serve = async () => {
      const port = await freePort();
      const child = startCli(['serve'], { ...env, PORT: String(port) });
      children.push(child);
      const base = `http://127.0.0.1:${port}`;
      await waitFor(async () => ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok ? true : undefined), 20_000, `serve to listen: ${child.output()}`);
      return { child, base };
    };

    const first = await serve();
    const asked = await fetch(`${first.base}/api/v1/remediations`, { method: 'POST', headers: { 'x-api-key': olivia, 'content-type': 'application/json' }, body: JSON.stringify({ action: 'runbook', target: 'payments', runbook: 'count' }) });
    expect(asked.status).toBe(201);
    const id = ((await asked.json()) as { request_id: string }).request_id;

    await kill(redis, 'SIGKILL');
    const approved = await fetch(`${first.base}/api/v1/remediations/${id}/approve`, { method: 'POST', headers: { 'x-api-key': ada }, signal: AbortSignal.timeout(30_000) });
    expect(approved.status).toBe(200);
    expect(await approved.json()).toMatchObject({ id, state: 'approved', message: expect.stringMatching(/queue is not reachable.*approval is recorded.*starts by itself when the queue is back/) });
    await kill(first.child, 'SIGKILL');

    const raw = new Database(db, { readonly: true });
    expect(raw.prepare('SELECT state FROM remediation_requests WHERE id = ?').pluck().get(id)).toBe('approved');
    expect(raw.prepare("SELECT COUNT(*) FROM audit_log WHERE action = 'remediation.approve' AND outcome = 'ok' AND target = ?").pluck().get(`remediation:${id}`)).toBe(1);
    raw.close();
    expect(existsSync(ledger)).toBe(false);

    // Redis comes back empty (no job was ever queued); the control plane's recovery queues the request.
    redis = await startRedis(redisPort);
    children.push(redis);
    const second = await serve();
    const done = await waitFor(async () => {
      const r = await fetch(`${second.base}/api/v1/remediations/${id}`, { headers: { 'x-api-key': ada } });
      const body = (await r.json()) as { state: string };
      return ['succeeded', 'failed', 'unknown'].includes(body.state) ? body : undefined;
    }, 30_000, `the request to run after recovery: ${second.child.output()}`);
    expect(done).toMatchObject({ state: 'succeeded', approvals: [{ user: { name: 'ada' } }] });
    expect(readFileSync(ledger, 'utf8').trim().split('\n')).toEqual([id]);
    await kill(second.child, 'SIGTERM');
    await kill(redis, 'SIGKILL');
  }, 90_000);
});
