import type { FastifyInstance } from 'fastify';
import { guestPrincipal } from '../../src/auth/principal';
import { alertTimes, compareAlert } from '../../src/incidents/alert-order';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';
import { at, firing, notification, resolved, type AlertState } from './notifications';

const TOKEN = 'alert-webhook-token-0123456789';
const GROUP = '{}:{alertname="HighLatency"}';

describe('issue 13.6: alerts delivered out of order are ordered by their startsAt/endsAt', () => {
  let app: App;
  let http: FastifyInstance;

  beforeEach(async () => {
    ({ app } = await testApp({ ALERTMANAGER_WEBHOOK_TOKEN: TOKEN }));
    http = createHttpForApp(app);
  });
  afterEach(async () => {
    await http.close();
    await app.close();
  });

  const send = async (...alerts: AlertState[]) => {
    const res = await http.inject({
      method: 'POST',
      url: '/webhooks/alertmanager',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: notification(GROUP, alerts),
    });
    expect(res.statusCode).toBe(200);
    return res.json<{
      incident: string | null;
      status: string | null;
      created: boolean;
      changed: boolean;
      resolved: boolean;
    }>();
  };
  const events = (id: string) => app.incidents.get(id).timeline.map((t) => t.event);

  it(
    'a resolution delivered before its firing: the incident is recorded resolved, ' +
      'and the late firing does not reopen it',
    async () => {
      const first = await send(resolved('a1', 0, 5));
      expect(first).toMatchObject({ created: true, changed: true, resolved: true, status: 'resolved' });
      const late = await send(firing('a1', 0));
      expect(late).toEqual({
        incident: first.incident,
        status: 'resolved',
        created: false,
        changed: false,
        resolved: false,
      });
      expect(app.incidents.list()).toHaveLength(1);
      expect(app.incidents.list('open')).toHaveLength(0);
      expect(events(first.incident as string)).toEqual(['opened', 'resolved']);
    },
  );

  it('an older firing after a newer resolution (a retried delivery) leaves the incident resolved', async () => {
    const opened = await send(firing('a1', 0));
    expect(await send(resolved('a1', 0, 5))).toMatchObject({ incident: opened.incident, resolved: true });
    // Redelivered: the firing that started at 0, and one whose start equals the stored end.
    expect(await send(firing('a1', 0))).toMatchObject({
      incident: opened.incident,
      status: 'resolved',
      created: false,
      changed: false,
    });
    expect(await send(firing('a1', 5))).toMatchObject({
      incident: opened.incident,
      status: 'resolved',
      created: false,
      changed: false,
    });
    const incident = app.incidents.get(opened.incident as string);
    expect(incident.alerts).toEqual([
      expect.objectContaining({ fingerprint: 'a1', status: 'resolved', startsAt: at(0) }),
    ]);
    expect(events(incident.id)).toEqual(['opened', 'alert resolved', 'resolved']);
    expect(app.incidents.list()).toHaveLength(1);
  });

  it(
    'a firing that starts after the stored resolution is a new episode: ' +
      'a new incident that names the one it follows',
    async () => {
      const first = await send(firing('a1', 0));
      await send(resolved('a1', 0, 5));
      const again = await send(firing('a1', 6));
      expect(again).toMatchObject({ created: true, status: 'open' });
      expect(again.incident).not.toBe(first.incident);
      expect(app.incidents.get(again.incident as string).timeline[0]).toMatchObject({
        event: 'opened',
        detail: { follows: first.incident },
      });
      expect(app.incidents.get(first.incident as string).status).toBe('resolved');
      // The first episode's resolution, redelivered now, is older than the new episode: it resolves nothing.
      expect(await send(resolved('a1', 0, 5))).toMatchObject({
        incident: again.incident,
        status: 'open',
        changed: false,
      });
      // The new episode's own resolution does.
      expect(await send(resolved('a1', 6, 9))).toMatchObject({
        incident: again.incident,
        status: 'resolved',
        resolved: true,
      });
      expect(app.incidents.list('open')).toHaveLength(0);
    },
  );

  it(
    'an incident whose alerts are all resolved is resolved, ' + 'even when the notification still says firing',
    async () => {
      const opened = await send(firing('a1', 0), firing('b2', 1));
      await send(resolved('b2', 1, 3), firing('a1', 0));
      expect(app.incidents.get(opened.incident as string).status).toBe('open');
      // a1's resolution, then a late copy of a notification from before b2 resolved: b2's firing is stale.
      await send(resolved('a1', 0, 4));
      const late = await send(firing('a1', 0), firing('b2', 1));
      expect(late).toMatchObject({ status: 'resolved', changed: false });
      // Resolution arriving inside a "firing" notification: b2 stale-firing, a1 resolved.
      const other = '{}:{alertname="Other"}';
      const post = (alerts: AlertState[]) =>
        http.inject({
          method: 'POST',
          url: '/webhooks/alertmanager',
          headers: { authorization: `Bearer ${TOKEN}` },
          payload: notification(other, alerts),
        });
      const second = (await post([firing('a1', 10), firing('b2', 10)])).json().incident as string;
      await post([resolved('b2', 10, 12)]);
      const mixed = (await post([resolved('a1', 10, 13), firing('b2', 10)])).json();
      expect(mixed).toMatchObject({ incident: second, status: 'resolved', resolved: true });
      expect(app.incidents.get(second).alerts.map((a) => a.status)).toEqual(['resolved', 'resolved']);
    },
  );

  it("a person's resolution is not undone by Alertmanager repeating the firing", async () => {
    const opened = await send(firing('a1', 0));
    app.incidents.resolve(guestPrincipal('slack:U0ADA', 'ada', 'operator'), opened.incident as string);
    // Alertmanager repeats the same firing: nothing new, the incident stays resolved and no new one opens.
    expect(await send(firing('a1', 0))).toMatchObject({
      incident: opened.incident,
      status: 'resolved',
      created: false,
      changed: false,
    });
    // The alert's own resolution is recorded on that incident.
    expect(await send(resolved('a1', 0, 7))).toMatchObject({
      incident: opened.incident,
      status: 'resolved',
      changed: true,
    });
    expect(app.incidents.get(opened.incident as string).alerts[0].status).toBe('resolved');
    expect(app.incidents.list()).toHaveLength(1);
  });

  it('refuses a startsAt/endsAt that is not an RFC 3339 time, naming the field, and stores nothing', async () => {
    const bad = notification(GROUP, [firing('a1', 0)]);
    bad.alerts[0].startsAt = 'yesterday';
    const res = await http.inject({
      method: 'POST',
      url: '/webhooks/alertmanager',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: bad,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().fields).toHaveProperty(['alerts.0.startsAt']);
    expect(app.incidents.list()).toHaveLength(0);
  });
});

describe("issue 13.6: compareAlert orders one alert's states", () => {
  const ms = (minute: number) => Date.parse(at(minute));
  const t = (a: AlertState) =>
    alertTimes(
      { status: a.status, startsAt: at(a.startsAt), endsAt: a.endsAt === undefined ? undefined : at(a.endsAt) },
      ms(60),
    );

  it.each([
    ['unknown', undefined, firing('a', 0), 'new'],
    ['the same firing', firing('a', 0), firing('a', 0), 'same'],
    ['its resolution', firing('a', 0), resolved('a', 0, 5), 'update'],
    ['a resolution at the very start', firing('a', 5), resolved('a', 5, 5), 'update'],
    ['an older firing after the resolution', resolved('a', 0, 5), firing('a', 0), 'stale'],
    ['a firing starting exactly at the stored end', resolved('a', 0, 5), firing('a', 5), 'stale'],
    ['a firing after the stored end', resolved('a', 0, 5), firing('a', 6), 'episode'],
    ['a newer start while firing', firing('a', 0), firing('a', 3), 'episode'],
    ['an older start while firing', firing('a', 3), firing('a', 0), 'stale'],
    ["an older episode's resolution", firing('a', 6), resolved('a', 0, 5), 'stale'],
    ['a newer episode, already resolved', resolved('a', 0, 5), resolved('a', 6, 9), 'episode'],
    ['a later end of the same episode', resolved('a', 0, 5), resolved('a', 0, 7), 'update'],
    ['the same resolution again', resolved('a', 0, 5), resolved('a', 0, 5), 'same'],
  ] as const)('%s', (_name, known, incoming, verdict) => {
    expect(compareAlert(known && t(known), t(incoming))).toBe(verdict);
  });

  it("takes a missing time as the time received, and Go's zero time as missing", () => {
    expect(alertTimes({ status: 'firing' }, ms(60))).toEqual({ status: 'firing', startsAt: ms(60) });
    expect(alertTimes({ status: 'resolved', startsAt: at(0), endsAt: '0001-01-01T00:00:00Z' }, ms(60))).toEqual({
      status: 'resolved',
      startsAt: ms(0),
      endsAt: ms(60),
    });
  });
});
