import type { FastifyInstance } from 'fastify';
import { createSlackAdapter } from '../../src/adapters/slack/adapter';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { buttons, header, reply, table, text } from '../../src/reply/model';
import { DURING_BURST, testApp } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import {
  appMention,
  blockAction,
  directMessage,
  postSigned,
  slashCommand,
  SLACK_IDS,
  urlVerification,
} from '../helpers/slack-payloads';

const SECRET = 'slack-signing-secret-0123456789abcdef';
const ALICE = 'U0ALICE';
const VICTOR = 'U0VICTOR';

/**
 * The Slack adapter through the real Bolt app: signed requests as Slack sends them go to
 * `/slack/events` on the side-app; the bot's Web API calls go to a fake Slack on loopback that
 * records them (and checks tokens and Block Kit limits like Slack does).
 */
describe('Slack adapter (HTTP mode, real Bolt, fake Slack Web API)', () => {
  let fake: FakeSlack;
  let app: App;
  let http: FastifyInstance;
  let events: string;
  let logs: () => string;

  beforeEach(async () => {
    fake = await startFakeSlack();
    ({ app, logs } = await testApp(
      { SLACK_BOT_TOKEN: fake.botToken, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: fake.url, DEFAULT_ROLE: 'viewer' },
      DURING_BURST,
    ));
    const alice = await app.auth.users.create({
      email: 'alice@example.com',
      password: 'operator pass phrase',
      role: 'operator',
      name: 'alice',
    });
    app.auth.users.link(alice.id, 'slack', ALICE);
    http = createHttpForApp(app);
    await http.listen({ port: 0, host: '127.0.0.1' });
    events = `http://127.0.0.1:${(http.server.address() as { port: number }).port}/slack/events`;
    await app.startWorkers();
    await app.startChat();
  });
  afterEach(async () => {
    await http.close();
    await app.close();
    await fake.close();
  });

  const posts = () => fake.callsOf('chat.postMessage').filter((c) => c.ok);
  const lastText = (channel: string, ts: string) => {
    const m = fake.message(channel, ts);
    return JSON.stringify(m?.versions[m.versions.length - 1]);
  };

  it('answers url_verification with the challenge', async () => {
    const res = await postSigned(
      events,
      urlVerification('3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P'),
      SECRET,
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
  });

  it('acks /ops at once, posts the reply in the channel, then edits that message with the job result', async () => {
    const res = await postSigned(
      events,
      slashCommand({ text: 'status payments', userId: ALICE, channelId: 'C0OPS', responseUrl: fake.responseUrl() }),
      SECRET,
    );
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const posted = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok);
    expect(posted.args.channel).toBe('C0OPS');
    expect(posted.args.thread_ts).toBeUndefined();
    const ts = (await fake.waitFor((c) => c.method === 'chat.update' && c.ok, 20_000)).args.ts as string;
    const message = fake.message('C0OPS', ts);
    expect(message?.versions.length).toBeGreaterThanOrEqual(2);
    expect(message?.bot_id).toBe(SLACK_IDS.bot);
    await waitFor(
      async () =>
        /payments/.test(lastText('C0OPS', ts)) && !/Checking/.test(lastText('C0OPS', ts)) ? true : undefined,
      20_000,
      'the status result',
    );
    expect(lastText('C0OPS', ts)).toMatch(/asked: \/ops status payments/);
  });

  it(
    'replies to a mention in its thread, edits it with the anomaly report and ' + 'uploads the chart into the thread',
    async () => {
      const mention = appMention({
        text: `<@${SLACK_IDS.botUser}> any anomalies in payments error rate over the last hour?`,
        userId: ALICE,
        channelId: 'C0OPS',
      });
      const ts = (mention.envelopePayload.event as { ts: string }).ts;
      expect((await postSigned(events, mention, SECRET)).status).toBe(200);
      const first = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok);
      expect(first.args.thread_ts).toBe(ts);
      const upload = await waitFor(
        async () => fake.uploads.find((u) => u.filename.endsWith('.png')),
        30_000,
        'the chart upload',
      );
      expect(upload.thread_ts).toBe(ts);
      expect(upload.channel_id).toBe('C0OPS');
      expect(upload.bytes.subarray(1, 4).toString()).toBe('PNG');
      const reportTs = (
        await fake.waitFor((c) => c.method === 'chat.update' && /anomalous/.test(JSON.stringify(c.args.blocks)), 30_000)
      ).args.ts as string;
      // The report is an edit of the bot's first reply in the thread, not a new message.
      const reply = fake.replies('C0OPS', ts).find((m) => m.versions[0].by === 'chat.postMessage');
      expect(reportTs).toBe(reply?.ts);
    },
  );

  it('answers a direct message in the DM', async () => {
    expect(
      (await postSigned(events, directMessage({ text: 'help', userId: ALICE, channelId: 'D0ALICE' }), SECRET)).status,
    ).toBe(200);
    const posted = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok);
    expect(posted.args.channel).toBe('D0ALICE');
    expect(JSON.stringify(posted.args.blocks)).toMatch(/status/);
  });

  it('runs a button as the person who pressed it typed it: same handlers, same RBAC', async () => {
    // Victor has no mapping, so he is a viewer: cancelling someone's job is refused, as typed.
    const job = await app.queue.add('status', { windowS: 3600 }, { delayMs: 60_000 });
    const press = (user: string) =>
      postSigned(
        events,
        blockAction({
          userId: user,
          channelId: 'C0OPS',
          messageTs: '1732600000.000100',
          value: `cancel ${job.id}`,
          responseUrl: fake.responseUrl('actions'),
        }),
        SECRET,
      );
    expect((await press(VICTOR)).status).toBe(200);
    const refused = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok);
    expect(refused.args.thread_ts).toBe('1732600000.000100');
    expect(JSON.stringify(refused.args.blocks)).toMatch(/not allowed|permission|role/i);
    expect((await app.queue.get(job.id))?.state).not.toBe('cancelled');

    expect((await press(ALICE)).status).toBe(200);
    await waitFor(
      async () => ((await app.queue.get(job.id))?.state === 'cancelled' ? true : undefined),
      20_000,
      'the job cancelled',
    );
  });

  it('refuses bad signatures, stale requests and malformed bodies; posts nothing; keeps serving', async () => {
    const ok = directMessage({ text: 'help', userId: ALICE, channelId: 'D0ALICE' });
    expect((await postSigned(events, ok, SECRET, { signature: 'v0=deadbeef' })).status).toBe(401);
    expect((await postSigned(events, ok, 'not-the-secret')).status).toBe(401);
    expect((await postSigned(events, ok, SECRET, { headers: { 'x-slack-signature': '' } })).status).toBe(401);
    const stale = await postSigned(events, ok, SECRET, { timestampS: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    const malformed = await postSigned(events, { ...ok, body: '{"type": "event_callback", "event": ' }, SECRET);
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body).error).toBe('bad_request');
    const huge = await postSigned(
      events,
      { ...ok, body: JSON.stringify({ type: 'event_callback', pad: 'x'.repeat(2_000_000) }) },
      SECRET,
    );
    expect(huge.status).toBe(413);
    expect(posts()).toHaveLength(0);
    expect(logs()).toMatch(/slack request refused/);
    expect(logs()).not.toContain(SECRET);

    expect((await postSigned(events, ok, SECRET)).status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok);
  });

  it('takes a redelivered event once', async () => {
    const mention = appMention({
      text: `<@${SLACK_IDS.botUser}> help`,
      userId: ALICE,
      channelId: 'C0OPS',
      eventId: 'Ev0REDELIVER',
    });
    expect((await postSigned(events, mention, SECRET)).status).toBe(200);
    expect((await postSigned(events, mention, SECRET, { retryNum: 1, retryReason: 'http_timeout' })).status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok);
    await new Promise((r) => setTimeout(r, 300));
    expect(posts()).toHaveLength(1);
  });

  it('answers privately through response_url where it may not post, and logs the Slack error', async () => {
    const res = await postSigned(
      events,
      slashCommand({ text: 'help', userId: ALICE, channelId: 'C0SECRET', responseUrl: fake.responseUrl() }),
      SECRET,
    );
    expect(res.status).toBe(200);
    const response = await fake.waitForResponse();
    expect(response.body).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(response.body)).toMatch(/channel_not_found/);
    expect(fake.callsOf('chat.postMessage')[0].error).toBe('channel_not_found');
  });

  it('waits out a 429 for its Retry-After, then posts once', async () => {
    fake.failNext('chat.postMessage', { retryAfterS: 1 });
    expect(
      (await postSigned(events, directMessage({ text: 'help', userId: ALICE, channelId: 'D0ALICE' }), SECRET)).status,
    ).toBe(200);
    const done = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
    const [limited] = fake.callsOf('chat.postMessage');
    expect(limited.status).toBe(429);
    expect(done.at - limited.at).toBeGreaterThanOrEqual(1000);
    expect(posts()).toHaveLength(1);
  });

  it('splits long output across blocks and attaches the whole of what does not fit', async () => {
    const slack = app.chat.find((a) => a.platform === 'slack')!;
    const rows = Array.from({ length: 10_000 }, (_, i) => [`svc-${i}`, 'healthy', `${i} ms`]);
    const posted = await slack.poster.post(
      'C0OPS',
      reply(
        'info',
        header('Everything'),
        table(['service', 'state', 'p99'], rows),
        buttons([{ label: 'Jobs', command: 'jobs' }]),
      ),
      undefined,
    );
    const message = fake.message('C0OPS', posted.id)!;
    expect((message.blocks ?? []).length).toBe(50);
    expect(JSON.stringify(message.blocks)).toMatch(/did not fit in one Slack message/);
    const file = fake.uploads.find((u) => u.filename === 'full-output.txt');
    expect(file?.thread_ts).toBe(posted.id);
    expect(file?.bytes.toString()).toContain('svc-9999');
    await slack.poster.update(posted, reply('info', text('short now')));
    expect(fake.uploads.filter((u) => u.filename === 'full-output.txt')).toHaveLength(1);
  });
});

