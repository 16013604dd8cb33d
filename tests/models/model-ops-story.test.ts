import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '../../src/app/control';
import type { Reply } from '../../src/reply/model';
import { sayTo, testApp } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { startWorkerProcess, type WorkerProcess } from '../helpers/worker-process';
import { startPrivateRedis, type PrivateRedis } from '../queue/private-redis';

jest.setTimeout(300_000);

/**
 * Issue 15 "How it is checked", the story end to end, twice: on the embedded defaults, and with
 * Redis and a separate `worker` process that has no database (it trains, detects and scores in
 * shadow; the control plane registers, evaluates, approves and moves aliases). Both on the wall
 * clock, with payments in a bad deploy (DEMO_FAULTS) so detection has something to flag, and the
 * model actions' cooldown off so promote, promote and rollback can follow each other.
 */
function fixtures(): { configFile: string; faultsFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sco-model-story-'));
  const configFile = join(dir, 'actions.json');
  const model = { risk: 'high', approvals: 1, cooldownS: 0, maxPerHour: 100, targets: { default: { kind: 'model' } } };
  writeFileSync(configFile, JSON.stringify({ actions: { promote_model: model, rollback_model: model } }));
  const faultsFile = join(dir, 'faults.yaml');
  writeFileSync(faultsFile, 'faults:\n  - kind: bad_deploy\n    service: payments\n    start: -3h\n');
  return { configFile, faultsFile };
}

const buttonCommands = (replies: Reply[]) =>
  replies.flatMap((r) => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons.map((x) => x.command) : [])));

const hasRedisServer = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

