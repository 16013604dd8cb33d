import { guestPrincipal } from '../../src/auth/principal';
import { recordingSink } from '../helpers/app';
import { httpApp, session, type HttpApp } from '../http/http-app';
import { firing, notification } from './notifications';

const TOKEN = 'alert-webhook-token-0123456789';

describe('issue 13.18: incidents_open is right whatever path changed an incident', () => {
  let h: HttpApp;
  beforeEach(async () => {
    h = await httpApp({ ALERTMANAGER_WEBHOOK_TOKEN: TOKEN, DEFAULT_ROLE: 'operator' });
  });
  afterEach(async () => {
    await h.close();
  });

  const open = async (n: number) => {
    const res = await h.http.inject({
      method: 'POST',
      url: '/webhooks/alertmanager',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: notification(`{}:{alertname="HighLatency",n="${n}"}`, [firing('a1', 0)]),
    });
    return res.json().incident as string;
  };
  /** The value /metrics serves now. */
  const gauge = async () => {
    const body = (await h.http.inject({ method: 'GET', url: '/metrics' })).body;
    const line = /^smartcloudops_incidents_open (\d+)$/m.exec(body);
    if (!line) throw new Error('no smartcloudops_incidents_open sample in /metrics');
    return Number(line[1]);
  };
  const chat = async (text: string) => {
    const handled = await h.app.conversation.handleMessage(
      { platform: 'slack', user: 'U1', channel: 'C1', text },
      recordingSink(),
    );
    await handled.done;
  };

  it(
    'counts incidents opened by alerts, then resolved from chat, ' + 'from REST and in code, and acked ones as open',
    async () => {
      const [a, b, c, d] = [await open(1), await open(2), await open(3), await open(4)];
      expect(await gauge()).toBe(4);

      await chat(`/ops resolve ${a}`);
      expect(h.app.incidents.get(a).status).toBe('resolved');
      expect(await gauge()).toBe(3);

      const operator = await session(h, 'operator');
      const acked = await h.http.inject({
        method: 'POST',
        url: `/api/v1/incidents/${b}/ack`,
        headers: operator.headers,
      });
      expect(acked.statusCode).toBe(200);
      expect(await gauge()).toBe(3); // acked is not resolved: still open work
      const resolved = await h.http.inject({
        method: 'POST',
        url: `/api/v1/incidents/${b}/resolve`,
        headers: operator.headers,
      });
      expect(resolved.statusCode).toBe(200);
      expect(h.app.incidents.get(b).status).toBe('resolved');
      expect(await gauge()).toBe(2);

      await chat(`/ops ack ${c}`);
      expect(await gauge()).toBe(2);
      h.app.incidents.resolve(guestPrincipal('teams:aad-ada', 'ada', 'operator'), d);
      expect(await gauge()).toBe(1);
    },
  );
});