describe('Slack adapter retries (never the same message twice)', () => {
  let fake: FakeSlack;
  let app: App;
  let poster: ReturnType<typeof createSlackAdapter>['poster'];

  beforeEach(async () => {
    fake = await startFakeSlack();
    ({ app } = await testApp());
    poster = createSlackAdapter({
      config: { botToken: fake.botToken, signingSecret: SECRET, apiUrl: fake.url },
      conversation: app.conversation,
      log: app.log,
      timeoutMs: 300,
      retries: 2,
    }).poster;
  });
  afterEach(async () => {
    await app.close();
    await fake.close();
  });

  it('does not send a new message again when Slack took it but answered too late', async () => {
    fake.slowNext('chat.postMessage', 1500);
    await expect(poster.post('C0OPS', reply('info', text('restart requested')))).rejects.toMatchObject({
      name: 'ChatApiError',
      platform: 'slack',
    });
    await new Promise((r) => setTimeout(r, 1800));
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
    expect(fake.messages('C0OPS')).toHaveLength(1);
  });

  it('sends an edit again after a timeout, and anything after a 5xx', async () => {
    const posted = await poster.post('C0OPS', reply('info', text('working')));
    fake.slowNext('chat.update', 1500);
    await poster.update(posted, reply('success', text('done')));
    expect(fake.callsOf('chat.update')).toHaveLength(2);
    expect(JSON.stringify(fake.message('C0OPS', posted.id)?.blocks)).toMatch(/done/);

    fake.failNext('chat.postMessage', { status: 500 });
    await poster.post('C0OPS', reply('info', text('second')));
    expect(fake.callsOf('chat.postMessage').map((c) => c.status)).toEqual([200, 500, 200]);
  });

  it('gives up on Slack errors at once: they would fail the same way again', async () => {
    await expect(poster.post('C0NOWHERE', reply('info', text('x')))).rejects.toMatchObject({
      code: 'channel_not_found',
    });
    expect(fake.callsOf('chat.postMessage')).toHaveLength(1);
  });
});

