import { freePort, waitFor } from '../helpers/cli';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { postSigned, slashCommand } from '../helpers/slack-payloads';
import { IMAGE, imageConfig, runImage, type Container, type ImageConfig } from './buildah';

/**
 * `npm run test:image`: the image that scripts/test-image.sh built from the Dockerfile with buildah
 * (no registry: on a stand-in base it made itself) is run the way a container runtime runs it.
 * Real Slack SDK in the image, the fake Slack Web API on loopback, real Redis for the worker.
 */
const SECRET = 'slack-signing-secret-image-0123456789';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const UID = 1000; // the image's `node` user

let config: ImageConfig;
let fake: FakeSlack;
const started: Container[] = [];

beforeAll(async () => {
  config = await imageConfig();
  fake = await startFakeSlack();
}, 60_000);
afterAll(async () => {
  for (const c of started) await c.remove();
  await fake?.close();
}, 120_000);

/** Each container gets the image's /data volume of its own (buildah keeps it with the container). */
async function start(args: string[] | undefined, env: Record<string, string>): Promise<Container> {
  const c = await runImage(config, { args, env });
  started.push(c);
  return c;
}

async function healthy(port: number, c: Container): Promise<void> {
  await waitFor(
    async () => {
      if (c.child?.exitCode !== null) throw new Error(`the container exited: ${c.output()}`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return res?.ok ? true : undefined;
    },
    60_000,
    `serve in ${IMAGE()} to answer /healthz`,
  );
}

const slackEnv = () => ({ SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url });

/**
 * `/ops status` in a channel, as Slack sends it: the bot acknowledges in the channel, runs the job,
 * and answers through the command's response_url. Resolves that answer once it shows the fleet.
 */
async function askStatus(port: number, channel: string, c: Container, beforeAnswer?: () => Promise<void>) {
  const responseUrl = fake.responseUrl();
  const res = await postSigned(
    `http://127.0.0.1:${port}/slack/events`,
    slashCommand({ text: 'status', userId: 'U0IMAGE', channelId: channel, responseUrl }),
    SECRET,
  );
  expect(res.status).toBe(200);
  const answered = () =>
    fake.responses.find((r) => r.url === responseUrl && /checkout-api/.test(JSON.stringify(r.body)));
  try {
    await fake.waitFor((call) => call.method === 'chat.postMessage' && call.args.channel === channel, 30_000);
    if (beforeAnswer) {
      await new Promise((r) => setTimeout(r, 2000)); // ample for a job to run, were anything working it
      expect(answered()).toBeUndefined();
      await beforeAnswer();
    }
    const answer = await waitFor(async () => answered(), 30_000, 'the answer on the response_url');
    return JSON.stringify(answer.body);
  } catch (err) {
    const calls = fake.calls.map((call) => `${call.method} ${JSON.stringify(call.args).slice(0, 300)}`);
    throw new Error(`${String(err)}\nSlack saw:\n${calls.join('\n')}\nthe container said:\n${c.output()}`);
  }
}

describe(`the image (${IMAGE()})`, () => {
  it('is configured as the Dockerfile says: non-root, serve by default, a /data volume, a HEALTHCHECK', () => {
    expect(config.User).toBe('node');
    expect(config.Entrypoint).toEqual(['node', 'bin/smartcloudops.js']);
    expect(config.Cmd).toEqual(['serve']);
    expect(Object.keys(config.Volumes ?? {})).toEqual(['/data']);
    expect(config.Healthcheck?.Test?.join(' ')).toMatch(/\/healthz/);
    expect(config.Env).toContain('DATABASE_PATH=/data/smartcloudops.db');
  });

  it('runs `serve` by default: /healthz, its HEALTHCHECK, a Slack round trip, SQLite and ONNX, SIGTERM', async () => {
    const port = await freePort();
    const serve = await start(undefined, { PORT: String(port), LOG_FORMAT: 'json', ...slackEnv() });
    await healthy(port, serve);
    expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });

    const check = config.Healthcheck?.Test ?? [];
    expect(check[0]).toBe('CMD');
    expect((await serve.exec(check.slice(1), { PORT: String(port) })).code).toBe(0);
    expect((await serve.exec(['id', '-u'])).stdout).toBe(String(UID));

    expect(await askStatus(port, 'C0IMAGE', serve)).toMatch(/checkout-api.*UNHEALTHY|unhealthy/is);
    expect((await serve.exec(['ls', '/data'])).stdout).toMatch(/^smartcloudops\.db$/m);
    // A model trained beside it: better-sqlite3 and onnxruntime-node load from the pruned image.
    const trained = await serve.exec(['node', 'bin/smartcloudops.js', 'model', 'train', 'checkout-api', '--json']);
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/"onnx_sha256":\s*"[0-9a-f]{64}"/);

    expect(await serve.stop('SIGTERM')).toBe(0);
    expect(serve.output()).toMatch(/shutting down|drain|stopped/i);
  }, 120_000);

  it('runs `worker` by argument on Redis: `serve --no-workers` queues, the worker container does it', async () => {
    const port = await freePort();
    const queue = `sco-image-${process.pid}-${Date.now()}`;
    const redis = { REDIS_URL, QUEUE_NAME: queue, LOG_FORMAT: 'json' };
    const serve = await start(['serve', '--no-workers'], { PORT: String(port), ...redis, ...slackEnv() });
    await healthy(port, serve);
    const ready = await (await fetch(`http://127.0.0.1:${port}/readyz`)).json();
    expect(JSON.stringify(ready)).toMatch(/redis|queue/i);

    // Queued while no worker runs: no answer. Then the worker container starts and does it.
    let worker: Container | undefined;
    const answer = await askStatus(port, 'C0WORKER', serve, async () => {
      worker = await start(['worker'], redis);
      await waitFor(async () => (/workers started/.test(worker!.output()) ? true : undefined), 60_000, 'the worker');
    });
    expect(answer).toMatch(/checkout-api/);

    expect(await worker!.stop('SIGTERM')).toBe(0);
    expect(await serve.stop('SIGTERM')).toBe(0);
  }, 180_000);
});
