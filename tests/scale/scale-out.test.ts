import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Redis } from 'ioredis';
import { obliterateBullmqQueue } from '../../src/queue/bullmq/queue';
import { tempDbPath } from '../helpers/app';
import { freePort, runCli, startCli, waitFor } from '../helpers/cli';
import { describeIfRedis, TEST_REDIS_URL } from '../helpers/redis';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';

/**
 * Issue 18 point 6, scale-out proven: `serve --no-workers` and two `worker` processes (the built CLI) on real Redis.
 * A batch of anomaly detections spreads over both workers; one worker is killed with SIGKILL while it runs some of
 * them. Every detection still completes, exactly once, on the other worker once the stalled check hands the dead
 * worker's jobs back; remediations asked for meanwhile (on the control queue, run by `serve`) reach their webhook
 * exactly once each. Completions are counted from the queue's event stream in Redis, which BullMQ appends to in the
 * same Lua script that finishes a job: a second completion could not hide from it.
 */

const DETECTIONS = 16;
const SERVICES = ['checkout-api', 'payments', 'inventory', 'search', 'auth-gateway'];
/** A short lock and stalled check, so a dead worker's jobs come back within seconds (defaults: 30 s each). */
const WORKER_ENV = { QUEUE_CONCURRENCY: '2', QUEUE_LOCK_DURATION_MS: '5000', QUEUE_STALLED_INTERVAL_MS: '1000' };

interface JobJson {
  id: string;
  name: string;
  state: string;
  attempts_made: number;
  worker: string | null;
  result?: { findings?: unknown[] };
}

type Call = <T>(path: string, body?: unknown) => Promise<{ status: number; json: T }>;

describeIfRedis('issue 18.6: scale-out with a worker killed mid-job (real processes, real Redis)', () => {
  const queueName = `sco-scale-${process.pid}-${Date.now()}`;
  const db = tempDbPath('sco-scale-');
  let receiver: Receiver;
  let serve: ReturnType<typeof startCli> | undefined;
  const workers: WorkerProcess[] = [];
  let call: Call;

  beforeAll(async () => {
    receiver = await startReceiver();
    const config = writeActions(dirname(db), receiver.url);
    const key = await operatorKey(db);
    const port = await freePort();
    serve = startCli(['serve', '--no-workers'], {
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_NAME: queueName,
      DATABASE_PATH: db,
      CONFIG_FILE: config,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      RATE_LIMIT_API_PER_MIN: '0',
    });
    const started = await Promise.all(
      [0, 1].map(() => startWorkerProcess({ redisUrl: TEST_REDIS_URL, queueName, env: WORKER_ENV })),
    );
    workers.push(...started);
    call = restClient(`http://127.0.0.1:${port}`, key);
    const ready = async () => ((await call('/readyz').catch(() => undefined))?.status === 200 ? true : undefined);
    await waitFor(ready, 20_000, `serve to be ready: ${serve.output()}`);
  }, 40_000);

  afterAll(async () => {
    for (const w of workers) await w.stop('SIGTERM');
    if (serve && serve.exitCode === null && serve.signalCode === null) {
      const gone = once(serve, 'exit');
      serve.kill('SIGTERM');
      await gone;
    }
    await receiver?.close();
    for (const name of [queueName, `${queueName}-control`])
      await obliterateBullmqQueue({ redisUrl: TEST_REDIS_URL, name });
  }, 30_000);

  it('spreads detections over both workers; after a SIGKILL none is lost or completed twice', async () => {
    const [victim, survivor] = workers;
    const nameOf = (w: WorkerProcess) => `${hostname()}:${w.child.pid}`;
    // A batch of detections, as a user asks for them: each scores a service's five signals (about 0.5 s of CPU).
    const ids: string[] = [];
    for (let i = 0; i < DETECTIONS; i++) {
      const res = await call<{ job: { id: string } }>('/api/v1/anomalies', { service: SERVICES[i % SERVICES.length] });
      expect(res.status).toBe(202);
      ids.push(res.json.job.id);
    }
    const detections = async () =>
      (await call<{ jobs: JobJson[] }>('/api/v1/jobs')).json.jobs.filter((j) => ids.includes(j.id));
    const requests = [await remediate(call, 3)];

    // Kill one worker once both have finished two detections and it is in the middle of another.
    const before = await waitFor(
      async () => {
        const jobs = await detections();
        const doneBy = (w: WorkerProcess) => jobs.filter((j) => j.state === 'completed' && j.worker === nameOf(w));
        const running = jobs.filter((j) => j.state === 'active' && j.worker === nameOf(victim));
        return doneBy(victim).length >= 2 && doneBy(survivor).length >= 2 && running.length > 0 ? jobs : undefined;
      },
      30_000,
      `both workers to finish two jobs while one runs another: ${workers.map((w) => w.output()).join('\n')}`,
    );
    await victim.stop('SIGKILL');

    // Remediations while the dead worker's jobs wait for the stalled check: they run on serve's control queue.
    for (const replicas of [4, 5, 6]) requests.push(await remediate(call, replicas));

    const finished = await waitFor(
      async () => {
        const jobs = await detections();
        const over = jobs.every((j) => j.state === 'completed' || j.state === 'failed');
        return jobs.length === DETECTIONS && over ? jobs : undefined;
      },
      40_000,
      `every detection to finish; the survivor said: ${survivor.output()}`,
    );
    const settled = await waitFor(
      async () => {
        const states = await Promise.all(
          requests.map(async (id) => (await call<{ state: string }>(`/api/v1/remediations/${id}`)).json.state),
        );
        return states.every((s) => ['succeeded', 'failed', 'unknown'].includes(s)) ? states : undefined;
      },
      20_000,
      `the remediations to settle; serve said: ${serve?.output() ?? ''}`,
    );

    // Nothing lost: every detection completed, with its result, in one attempt that counted.
    expect(finished.filter((j) => j.state !== 'completed' || j.attempts_made !== 1 || !j.result?.findings)).toEqual([]);
    // Spread over both: what the killed worker had finished stays its own, the survivor did the rest.
    expect([...new Set(finished.map((j) => j.worker))].sort()).toEqual([nameOf(victim), nameOf(survivor)].sort());
    const doneByVictim = before.filter((j) => j.state === 'completed' && j.worker === nameOf(victim));
    expect(doneByVictim.filter((j) => finished.find((f) => f.id === j.id)?.worker !== nameOf(victim))).toEqual([]);

    // Redis's own record: each detection completed exactly once, none failed; the jobs the kill cut off were
    // handed back by the stalled check (a `stalled` event each), started again and completed by the survivor.
    const events = await queueEvents(queueName);
    const completions = tally(events.filter((e) => e.event === 'completed').map((e) => e.jobId));
    expect(ids.filter((id) => completions.get(id) !== 1)).toEqual([]);
    expect(events.filter((e) => e.event === 'failed')).toEqual([]);
    const stalled = events.filter((e) => e.event === 'stalled').map((e) => e.jobId);
    expect(stalled.length).toBeGreaterThan(0);
    const starts = tally(events.filter((e) => e.event === 'active').map((e) => e.jobId));
    expect(stalled.map((id) => [id, starts.get(id), finished.find((j) => j.id === id)?.worker])).toEqual(
      stalled.map((id) => [id, 2, nameOf(survivor)]),
    );

    // Remediations exactly once: each succeeded, with one webhook call per request id.
    expect(settled).toEqual(requests.map(() => 'succeeded'));
    const calls = tally(receiver.requests.map((r) => String(r.headers['x-smartcloudops-request-id'])));
    expect(Object.fromEntries(calls)).toEqual(Object.fromEntries(requests.map((id) => [id, 1])));
  }, 90_000);
});