describe('Slack adapter (Socket Mode)', () => {
  it('connects with SLACK_APP_TOKEN, acks envelopes and replies in the thread', async () => {
    const fake = await startFakeSlack();
    const { app } = await testApp({
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_APP_TOKEN: fake.appToken,
      SLACK_API_URL: fake.url,
    });
    try {
      await app.startChat();
      await fake.socket.waitConnected(10_000);
      const mention = appMention({ text: `<@${SLACK_IDS.botUser}> help`, userId: ALICE, channelId: 'C0OPS' });
      const ack = await fake.socket.deliver(mention);
      expect(ack.envelope_id).toBeTruthy();
      const posted = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 10_000);
      expect(posted.args.thread_ts).toBe((mention.envelopePayload.event as { ts: string }).ts);
      const http = createHttpForApp(app);
      const res = await http.inject({ method: 'POST', url: '/slack/events', payload: {} });
      expect(res.statusCode).toBe(503);
      await http.close();
    } finally {
      await app.close();
      await fake.close();
    }
  });

  it(
    'stops cleanly while Slack has it reconnecting (socket-mode would otherwise reject with undefined and end ' +
      'the process)',
    async () => {
      const fake = await startFakeSlack();
      const { app } = await testApp({
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_APP_TOKEN: fake.appToken,
        SLACK_API_URL: fake.url,
      });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown) => unhandled.push(reason);
      process.on('unhandledRejection', onUnhandled);
      try {
        await app.startChat();
        await fake.socket.waitConnected(10_000);
        // Slack asks for a reconnect, and the new socket is left without its hello: the client is mid-reconnect.
        fake.socket.holdHello();
        fake.socket.disconnect('refresh_requested');
        await waitFor(async () => (fake.socket.connections === 2 ? true : undefined), 10_000, 'the reconnect');
        await app.close();
        await new Promise((r) => setTimeout(r, 100));
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
        await app.close();
        await fake.close();
      }
    },
  );
});

describe('chat endpoints with no chat platform configured', () => {
  it('answer 503 saying what to set', async () => {
    const { app } = await testApp();
    const http = createHttpForApp(app);
    try {
      expect(app.chat).toHaveLength(0);
      const slack = await http.inject({ method: 'POST', url: '/slack/events', payload: {} });
      expect(slack.statusCode).toBe(503);
      expect(slack.json()).toMatchObject({
        error: 'slack_not_configured',
        message: expect.stringMatching(/SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET/),
      });
      const teams = await http.inject({ method: 'POST', url: '/api/messages', payload: {} });
      expect(teams.statusCode).toBe(503);
      expect(teams.json()).toMatchObject({
        error: 'teams_not_configured',
        message: expect.stringMatching(/TEAMS_APP_ID and TEAMS_APP_PASSWORD/),
      });
    } finally {
      await http.close();
      await app.close();
    }
  });
});
