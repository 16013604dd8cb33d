import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { recordedSlackRequests } from '../helpers/slack-fixtures';
import { postSigned } from '../helpers/slack-payloads';
import { listenForSlack } from '../helpers/slack-serve';

const SECRET = 'recorded-signing-secret-0123456789abcdef';

/** Where the bot must answer each recorded request, and something its answer says. */
const EXPECTED = {
  app_mention: { channel: 'C0123ABCDEF', thread: '1715265024.117629', says: /Here is what I can do/ },
  message_im: { channel: 'D0123ABCDEF', thread: undefined, says: /No jobs yet/ },
  slash_command: { channel: 'C0123ABCDEF', thread: undefined, says: /Here is what I can do.*alice asked: \/ops help/ },
  block_actions: { channel: 'C0123ABCDEF', thread: '1715265024.117629', says: /No jobs yet/ },
} as const;

/**
 * Slack's recorded requests (tests/fixtures/slack/), signed again here with a test signing secret
 * and a fresh X-Slack-Request-Timestamp (`v0=` HMAC-SHA256 of `v0:<timestamp>:<body>`), POSTed to
 * `/slack/events` on the side-app and run by the real Bolt app; the bot's reply must reach the
 * fake Slack Web API.
 */
describe('recorded Slack requests, re-signed, through the real Bolt app', () => {
  let fake: FakeSlack;
  let app: App;
  let http: FastifyInstance;
  let events: string;

  beforeEach(async () => {
    fake = await startFakeSlack({ channels: ['C0123ABCDEF'] });
    ({ app } = await testApp({
      SLACK_BOT_TOKEN: fake.botToken,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: fake.url,
      DEFAULT_ROLE: 'viewer',
    }));
    http = createHttpForApp(app);
    events = await listenForSlack(http);
    await app.startChat();
  });
  afterEach(async () => {
    await http.close();
    await app.close();
    await fake.close();
  });

  it.each(Object.keys(EXPECTED) as Array<keyof typeof EXPECTED>)(
    '%s: acknowledged, then answered in its channel and thread',
    async (name) => {
      const expected = EXPECTED[name];
      const res = await postSigned(events, recordedSlackRequests()[name], SECRET);
      expect(res.status).toBe(200);
      const posted = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok);
      expect(posted.args.channel).toBe(expected.channel);
      expect(posted.args.thread_ts).toBe(expected.thread);
      expect(JSON.stringify(posted.args.blocks)).toMatch(expected.says);
    },
  );

  it('refuses a recorded request signed with another secret', async () => {
    const res = await postSigned(events, recordedSlackRequests().app_mention, 'some-other-secret-0123456789abcdef');
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.callsOf('chat.postMessage')).toHaveLength(0);
  });
});
