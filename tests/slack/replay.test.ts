import type { FastifyInstance } from 'fastify';
import { createMemoryReplayGuard } from '../../src/adapters/slack/replay';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { waitFor } from '../helpers/cli';
import { testApp } from '../helpers/app';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { ALICE, listenForSlack, operatorApp, requests, serveProcess, SLACK_SECRET } from '../helpers/slack-serve';
import { describeIfRedis, TEST_REDIS_URL } from '../helpers/redis';
import { blockAction, postSigned, slashCommand, type SlackPayload } from '../helpers/slack-payloads';

describe('issue 13.9: Slack replays are taken once, future timestamps refused (real Bolt, fake Slack)', () => {
  let fake: FakeSlack;
  let app: App;
  let http: FastifyInstance;
  let events: string;

  beforeEach(async () => {
    fake = await startFakeSlack();
    app = await operatorApp(fake);
    http = createHttpForApp(app);
    events = await listenForSlack(http);
    await app.startWorkers();
    await app.startChat();
  });
  afterEach(async () => {
    await http.close();
    await app.close();
    await fake.close();
  });

  const posts = () => fake.callsOf('chat.postMessage').filter((c) => c.ok);
  /** Waits for the first reply, then lets a replay have every chance to act before counting. */
  async function settle(): Promise<void> {
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
    await new Promise((r) => setTimeout(r, 500));
  }

  it(
    'the same signed /ops restart sent twice makes one request; ' + 'the replay is answered 200 and does nothing',
    async () => {
      const command = slashCommand({
        text: 'restart inventory',
        userId: ALICE,
        channelId: 'C0OPS',
        responseUrl: fake.responseUrl(),
      });
      const timestampS = Math.floor(Date.now() / 1000);
      const first = await postSigned(events, command, SLACK_SECRET, { timestampS });
      const replay = await postSigned(events, command, SLACK_SECRET, { timestampS });
      expect(first.status).toBe(200);
      expect(replay.status).toBe(200);
      expect(replay.body).toBe('');
      await settle();
      expect(requests(app)).toBe(1);
      expect(posts()).toHaveLength(1);
    },
  );

  it('a replayed button press has one effect', async () => {
    const press = blockAction({
      userId: ALICE,
      channelId: 'C0OPS',
      messageTs: '1732600000.000100',
      value: '/ops restart inventory',
      label: 'Restart inventory',
    });
    const timestampS = Math.floor(Date.now() / 1000);
    expect((await postSigned(events, press, SLACK_SECRET, { timestampS })).status).toBe(200);
    expect((await postSigned(events, press, SLACK_SECRET, { timestampS })).status).toBe(200);
    await settle();
    expect(requests(app)).toBe(1);
    expect(posts()).toHaveLength(1);
  });

  it(
    'two presses of one button are two requests to Slack ' + '(each its own trigger and signature): both are taken',
    async () => {
      const press = () =>
        blockAction({
          userId: ALICE,
          channelId: 'C0OPS',
          messageTs: '1732600000.000100',
          value: 'help',
          label: 'Help',
        });
      expect((await postSigned(events, press(), SLACK_SECRET)).status).toBe(200);
      expect((await postSigned(events, press(), SLACK_SECRET)).status).toBe(200);
      await waitFor(async () => (posts().length === 2 ? true : undefined), 15_000, 'two replies');
    },
  );

  it('refuses a timestamp a year ahead with 401 and takes one 30 s ahead (clock skew)', async () => {
    const nowS = Math.floor(Date.now() / 1000);
    const ahead = await postSigned(
      events,
      slashCommand({ text: 'restart inventory', userId: ALICE, channelId: 'C0OPS' }),
      SLACK_SECRET,
      { timestampS: nowS + 365 * 24 * 3600 },
    );
    expect(ahead.status).toBe(401);
    expect(JSON.parse(ahead.body).error).toBe('unauthorized');
    const skewed = await postSigned(
      events,
      slashCommand({ text: 'help', userId: ALICE, channelId: 'C0OPS', responseUrl: fake.responseUrl() }),
      SLACK_SECRET,
      { timestampS: nowS + 30 },
    );
    expect(skewed.status).toBe(200);
    await settle();
    expect(requests(app)).toBe(0);
    expect(posts()).toHaveLength(1);
  });
});

describe('issue 13.9: the replay memory is bounded and forgets what the timestamp check refuses anyway', () => {
  it('remembers a signature until its window ends, then forgets it', async () => {
    let now = 1_000_000;
    const guard = createMemoryReplayGuard({ now: () => now, max: 100 });
    expect(await guard.firstSight('a', now + 1000)).toBe(true);
    expect(await guard.firstSight('a', now + 1000)).toBe(false);
    now += 1001;
    expect(await guard.firstSight('a', now + 1000)).toBe(true);
  });

  it('holds at most `max` entries however many arrive', async () => {
    const now = 1_000_000;
    const guard = createMemoryReplayGuard({ now: () => now, max: 50 });
    for (let i = 0; i < 500; i++) expect(await guard.firstSight(`sig-${i}`, now + 300_000)).toBe(true);
    expect(guard.size()).toBe(50);
    // The newest are still known.
    expect(await guard.firstSight('sig-499', now + 300_000)).toBe(false);
  });
});

describeIfRedis('issue 13.9: with Redis, a replay sent to another serve process is dropped too', () => {
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

  it('one effect when the same signed /ops restart reaches two processes', async () => {
    const [a, b] = [
      await serveProcess(app, fake, TEST_REDIS_URL, close),
      await serveProcess(app, fake, TEST_REDIS_URL, close),
    ];
    const command: SlackPayload = slashCommand({
      text: 'restart inventory',
      userId: ALICE,
      channelId: 'C0OPS',
      responseUrl: fake.responseUrl(),
    });
    const timestampS = Math.floor(Date.now() / 1000);
    expect((await postSigned(a, command, SLACK_SECRET, { timestampS })).status).toBe(200);
    expect((await postSigned(b, command, SLACK_SECRET, { timestampS })).status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(requests(app)).toBe(1);
    expect(fake.callsOf('chat.postMessage').filter((c) => c.ok)).toHaveLength(1);
  });
});

describe('issue 13.9: with Redis configured but not answering, each process still drops replays itself', () => {
  it('takes a command, drops its replay, and logs that Redis did not answer', async () => {
    const fake = await startFakeSlack();
    const { app, logs } = await testApp({
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: fake.url,
    });
    const close: Array<() => Promise<void>> = [];
    try {
      // Port 1 on loopback: nothing listens, the connection is refused.
      const events = await serveProcess(app, fake, 'redis://127.0.0.1:1', close);
      const command = slashCommand({
        text: 'help',
        userId: ALICE,
        channelId: 'C0OPS',
        responseUrl: fake.responseUrl(),
      });
      const timestampS = Math.floor(Date.now() / 1000);
      expect((await postSigned(events, command, SLACK_SECRET, { timestampS })).status).toBe(200);
      expect((await postSigned(events, command, SLACK_SECRET, { timestampS })).status).toBe(200);
      await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(fake.callsOf('chat.postMessage').filter((c) => c.ok)).toHaveLength(1);
      expect(logs()).toMatch(/Redis did not answer/);
    } finally {
      for (const c of close.splice(0)) await c();
      await app.close();
      await fake.close();
    }
  });
});
