import type { FastifyInstance } from 'fastify';
import { createSlackAdapter } from '../../src/adapters/slack/adapter';
import { createHttpForApp } from '../../src/http/for-app';
import { createHttpServer } from '../../src/http/server';
import type { App } from '../../src/main';
import { DURING_BURST, testApp } from '../helpers/app';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { describeIfRedis, TEST_REDIS_URL } from '../helpers/redis';
import { appMention, blockAction, postSigned, slashCommand } from '../helpers/slack-payloads';

/**
 * The independent trial's cases on the real Bolt app against fake Slack: replays the first
 * round's tests did not send, and secrets typed in shapes they did not try.
 */
const SECRET = 'slack-signing-secret-0123456789abcdef';
const ALICE = 'U0ALICE';

const requests = (app: App) => (app.store.db.prepare('SELECT COUNT(*) AS n FROM remediation_requests').get() as { n: number }).n;

async function operatorApp(fake: FakeSlack): Promise<App> {
  const { app } = await testApp({ SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url, DEFAULT_ROLE: 'viewer' }, DURING_BURST);
  const alice = await app.auth.users.create({ email: 'alice@example.com', password: 'operator pass phrase', role: 'operator', name: 'alice' });
  app.auth.users.link(alice.id, 'slack', ALICE);
  return app;
}

async function listen(http: FastifyInstance): Promise<string> {
  await http.listen({ port: 0, host: '127.0.0.1' });
  return `http://127.0.0.1:${(http.server.address() as { port: number }).port}/slack/events`;
}

/** Waits for the first reply, then gives a replay every chance to act before counting. */
async function settle(fake: FakeSlack): Promise<void> {
  await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
  await new Promise((r) => setTimeout(r, 500));
}

const posts = (fake: FakeSlack) => fake.callsOf('chat.postMessage').filter((c) => c.ok);

describe('issue 13.9 (trial): a request re-signed with a new timestamp is still one request (real Bolt, fake Slack)', () => {
  let fake: FakeSlack;
  let app: App;
  let http: FastifyInstance;
  let events: string;

  beforeEach(async () => {
    fake = await startFakeSlack();
    app = await operatorApp(fake);
    http = createHttpForApp(app);
    events = await listen(http);
    await app.startWorkers();
    await app.startChat();
  });
  afterEach(async () => {
    await http.close();
    await app.close();
    await fake.close();
  });

  it('a button press replayed with a new timestamp (same trigger_id and action_ts) has one effect', async () => {
    const press = blockAction({ userId: ALICE, channelId: 'C0OPS', messageTs: '1732600000.000100', value: '/ops restart inventory', label: 'Restart inventory' });
    const nowS = Math.floor(Date.now() / 1000);
    expect((await postSigned(events, press, SECRET, { timestampS: nowS })).status).toBe(200);
    expect((await postSigned(events, press, SECRET, { timestampS: nowS + 1 })).status).toBe(200);
    expect((await postSigned(events, press, SECRET, { timestampS: nowS - 30 })).status).toBe(200);
    await settle(fake);
    expect(requests(app)).toBe(1);
    expect(posts(fake)).toHaveLength(1);
  });

  it('a slash command replayed with a new timestamp (same trigger_id) has one effect', async () => {
    const command = slashCommand({ text: 'restart inventory', userId: ALICE, channelId: 'C0OPS', responseUrl: fake.responseUrl() });
    const nowS = Math.floor(Date.now() / 1000);
    expect((await postSigned(events, command, SECRET, { timestampS: nowS })).status).toBe(200);
    expect((await postSigned(events, command, SECRET, { timestampS: nowS + 2 })).status).toBe(200);
    await settle(fake);
    expect(requests(app)).toBe(1);
    expect(posts(fake)).toHaveLength(1);
  });

  it('an app_mention sent again byte for byte, and again with a new timestamp, is answered once', async () => {
    const mention = appMention({ text: '<@U0BOT> restart inventory', userId: ALICE, channelId: 'C0OPS' });
    const nowS = Math.floor(Date.now() / 1000);
    for (const t of [nowS, nowS, nowS + 5]) expect((await postSigned(events, mention, SECRET, { timestampS: t })).status).toBe(200);
    await settle(fake);
    // A mention in plain words is echoed as the exact command and waits for `yes`: one question.
    expect(posts(fake)).toHaveLength(1);
  });
});

