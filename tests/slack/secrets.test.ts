import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { DURING_BURST, testApp } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { appMention, postSigned, slashCommand, SLACK_IDS } from '../helpers/slack-payloads';

const SECRET = 'slack-signing-secret-0123456789abcdef';
const ALICE = 'U0ALICE';

/** An API key exactly as `apikey create` prints one: `sco_<12 hex id>_<43 base64url>`. */
function apiKey(): { key: string; id: string } {
  const id = randomBytes(6).toString('hex');
  return { key: `sco_${id}_${randomBytes(32).toString('base64url')}`, id };
}

/**
 * A key typed into Slack goes through the real Bolt app; everything the bot then sends to Slack
 * (posts, edits, ephemeral answers, uploaded files) is searched for it.
 */
describe(
  'issue 13.8: a slash command holding an API key is not echoed into the ' + 'channel (real Bolt, fake Slack)',
  () => {
    let fake: FakeSlack;
    let app: App;
    let http: FastifyInstance;
    let events: string;

    beforeEach(async () => {
      fake = await startFakeSlack();
      ({ app } = await testApp(
        {
          SLACK_BOT_TOKEN: fake.botToken,
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: fake.url,
          DEFAULT_ROLE: 'viewer',
        },
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

    /** Everything the bot sent to Slack, as one string. */
    const sent = () =>
      JSON.stringify([
        fake.calls.map((c) => c.args),
        fake.responses.map((r) => r.body),
        fake.uploads.map((u) => u.bytes.toString()),
      ]);
    const secretParts = (key: string) => [key, key.slice(17), key.slice(-20)];

    it('`/ops status sco_…`: no post or edit carries the key, and the reply says to revoke it', async () => {
      const { key, id } = apiKey();
      const res = await postSigned(
        events,
        slashCommand({ text: `status ${key}`, userId: ALICE, channelId: 'C0OPS', responseUrl: fake.responseUrl() }),
        SECRET,
      );
      expect(res.status).toBe(200);
      const posted = await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
      // Let any later edit of the message land.
      await new Promise((r) => setTimeout(r, 500));
      const out = sent();
      for (const part of secretParts(key)) expect(out).not.toContain(part);
      expect(JSON.stringify(posted.args.blocks)).toMatch(/asked: \/ops status \[REDACTED\]/);
      const [message] = fake.messages('C0OPS');
      expect(JSON.stringify(message.versions[message.versions.length - 1])).toMatch(
        new RegExp(`revoke[^"]*apikey revoke ${id}`),
      );
    });

    it('where the bot may not post, the private answer (response_url) does not carry the key either', async () => {
      const { key } = apiKey();
      await postSigned(
        events,
        slashCommand({ text: `restart ${key}`, userId: ALICE, channelId: 'C0SECRET', responseUrl: fake.responseUrl() }),
        SECRET,
      );
      await fake.waitForResponse(undefined, 15_000);
      await new Promise((r) => setTimeout(r, 500));
      for (const part of secretParts(key)) expect(sent()).not.toContain(part);
      expect(sent()).toMatch(/REDACTED/);
    });

    it('a mention holding a Slack token gets the warning too, and the token is not echoed', async () => {
      const token = `xoxb-${randomBytes(6).toString('hex')}-${randomBytes(12).toString('hex')}`;
      await postSigned(
        events,
        appMention({ text: `<@${SLACK_IDS.botUser}> is ${token} valid?`, userId: ALICE, channelId: 'C0OPS' }),
        SECRET,
      );
      await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
      await waitFor(async () => (/revoke/.test(sent()) ? true : undefined), 5000, 'the warning');
      expect(sent()).not.toContain(token);
    });
  },
);
