import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { DURING_BURST, testApp } from '../helpers/app';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { postSigned, slashCommand } from '../helpers/slack-payloads';

/**
 * issue 13.9 (trial): without Redis, the requests Slack sent are remembered in the store, so a
 * captured slash command replayed after a restart of `serve` (or to a second process on the same
 * store) is still one request. It used to live in the process's memory only.
 */
const SECRET = 'slack-signing-secret-restart-0123456789';
const ALICE = 'U0ALICE';

const requests = (app: App) =>
  (app.store.db.prepare('SELECT COUNT(*) AS n FROM remediation_requests').get() as { n: number }).n;

describe('issue 13.9 (trial): a Slack replay after a restart is still dropped (store, no Redis)', () => {
  let fake: FakeSlack;
  const open: Array<{ app: App; http: FastifyInstance }> = [];

  beforeEach(async () => {
    fake = await startFakeSlack();
  });
  afterEach(async () => {
    for (const { app, http } of open.splice(0)) {
      await http.close();
      await app.close();
    }
    await fake.close();
  });

  /** A `serve` on `db` (a new temp store when absent): its Slack events URL. */
  async function serve(db?: string): Promise<{ app: App; url: string }> {
    const { app } = await testApp(
      {
        SLACK_BOT_TOKEN: fake.botToken,
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: fake.url,
        ...(db ? { DATABASE_PATH: db } : {}),
      },
      DURING_BURST,
    );
    const http = createHttpForApp(app);
    await http.listen({ port: 0, host: '127.0.0.1' });
    open.push({ app, http });
    await app.startWorkers();
    await app.startChat();
    return { app, url: `http://127.0.0.1:${(http.server.address() as { port: number }).port}/slack/events` };
  }

  it('the same signed /ops restart sent before and after a restart makes one request', async () => {
    const first = await serve();
    const alice = await first.app.auth.users.create({
      email: 'alice@example.com',
      password: 'operator pass phrase',
      role: 'operator',
      name: 'alice',
    });
    first.app.auth.users.link(alice.id, 'slack', ALICE);
    const command = slashCommand({
      text: 'restart inventory',
      userId: ALICE,
      channelId: 'C0OPS',
      responseUrl: fake.responseUrl(),
    });
    const timestampS = Math.floor(Date.now() / 1000);
    expect((await postSigned(first.url, command, SECRET, { timestampS })).status).toBe(200);
    await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
    expect(requests(first.app)).toBe(1);
    const db = first.app.config.databasePath;
    const { app, http } = open.pop() as { app: App; http: FastifyInstance };
    await http.close();
    await app.close();

    const second = await serve(db);
    expect((await postSigned(second.url, command, SECRET, { timestampS })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500)); // a replay that got through has had its chance to act
    expect(requests(second.app)).toBe(1);
    expect(fake.callsOf('chat.postMessage').filter((c) => c.ok)).toHaveLength(1);
  });
});
