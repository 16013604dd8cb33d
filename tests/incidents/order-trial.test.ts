import type { FastifyInstance } from 'fastify';
import { guestPrincipal } from '../../src/auth/principal';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';
import { at, firing, notification, resolved, ZERO_TIME, type AlertState } from './notifications';

const TOKEN = 'alert-webhook-token-0123456789';
const GROUP = '{}:{alertname="HighLatency"}';

describe('issue 13.6 (trial): alert times as Alertmanager really sends them', () => {
  let app: App;
  let http: FastifyInstance;
  let now = Date.parse(at(30));

  beforeEach(async () => {
    now = Date.parse(at(30));
    ({ app } = await testApp({ ALERTMANAGER_WEBHOOK_TOKEN: TOKEN }, () => now));
    http = createHttpForApp(app);
  });
  afterEach(async () => {
    await http.close();
    await app.close();
  });

  type Payload = ReturnType<typeof notification>;
  const post = async (payload: Payload) => {
    const res = await http.inject({
      method: 'POST',
      url: '/webhooks/alertmanager',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload,
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
  const send = (alerts: AlertState[], edit: (p: Payload) => void = () => undefined) => {
    const payload = notification(GROUP, alerts);
    edit(payload);
    return post(payload);
  };

  it(
    'a firing alert whose endsAt lies ahead (startsAt + resolve_timeout) stays firing; ' +
      'its resolution and a next episode are ordered by their own times',
    async () => {
      const opened = await send([firing('a1', 0)], (p) => (p.alerts[0].endsAt = at(35)));
      expect(opened).toMatchObject({ created: true, status: 'open', resolved: false });
      // A repeat with a later endsAt (Alertmanager extends it while the alert fires): same episode.
      expect(await send([firing('a1', 0)], (p) => (p.alerts[0].endsAt = at(40)))).toMatchObject({
        incident: opened.incident,
        status: 'open',
        created: false,
        changed: false,
      });
      expect(await send([resolved('a1', 0, 31)])).toMatchObject({
        incident: opened.incident,
        status: 'resolved',
        resolved: true,
      });
      // The late copy of the firing (its endsAt 40 is after the resolution at 31) does not reopen it.
      expect(await send([firing('a1', 0)], (p) => (p.alerts[0].endsAt = at(40)))).toMatchObject({
        incident: opened.incident,
        status: 'resolved',
        changed: false,
      });
      const again = await send([firing('a1', 33)], (p) => (p.alerts[0].endsAt = at(38)));
      expect(again).toMatchObject({ created: true, status: 'open' });
      expect(app.incidents.list('open').map((i) => i.id)).toEqual([again.incident]);
    },
  );

  it(
    'after a person resolves, Alertmanager repeating a firing without startsAt ' +
      "(or Go's zero time) opens nothing new",
    async () => {
      const opened = await send([firing('a1', 0)]);
      app.incidents.resolve(guestPrincipal('slack:U0ADA', 'ada', 'operator'), opened.incident as string);
      for (const [minute, startsAt] of [
        [31, undefined],
        [35, ZERO_TIME],
        [40, undefined],
      ] as const) {
        now = Date.parse(at(minute));
        const repeat = await send([firing('a1', 0)], (p) => {
          if (startsAt === undefined) delete (p.alerts[0] as { startsAt?: string }).startsAt;
          else p.alerts[0].startsAt = startsAt;
        });
        expect([minute, repeat.created]).toEqual([minute, false]);
      }
      expect(app.incidents.list().map((i) => [i.id, i.status])).toEqual([[opened.incident, 'resolved']]);
      expect(app.incidents.list('open')).toEqual([]);
    },
  );

  it("an open incident keeps its alert's start when a repeat comes without startsAt", async () => {
    const opened = await send([firing('a1', 0)]);
    now = Date.parse(at(45));
    await send([firing('a1', 0)], (p) => delete (p.alerts[0] as { startsAt?: string }).startsAt);
    expect(app.incidents.get(opened.incident as string).alerts).toEqual([
      expect.objectContaining({ fingerprint: 'a1', status: 'firing', startsAt: at(0) }),
    ]);
    // Its resolution (with its real start) resolves it.
    expect(await send([resolved('a1', 0, 46)])).toMatchObject({
      incident: opened.incident,
      status: 'resolved',
      resolved: true,
    });
  });
});