/** Another `serve` process behind the same Slack app: its own Bolt receiver on its own port. */
async function serveProcess(app: App, fake: FakeSlack, close: Array<() => Promise<void>>): Promise<string> {
  const adapter = createSlackAdapter({ config: { botToken: fake.botToken, signingSecret: SECRET, apiUrl: fake.url }, conversation: app.conversation, log: app.log, redisUrl: TEST_REDIS_URL });
  const http = createHttpServer({ log: app.log, metrics: app.metrics, bodyLimitBytes: app.config.http.bodyLimitBytes, readiness: [] });
  close.push(() => http.close(), () => adapter.stop());
  await http.register(adapter.routes);
  return listen(http);
}

describeIfRedis('issue 13.9 (trial): with Redis, Slack\'s retry of an event or a re-signed press reaching another process is dropped there too', () => {
  let fake: FakeSlack;
  let app: App;
  const close: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    fake = await startFakeSlack();
    app = await operatorApp(fake);
    await app.startWorkers();
  });
  afterEach(async () => {
    for (const c of close.splice(0)) await c();
    await app.close();
    await fake.close();
  });

  it('the same event_id with a new timestamp (Slack\'s retry) on a second process: answered once', async () => {
    const [a, b] = [await serveProcess(app, fake, close), await serveProcess(app, fake, close)];
    const mention = appMention({ text: '<@U0BOT> restart inventory', userId: ALICE, channelId: 'C0OPS' });
    const nowS = Math.floor(Date.now() / 1000);
    expect((await postSigned(a, mention, SECRET, { timestampS: nowS })).status).toBe(200);
    expect((await postSigned(b, mention, SECRET, { timestampS: nowS + 1, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } })).status).toBe(200);
    await settle(fake);
    expect(posts(fake)).toHaveLength(1);
  });
});

describe('issue 13.8 (trial): a password typed as name=value is not echoed into the channel (real Bolt, fake Slack)', () => {
  it('`/ops password=…`, `/ops login password: …` and a mention with `token=…`: nothing sent to Slack carries the value', async () => {
    const fake = await startFakeSlack();
    const app = await operatorApp(fake);
    const http = createHttpForApp(app);
    try {
      const events = await listen(http);
      await app.startWorkers();
      await app.startChat();
      const said = ['password=Hunter2Secret', 'login password: Tr0ub4dor3xyz', 'db_password="c0rrect horse"'];
      for (const text of said) expect((await postSigned(events, slashCommand({ text, userId: ALICE, channelId: 'C0OPS', responseUrl: fake.responseUrl() }), SECRET)).status).toBe(200);
      expect((await postSigned(events, appMention({ text: '<@U0BOT> status token=abcdEFGH12345678', userId: ALICE, channelId: 'C0OPS' }), SECRET)).status).toBe(200);
      for (let i = 0; i < 100 && posts(fake).length < 4; i++) await new Promise((r) => setTimeout(r, 100));
      expect(posts(fake)).toHaveLength(4);
      await new Promise((r) => setTimeout(r, 300));
      const out = JSON.stringify([fake.calls.map((c) => c.args), fake.responses.map((r) => r.body)]);
      for (const secret of ['Hunter2Secret', 'Tr0ub4dor3xyz', 'c0rrect horse', 'abcdEFGH12345678']) expect(out.toLowerCase()).not.toContain(secret.toLowerCase());
      expect(out).toMatch(/treat it as exposed/);
    } finally {
      await http.close();
      await app.close();
      await fake.close();
    }
  });
});
