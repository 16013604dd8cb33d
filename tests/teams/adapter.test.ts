import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer } from 'node:http';
import type { FastifyInstance } from 'fastify';
import jwt from 'jsonwebtoken';
import { createTeamsAdapter } from '../../src/adapters/teams/adapter';
import { ChatApiError, type ChatAdapter } from '../../src/ports/chat';
import { createHttpServer } from '../../src/http/server';
import type { App } from '../../src/app/control';
import { header, reply, text } from '../../src/reply/model';
import { testApp } from '../helpers/app';
import { startFakeConnector, type ConnectorCall, type FakeConnector } from '../helpers/fake-connector';
import { listenOnLoopback } from '../helpers/loopback';

/**
 * The Teams adapter end to end: real App, real adapter on the real HTTP side-app on loopback, Bot
 * Framework activities shaped like Teams sends them, and a fake connector at their serviceUrl.
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const APP_ID = '00000000-0000-0000-0000-00000000b07a';
const BOT = { id: `28:${APP_ID}`, name: 'SmartCloudOps' };
const CHANNEL = '19:0f3c1e2a9b5d4c7e8f6a1b2c3d4e5f60@thread.tacv2';
const TEAM = '19:aa11bb22cc33dd44ee55ff6677889900@thread.tacv2';
const PERSONAL = 'a:1mK9Dq7vXc_personal-chat-with-alice';
const ALICE = { id: '29:1Alice-teams-user-id', name: 'Alice Oncall', aadObjectId: 'aad-alice' };
const VICTOR = { id: '29:1Victor-teams-user-id', name: 'Victor Viewer', aadObjectId: 'aad-victor' };
const OLIVIA = { id: '29:1Olivia-teams-user-id', name: 'Olivia Operator', aadObjectId: 'aad-olivia' };

let activitySeq = 0;
const nextId = () => String(1_732_000_000_000 + ++activitySeq);

type Person = typeof ALICE;

function base(serviceUrl: string, from: Person, conversation: Record<string, unknown>) {
  return {
    id: nextId(),
    timestamp: new Date().toISOString(),
    localTimestamp: new Date().toISOString(),
    serviceUrl,
    channelId: 'msteams',
    from,
    conversation,
    recipient: BOT,
    locale: 'en-US',
  };
}

/** A channel post that @mentions the bot: Teams puts the root message id in the conversation id. */
function channelMessage(serviceUrl: string, said: string, from: Person = ALICE, root?: string) {
  const b = base(serviceUrl, from, {});
  const thread = root ?? b.id;
  return {
    ...b,
    type: 'message',
    conversation: {
      isGroup: true,
      conversationType: 'channel',
      tenantId: TENANT,
      id: `${CHANNEL};messageid=${thread}`,
    },
    ...(root ? { replyToId: root } : {}),
    textFormat: 'plain',
    text: `<at>${BOT.name}</at> ${said}\n`,
    attachments: [
      {
        contentType: 'text/html',
        content:
          '<div><div><span itemscope="" itemtype="http://schema.skype.com/Mention" ' +
          `itemid="0">${BOT.name}</span>&nbsp;${said}</div></div>`,
      },
    ],
    entities: [
      { type: 'mention', mentioned: { id: BOT.id, name: BOT.name }, text: `<at>${BOT.name}</at>` },
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Web', timezone: 'Europe/Berlin' },
    ],
    channelData: {
      teamsChannelId: CHANNEL,
      teamsTeamId: TEAM,
      channel: { id: CHANNEL },
      team: { id: TEAM },
      tenant: { id: TENANT },
    },
  };
}

/** A 1:1 chat message: no mention, no thread. */
function personalMessage(serviceUrl: string, said: string, from: Person = ALICE) {
  return {
    ...base(serviceUrl, from, { conversationType: 'personal', tenantId: TENANT, id: PERSONAL }),
    type: 'message',
    textFormat: 'plain',
    text: said,
    entities: [
      { type: 'clientInfo', locale: 'en-US', country: 'US', platform: 'Windows', timezone: 'America/New_York' },
    ],
    channelData: { tenant: { id: TENANT } },
  };
}

