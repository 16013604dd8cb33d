import { once } from 'node:events';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { testApp } from '../helpers/app';
import { freePort, startCli, waitFor } from '../helpers/cli';
import { createRng } from '../../src/anomaly/iforest/rng';

/**
 * Issue 13.2: approved, then lost. Real `serve` processes on one SQLite file are killed with
 * SIGKILL at random moments (while starting and recovering, while approvals are in flight, while
 * jobs are queued or running), two at a time, at least 30 kills. A last process then recovers.
 * Nothing approved may be lost (every approved request ends executed, or `unknown` when it was
 * cut off mid-run) and nothing may run twice (a runbook appends the request id to a ledger).
 */

const KILLS_PER_LANE = 16;
const LANES = 2;
const REQUESTS_PER_ROUND = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('issue 13.2: approved requests survive SIGKILL at random moments', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sco-killloop-'));
  const db = join(dir, 'sco.db');
  const ledger = join(dir, 'ledger.txt');
  const runbooks = join(dir, 'runbooks');
  const seed = Number(process.env.KILL_LOOP_SEED ?? Date.now() % 1_000_000);
  /** Seeded, so a failing run can be replayed with KILL_LOOP_SEED. */
  const rng = createRng(seed);
  const random = () => rng.next();
  let env: Record<string, string>;
  const keys = { olivia: '', ada: '' };

  beforeAll(async () => {
    mkdirSync(runbooks);
    // The executor's side effect, counted: one line per execution.
    writeFileSync(join(runbooks, 'count.sh'), `#!/bin/sh\necho "$SCO_REQUEST_ID" >> '${ledger}'\nsleep 0.05\n`);
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
    env = {
      DATABASE_PATH: db,
      CONFIG_FILE: config,
      RUNBOOKS_DIR: runbooks,
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DEMO_FAULTS: 'none',
    };
    const { app } = await testApp({ DATABASE_PATH: db });
    const olivia = await app.auth.users.create({
      email: 'olivia@example.com',
      password: 'operator pass phrase',
      role: 'operator',
      name: 'olivia',
    });
    const ada = await app.auth.users.create({
      email: 'ada@example.com',
      password: 'approver pass phrase',
      role: 'approver',
      name: 'ada',
    });
    keys.olivia = app.auth.apiKeys.create(olivia, { name: 'ops', permissions: ['read', 'remediation.request'] }).key;
    keys.ada = app.auth.apiKeys.create(ada, { name: 'ops', permissions: ['read', 'remediation.approve'] }).key;
    await app.close();
  });

  /**
   * One `serve`: maybe killed while starting; else asks for requests, approves them all at once and
   * is killed at a random moment.
   */
  async function round(approvedByClient: Set<string>, lane: number): Promise<void> {
    const port = await freePort();
    const child = startCli(['serve'], { ...env, PORT: String(port) });
    const exited = once(child, 'exit');
    const base = `http://127.0.0.1:${port}`;
    try {
      if (random() < 0.25) {
        await sleep(random() * 1_500); // while it starts and runs its recovery
        return;
      }
      await waitFor(
        async () => ((await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(1_000) })).ok ? true : undefined),
        20_000,
        `serve (lane ${lane}) to listen: ${child.output()}`,
      );
      const ids: string[] = [];
      for (let i = 0; i < REQUESTS_PER_ROUND; i++) {
        const res = await fetch(`${base}/api/v1/remediations`, {
          method: 'POST',
          headers: { 'x-api-key': keys.olivia, 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'runbook', target: 'payments', runbook: 'count' }),
          signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as { request_id?: string };
        if (res.status !== 201 || !body.request_id) throw new Error(`request: ${res.status} ${JSON.stringify(body)}`);
        ids.push(body.request_id);
      }
      const approvals = ids.map(async (id) => {
        const res = await fetch(`${base}/api/v1/remediations/${id}/approve`, {
          method: 'POST',
          headers: { 'x-api-key': keys.ada },
          signal: AbortSignal.timeout(10_000),
        });
        if (res.status === 202 || res.status === 200) approvedByClient.add(id);
      });
      await sleep(random() * 400); // approvals in flight, jobs queued, runbooks running
      void Promise.allSettled(approvals);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }

  it(
    `loses no approved request and runs none twice across ${KILLS_PER_LANE * LANES} kills ` +
      '(seed in the name of failures)',
    async () => {
      const approvedByClient = new Set<string>();
      let kills = 0;
      await Promise.all(
        Array.from({ length: LANES }, async (_, lane) => {
          for (let i = 0; i < KILLS_PER_LANE; i++) {
            await round(approvedByClient, lane);
            kills += 1;
          }
        }),
      );
      expect(kills).toBeGreaterThanOrEqual(30);

      // A last process recovers: requeues dead owners' jobs and queues approved requests without one.
      const port = await freePort();
      const last = startCli(['serve'], { ...env, PORT: String(port) });
      const read = () => new Database(db, { readonly: true });
      try {
        await waitFor(
          async () => {
            const raw = read();
            try {
              const open = raw
                .prepare("SELECT COUNT(*) FROM remediation_requests WHERE state IN ('approved', 'executing')")
                .pluck()
                .get() as number;
              return open === 0 ? true : undefined;
            } finally {
              raw.close();
            }
          },
          60_000,
          `every approved request to settle (seed ${seed}); serve said: ${last.output()}`,
        );
      } finally {
        last.kill('SIGTERM');
        await once(last, 'exit');
      }

      const raw = read();
      const requests = raw.prepare('SELECT id, state, started_at FROM remediation_requests').all() as Array<{
        id: string;
        state: string;
        started_at: number | null;
      }>;
      const approveAudits = raw
        .prepare("SELECT target, detail FROM audit_log WHERE action = 'remediation.approve' AND outcome = 'ok'")
        .all() as Array<{ target: string; detail: string }>;
      raw.close();
      const runs = existsSync(ledger) ? readFileSync(ledger, 'utf8').trim().split('\n').filter(Boolean) : [];
      const runsOf = (id: string) => runs.filter((r) => r === id).length;
      const byId = new Map(requests.map((r) => [r.id, r]));
      const approved = requests.filter((r) => !['pending_approval', 'expired', 'denied', 'planned'].includes(r.state));
      const context =
        `seed ${seed}, ${kills} kills, ${requests.length} requests, ` +
        `${approved.length} approved, ${runs.length} runs`;

      expect([context, approved.length]).not.toEqual([context, 0]);
      // Nothing approved is lost: each ran, or was cut off mid-run and marked unknown for a human.
      expect([
        context,
        approved.filter((r) => r.state !== 'succeeded' && r.state !== 'unknown').map((r) => `${r.id}:${r.state}`),
      ]).toEqual([context, []]);
      expect([
        context,
        [...approvedByClient].filter((id) => !['succeeded', 'unknown'].includes(byId.get(id)?.state ?? '')),
      ]).toEqual([context, []]);
      // Nothing runs twice, nothing unapproved runs, and every success ran exactly once.
      expect([context, runs.filter((id, i) => runs.indexOf(id) !== i)]).toEqual([context, []]);
      expect([context, runs.filter((id) => !approved.some((r) => r.id === id))]).toEqual([context, []]);
      expect([context, approved.filter((r) => r.state === 'succeeded' && runsOf(r.id) !== 1).map((r) => r.id)]).toEqual(
        [context, []],
      );
      expect([
        context,
        approved.filter((r) => r.state === 'unknown' && r.started_at === null).map((r) => r.id),
      ]).toEqual([context, []]);
      // The approval and its audit record are one step: every approved request has exactly one, and
      // no pending one has any.
      const audited = approveAudits
        .filter((a) => (JSON.parse(a.detail) as { started?: boolean }).started)
        .map((a) => a.target.replace('remediation:', ''));
      expect([context, approved.map((r) => r.id).filter((id) => audited.filter((a) => a === id).length !== 1)]).toEqual(
        [context, []],
      );
      expect([context, audited.filter((id) => byId.get(id)?.state === 'pending_approval')]).toEqual([context, []]);

      const { app } = await testApp({ DATABASE_PATH: db });
      try {
        expect(app.auth.audit.verify()).toMatchObject({ ok: true });
      } finally {
        await app.close();
      }
    },
    170_000,
  );
});