const tally = (ids: string[]) => ids.reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());

/** `scale` with no approval and no cooldown, on a webhook (the receiver counts the calls). */
function writeActions(dir: string, url: string): string {
  const path = join(dir, 'actions.json');
  const scale = {
    risk: 'low',
    approvals: 0,
    cooldownS: 0,
    maxPerHour: 1000,
    replicas: { min: 1, max: 50 },
    targets: { default: { kind: 'webhook', url, body: '{"target":"{target}","replicas":"{replicas}"}' } },
  };
  writeFileSync(path, JSON.stringify({ actions: { scale } }));
  return path;
}

/** An operator and an API key for them (read, remediation.request), through the admin CLI as an operator would. */
async function operatorKey(db: string): Promise<string> {
  const env = { DATABASE_PATH: db };
  const added = await runCli(['user', 'add', '--email', 'olivia@example.com', '--role', 'operator'], {
    env,
    input: 'operator pass phrase 9\n',
  });
  expect(added.code).toBe(0);
  const created = await runCli(
    [
      'apikey',
      'create',
      '--email',
      'olivia@example.com',
      '--name',
      'scale',
      '--permissions',
      'read,remediation.request',
    ],
    { env },
  );
  expect(created.code).toBe(0);
  return created.stdout.trim().split('\n').pop() ?? '';
}

function restClient(base: string, key: string): Call {
  return async <T>(path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as T };
  };
}

/** A `scale` request on the REST API: no approval needed, so its job starts at once (202). */
async function remediate(call: Call, replicas: number): Promise<string> {
  const res = await call<{ request_id: string }>('/api/v1/remediations', {
    action: 'scale',
    target: 'checkout-api',
    replicas,
  });
  expect(res.status).toBe(202);
  return res.json.request_id;
}

/** Every entry of a BullMQ queue's event stream, oldest first, as {event, jobId}. */
async function queueEvents(queueName: string): Promise<Array<{ event: string; jobId: string }>> {
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const entries = await redis.xrange(`bull:${queueName}:events`, '-', '+');
    return entries.map(([, fields]) => {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
      return { event: f.event, jobId: f.jobId };
    });
  } finally {
    redis.disconnect();
  }
}
