import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { demoFault } from '../helpers/faults';
import { DURING_BURST, testApp } from '../helpers/app';
import { startFakeConnector, type ConnectorCall, type FakeConnector } from '../helpers/fake-connector';

/**
 * INCIDENT_CHANNEL on Teams: the bot, once added to a team, keeps the conversation reference; an
 * Alertmanager notification then posts the incident card there proactively, the analysis goes in
 * the card's thread, an Ack pressed on the card (Action.Submit) edits it in place, and the
 * resolution edits the same activity and notes it in the thread. Auth is off (local development),
 * the connector is a fake on loopback.
 */
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const BOT = { id: '28:00000000-0000-0000-0000-00000000b07a', name: 'SmartCloudOps' };
const TEAM = '19:incidents0000000000000000000000@thread.tacv2';
const OLIVIA = { id: '29:1Olivia-teams-user-id', name: 'Olivia Operator', aadObjectId: 'aad-olivia' };
const TOKEN = 'alert-webhook-token-teams-0123456789';

let seq = 0;
const base = (serviceUrl: string, conversation: Record<string, unknown>) => ({
  id: String(1_732_500_000_000 + ++seq),
  timestamp: new Date().toISOString(),
  serviceUrl,
  channelId: 'msteams',
  from: OLIVIA,
  conversation: { isGroup: true, conversationType: 'channel', tenantId: TENANT, ...conversation },
  recipient: BOT,
});

function notification(status: 'firing' | 'resolved') {
  return {
    version: '4',
    groupKey: '{}:{alertname="ErrorRateHigh", service="payments"}',
    truncatedAlerts: 0,
    status,
    receiver: 'smartcloudops',
    groupLabels: { alertname: 'ErrorRateHigh', service: 'payments' },
    commonLabels: { alertname: 'ErrorRateHigh', service: 'payments', severity: 'page' },
    commonAnnotations: { summary: 'payments error ratio above 5%' },
    externalURL: 'http://alertmanager.local:9093',
    alerts: [
      {
        status,
        labels: { alertname: 'ErrorRateHigh', service: 'payments' },
        annotations: {},
        startsAt: '2026-11-26T11:10:00Z',
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.local/graph',
        fingerprint: 'c0ffee0000000001',
      },
    ],
  };
}

describe('incident channel on Teams (proactive posts from the stored conversation reference)', () => {
  let connector: FakeConnector;
  let app: App;
  let http: FastifyInstance;
  let url: string;
  let logs: () => string;

  beforeEach(async () => {
    connector = await startFakeConnector();
    ({ app, logs } = await testApp(
      {
        TEAMS_AUTH: 'off',
        INCIDENT_CHANNEL: `teams:${TEAM}`,
        ALERTMANAGER_WEBHOOK_TOKEN: TOKEN,
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
    app.auth.users.link(olivia.id, 'teams', OLIVIA.aadObjectId);
    http = createHttpForApp(app);
    await http.listen({ port: 0, host: '127.0.0.1' });
    url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
    await app.startWorkers();
    await app.startChat();
  });
  afterEach(async () => {
    await http.close();
    await app.close();
    await connector.close();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const alert = (status: 'firing' | 'resolved') =>
    post('/webhooks/alertmanager', notification(status), { authorization: `Bearer ${TOKEN}` });
  const text = (c: ConnectorCall) => JSON.stringify(c.body);

  it('posts, analyses in the thread, takes Ack from the card, and resolves in place', async () => {
    // The bot is added to the team: Teams sends conversationUpdate, and the reference is kept.
    const added = await post('/api/messages', {
      ...base(connector.serviceUrl, { id: TEAM }),
      type: 'conversationUpdate',
      membersAdded: [{ id: BOT.id }],
      channelData: { team: { id: TEAM, name: 'Incidents' }, eventType: 'teamMemberAdded', tenant: { id: TENANT } },
    });
    expect(added.status).toBe(200);

    expect((await alert('firing')).status).toBe(200);
    const [card] = await connector.waitFor((calls) => calls.some((c) => c.kind === 'send'), 10_000);
    expect(card).toMatchObject({ kind: 'send', conversationId: TEAM });
    expect(text(card)).toMatch(/payments error ratio above 5%/);
    const cardId = card.createdId as string;

    // The investigation lands in the card's thread, with the suggested remediation as a button.
    const inThread = (c: ConnectorCall) =>
      c.conversationId === `${TEAM};messageid=${cardId}` && /Root cause/.test(text(c));
    const calls = await connector.waitFor((cs) => cs.some(inThread), 30_000);
    const analysis = calls.find(inThread)!;
    expect(text(analysis)).toMatch(/Root cause: config change on payments/);
    expect(text(analysis)).toContain('/ops rollback payments');

    // Olivia (an operator) presses Ack on the card: the same card is edited.
    const ackData = { sco: 'cmd', command: /"command":"(ack i[0-9a-f]{6})"/.exec(text(card))![1] };
    const pressed = await post('/api/messages', {
      ...base(connector.serviceUrl, { id: `${TEAM};messageid=${cardId}` }),
      type: 'message',
      replyToId: cardId,
      value: ackData,
      channelData: { channel: { id: TEAM }, team: { id: TEAM }, tenant: { id: TENANT } },
    });
    expect(pressed.status).toBe(200);
    await connector
      .waitFor(
        (cs) => cs.some((c) => c.kind === 'update' && c.activityId === cardId && /\(acked\)/.test(text(c))),
        20_000,
      )
      .catch((err: Error) => {
        // Say what the bot did answer, and what the store holds, instead of only the calls' paths.
        throw new Error(
          `${err.message}\nreplies: ${connector.calls.map((c) => text(c).slice(0, 400)).join('\n')}\n` +
            `incident: ${JSON.stringify(app.incidents.list()[0]?.timeline)}\n` +
            `logs: ${logs()
              .split('\n')
              .filter((l) => /warn|error/.test(l))
              .join('\n')}`,
        );
      });

    expect((await alert('resolved')).status).toBe(200);
    const done = await connector.waitFor(
      (cs) =>
        cs.some((c) => c.kind === 'update' && c.activityId === cardId && /\(resolved\)/.test(text(c))) &&
        cs.some((c) => /all alerts resolved in Alertmanager/.test(text(c))),
      10_000,
    );
    expect(done.filter((c) => c.kind === 'send')).toHaveLength(1);
  });
});
