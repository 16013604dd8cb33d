import { createServer, request } from 'node:http';
import { App, isValidSlackRequest, LogLevel, verifySlackRequest, webApi, type Logger } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import { waitFor } from '../helpers/cli';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { listenOnLoopback } from '../helpers/loopback';
import {
  appMention,
  blockAction,
  directMessage,
  postSigned,
  signSlackRequest,
  slashCommand,
  SLACK_IDS,
  urlVerification,
} from '../helpers/slack-payloads';

/**
 * The Slack fake against the real clients: @slack/web-api's WebClient and @slack/socket-mode's
 * SocketModeClient pointed at it with slackApiUrl, and Bolt's own signature check on the payloads.
 */

// A PNG signature and IHDR chunk: enough bytes to be recognisably a PNG.
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

let fake: FakeSlack;

/** Slack's clients log refusals (e.g. invalid_blocks' `[ERROR]` messages) on their own; keep test output quiet. */
const quiet: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

beforeEach(async () => {
  fake = await startFakeSlack();
});

afterEach(async () => {
  await fake.close();
});

/** A WebClient as the adapter builds one, without retries unless asked (so a failing test fails fast). */
function client(options: webApi.WebClientOptions = {}, token = fake.botToken): webApi.WebClient {
  return new webApi.WebClient(token, { slackApiUrl: fake.url, logger: quiet, retryConfig: { retries: 0 }, ...options });
}