/** An Action.Submit press on a card in the channel thread: Teams sends the button's data as `value`, no text. */
function submit(serviceUrl: string, value: unknown, from: Person, cardId: string, root: string) {
  return {
    ...base(serviceUrl, from, {
      isGroup: true,
      conversationType: 'channel',
      tenantId: TENANT,
      id: `${CHANNEL};messageid=${root}`,
    }),
    type: 'message',
    replyToId: cardId,
    value,
    channelData: {
      channel: { id: CHANNEL },
      team: { id: TEAM },
      tenant: { id: TENANT },
      source: { name: 'message' },
      legacy: { replyToId: cardId },
    },
  };
}

const cardOf = (call: ConnectorCall) => {
  expect(call.body.attachments).toHaveLength(1);
  expect(call.body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
  return call.body.attachments[0].content;
};
const cardText = (call: ConnectorCall): string => JSON.stringify(cardOf(call));

/** The Action.Submit buttons anywhere in a card. */
function submitActions(node: unknown): Array<{ title: string; data: unknown }> {
  if (!node || typeof node !== 'object') return [];
  if (Array.isArray(node)) return node.flatMap(submitActions);
  const n = node as Record<string, unknown>;
  const own = n.type === 'Action.Submit' ? [{ title: String(n.title), data: n.data }] : [];
  return [...own, ...Object.values(n).flatMap(submitActions)];
}

async function postActivity(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const raw = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined,
  };
}

async function serve(app: App, adapter: ChatAdapter): Promise<{ http: FastifyInstance; url: string }> {
  const http = createHttpServer({
    log: app.log,
    metrics: app.metrics,
    bodyLimitBytes: app.config.http.bodyLimitBytes,
    readiness: [],
  });
  await http.register(adapter.routes);
  const address = await http.listen({ port: 0, host: '127.0.0.1' });
  return { http, url: address };
}