describe.each(['embedded queue', 'Redis with a separate worker process'])('model ops story (%s)', (mode) => {
  const remote = mode !== 'embedded queue';
  let app: App;
  let redis: PrivateRedis | undefined;
  let worker: WorkerProcess | undefined;
  let workerDir: string | undefined;

  beforeAll(async () => {
    if (remote && !hasRedisServer)
      throw new Error('needs the redis-server binary on PATH (apt-get install redis-server)');
    const { configFile, faultsFile } = fixtures();
    const env: Record<string, string> = { CONFIG_FILE: configFile, DEMO_FAULTS: faultsFile, DEFAULT_ROLE: 'viewer' };
    if (remote) {
      redis = await startPrivateRedis();
      const queueName = `sco-model-story-${process.pid}-${Date.now()}`;
      Object.assign(env, { REDIS_URL: redis.url, QUEUE_NAME: queueName });
      // The worker may not write where it runs: it opens no database.
      workerDir = mkdtempSync(join(tmpdir(), 'sco-model-story-worker-'));
      chmodSync(workerDir, 0o555);
      worker = await startWorkerProcess({
        redisUrl: redis.url,
        queueName,
        cwd: workerDir,
        env: { DEMO_FAULTS: faultsFile },
      });
    }
    ({ app } = await testApp(env, () => Date.now()));
    for (const [name, role] of [
      ['olivia', 'operator'],
      ['abe', 'approver'],
    ] as const) {
      await app.auth.users.create({ email: `${name}@example.com`, password: `${role} pass phrase!`, role, name });
    }
    // Remote: this process runs only the control plane's jobs (the model moves); the worker runs the rest.
    await app.startWorkers({ general: !remote });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await worker?.stop();
    await redis?.stop();
    if (workerDir) {
      expect(readdirSync(workerDir, { recursive: true })).toEqual([]);
      chmodSync(workerDir, 0o755);
      rmSync(workerDir, { recursive: true, force: true });
    }
  }, 60_000);

  const say = (user: string, text: string) => sayTo(app, text, user);
  const requestId = (text: string) => /Model request (r[0-9a-f]{6})/.exec(text)?.[1] ?? '';
  const aliases = () => app.models.aliasesOf('payments-detector');
  /** A request by olivia, approved by abe; the approval's reply. */
  const requestAndApprove = async (text: string) => {
    const asked = (await say('olivia', text)).text();
    const id = requestId(asked);
    expect(id).not.toBe('');
    return { asked, approved: (await say('abe', `approve ${id}`)).text() };
  };

  it('trains v1, promotes it with another person’s approval, and detection names v1', async () => {
    const trained = (await say('olivia', 'train a model for payments on the last 1 day')).text();
    expect(trained).toMatch(/Trained payments-detector v1/);
    expect(trained).toMatch(/No champion yet: v1 waits to be promoted/);
    const olivia = app.auth.users.list().find((u) => u.name === 'olivia');
    expect(app.models.version('payments-detector', 1).createdBy).toBe(`user:${olivia?.id}`);

    const { asked, approved } = await requestAndApprove('promote payments-detector 1');
    expect(asked).toMatch(/Promote payments-detector v1 to champion/);
    expect(asked).toMatch(/would have raised \d+ alert\(s\)/);
    expect(approved).toMatch(/Promoted payments-detector: champion none -> v1/);
    expect(aliases()).toEqual({ champion: 1, challenger: null });

    const anomalies = await say('olivia', 'anomalies payments last 1h');
    expect(anomalies.text()).toMatch(/scored by payments-detector v1/);
    // The bad deploy is flagged, and the reply asks whether it was real.
    const feedback = buttonCommands(anomalies.sink.messages.flatMap((m) => m.versions)).filter((c) =>
      c.startsWith('feedback '),
    );
    expect(feedback).toEqual([expect.stringMatching(/ real$/), expect.stringMatching(/ false_alarm$/)]);
    expect((await say('abe', feedback[0])).text()).toMatch(/recorded .* as real/i);
  });

  it('trains v2 with other params: scorecard beside v1, challenger in shadow, shown by `model`', async () => {
    const trained = (await say('olivia', 'train payments 1d --trees 50 --seed 7')).text();
    expect(trained).toMatch(/Trained payments-detector v2/);
    expect(trained).toMatch(/v1 \(champion\)/);
    expect(trained).toMatch(/v2 is now the challenger/);
    expect(app.models.version('payments-detector', 2)).toMatchObject({ seed: 7, params: { trees: 50 } });
    expect(aliases()).toEqual({ champion: 1, challenger: 2 });

    const anomalies = (await say('olivia', 'anomalies payments last 1h')).text();
    expect(anomalies).toMatch(/scored by payments-detector v1/);
    expect(anomalies).toMatch(/challenger v2 \(shadow\)/);

    const detail = await waitFor(
      async () => {
        const t = (await say('olivia', 'model payments-detector')).text();
        return /Champion v1 vs challenger v2 in shadow since .*: 1 run/.test(t) ? t : undefined;
      },
      20_000,
      'the shadow run to be recorded',
    );
    expect(detail).toMatch(/alerts raised/);
    const compare = (await say('olivia', 'compare payments-detector 1 2')).text();
    expect(compare).toMatch(/trees/);
  });

  it('promotes v2 and rolls back to v1, each approved by another person; detection follows', async () => {
    const promoted = await requestAndApprove('promote payments-detector 2');
    expect(promoted.approved).toMatch(/Promoted payments-detector: champion v1 -> v2/);
    expect(aliases()).toEqual({ champion: 2, challenger: null });
    expect((await say('olivia', 'anomalies payments last 1h')).text()).toMatch(/scored by payments-detector v2/);

    const back = await requestAndApprove('rollback payments-detector');
    expect(back.asked).toMatch(/v2 -> v1|back to v1/);
    expect(back.approved).toMatch(/Rolled back payments-detector: champion v2 -> v1/);
    expect(aliases().champion).toBe(1);
    expect((await say('olivia', 'anomalies payments last 1h')).text()).toMatch(/scored by payments-detector v1/);

    expect(app.models.aliasHistory('payments-detector', 'champion').map((m) => m.version)).toEqual([1, 2, 1]);
    if (remote) expect(worker?.output()).not.toMatch(/sqlite|database/i);
  });
});
