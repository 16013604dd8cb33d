import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink, testApp } from '../helpers/app';

const TOKEN = 'alert-webhook-token-0123456789';

/** An Alertmanager v4 notification, as Alertmanager sends it. */
function notification(
  status: 'firing' | 'resolved',
  alerts: Array<{ fingerprint: string; status?: 'firing' | 'resolved'; alertname?: string; startsAt?: string }>,
  groupKey = '{}:{alertname="HighLatency"}',
) {
  return {
    version: '4',
    groupKey,
    truncatedAlerts: 0,
    status,
    receiver: 'smartcloudops',
    groupLabels: { alertname: 'HighLatency' },
    commonLabels: { alertname: 'HighLatency', service: 'checkout-api', severity: 'page' },
    commonAnnotations: {
      summary: 'checkout-api p99 latency above 300 ms',
      runbook_url: 'https://runbooks.example.com/latency',
    },
    externalURL: 'http://alertmanager.local:9093',
    alerts: alerts.map((a) => ({
      status: a.status ?? status,
      labels: { alertname: a.alertname ?? 'HighLatency', service: 'checkout-api', instance: a.fingerprint },
      annotations: {},
      startsAt: a.startsAt ?? '2026-11-26T09:58:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph',
      fingerprint: a.fingerprint,
    })),
  };
}

describe('POST /webhooks/alertmanager -> incidents', () => {
  let app: App;
  let http: FastifyInstance;

  beforeEach(async () => {
    ({ app } = await testApp({ ALERTMANAGER_WEBHOOK_TOKEN: TOKEN, DEFAULT_ROLE: 'operator' }));
    http = createHttpForApp(app);
  });
  afterEach(async () => {
    await http.close();
    await app.close();
  });

  /** `authorization` '' sends none. */
  const post = (body: unknown, authorization = `Bearer ${TOKEN}`) =>
    http.inject({
      method: 'POST',
      url: '/webhooks/alertmanager',
      headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('refuses a missing or wrong token (audited), accepts bearer or basic auth', async () => {
    expect((await post(notification('firing', [{ fingerprint: 'a1' }]), '')).statusCode).toBe(401);
    expect((await post(notification('firing', [{ fingerprint: 'a1' }]), 'Bearer nope')).statusCode).toBe(401);
    expect(app.auth.audit.list({ action: 'http.denied' })).toHaveLength(2);
    const basic = `Basic ${Buffer.from(`alertmanager:${TOKEN}`).toString('base64')}`;
    expect((await post(notification('firing', [{ fingerprint: 'a1' }]), basic)).statusCode).toBe(200);
  });

  it('answers 400 naming the field for malformed payloads, and keeps serving', async () => {
    const broken = await post('{"version": "4", "alerts": [');
    expect(broken.statusCode).toBe(400);
    const v3 = await post({ ...notification('firing', [{ fingerprint: 'a1' }]), version: '3' });
    expect(v3.statusCode).toBe(400);
    expect(v3.json().message).toMatch(/version/);
    const noFingerprint = notification('firing', [{ fingerprint: 'a1' }]);
    delete (noFingerprint.alerts[0] as Partial<(typeof noFingerprint.alerts)[0]>).fingerprint;
    expect((await post(noFingerprint)).json().fields).toHaveProperty(['alerts.0.fingerprint']);
    expect((await post(notification('firing', [{ fingerprint: 'a1' }]))).statusCode).toBe(200);
  });

  it('opens one incident per group, dedupes by fingerprint, starts the analysis, and resolves in place', async () => {
    const first = (await post(notification('firing', [{ fingerprint: 'a1' }]))).json();
    expect(first).toMatchObject({ created: true, changed: true, status: 'open' });
    const id = first.incident as string;
    const [analysis] = await app.queue.list({ limit: 1 });
    expect(analysis).toMatchObject({
      name: 'investigate',
      data: { service: 'checkout-api', incidentId: id },
      meta: { requestedBy: 'alertmanager' },
    });

    // Alertmanager repeats the notification: same group, same alert -> nothing changes.
    expect((await post(notification('firing', [{ fingerprint: 'a1' }]))).json()).toMatchObject({
      incident: id,
      created: false,
      changed: false,
    });
    // A second alert joins the group.
    expect((await post(notification('firing', [{ fingerprint: 'a1' }, { fingerprint: 'b2' }]))).json()).toMatchObject({
      incident: id,
      changed: true,
    });
    expect(
      (await post(notification('firing', [{ fingerprint: 'a1', status: 'resolved' }, { fingerprint: 'b2' }]))).json(),
    ).toMatchObject({ incident: id, resolved: false });
    expect((await post(notification('resolved', [{ fingerprint: 'a1' }, { fingerprint: 'b2' }]))).json()).toMatchObject(
      { incident: id, resolved: true, status: 'resolved' },
    );

    const incident = app.incidents.get(id);
    expect(incident.alerts.map((a) => [a.fingerprint, a.status])).toEqual([
      ['a1', 'resolved'],
      ['b2', 'resolved'],
    ]);
    expect(incident.timeline.map((t) => t.event)).toEqual([
      'opened',
      'alert added',
      'alert resolved',
      'alert resolved',
      'resolved',
    ]);
    const metrics = await app.metrics.registry.metrics();
    expect(metrics).toMatch(/smartcloudops_alerts_received_total\{source="alertmanager"\} 8/);
    expect(metrics).toMatch(/smartcloudops_incidents_open 0/);

    // The same group firing again later (a new episode: it starts after the resolution) is a new incident.
    const again = (
      await post(notification('firing', [{ fingerprint: 'a1', startsAt: '2026-11-26T10:05:00Z' }]))
    ).json();
    expect(again.created).toBe(true);
    expect(again.incident).not.toBe(id);
  });

  it('lists, acks and resolves incidents from chat, with the timeline kept', async () => {
    const id = (await post(notification('firing', [{ fingerprint: 'a1' }]))).json().incident as string;
    const say = async (user: string, text: string) => {
      const sink = recordingSink();
      const handled = await app.conversation.handleMessage({ platform: 'slack', user, channel: 'C1', text }, sink);
      await handled.done;
      return sink.messages.map((m) => renderText(lastVersion(m))).join('\n');
    };
    expect(await say('U1', '/ops incidents open')).toContain(id);
    const acked = await say('U1', `/ops ack ${id}`);
    expect(acked).toContain(`Incident ${id}: checkout-api p99 latency above 300 ms (acked)`);
    expect(await say('U1', `/ops ack ${id}`)).toMatch(/is acked; it cannot be acknowledged now/);
    expect(await say('U1', `/ops resolve ${id}`)).toContain('(resolved)');
    expect(app.incidents.get(id).timeline.map((t) => t.event)).toEqual(['opened', 'acknowledged', 'resolved']);
    expect(app.auth.audit.list({ action: 'incident.resolve' })).toHaveLength(1);
  });
});
