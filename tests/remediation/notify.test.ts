import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { startFakeConnector, type ConnectorCall, type FakeConnector } from '../helpers/fake-connector';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../helpers/fake-slack';
import { appMention, blockAction, postSigned } from '../helpers/slack-payloads';
import { jwtSecret, PASSWORD } from '../http/http-app';
import { describeIfRedis, TEST_REDIS_URL } from '../helpers/redis';
import { obliterateBullmqQueue } from '../../src/queue/bullmq/queue';

/**
 * issue 13.12: the requester's thread hears what became of its remediation whoever approved it
 * and from wherever: "approved by X, running", then the result, exactly once. Real Bolt against
 * the fake Slack Web API, the real Teams adapter against the fake connector (auth off), REST.
 */
const SECRET = 'slack-signing-secret-notify-0123456789';
const OLIVIA_SLACK = 'U0OLIVIA';
const ADA_SLACK = 'U0ADA';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT = { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'SmartCloudOps' };
const TEAMS_CHANNEL = '19:0f3c1e2a9b5d4c7e8f6a1b2c3d4e5f60@thread.tacv2';
const OLIVIA_TEAMS = { id: '29:1Olivia-teams-user-id', name: 'Olivia Operator', aadObjectId: 'aad-olivia' };

/** The whole story, with the jobs run by this process, or (`runner`) by another one on the same store and Redis. */
function story(env: () => Record<string, string>, runner?: (db: string, chat: Record<string, string>) => Promise<App>) {
  let fake: FakeSlack;
  let connector: FakeConnector;
  let app: App;
  let http: FastifyInstance;
  let base: string;
  let other: App | undefined;

  beforeEach(async () => {
    fake = await startFakeSlack();
    connector = await startFakeConnector();
    ({ app } = await testApp({
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.url,
      TEAMS_AUTH: 'off',
      JWT_SECRET: jwtSecret(),
      ...env(),
    }));
    const olivia = await app.auth.users.create({
      email: 'olivia@example.com',
      password: PASSWORD,
      role: 'operator',
      name: 'olivia',
    });
    const ada = await app.auth.users.create({
      email: 'ada@example.com',
      password: PASSWORD,
      role: 'approver',
      name: 'ada',
    });
    app.auth.users.link(olivia.id, 'slack', OLIVIA_SLACK);
    app.auth.users.link(olivia.id, 'teams', OLIVIA_TEAMS.aadObjectId);
    app.auth.users.link(ada.id, 'slack', ADA_SLACK);
    http = createHttpForApp(app);
    await http.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    if (runner)
      other = await runner(app.config.databasePath, {
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.url,
        TEAMS_AUTH: 'off',
      });
    else await app.startWorkers();
    await app.startChat();
  });
  afterEach(async () => {
    await http.close();
    await other?.close();
    await app.close();
    await connector.close();
    await fake.close();
  });

  const current = (m: FakeMessage) => JSON.stringify(m.versions[m.versions.length - 1]);
  const latestRequest = () =>
    (
      app.store.db
        .prepare('SELECT id FROM remediation_requests ORDER BY created_at DESC, rowid DESC LIMIT 1')
        .get() as { id: string }
    ).id;
  const mention = (userId: string, channelId: string, said: string, threadTs?: string) =>
    postSigned(
      `${base}/slack/events`,
      appMention({ userId, channelId, text: `<@U0BOT> ${said}`, ...(threadTs ? { threadTs } : {}) }),
      SECRET,
    );
  /** Olivia asks in a Slack channel; the plan card lands in the thread her message opened. */
  async function requestInSlack(said: string): Promise<{ id: string; thread: string }> {
    const asked = appMention({ userId: OLIVIA_SLACK, channelId: 'C0OPS', text: `<@U0BOT> ${said}` });
    expect((await postSigned(`${base}/slack/events`, asked, SECRET)).status).toBe(200);
    const thread = (asked.envelopePayload as { event: { ts: string } }).event.ts;
    await waitFor(
      async () => fake.replies('C0OPS', thread).find((m) => /Approve/.test(current(m))),
      10_000,
      'the plan card in the thread',
    );
    return { id: latestRequest(), thread };
  }
  async function approveOverRest(id: string): Promise<number> {
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: PASSWORD }),
    });
    const { access_token } = (await login.json()) as { access_token: string };
    return (
      await fetch(`${base}/api/v1/remediations/${id}/approve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${access_token}` },
      })
    ).status;
  }
  const resultIn = (messages: FakeMessage[], id: string) =>
    messages.filter((m) => new RegExp(`Remediation ${id}: restart \\S+ done`).test(current(m)));

  it(
    'request in Slack, approved over REST by someone else: ' + 'the thread gets the note and the result, once each',
    async () => {
      const { id, thread } = await requestInSlack('/ops restart inventory');
      expect(await approveOverRest(id)).toBe(202);
      await waitFor(
        async () => (resultIn(fake.replies('C0OPS', thread), id).length ? true : undefined),
        15_000,
        'the result in the request thread',
      );
      await app.queue.waitUntilFinished(id, 10_000);
      await new Promise((r) => setTimeout(r, 300)); // a second post, if one were coming, has had its chance
      const replies = fake.replies('C0OPS', thread);
      expect(resultIn(replies, id)).toHaveLength(1);
      expect(
        replies.filter((m) => /Approved by ada\d*; running `restart inventory` now/.test(current(m))),
      ).toHaveLength(1);
      expect(fake.messages().filter((m) => m.thread_ts !== thread && resultIn([m], id).length)).toHaveLength(0);
    },
  );

  it(
    'approved with the button in the same thread: the result comes once (the conversation edits it in; ' +
      'no second post)',
    async () => {
      const { id, thread } = await requestInSlack('/ops restart inventory');
      const card = fake.replies('C0OPS', thread).find((m) => /Approve/.test(current(m)))!;
      const pressed = blockAction({
        userId: ADA_SLACK,
        channelId: 'C0OPS',
        messageTs: card.ts,
        threadTs: thread,
        value: `approve ${id}`,
        responseUrl: fake.responseUrl('actions'),
      });
      expect((await postSigned(`${base}/slack/events`, pressed, SECRET)).status).toBe(200);
      await waitFor(
        async () => (resultIn(fake.replies('C0OPS', thread), id).length ? true : undefined),
        15_000,
        'the result in the request thread',
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(resultIn(fake.replies('C0OPS', thread), id)).toHaveLength(1);
      expect(fake.replies('C0OPS', thread).filter((m) => /Approved by ada/.test(current(m)))).toHaveLength(0);
    },
  );

  it('request in Teams, approved in Slack: the Teams thread gets the note and the result', async () => {
    const root = String(Date.now());
    const activity = {
      id: root,
      type: 'message',
      timestamp: new Date().toISOString(),
      serviceUrl: connector.serviceUrl,
      channelId: 'msteams',
      from: OLIVIA_TEAMS,
      recipient: BOT,
      textFormat: 'plain',
      conversation: {
        isGroup: true,
        conversationType: 'channel',
        tenantId: TENANT,
        id: `${TEAMS_CHANNEL};messageid=${root}`,
      },
      text: `<at>${BOT.name}</at> /ops restart inventory`,
      entities: [{ type: 'mention', mentioned: { id: BOT.id, name: BOT.name }, text: `<at>${BOT.name}</at>` }],
      channelData: { teamsChannelId: TEAMS_CHANNEL, channel: { id: TEAMS_CHANNEL }, tenant: { id: TENANT } },
    };
    expect(
      (
        await fetch(`${base}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(activity),
        })
      ).status,
    ).toBe(200);
    await connector.waitFor((calls) => calls.some((c) => /Approve/.test(JSON.stringify(c.body))), 10_000);
    const id = latestRequest();

    expect((await mention(ADA_SLACK, 'C0OPS', `approve ${id}`)).status).toBe(200);
    const inThread = (c: ConnectorCall) =>
      c.conversationId === `${TEAMS_CHANNEL};messageid=${root}` && c.kind !== 'update';
    const result = (c: ConnectorCall) =>
      new RegExp(`Remediation ${id}: restart inventory done`).test(JSON.stringify(c.body));
    const calls = await connector.waitFor((cs) => cs.some((c) => inThread(c) && result(c)), 15_000);
    // Teams shows code without the backticks.
    expect(
      calls.filter(
        (c) => inThread(c) && /Approved by ada\d*; running `?restart inventory`? now/.test(JSON.stringify(c.body)),
      ),
    ).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(connector.calls.filter((c) => inThread(c) && result(c))).toHaveLength(1);
    // The approver's Slack thread has it too, from its own conversation.
    await waitFor(
      async () => (resultIn(fake.messages('C0OPS'), id).length ? true : undefined),
      10_000,
      'the result where ada approved',
    );
  });
}

describe('issue 13.12: the requester is told, wherever the approval came from', () => story(() => ({})));

// The embedded queue tells only the process that ran the job: the notifier's sweep finds the result.
describe('issue 13.12 on the embedded queue: the job runs in another process on the same store', () =>
  story(
    () => ({}),
    async (db) => {
      const { app: runner } = await testApp({ DATABASE_PATH: db });
      await runner.startWorkers();
      return runner;
    },
  ));

describeIfRedis('issue 13.12 on Redis: the job runs in another process; queue events still reach the notifier', () => {
  const queueName = `sco-notify-${process.pid}-${Date.now()}`;
  afterAll(async () => {
    for (const name of [queueName, `${queueName}-control`])
      await obliterateBullmqQueue({ redisUrl: TEST_REDIS_URL, name });
  });
  // This app serves chat and REST and works no jobs; a second control-plane process on the same store runs them.
  story(
    () => ({ REDIS_URL: TEST_REDIS_URL, QUEUE_NAME: queueName }),
    async (db) => {
      const { app: runner } = await testApp({ REDIS_URL: TEST_REDIS_URL, QUEUE_NAME: queueName, DATABASE_PATH: db });
      await runner.startWorkers();
      return runner;
    },
  );
});

describeIfRedis(
  'issue 13.12 with two serve processes on one store and Redis: each thread still hears each notice once',
  () => {
    const queueName = `sco-notify2-${process.pid}-${Date.now()}`;
    afterAll(async () => {
      for (const name of [queueName, `${queueName}-control`])
        await obliterateBullmqQueue({ redisUrl: TEST_REDIS_URL, name });
    });
    // Both processes hear every queue event and both can post to Slack and Teams (two `serve` behind
    // one load balancer): the notice is claimed in the shared store, so only one of them posts it.
    story(
      () => ({ REDIS_URL: TEST_REDIS_URL, QUEUE_NAME: queueName }),
      async (db, chat) => {
        const { app: second } = await testApp({
          REDIS_URL: TEST_REDIS_URL,
          QUEUE_NAME: queueName,
          DATABASE_PATH: db,
          JWT_SECRET: jwtSecret(),
          ...chat,
        });
        await second.startWorkers();
        await second.startChat();
        return second;
      },
    );
  },
);
