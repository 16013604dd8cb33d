import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { startFakeSlack, type FakeSlack } from '../helpers/fake-slack';
import { ALICE, listenForSlack, operatorApp, requests, serveProcess, SLACK_SECRET } from '../helpers/slack-serve';
import { describeIfRedis, TEST_REDIS_URL } from '../helpers/redis';
import { appMention, blockAction, postSigned, slashCommand } from '../helpers/slack-payloads';

/**
 * The independent trial's cases on the real Bolt app against fake Slack: replays the first
 * round's tests did not send, and secrets typed in shapes they did not try.
 */
/** Waits for the first reply, then gives a replay every chance to act before counting. */
async function settle(fake: FakeSlack): Promise<void> {
  await fake.waitFor((c) => c.method === 'chat.postMessage' && c.ok, 15_000);
  await new Promise((r) => setTimeout(r, 500));
}

const posts = (fake: FakeSlack) => fake.callsOf('chat.postMessage').filter((c) => c.ok);

describe(
  'issue 13.9 (trial): a request re-signed with a new timestamp is still ' + 'one request (real Bolt, fake Slack)',
  () => {
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

    it('a button press replayed with a new timestamp (same trigger_id and action_ts) has one effect', async () => {
      const press = blockAction({
        userId: ALICE,
        channelId: 'C0OPS',
        messageTs: '1732600000.000100',
        value: '/ops restart inventory',
        label: 'Restart inventory',
      });
      const nowS = Math.floor(Date.now() / 1000);
      expect((await postSigned(events, press, SLACK_SECRET, { timestampS: nowS })).status).toBe(200);
      expect((await postSigned(events, press, SLACK_SECRET, { timestampS: nowS + 1 })).status).toBe(200);
      expect((await postSigned(events, press, SLACK_SECRET, { timestampS: nowS - 30 })).status).toBe(200);
      await settle(fake);
      expect(requests(app)).toBe(1);
      expect(posts(fake)).toHaveLength(1);
    });

    it('a slash command replayed with a new timestamp (same trigger_id) has one effect', async () => {
      const command = slashCommand({
        text: 'restart inventory',
        userId: ALICE,
        channelId: 'C0OPS',
        responseUrl: fake.responseUrl(),
      });
      const nowS = Math.floor(Date.now() / 1000);
      expect((await postSigned(events, command, SLACK_SECRET, { timestampS: nowS })).status).toBe(200);
      expect((await postSigned(events, command, SLACK_SECRET, { timestampS: nowS + 2 })).status).toBe(200);
      await settle(fake);
      expect(requests(app)).toBe(1);
      expect(posts(fake)).toHaveLength(1);
    });

    it('an app_mention sent again byte for byte, and again with a new timestamp, is answered once', async () => {
      const mention = appMention({ text: '<@U0BOT> restart inventory', userId: ALICE, channelId: 'C0OPS' });
      const nowS = Math.floor(Date.now() / 1000);
      for (const t of [nowS, nowS, nowS + 5])
        expect((await postSigned(events, mention, SLACK_SECRET, { timestampS: t })).status).toBe(200);
      await settle(fake);
      // A mention in plain words is echoed as the exact command and waits for `yes`: one question.
      expect(posts(fake)).toHaveLength(1);
    });
  },
);

describeIfRedis(
  "issue 13.9 (trial): with Redis, Slack's retry of an event or a re-signed press reaching another process is " +
    'dropped there too',
  () => {
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

    it("the same event_id with a new timestamp (Slack's retry) on a second process: answered once", async () => {
      const [a, b] = [
        await serveProcess(app, fake, TEST_REDIS_URL, close),
        await serveProcess(app, fake, TEST_REDIS_URL, close),
      ];
      const mention = appMention({ text: '<@U0BOT> restart inventory', userId: ALICE, channelId: 'C0OPS' });
      const nowS = Math.floor(Date.now() / 1000);
      expect((await postSigned(a, mention, SLACK_SECRET, { timestampS: nowS })).status).toBe(200);
      expect(
        (
          await postSigned(b, mention, SLACK_SECRET, {
            timestampS: nowS + 1,
            headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' },
          })
        ).status,
      ).toBe(200);
      await settle(fake);
      expect(posts(fake)).toHaveLength(1);
    });
  },
);

describe(
  'issue 13.8 (trial): a password typed as name=value is not echoed into ' + 'the channel (real Bolt, fake Slack)',
  () => {
    it(
      '`/ops password=…`, `/ops login password: …` and a mention with `token=…`: ' +
        'nothing sent to Slack carries the value',
      async () => {
        const fake = await startFakeSlack();
        const app = await operatorApp(fake);
        const http = createHttpForApp(app);
        try {
          const events = await listenForSlack(http);
          await app.startWorkers();
          await app.startChat();
          const said = ['password=Hunter2Secret', 'login password: Tr0ub4dor3xyz', 'db_password="c0rrect horse"'];
          for (const text of said)
            expect(
              (
                await postSigned(
                  events,
                  slashCommand({ text, userId: ALICE, channelId: 'C0OPS', responseUrl: fake.responseUrl() }),
                  SLACK_SECRET,
                )
              ).status,
            ).toBe(200);
          expect(
            (
              await postSigned(
                events,
                appMention({ text: '<@U0BOT> status token=abcdEFGH12345678', userId: ALICE, channelId: 'C0OPS' }),
                SLACK_SECRET,
              )
            ).status,
          ).toBe(200);
          for (let i = 0; i < 100 && posts(fake).length < 4; i++) await new Promise((r) => setTimeout(r, 100));
          expect(posts(fake)).toHaveLength(4);
          await new Promise((r) => setTimeout(r, 300));
          const out = JSON.stringify([fake.calls.map((c) => c.args), fake.responses.map((r) => r.body)]);
          for (const secret of ['Hunter2Secret', 'Tr0ub4dor3xyz', 'c0rrect horse', 'abcdEFGH12345678'])
            expect(out.toLowerCase()).not.toContain(secret.toLowerCase());
          expect(out).toMatch(/treat it as exposed/);
        } finally {
          await http.close();
          await app.close();
          await fake.close();
        }
      },
    );
  },
);
