import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { Incident } from '../../src/incidents/store';
import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';
import {
  describeIfAlerting,
  startAlerting,
  startScrapeTarget,
  type Alerting,
  type ScrapeTarget,
} from '../helpers/alerting';

/**
 * The webhook end to end with real parts: a scrape target -> a real Prometheus evaluating
 * `demo_errors_ratio > 0.1` every second -> a real Alertmanager -> our side-app's
 * POST /webhooks/alertmanager on a real socket -> an incident. Alertmanager also notifies the same
 * webhook as a second receiver configured with a wrong token, which must be refused. The service is
 * checkout-api, one the demo source knows, so the new incident also queues its analysis.
 */
const TOKEN = randomBytes(32).toString('base64url');
const WRONG = randomBytes(32).toString('base64url');
// route path (two `continue` children) : group labels
const GROUP_KEY = '{}/{}:{alertname="HighErrorRate", service="checkout-api"}';

describeIfAlerting('Alertmanager notifies POST /webhooks/alertmanager (real Prometheus and Alertmanager)', () => {
  let app: App;
  let http: FastifyInstance | undefined;
  let target: ScrapeTarget | undefined;
  let alerting: Alerting | undefined;

  beforeAll(async () => {
    ({ app } = await testApp({ ALERTMANAGER_WEBHOOK_TOKEN: TOKEN }, () => Date.now()));
    http = createHttpForApp(app);
    await http.listen({ host: '127.0.0.1', port: 0 });
    const webhookUrl = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/webhooks/alertmanager`;
    target = await startScrapeTarget();
    target.set('demo_errors_ratio', { service: 'checkout-api' }, 0.5);
    alerting = await startAlerting({
      webhookUrl,
      token: TOKEN,
      target: target.hostPort,
      alsoNotify: [{ name: 'wrong-token', url: webhookUrl, token: WRONG }],
    });
  }, 45_000);

  afterAll(async () => {
    await alerting?.stop();
    await target?.close();
    await http?.close();
    await app?.close();
  }, 20_000);

  const running = () => {
    if (!alerting) throw new Error('the alerting chain did not start (see beforeAll)');
    return alerting;
  };
  const metrics = async () => app.metrics.registry.metrics();

  let incident: Incident | undefined;

  it("opens an incident from the firing notification, with Alertmanager's group key and fingerprint", async () => {
    const alerts = running();
    incident = await alerts.waitFor(async () => app.incidents.list('open')[0], {
      timeoutMs: 20_000,
      what: 'an incident from the firing notification',
    });
    const amAlerts = await alerts.alertmanagerAlerts();
    expect(amAlerts).toHaveLength(1);
    const [amAlert] = amAlerts;

    expect(incident).toMatchObject({
      groupKey: GROUP_KEY,
      status: 'open',
      title: 'checkout-api error ratio above 10%',
      service: 'checkout-api',
      severity: 'page',
      labels: { alertname: 'HighErrorRate', service: 'checkout-api', severity: 'page', job: 'demo' },
      annotations: {
        summary: 'checkout-api error ratio above 10%',
        description: 'checkout-api fails 50% of its requests.',
      },
      externalUrl: alerts.alertmanagerUrl,
    });
    expect(incident.alerts).toEqual([
      expect.objectContaining({
        fingerprint: amAlert.fingerprint,
        status: 'firing',
        labels: amAlert.labels,
        generatorUrl: expect.stringMatching(new RegExp(`^${alerts.prometheusUrl}/graph\\?`)),
      }),
    ]);
    expect(amAlert.labels).toMatchObject({ alertname: 'HighErrorRate', service: 'checkout-api', severity: 'page' });
    expect(incident.timeline[0]).toMatchObject({
      actor: 'alertmanager',
      event: 'opened',
      detail: { receiver: 'smartcloudops', alerts: 1 },
    });
    expect(await metrics()).toMatch(/smartcloudops_alerts_received_total\{source="alertmanager"\} 1\n/);
    expect(await metrics()).toMatch(/smartcloudops_incidents_open 1\n/);
    // The incident's investigation was queued.
    expect(await app.queue.list({ limit: 5 })).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: 'investigate',
          data: expect.objectContaining({ service: 'checkout-api' }),
        }),
      ]),
    );
  }, 25_000);

  it('refuses the notification sent with a wrong token (audited; Alertmanager logs the 401)', async () => {
    const alerts = running();
    const denied = await alerts.waitFor(
      async () => app.auth.audit.list({ action: 'http.denied' }).find((e) => e.detail.why === 'wrong token'),
      { timeoutMs: 10_000, what: 'the wrong-token notification to be denied' },
    );
    expect(denied).toMatchObject({
      actor: 'anonymous',
      outcome: 'denied',
      target: 'POST /webhooks/alertmanager',
      ip: '127.0.0.1',
    });
    await alerts.waitFor(
      async () =>
        /wrong-token\/webhook\[0\]: [^\n]*unexpected status code 401/.test(alerts.output()) ? true : undefined,
      { timeoutMs: 10_000, what: 'Alertmanager to log the 401 of receiver wrong-token' },
    );
    expect(app.incidents.list()).toHaveLength(1);
  }, 25_000);

  it('resolves the same incident from the resolved notification when the ratio drops', async () => {
    const alerts = running();
    const opened = incident;
    if (!opened) throw new Error('no incident was opened (see the first test)');
    target?.set('demo_errors_ratio', { service: 'checkout-api' }, 0);
    const resolved = await alerts.waitFor(
      async () => {
        const now = app.incidents.get(opened.id);
        return now.status === 'resolved' ? now : undefined;
      },
      { timeoutMs: 20_000, what: `incident ${opened.id} to be resolved by Alertmanager` },
    );

    expect(resolved).toMatchObject({
      id: opened.id,
      groupKey: GROUP_KEY,
      status: 'resolved',
      resolvedBy: 'alertmanager',
    });
    expect(resolved.alerts).toEqual([
      expect.objectContaining({ fingerprint: opened.alerts[0].fingerprint, status: 'resolved' }),
    ]);
    // Alertmanager's entries exactly (others, e.g. the analysis' outcome, may come in between).
    expect(resolved.timeline.filter((t) => t.actor === 'alertmanager').map((t) => t.event)).toEqual([
      'opened',
      'alert resolved',
      'resolved',
    ]);
    expect(resolved.timeline.at(-1)?.event).toBe('resolved');
    expect(app.incidents.list()).toHaveLength(1);
    expect(await metrics()).toMatch(/smartcloudops_alerts_received_total\{source="alertmanager"\} 2\n/);
    expect(await metrics()).toMatch(/smartcloudops_incidents_open 0\n/);
  }, 25_000);
});
