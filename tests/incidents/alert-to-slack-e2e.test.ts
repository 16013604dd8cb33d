import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { DURING_BURST, testApp } from '../helpers/app';
import { demoFault } from '../helpers/faults';
import {
  describeIfAlerting,
  startAlerting,
  startScrapeTarget,
  type Alerting,
  type ScrapeTarget,
} from '../helpers/alerting';
import { startFakeSlack, type FakeMessage, type FakeSlack } from '../helpers/fake-slack';
import { blockAction, postSigned } from '../helpers/slack-payloads';

/**
 * An alert from start to finish on real parts: a scrape target -> real Prometheus (rule
 * `demo_errors_ratio > 0.1`) -> real Alertmanager -> POST /webhooks/alertmanager -> an incident
 * -> its card in INCIDENT_CHANNEL on the (fake) Slack -> the automatic investigation of the
 * incident in the card's thread, the suggested remediation as a button -> an operator's Ack button
 * -> the alert clears -> Alertmanager's resolved notification edits the same card and notes it in
 * the thread. The bot's demo fleet plays a config change on `payments` 20 minutes before (DEMO_FAULTS),
 * so the investigation has a root cause to find.
 */
const TOKEN = randomBytes(32).toString('base64url');
const SECRET = 'slack-signing-secret-e2e-0123456789';
const OPERATOR = 'U0OLIVIA';

describeIfAlerting(
  'alert -> incident -> Slack incident channel -> analysis -> resolution (real Prometheus and Alertmanager)',
  () => {
    let fake: FakeSlack;
    let app: App;
    let http: FastifyInstance | undefined;
    let target: ScrapeTarget | undefined;
    let alerting: Alerting | undefined;
    let events = '';

    beforeAll(async () => {
      fake = await startFakeSlack();
      ({ app } = await testApp(
        {
          ALERTMANAGER_WEBHOOK_TOKEN: TOKEN,
          SLACK_BOT_TOKEN: fake.botToken,
          SLACK_SIGNING_SECRET: SECRET,
          SLACK_API_URL: fake.url,
          INCIDENT_CHANNEL: 'C0INCIDENT',
          DEMO_FAULTS: demoFault('config_change', 'payments', '-20m'),
        },
        DURING_BURST,
      ));
      const olivia = await app.auth.users.create({
        email: 'olivia@example.com',
        password: 'operator pass phrase',
        role: 'operator',
        name: 'olivia',
      });
      app.auth.users.link(olivia.id, 'slack', OPERATOR);
      http = createHttpForApp(app);
      await http.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
      events = `${base}/slack/events`;
      await app.startWorkers();
      await app.startChat();
      target = await startScrapeTarget();
      target.set('demo_errors_ratio', { service: 'payments' }, 0.5);
      alerting = await startAlerting({
        webhookUrl: `${base}/webhooks/alertmanager`,
        token: TOKEN,
        target: target.hostPort,
      });
    }, 60_000);

    afterAll(async () => {
      await alerting?.stop();
      await target?.close();
      await http?.close();
      await app?.close();
      await fake?.close();
    }, 20_000);

    const running = () => {
      if (!alerting) throw new Error('the alerting chain did not start (see beforeAll)');
      return alerting;
    };
    const card = (): FakeMessage | undefined => fake.messages('C0INCIDENT').find((m) => !m.thread_ts && m.bot_id);
    const current = (m: FakeMessage | undefined) => JSON.stringify(m?.versions[m.versions.length - 1] ?? {});
    const thread = () => {
      const c = card();
      return c ? fake.replies('C0INCIDENT', c.ts) : [];
    };

    it('posts the new incident to the incident channel with its labels, annotations and links', async () => {
      const posted = await running().waitFor(async () => card(), {
        timeoutMs: 30_000,
        what: 'the incident card in C0INCIDENT',
      });
      const shown = current(posted);
      expect(shown).toMatch(/payments error ratio above 10%/);
      expect(shown).toMatch(/severity/);
      expect(shown).toMatch(/page/);
      expect(shown).toContain(`Alertmanager: ${running().alertmanagerUrl}`);
      expect(shown).toMatch(/Source: http:\/\/127\.0\.0\.1:\d+\/graph/);
      expect(shown).toMatch(/"value":"ack i[0-9a-f]{6}"/);
      expect(app.incidents.list('open')).toHaveLength(1);
    });

    it('investigates the incident in the thread: root cause with evidence, the remediation as a button', async () => {
      const analysis = await running().waitFor(
        async () => thread().find((m) => /Root cause|Inconclusive/.test(current(m))),
        { timeoutMs: 30_000, what: 'the investigation in the incident thread' },
      );
      expect(current(analysis)).toMatch(/Root cause: config change on payments/);
      expect(current(analysis)).toMatch(/\[changes\]/);
      expect(current(analysis)).toContain('"value":"/ops rollback payments"');
      // The card itself records it in its timeline (edited, not reposted).
      await running().waitFor(
        async () => (/analysis: config_change on payments/.test(current(card())) ? true : undefined),
        {
          timeoutMs: 10_000,
          what: 'the analysis on the card',
        },
      );
      expect(fake.messages('C0INCIDENT').filter((m) => !m.thread_ts && m.bot_id)).toHaveLength(1);
    });

    it("an operator acks from the card's button: the card shows it in place", async () => {
      const c = card()!;
      const id = /ack (i[0-9a-f]{6})/.exec(current(c))![1];
      const res = await postSigned(
        events,
        blockAction({
          userId: OPERATOR,
          channelId: 'C0INCIDENT',
          messageTs: c.ts,
          value: `ack ${id}`,
          responseUrl: fake.responseUrl('actions'),
        }),
        SECRET,
      );
      expect(res.status).toBe(200);
      await running().waitFor(async () => (/\(acked\)/.test(current(card())) ? true : undefined), {
        timeoutMs: 10_000,
        what: 'the acked card',
      });
      expect(current(card())).toMatch(/acknowledged by olivia/);
      expect(app.incidents.get(id).status).toBe('acked');
    });

    it("the alert clears: Alertmanager's resolution edits the same card and notes it in the thread", async () => {
      const ts = card()!.ts;
      target!.set('demo_errors_ratio', { service: 'payments' }, 0);
      await running().waitFor(async () => (/\(resolved\)/.test(current(card())) ? true : undefined), {
        timeoutMs: 30_000,
        what: 'the card edited to resolved',
      });
      expect(card()!.ts).toBe(ts);
      await running().waitFor(
        async () => thread().find((m) => /all alerts resolved in Alertmanager/.test(current(m))),
        { timeoutMs: 10_000, what: 'the resolution note in the thread' },
      );
      expect(fake.messages('C0INCIDENT').filter((m) => !m.thread_ts && m.bot_id)).toHaveLength(1);
      const [incident] = app.incidents.list('resolved');
      expect(incident.timeline.map((t) => t.event)).toEqual(
        expect.arrayContaining(['opened', 'acknowledged', 'resolved']),
      );
    });
  },
);