describe('Teams adapter (TEAMS_AUTH=off, fake connector on loopback)', () => {
  let app: App;
  let logs: () => string;
  let adapter: ChatAdapter;
  let connector: FakeConnector;
  let http: FastifyInstance;
  let url: string;

  beforeEach(async () => {
    ({ app, logs } = await testApp({ TEAMS_AUTH: 'off' }));
    await app.startWorkers();
    connector = await startFakeConnector();
    adapter = createTeamsAdapter({
      config: app.config.teams,
      conversation: app.conversation,
      db: app.store.db,
      log: app.log,
    });
    ({ http, url } = await serve(app, adapter));
  });
  afterEach(async () => {
    await http.close();
    await connector.close();
    await app.close();
  });

  it('warns at start that auth is off', () => {
    expect(logs()).toMatch(/TEAMS_AUTH=off: \/api\/messages accepts activities without a Bot Framework token/);
  });

  it(
    'answers `status` typed in a personal chat with an Adaptive Card, ' +
      'then edits that same activity with the result',
    async () => {
      const activity = personalMessage(connector.serviceUrl, 'status');
      const res = await postActivity(url, activity);
      expect(res.status).toBe(200);

      const [first] = await connector.waitFor((calls) => calls.length >= 1);
      expect(first).toMatchObject({
        method: 'POST',
        kind: 'reply',
        conversationId: PERSONAL,
        activityId: activity.id,
        status: 201,
      });
      expect(first.body).toMatchObject({
        type: 'message',
        channelId: 'msteams',
        from: BOT,
        conversation: { id: PERSONAL, conversationType: 'personal' },
      });
      expect(cardOf(first)).toMatchObject({ type: 'AdaptiveCard', version: '1.5' });
      expect(cardText(first)).toMatch(/Checking every service over the last hour/);
      expect(first.body.summary).toMatch(/Checking every service/);

      const services = (await app.source.services()).map((s) => s.name);
      const calls = await connector.waitFor((cs) =>
        cs.some((c) => c.kind === 'update' && services.every((s) => cardText(c).includes(s))),
      );
      const updates = calls.filter((c) => c.kind === 'update');
      for (const u of updates)
        expect(u).toMatchObject({ method: 'PUT', conversationId: PERSONAL, activityId: first.createdId, status: 200 });
      const final = updates[updates.length - 1];
      expect(cardText(final)).not.toMatch(/Checking every service/);
      expect(cardText(final)).toMatch(/UNHEALTHY/);
      // One message, edited in place: no second post.
      expect(calls.filter((c) => c.kind !== 'update')).toHaveLength(1);
    },
  );

  it(
    'strips the @mention in a channel, replies in the thread, ' + 'and runs a job command with its result in place',
    async () => {
      const activity = channelMessage(connector.serviceUrl, 'anomalies checkout-api');
      expect((await postActivity(url, activity)).status).toBe(200);
      const [first] = await connector.waitFor((calls) => calls.length >= 1);
      // Replies go to the thread the post opened: conversation id with ;messageid=<root>, replyToId the post.
      expect(first).toMatchObject({
        kind: 'reply',
        conversationId: `${CHANNEL};messageid=${activity.id}`,
        activityId: activity.id,
      });
      expect(first.path).toBe(`/v3/conversations/${CHANNEL};messageid=${activity.id}/activities/${activity.id}`);
      expect(cardText(first)).toMatch(/Looking for anomalies in [^"]*checkout-api/);
      const calls = await connector.waitFor((cs) =>
        cs.some((c) => c.kind === 'update' && !/Looking for anomalies/.test(cardText(c))),
      );
      const final = calls.filter((c) => c.kind === 'update').pop() as ConnectorCall;
      expect(final).toMatchObject({
        method: 'PUT',
        conversationId: `${CHANNEL};messageid=${activity.id}`,
        activityId: first.createdId,
      });
      expect(cardText(final)).toMatch(/(anomal(y|ies) in|anomalous of) \d+ series over the last hour/);
    },
  );

  it('understands the text without the bot mention (help, not "I didn\'t understand")', async () => {
    await postActivity(url, channelMessage(connector.serviceUrl, 'help'));
    const [first] = await connector.waitFor((calls) => calls.length >= 1);
    expect(cardText(first)).toMatch(/Here is what I can do/);
    expect(cardText(first)).not.toMatch(/didn't understand/);
  });

  it('runs a card button (Action.Submit) through the same handlers and RBAC as typing it', async () => {
    const olivia = await app.auth.users.create({
      email: 'olivia@example.com',
      password: 'correct horse battery staple',
      role: 'operator',
      name: 'olivia',
    });
    app.auth.users.link(olivia.id, 'teams', OLIVIA.aadObjectId);

    // The operator asks for a remediation; its card carries Approve / Deny buttons.
    const asked = channelMessage(connector.serviceUrl, '/ops restart checkout-api', OLIVIA);
    await postActivity(url, asked);
    const [plan] = await connector.waitFor((calls) => calls.some((c) => /Approve/.test(JSON.stringify(c.body))));
    const approve = submitActions(cardOf(plan)).find((a) => a.title === 'Approve');
    expect(approve?.data).toEqual({ sco: 'cmd', command: expect.stringMatching(/^approve r[0-9a-f]{6}$/) });
    const command = (approve?.data as { command: string }).command;

    // A viewer (unlinked: the default role) presses Approve in the thread...
    const press = submit(connector.serviceUrl, approve?.data, VICTOR, plan.createdId ?? '', asked.id);
    expect((await postActivity(url, press)).status).toBe(200);
    const pressed = (await connector.waitFor((calls) => calls.length >= 2))[1];
    expect(pressed).toMatchObject({
      kind: 'reply',
      conversationId: `${CHANNEL};messageid=${asked.id}`,
      activityId: press.id,
    });
    expect(cardText(pressed)).toMatch(/needs the approver role; you are viewer/);

    // ...and is refused exactly as when typing the command.
    await postActivity(url, channelMessage(connector.serviceUrl, command, VICTOR, asked.id));
    const typed = (await connector.waitFor((calls) => calls.length >= 3))[2];
    expect(cardOf(typed)).toEqual(cardOf(pressed));
    const denials = app.auth.audit.list({ action: 'command.approve' });
    expect(denials).toHaveLength(2);
    for (const d of denials) expect(d).toMatchObject({ actor: `teams:${VICTOR.aadObjectId}`, outcome: 'denied' });
  });

  it("runs a harmless button press for anyone: the help card's Jobs button lists jobs", async () => {
    await postActivity(url, channelMessage(connector.serviceUrl, 'help'));
    const [help] = await connector.waitFor((calls) => calls.length >= 1);
    const jobs = submitActions(cardOf(help)).find((a) => a.title === 'Jobs');
    expect(jobs?.data).toEqual({ sco: 'cmd', command: 'jobs' });
    await postActivity(
      url,
      submit(connector.serviceUrl, jobs?.data, VICTOR, help.createdId ?? '', help.activityId ?? ''),
    );
    const listed = (await connector.waitFor((calls) => calls.length >= 2))[1];
    expect(cardText(listed)).toMatch(/No jobs yet/);
  });

  it('ignores a card submit whose value is not one of our buttons, with a log line', async () => {
    const res = await postActivity(
      url,
      submit(connector.serviceUrl, { action: 'approve', id: 'r000000' }, VICTOR, '1', '1'),
    );
    expect(res.status).toBe(200);
    // The HTTP answer comes after the activity was handled: nothing was posted for it.
    expect(connector.calls).toHaveLength(0);
    expect(logs()).toMatch(/Teams message ignored.*a card submit whose value is not one of our buttons/);
  });

  it('stores the conversation reference and posts proactively: top level, in the thread, and edits', async () => {
    await postActivity(url, channelMessage(connector.serviceUrl, 'help'));
    await connector.waitFor((calls) => calls.length >= 1);
    const row = app.store.db.prepare('SELECT conversation_id, reference FROM teams_conversations').all() as Array<{
      conversation_id: string;
      reference: string;
    }>;
    expect(row.map((r) => r.conversation_id)).toEqual([CHANNEL]);
    const stored = JSON.parse(row[0].reference);
    expect(stored).toEqual({
      channelId: 'msteams',
      serviceUrl: connector.serviceUrl,
      locale: 'en-US',
      conversation: { id: CHANNEL, conversationType: 'channel', tenantId: TENANT, isGroup: true },
      agent: BOT,
    });

    const posted = await adapter.poster.post(
      CHANNEL,
      reply('warning', header('Incident INC-1: checkout-api error rate'), text('opened from Alertmanager')),
    );
    const top = connector.calls[1];
    expect(top).toMatchObject({
      method: 'POST',
      kind: 'send',
      conversationId: CHANNEL,
      path: `/v3/conversations/${CHANNEL}/activities`,
    });
    expect(cardText(top)).toMatch(/Incident INC-1/);
    expect(posted).toEqual({ channel: CHANNEL, id: top.createdId, thread: top.createdId });

    const followUp = await adapter.poster.post(
      posted.channel,
      reply('info', text('acknowledged by olivia')),
      posted.thread,
    );
    const inThread = connector.calls[2];
    expect(inThread).toMatchObject({
      method: 'POST',
      kind: 'reply',
      conversationId: `${CHANNEL};messageid=${posted.id}`,
      activityId: posted.id,
    });
    expect(followUp).toEqual({ channel: CHANNEL, id: inThread.createdId, thread: posted.id });

    await adapter.poster.update(posted, reply('success', header('Incident INC-1: resolved')));
    expect(connector.calls[3]).toMatchObject({
      method: 'PUT',
      kind: 'update',
      conversationId: CHANNEL,
      activityId: posted.id,
      status: 200,
    });
    expect(cardText(connector.calls[3])).toMatch(/Incident INC-1: resolved/);
    await adapter.poster.update(followUp, reply('info', text('acknowledged by olivia (edited)')));
    expect(connector.calls[4]).toMatchObject({
      method: 'PUT',
      conversationId: `${CHANNEL};messageid=${posted.id}`,
      activityId: followUp.id,
      status: 200,
    });
  });

  it('remembers a team the bot is added to (conversationUpdate) and forgets it when removed', async () => {
    const general = TEAM;
    const update = (members: 'membersAdded' | 'membersRemoved') => ({
      ...base(connector.serviceUrl, ALICE, {
        isGroup: true,
        conversationType: 'channel',
        tenantId: TENANT,
        id: general,
      }),
      type: 'conversationUpdate',
      [members]: [{ id: BOT.id }],
      channelData: {
        team: { id: TEAM, name: 'Ops' },
        eventType: members === 'membersAdded' ? 'teamMemberAdded' : 'teamMemberRemoved',
        tenant: { id: TENANT },
      },
    });
    expect((await postActivity(url, update('membersAdded'))).status).toBe(200);
    const posted = await adapter.poster.post(general, reply('info', text('hello team')));
    expect(connector.calls[0]).toMatchObject({ kind: 'send', conversationId: general });
    expect(posted.id).toBe(connector.calls[0].createdId);

    expect((await postActivity(url, update('membersRemoved'))).status).toBe(200);
    await expect(adapter.poster.post(general, reply('info', text('still there?')))).rejects.toMatchObject({
      name: 'ChatApiError',
      platform: 'teams',
      code: 'conversation_not_found',
    });
  });

  it('rejects posts to an unknown conversation with ChatApiError, never synchronously', async () => {
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = adapter.poster.post('19:never-seen@thread.tacv2', reply('info', text('hi')));
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(ChatApiError);
    await expect(pending).rejects.toMatchObject({ platform: 'teams', code: 'conversation_not_found' });
    await expect(
      adapter.poster.update({ channel: 'a:nobody', id: '1', thread: '1' }, reply('info', text('hi'))),
    ).rejects.toMatchObject({ code: 'conversation_not_found' });
    expect(connector.calls).toHaveLength(0);
  });

  it('turns connector HTTP errors into ChatApiError with the status', async () => {
    await postActivity(url, personalMessage(connector.serviceUrl, 'help'));
    await connector.waitFor((calls) => calls.length >= 1);
    connector.failNext({ status: 404, code: 'ConversationNotFound', message: 'Conversation not found.' });
    await expect(adapter.poster.post(PERSONAL, reply('info', text('x')))).rejects.toMatchObject({
      name: 'ChatApiError',
      platform: 'teams',
      code: 'conversation_not_found',
      status: 404,
    });
    connector.failNext({ status: 500, code: 'ServiceError' });
    await expect(adapter.poster.post(PERSONAL, reply('info', text('x')))).rejects.toMatchObject({
      code: 'service_error',
      status: 500,
    });
    // An edit of a message the connector never had: its 404.
    await expect(
      adapter.poster.update(
        { channel: PERSONAL, id: 'no-such-activity', thread: 'no-such-activity' },
        reply('info', text('x')),
      ),
    ).rejects.toMatchObject({ code: 'activity_not_found', status: 404 });
  });

  it('logs a connector failure while replying, answers the request, and keeps serving', async () => {
    connector.failNext({ status: 500, code: 'ServiceError', message: 'the connector is having a bad day' });
    const res = await postActivity(url, personalMessage(connector.serviceUrl, 'help'));
    expect(res.status).toBe(200);
    await connector.waitFor((calls) => calls.length >= 1);
    expect(connector.calls[0].status).toBe(500);
    expect(logs()).toMatch(/a Teams message could not be answered.*"status":500/);

    const again = await postActivity(url, personalMessage(connector.serviceUrl, 'help'));
    expect(again.status).toBe(200);
    const calls = await connector.waitFor((cs) => cs.length >= 2);
    expect(calls[1].status).toBe(201);
    expect(cardText(calls[1])).toMatch(/Here is what I can do/);
  });

  it('answers 400 with a JSON error for bodies that are not activities', async () => {
    const bad: Array<[unknown, RegExp]> = [
      ['{"type": "message", ', /invalid request body/],
      [[], /JSON object/],
      [{}, /no type/],
      [{ type: 'message', serviceUrl: connector.serviceUrl }, /no conversation.id/],
      [{ type: 'message', conversation: { id: PERSONAL } }, /serviceUrl/],
      [{ type: 'message', conversation: { id: PERSONAL }, serviceUrl: 'javascript:alert(1)' }, /serviceUrl/],
      [
        {
          type: 'message',
          conversation: { id: PERSONAL },
          serviceUrl: connector.serviceUrl,
          from: 'alice',
          text: 'status',
        },
        /not a Bot Framework activity: from/,
      ],
    ];
    for (const [body, message] of bad) {
      const res = await postActivity(url, body);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({
        error: 'bad_request',
        message: expect.stringMatching(message),
        request_id: expect.any(String),
      });
    }
    expect(connector.calls).toHaveLength(0);
    expect(app.store.db.prepare('SELECT COUNT(*) FROM teams_conversations').pluck().get()).toBe(0);
  });

  it('posts only to Bot Framework hosts or the local machine, even with auth off', async () => {
    const res = await postActivity(url, personalMessage('https://collector.example.net/steal/', 'status'));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'bad_request',
      message: expect.stringMatching(/collector\.example\.net is not an allowed Bot Framework host/),
    });
    expect(app.store.db.prepare('SELECT COUNT(*) FROM teams_conversations').pluck().get()).toBe(0);
  });
});

/** A minimal Entra-style issuer on loopback: JWKS at {authority}/{tenant}/discovery/v2.0/keys. */
async function startIssuer(publicKey: KeyObject, kid: string, hang = false) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (hang) return; // never answers
    if (req.url === `/${TENANT}/discovery/v2.0/keys`) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] }));
      return;
    }
    res.writeHead(404).end();
  });
  const listening = await listenOnLoopback(server);
  const authority = `http://127.0.0.1:${listening.port}`;
  return { authority, issuer: `${authority}/${TENANT}/v2.0`, requests, close: listening.close };
}