describe('fake Slack Web API with the real WebClient', () => {
  it('answers auth.test with the bot identity the payload builders use', async () => {
    const me = await client().auth.test();
    expect(me).toMatchObject({ ok: true, team_id: SLACK_IDS.team, user_id: SLACK_IDS.botUser, bot_id: SLACK_IDS.bot });
    expect(fake.calls[0]).toMatchObject({ method: 'auth.test', token: fake.botToken, status: 200, ok: true });
  });

  it('posts a message, then an update shows as the second version', async () => {
    const web = client();
    const blocks = [{ type: 'section', text: { type: 'mrkdwn', text: '*Incident* i123 opened' } }];
    const posted = await web.chat.postMessage({
      channel: 'C0INCIDENT',
      text: 'Incident i123 opened',
      blocks,
      unfurl_links: false,
    });
    expect(posted).toMatchObject({
      ok: true,
      channel: 'C0INCIDENT',
      message: {
        type: 'message',
        user: SLACK_IDS.botUser,
        bot_id: SLACK_IDS.bot,
        text: 'Incident i123 opened',
        blocks,
      },
    });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);

    const second = await web.chat.postMessage({ channel: 'C0INCIDENT', text: 'another', thread_ts: posted.ts });
    expect(Number(second.ts)).toBeGreaterThan(Number(posted.ts));

    await web.chat.update({
      channel: 'C0INCIDENT',
      ts: posted.ts as string,
      text: 'Incident i123 acknowledged',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Incident* i123 acknowledged' } }],
    });

    const m = fake.message('C0INCIDENT', posted.ts as string);
    expect(m?.text).toBe('Incident i123 acknowledged');
    expect(m?.versions.map((v) => [v.by, v.text])).toEqual([
      ['chat.postMessage', 'Incident i123 opened'],
      ['chat.update', 'Incident i123 acknowledged'],
    ]);
    expect(fake.replies('C0INCIDENT', posted.ts as string).map((r) => r.text)).toEqual(['another']);
    // Form fields arrive as strings; JSON-valued ones (blocks) are parsed back.
    expect(fake.callsOf('chat.postMessage')[0]?.args).toMatchObject({
      channel: 'C0INCIDENT',
      blocks,
      unfurl_links: 'false',
    });
  });

  it('refuses an update of a message that is not there with message_not_found', async () => {
    await expect(client().chat.update({ channel: 'C0OPS', ts: '1.000001', text: 'x' })).rejects.toMatchObject({
      code: webApi.ErrorCode.PlatformError,
      data: { ok: false, error: 'message_not_found' },
    });
  });

  it(
    'records the bytes, filename and thread of files.uploadV2 (getUploadURLExternal, upload, ' +
      'completeUploadExternal)',
    async () => {
      const web = client();
      const parent = await web.chat.postMessage({ channel: 'C0INCIDENT', text: 'latency chart below' });
      const res = await web.files.uploadV2({
        channel_id: 'C0INCIDENT',
        thread_ts: parent.ts as string,
        file: PNG,
        filename: 'p95-latency.png',
        title: 'p95 latency',
        alt_text: 'p95 latency over the last hour',
        initial_comment: 'chart',
      });
      expect(res.ok).toBe(true);

      expect(fake.calls.map((c) => c.method)).toEqual([
        'chat.postMessage',
        'files.getUploadURLExternal',
        'files.completeUploadExternal',
      ]);
      expect(fake.uploads).toHaveLength(1);
      const up = fake.uploads[0];
      expect(up).toMatchObject({
        filename: 'p95-latency.png',
        title: 'p95 latency',
        channel_id: 'C0INCIDENT',
        thread_ts: parent.ts,
        initial_comment: 'chart',
        declaredLength: PNG.length,
      });
      expect(up?.bytes.equals(PNG)).toBe(true);
      // web-api 8 sends the alt text as `alt_text`; Slack documents `alt_txt` for this method.
      expect(up?.alt_text).toBe('p95 latency over the last hour');
      expect(up?.alt_txt).toBeUndefined();
      expect(fake.callsOf('files.completeUploadExternal')[0]?.args.files).toEqual([
        { id: up?.fileId, title: 'p95 latency' },
      ]);

      // The file is shared in the thread as a message of its own.
      expect(fake.replies('C0INCIDENT', parent.ts as string)).toEqual([
        expect.objectContaining({ files: [up?.fileId], text: 'chart', thread_ts: parent.ts }),
      ]);
    },
  );

  it("surfaces an unknown channel as WebClient's platform error with data.error channel_not_found", async () => {
    const err = await client()
      .chat.postMessage({ channel: 'C0NOWHERE', text: 'hi' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toMatchObject({
      code: webApi.ErrorCode.PlatformError,
      data: { ok: false, error: 'channel_not_found' },
    });
    expect(fake.calls[0]).toMatchObject({ method: 'chat.postMessage', ok: false, error: 'channel_not_found' });
    // DMs always exist; posting to a user id lands in the DM with them.
    await expect(client().chat.postMessage({ channel: 'U0ALICE', text: 'hi' })).resolves.toMatchObject({
      channel: 'D0ALICE',
    });
  });

  it(
    'refuses a missing, unknown or wrong-kind token, no text, ' + 'bad blocks and unknown methods as Slack does',
    async () => {
      const expectError = (p: Promise<unknown>, error: string) => expect(p).rejects.toMatchObject({ data: { error } });
      await expectError(client({}, '').chat.postMessage({ channel: 'C0OPS', text: 'x' }), 'not_authed');
      await expectError(client({}, 'xoxb-not-ours').chat.postMessage({ channel: 'C0OPS', text: 'x' }), 'invalid_auth');
      await expectError(
        client({}, fake.appToken).chat.postMessage({ channel: 'C0OPS', text: 'x' }),
        'not_allowed_token_type',
      );
      await expectError(client().apps.connections.open({}), 'not_allowed_token_type');
      await expectError(client().chat.postMessage({ channel: 'C0OPS', text: '' }), 'no_text');
      await expectError(client().apiCall('chat.shout', { channel: 'C0OPS' }), 'unknown_method');
      const tooLong = await client()
        .chat.postMessage({
          channel: 'C0OPS',
          text: 'x',
          blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }],
        })
        .catch((e: { data: { error: string; errors: string[] } }) => e.data);
      expect(tooLong).toMatchObject({
        error: 'invalid_blocks',
        errors: ['must be less than 151 characters [json-pointer:/blocks/0/text/text]'],
      });
    },
  );

  it('answers a failNext error once, then works again', async () => {
    fake.failNext('chat.postMessage', { error: 'not_in_channel' });
    await expect(client().chat.postMessage({ channel: 'C0OPS', text: 'x' })).rejects.toMatchObject({
      data: { error: 'not_in_channel' },
    });
    await expect(client().chat.postMessage({ channel: 'C0OPS', text: 'x' })).resolves.toMatchObject({ ok: true });
  });

  it('answers HTTP 500 when asked, which WebClient raises as an HTTP error', async () => {
    fake.failNext('chat.update', { status: 500 });
    await expect(client().chat.update({ channel: 'C0OPS', ts: '1.1', text: 'x' })).rejects.toMatchObject({
      code: webApi.ErrorCode.HTTPError,
      statusCode: 500,
    });
  });

  it(
    'rate-limits with 429 + Retry-After: 1, and WebClient (default retry policy) retries no sooner than a ' +
      'second later',
    async () => {
      fake.failNext('chat.postMessage', { retryAfterS: 1 });
      const web = new webApi.WebClient(fake.botToken, { slackApiUrl: fake.url, logger: quiet });
      let rateLimitedFor: number | undefined;
      web.on(webApi.WebClientEvent.RATE_LIMITED, (s: number) => (rateLimitedFor = s));
      const res = await web.chat.postMessage({ channel: 'C0OPS', text: 'after the wait' });
      expect(res.ok).toBe(true);
      expect(rateLimitedFor).toBe(1);
      const [first, retry] = fake.callsOf('chat.postMessage');
      expect(first).toMatchObject({ status: 429, ok: false, error: 'ratelimited' });
      expect(retry).toMatchObject({ status: 200, ok: true });
      expect((retry?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
      expect(fake.messages('C0OPS')).toHaveLength(1);
    },
  );

  it('rejects a rate-limited call at once with rejectRateLimitedCalls', async () => {
    fake.failNext('chat.postMessage', { retryAfterS: 30 });
    await expect(
      client({ rejectRateLimitedCalls: true }).chat.postMessage({ channel: 'C0OPS', text: 'x' }),
    ).rejects.toMatchObject({ code: webApi.ErrorCode.RateLimitedError, retryAfter: 30 });
  });

  it('records ephemeral messages', async () => {
    await client().chat.postEphemeral({ channel: 'C0OPS', user: 'U0ALICE', text: 'only you' });
    expect(fake.ephemerals()).toEqual([
      expect.objectContaining({ channel: 'C0OPS', user: 'U0ALICE', text: 'only you' }),
    ]);
  });

  it('records what is POSTed to a minted response_url, and refuses one it did not mint', async () => {
    const url = fake.responseUrl();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ response_type: 'ephemeral', text: 'working on it' }),
    });
    expect(res.status).toBe(200);
    await expect(fake.waitForResponse()).resolves.toMatchObject({
      url,
      body: { response_type: 'ephemeral', text: 'working on it' },
    });
    expect((await fetch(`${fake.origin}/respond/never-minted`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('takes JSON bodies too (Authorization header), as the Web API does', async () => {
    const res = await fetch(`${fake.url}chat.postMessage`, {
      method: 'POST',
      headers: { authorization: `Bearer ${fake.botToken}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ channel: 'C0OPS', text: 'json', blocks: [{ type: 'divider' }] }),
    });
    expect(await res.json()).toMatchObject({
      ok: true,
      channel: 'C0OPS',
      message: { text: 'json', blocks: [{ type: 'divider' }] },
    });
  });

  it('fails the upload URL and response_urls on request', async () => {
    fake.failNext('upload', { status: 500 });
    await expect(client().files.uploadV2({ channel_id: 'C0OPS', file: PNG, filename: 'x.png' })).rejects.toThrow(
      /HTTP 500|500/,
    );
    expect(fake.uploads).toEqual([]);
    expect(fake.callsOf('files.completeUploadExternal')).toEqual([]);

    fake.failNext('response_url', { status: 404, error: 'expired_url' });
    const res = await fetch(fake.responseUrl('actions'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"text":"late"}',
    });
    expect(res.status).toBe(404);
    expect(fake.responses).toEqual([]);
  });

  it('waitFor resolves with a call made later, and times out with a clear error', async () => {
    const waiting = fake.waitFor((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0OPS', 2000);
    await client().chat.postMessage({ channel: 'C0OPS', text: 'later' });
    await expect(waiting).resolves.toMatchObject({ args: { text: 'later' } });
    await expect(fake.waitFor((c) => c.method === 'chat.delete', 50)).rejects.toThrow(
      /no Web API call matched within 50 ms/,
    );
  });
});

describe('Slack payload builders and signatures', () => {
  const secret = 'fake-signing-secret-0123456789abcdef';

  it("signs so that Bolt's verifySlackRequest accepts the right secret and refuses a wrong one", () => {
    for (const p of [
      urlVerification('chal'),
      slashCommand({ text: 'status', userId: 'U0ALICE', channelId: 'C0OPS' }),
      appMention({ text: '<@U0BOT> status', userId: 'U0ALICE', channelId: 'C0INCIDENT' }),
      blockAction({ userId: 'U0ALICE', channelId: 'C0INCIDENT', messageTs: '1732600000.000100' }),
    ]) {
      const h = signSlackRequest(secret, p);
      expect(h['content-type']).toBe(p.contentType);
      const headers = {
        'x-slack-signature': h['x-slack-signature'],
        'x-slack-request-timestamp': Number(h['x-slack-request-timestamp']),
      };
      expect(() => verifySlackRequest({ signingSecret: secret, body: p.body, headers })).not.toThrow();
      expect(isValidSlackRequest({ signingSecret: 'not-the-secret', body: p.body, headers })).toBe(false);
    }
    // A timestamp over five minutes old is refused even with the right secret.
    const old = signSlackRequest(secret, '{}', Math.floor(Date.now() / 1000) - 301);
    expect(
      isValidSlackRequest({
        signingSecret: secret,
        body: '{}',
        headers: {
          'x-slack-signature': old['x-slack-signature'],
          'x-slack-request-timestamp': Number(old['x-slack-request-timestamp']),
        },
      }),
    ).toBe(false);
  });

  it('builds the recorded field sets', () => {
    const cmd = slashCommand({
      text: 'ack i123',
      userId: 'U0ALICE',
      channelId: 'C0OPS',
      responseUrl: 'http://127.0.0.1:1/respond/x',
    });
    expect([...new URLSearchParams(cmd.body).keys()]).toEqual([
      'token',
      'team_id',
      'team_domain',
      'channel_id',
      'channel_name',
      'user_id',
      'user_name',
      'command',
      'text',
      'api_app_id',
      'is_enterprise_install',
      'response_url',
      'trigger_id',
    ]);
    expect(cmd.envelopePayload).toMatchObject({
      command: '/ops',
      text: 'ack i123',
      response_url: 'http://127.0.0.1:1/respond/x',
    });

    const mention = JSON.parse(
      appMention({
        text: '<@U0BOT> status',
        userId: 'U0ALICE',
        channelId: 'C0INCIDENT',
        ts: '1732600001.000200',
        threadTs: '1732600000.000100',
      }).body,
    );
    expect(mention).toMatchObject({
      type: 'event_callback',
      api_app_id: SLACK_IDS.app,
      authorizations: [{ user_id: SLACK_IDS.botUser, is_bot: true }],
      event: {
        type: 'app_mention',
        user: 'U0ALICE',
        channel: 'C0INCIDENT',
        ts: '1732600001.000200',
        event_ts: '1732600001.000200',
        thread_ts: '1732600000.000100',
      },
    });
    expect(mention.event.blocks[0].elements[0].elements).toEqual([
      { type: 'user', user_id: 'U0BOT' },
      { type: 'text', text: ' status' },
    ]);
    expect(mention.event_id).toMatch(/^Ev/);

    expect(
      JSON.parse(directMessage({ text: 'status', userId: 'U0ALICE', channelId: 'D0ALICE' }).body).event,
    ).toMatchObject({ type: 'message', channel_type: 'im', channel: 'D0ALICE' });

    const click = blockAction({
      userId: 'U0ALICE',
      channelId: 'C0INCIDENT',
      messageTs: '1732600000.000300',
      threadTs: '1732600000.000100',
      value: 'ack i123',
    });
    const payload = JSON.parse(new URLSearchParams(click.body).get('payload') as string);
    expect(payload).toMatchObject({
      type: 'block_actions',
      container: {
        type: 'message',
        message_ts: '1732600000.000300',
        thread_ts: '1732600000.000100',
        channel_id: 'C0INCIDENT',
        is_ephemeral: false,
      },
      message: { ts: '1732600000.000300', thread_ts: '1732600000.000100' },
      actions: [{ action_id: 'sco:cmd:0', type: 'button', value: 'ack i123' }],
      state: { values: {} },
    });
  });

  it('postSigned sends what a Bolt-style verifier accepts, and an overridden signature it refuses', async () => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const ok = isValidSlackRequest({
          signingSecret: secret,
          body,
          headers: {
            'x-slack-signature': String(req.headers['x-slack-signature']),
            'x-slack-request-timestamp': Number(req.headers['x-slack-request-timestamp']),
          },
        });
        res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
        res.end(ok ? JSON.stringify({ challenge: (JSON.parse(body) as { challenge: string }).challenge }) : '{}');
      });
    });
    const { port, close } = await listenOnLoopback(server);
    try {
      const good = await postSigned(`http://127.0.0.1:${port}/slack/events`, urlVerification('c-123'), secret);
      expect(good).toMatchObject({ status: 200, body: '{"challenge":"c-123"}' });
      expect(good.ms).toBeGreaterThanOrEqual(0);
      const bad = await postSigned(`http://127.0.0.1:${port}/slack/events`, urlVerification('c-123'), secret, {
        signature: 'v0=deadbeef',
      });
      expect(bad.status).toBe(401);
    } finally {
      await close();
    }
  });
});

describe('fake Socket Mode with the real SocketModeClient', () => {
  it('connects through apps.connections.open, receives an events_api envelope and acks it', async () => {
    const sm = new SocketModeClient({
      appToken: fake.appToken,
      logger: quiet,
      clientOptions: { slackApiUrl: fake.url },
    });
    const seen: unknown[] = [];
    sm.on('app_mention', async ({ event, ack }: { event: unknown; ack: (r?: unknown) => Promise<void> }) => {
      seen.push(event);
      await ack();
    });
    sm.on('slash_commands', async ({ body, ack }: { body: { text: string }; ack: (r?: unknown) => Promise<void> }) => {
      await ack({ text: `got ${body.text}` });
    });
    try {
      await sm.start();
      await fake.socket.waitConnected(2000);
      expect(fake.socket.connected()).toBe(true);
      expect(fake.callsOf('apps.connections.open')).toEqual([
        expect.objectContaining({ token: fake.appToken, ok: true }),
      ]);

      const mention = appMention({ text: '<@U0BOT> status', userId: 'U0ALICE', channelId: 'C0INCIDENT' });
      const ack = await fake.socket.deliver(mention);
      expect(ack.envelope_id).toEqual(expect.any(String));
      expect(ack.payload ?? {}).toEqual({});
      expect(seen).toEqual([mention.envelopePayload.event]);

      // slash_commands accept a response payload in the ack.
      const cmdAck = await fake.socket.send(
        'slash_commands',
        slashCommand({ text: 'status', userId: 'U0ALICE', channelId: 'C0OPS' }).envelopePayload,
      );
      expect(cmdAck.payload).toEqual({ text: 'got status' });
    } finally {
      await sm.disconnect();
    }
    expect(fake.socket.connected()).toBe(false);
  });

  it('reconnects through apps.connections.open when Slack asks it to (disconnect message)', async () => {
    const sm = new SocketModeClient({
      appToken: fake.appToken,
      logger: quiet,
      clientPingTimeout: 300,
      clientOptions: { slackApiUrl: fake.url },
    });
    // Counted on the client's side: disconnecting before its reconnect has its hello would race
    // the reconnect (see src/adapters/slack/socket-guard.ts).
    let connected = 0;
    sm.on('connected', () => (connected += 1));
    try {
      await sm.start();
      fake.socket.disconnect('refresh_requested');
      await waitFor(async () => (connected >= 2 ? true : undefined), 10_000, 'the second connected');
      expect(connected).toBe(2);
      expect(fake.socket.connected()).toBe(true);
      expect(fake.socket.connections).toBe(2);
      expect(fake.callsOf('apps.connections.open')).toHaveLength(2);
    } finally {
      await sm.disconnect();
    }
  });

  it('times out an envelope nobody acks', async () => {
    const sm = new SocketModeClient({
      appToken: fake.appToken,
      logger: quiet,
      clientOptions: { slackApiUrl: fake.url },
    });
    try {
      await sm.start();
      await expect(
        fake.socket.send(
          'events_api',
          appMention({ text: '<@U0BOT> hi', userId: 'U0ALICE', channelId: 'C0OPS' }).envelopePayload,
          { timeoutMs: 200 },
        ),
      ).rejects.toThrow(/not acknowledged within 200 ms/);
    } finally {
      await sm.disconnect();
    }
  });

  it('refuses a socket without a ticket from apps.connections.open', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${fake.origin}/link/?ticket=made-up`, {
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('upgrade', (_res, socket) => {
        socket.destroy();
        resolve(101);
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(401);
    expect(fake.socket.connections).toBe(0);
  });

  it('serves a Bolt App in Socket Mode end to end: mention in, threaded reply out', async () => {
    const clientOptions: webApi.WebClientOptions = { slackApiUrl: fake.url, retryConfig: { retries: 0 } };
    const app = new App({
      token: fake.botToken,
      appToken: fake.appToken,
      socketMode: true,
      clientOptions,
      logger: quiet,
    });
    app.event('app_mention', async ({ event, say }) => {
      await say({ text: `pong to ${event.user}`, thread_ts: event.thread_ts ?? event.ts });
    });
    await app.start();
    try {
      const mention = appMention({
        text: '<@U0BOT> ping',
        userId: 'U0ALICE',
        channelId: 'C0INCIDENT',
        ts: '1732500000.000100',
      });
      await fake.socket.deliver(mention);
      const post = await fake.waitFor((c) => c.method === 'chat.postMessage', 2000);
      expect(post.args).toMatchObject({
        channel: 'C0INCIDENT',
        thread_ts: '1732500000.000100',
        text: 'pong to U0ALICE',
      });
      expect(fake.replies('C0INCIDENT', '1732500000.000100')).toHaveLength(1);
    } finally {
      await app.stop();
    }
  });
});
