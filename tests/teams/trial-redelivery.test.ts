import type { FastifyInstance } from 'fastify';
import { createTeamsAdapter } from '../../src/adapters/teams/adapter';
import { createHttpServer } from '../../src/http/server';
import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';
import { startFakeConnector, type FakeConnector } from '../helpers/fake-connector';

/**
 * The Bot Framework redelivers an activity it thinks was not taken (a slow answer), and with
 * TEAMS_AUTH on a captured activity stays acceptable while its token lives: the same activity id
 * in the same conversation must act once, as a Slack event retry does.
 */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT = { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'SmartCloudOps' };
const PERSONAL = 'a:1mK9Dq7vXc_personal-chat-with-olivia';
const OLIVIA = { id: '29:1Olivia-teams-user-id', name: 'Olivia Operator', aadObjectId: 'aad-olivia' };

let seq = 0;
function personalMessage(serviceUrl: string, said: string) {
  const now = new Date().toISOString();
  return {
    id: String(1_733_000_000_000 + ++seq),
    timestamp: now,
    localTimestamp: now,
    serviceUrl,
    channelId: 'msteams',
    from: OLIVIA,
    conversation: { conversationType: 'personal', tenantId: TENANT, id: PERSONAL },
    recipient: BOT,
    locale: 'en-US',
    type: 'message',
    textFormat: 'plain',
    text: said,
    channelData: { tenant: { id: TENANT } },
  };
}

async function postActivity(url: string, body: unknown): Promise<number> {
  const res = await fetch(`${url}/api/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

describe('issue 13.9 (trial): a Teams activity delivered twice acts once (TEAMS_AUTH=off, fake connector)', () => {
  let app: App;
  let connector: FakeConnector;
  let http: FastifyInstance;
  let url: string;

  beforeEach(async () => {
    ({ app } = await testApp({ TEAMS_AUTH: 'off', DEFAULT_ROLE: 'operator' }));
    await app.startWorkers();
    connector = await startFakeConnector();
    const adapter = createTeamsAdapter({
      config: app.config.teams,
      conversation: app.conversation,
      db: app.store.db,
      log: app.log,
    });
    http = createHttpServer({
      log: app.log,
      metrics: app.metrics,
      bodyLimitBytes: app.config.http.bodyLimitBytes,
      readiness: [],
    });
    await http.register(adapter.routes);
    url = await http.listen({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await http.close();
    await connector.close();
    await app.close();
  });

  const requests = () =>
    (app.store.db.prepare('SELECT COUNT(*) AS n FROM remediation_requests').get() as { n: number }).n;
  const posts = () => connector.calls.filter((c) => c.kind !== 'update');

  it(
    '`/ops restart inventory` redelivered with the same activity id makes one request and one reply; ' +
      'a new activity is taken',
    async () => {
      const activity = personalMessage(connector.serviceUrl, '/ops restart inventory');
      expect(await postActivity(url, activity)).toBe(200);
      expect(await postActivity(url, activity)).toBe(200);
      await connector.waitFor((calls) => calls.some((c) => c.kind !== 'update'));
      await new Promise((r) => setTimeout(r, 500));
      expect(requests()).toBe(1);
      expect(posts()).toHaveLength(1);

      expect(await postActivity(url, personalMessage(connector.serviceUrl, 'help'))).toBe(200);
      await connector.waitFor((calls) => calls.filter((c) => c.kind !== 'update').length >= 2);
    },
  );
});