describe('Teams adapter authentication', () => {
  const KID = 'test-signing-key';
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let app: App;
  let logs: () => string;
  let issuer: Awaited<ReturnType<typeof startIssuer>>;
  let http: FastifyInstance | undefined;
  let url: string;
  const activity = () => ({
    ...base('http://127.0.0.1:9/', ALICE, { conversationType: 'personal', tenantId: TENANT, id: PERSONAL }),
    type: 'conversationUpdate',
    membersAdded: [{ id: BOT.id }],
    channelData: { tenant: { id: TENANT } },
  });
  const sign = (claims: Record<string, unknown>, key: KeyObject = keys.privateKey, options: jwt.SignOptions = {}) =>
    jwt.sign({ serviceurl: 'https://smba.trafficmanager.net/amer/', tid: TENANT, ...claims }, key, {
      algorithm: 'RS256',
      keyid: KID,
      ...(claims.exp === undefined ? { expiresIn: '10m' } : {}),
      ...options,
    });

  beforeEach(async () => {
    issuer = await startIssuer(keys.publicKey, KID);
  });
  afterEach(async () => {
    await http?.close();
    http = undefined;
    await issuer.close();
    await app.close();
  });

  async function start(env: Record<string, string>, options: { authority?: string; authTimeoutMs?: number } = {}) {
    ({ app, logs } = await testApp(env));
    const adapter = createTeamsAdapter({
      config: app.config.teams,
      conversation: app.conversation,
      db: app.store.db,
      log: app.log,
      ...options,
    });
    ({ http, url } = await serve(app, adapter));
    return adapter;
  }
  const configured = { TEAMS_APP_ID: APP_ID, TEAMS_APP_PASSWORD: 'not-a-real-client-secret', TEAMS_TENANT_ID: TENANT };

  it('answers 503 saying what to set when Teams is not configured', async () => {
    const adapter = await start({});
    const res = await postActivity(url, activity());
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({
      error: 'teams_not_configured',
      message: expect.stringMatching(/TEAMS_APP_ID and TEAMS_APP_PASSWORD \(or TEAMS_AUTH=off for local development\)/),
    });
    await expect(adapter.poster.post(PERSONAL, reply('info', text('x')))).rejects.toMatchObject({
      code: 'not_configured',
    });
  });

  it('refuses a request without a token: 401, JSON error, a log line', async () => {
    await start(configured, { authority: issuer.authority });
    const res = await postActivity(url, activity());
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    expect(res.body).toMatchObject({
      error: 'unauthorized',
      message: expect.stringMatching(/authorization header not found/),
      request_id: expect.any(String),
    });
    expect(logs()).toMatch(/Teams request refused: no valid Bot Framework token/);
    expect(app.store.db.prepare('SELECT COUNT(*) FROM teams_conversations').pluck().get()).toBe(0);
  });

  it('refuses garbage, forged, foreign, misaddressed and expired tokens with 401, and never logs them', async () => {
    await start(configured, { authority: issuer.authority });
    const tokens = [
      'garbage',
      'eyJhbGciOiJub25lIn0.eyJhdWQiOiIwMDAwIn0.',
      // Claims the Bot Framework issuer; its keys are Microsoft's, not ours (unreachable here or not matching).
      sign({}, keys.privateKey, { issuer: 'https://api.botframework.com', audience: APP_ID }),
      // Our issuer's key id, someone else's key.
      sign({}, stranger.privateKey, { issuer: issuer.issuer, audience: APP_ID }),
      sign({}, keys.privateKey, { issuer: issuer.issuer, audience: 'some-other-bot' }),
      sign({ exp: Math.floor(Date.now() / 1000) - 3600 }, keys.privateKey, { issuer: issuer.issuer, audience: APP_ID }),
      sign({}, keys.privateKey, {
        issuer: 'https://sts.windows.net/00000000-0000-0000-0000-0000000e7e11/',
        audience: APP_ID,
      }),
    ];
    for (const token of tokens) {
      const res = await postActivity(url, activity(), { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        error: 'unauthorized',
        message: 'a valid Bot Framework token is required: the token was not accepted',
      });
    }
    // The log says why (the SDK's reasons), the caller does not learn it.
    expect(logs()).toMatch(/"reason":"invalid token"/);
    expect(logs()).toMatch(/"reason":"invalid signature"/);
    expect(logs()).toMatch(/"reason":"Audience mismatch"/);
    expect(logs()).toMatch(/"reason":"jwt expired"/);
    expect(logs()).toMatch(/"reason":"Issuer mismatch"/);
    const wrongScheme = await postActivity(url, activity(), { authorization: 'Basic dXNlcjpwYXNz' });
    expect(wrongScheme.status).toBe(401);
    expect(wrongScheme.body).toMatchObject({ message: expect.stringMatching(/invalid authorization header/) });
    const refusals = logs().match(/Teams request refused/g) ?? [];
    expect(refusals.length).toBe(tokens.length + 1);
    for (const token of tokens.filter((t) => t.length > 20)) expect(logs()).not.toContain(token);
    expect(app.store.db.prepare('SELECT COUNT(*) FROM teams_conversations').pluck().get()).toBe(0);
  });

  it('accepts a valid token, and then still refuses a serviceUrl outside the Bot Framework hosts', async () => {
    await start(configured, { authority: issuer.authority });
    const token = sign({}, keys.privateKey, { issuer: issuer.issuer, audience: APP_ID });
    const res = await postActivity(url, activity(), { authorization: `Bearer ${token}` });
    // Past authentication (not 401): the production allow-list refuses the loopback connector.
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({
      error: 'bad_request',
      message: expect.stringMatching(/127\.0\.0\.1:9 is not an allowed Bot Framework host/),
    });
    expect(issuer.requests).toContain(`/${TENANT}/discovery/v2.0/keys`);
    expect(logs()).not.toContain(token);
  });

  it('refuses with 401 instead of hanging when the signing keys cannot be fetched', async () => {
    const silent = await startIssuer(keys.publicKey, KID, true);
    try {
      await start(configured, { authority: silent.authority, authTimeoutMs: 500 });
      const token = sign({}, keys.privateKey, { issuer: silent.issuer, audience: APP_ID });
      const res = await postActivity(url, activity(), { authorization: `Bearer ${token}` });
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({
        error: 'unauthorized',
        message: expect.stringMatching(/could not be verified within 500 ms/),
      });
      expect(silent.requests).toContain(`/${TENANT}/discovery/v2.0/keys`);
    } finally {
      await silent.close();
    }
  });
});
