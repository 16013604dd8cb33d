import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createRng } from '../../src/anomaly/iforest/rng';
import { createHttpForApp } from '../../src/app/http';
import type { Incident } from '../../src/incidents/store';
import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';
import { at, firing, notification, resolved, shuffle, type AlertState } from '../incidents/notifications';

/**
 * Hostile concurrency, alerts: Alertmanager retries, redelivers and races its notifications. Many
 * are sent at once over a real socket in a seeded random order (a failure names its seed); the
 * store must end where the alerts' own times say, whatever the order.
 */
const TOKEN = 'hostile-alerts-token-0123456789';

interface Answer {
  group: string;
  sent: AlertState[];
  incident: string | null;
  status: string | null;
  created: boolean;
  resolved: boolean;
}

describe('hostile: firing/resolved races over HTTP (issue 13.6)', () => {
  let app: App;
  let http: FastifyInstance;
  let url: string;

  beforeEach(async () => {
    ({ app } = await testApp({ ALERTMANAGER_WEBHOOK_TOKEN: TOKEN }, () => Date.now()));
    http = createHttpForApp(app);
    await http.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await http.close();
    await app.close();
  });

  /** Every notification at once, in the order given; each must be taken (200). */
  async function race(sends: Array<{ group: string; alerts: AlertState[] }>): Promise<Answer[]> {
    return Promise.all(
      sends.map(async ({ group, alerts }) => {
        const res = await fetch(`${url}/webhooks/alertmanager`, {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(notification(group, alerts)),
        });
        const body = (await res.json()) as Omit<Answer, 'group' | 'sent'>;
        expect([group, res.status]).toEqual([group, 200]);
        return { group, sent: alerts, ...body };
      }),
    );
  }

  const all = (): Incident[] => app.incidents.list(undefined, 10_000);
  const byGroup = (group: string) => all().filter((i) => i.groupKey === group);
  const count = (i: Incident, event: string) => i.timeline.filter((t) => t.event === event).length;
  const openGauge = async () =>
    Number(/^smartcloudops_incidents_open (\d+)$/m.exec(await (await fetch(`${url}/metrics`)).text())?.[1]);
  /** The bug of issue 13.6: an incident left open that nothing will ever resolve. */
  const stuck = () =>
    all()
      .filter((i) => i.status !== 'resolved' && i.alerts.every((a) => a.status === 'resolved'))
      .map((i) => i.id);
  const group = (n: number) => `{}:{alertname="HighLatency",shard="${n}"}`;

  it.each([1, 2, 3])(
    '50 groups at once, each firing and resolved in a random order (seed %i): 50 incidents, none left open',
    async (seed) => {
      const rng = createRng(seed);
      const sends = shuffle(
        Array.from({ length: 50 }, (_, n) => [
          { group: group(n), alerts: [firing(`fp${n}`, n)] },
          { group: group(n), alerts: [resolved(`fp${n}`, n, n + 5)] },
        ]).flat(),
        rng,
      );
      const answers = await race(sends);

      const incidents = all();
      expect(incidents).toHaveLength(50);
      expect(new Set(incidents.map((i) => i.groupKey)).size).toBe(50);
      expect(incidents.filter((i) => i.status !== 'resolved').map((i) => i.groupKey)).toEqual([]);
      expect(answers.filter((a) => a.created)).toHaveLength(50);
      expect(answers.filter((a) => a.resolved)).toHaveLength(50);
      let resolvedFirst = 0;
      for (const incident of incidents) {
        expect(incident.alerts).toEqual([expect.objectContaining({ status: 'resolved' })]);
        // The group's resolution opened it (already resolved) or resolved the open incident.
        const openedBy = answers.find((a) => a.group === incident.groupKey && a.created)?.sent[0].status;
        if (openedBy === 'resolved') resolvedFirst += 1;
        expect([incident.groupKey, incident.timeline.map((t) => t.event)]).toEqual([
          incident.groupKey,
          openedBy === 'resolved' ? ['opened', 'resolved'] : ['opened', 'alert resolved', 'resolved'],
        ]);
      }
      // The race happened: some resolutions were taken before their firing.
      expect(resolvedFirst).toBeGreaterThan(0);
      expect(stuck()).toEqual([]);
      expect(await openGauge()).toBe(0);
    },
  );

  it(
    '20 groups of three alerts: five notifications each, every one delivered three times, all at once: ' +
      'one incident per group, resolved, never reopened',
    async () => {
      const rng = createRng(13);
      const evolution = (): AlertState[][] => [
        [firing('a', 0)],
        [firing('a', 0), firing('b', 1)],
        [firing('a', 0), firing('b', 1), firing('c', 2)],
        [resolved('a', 0, 6), firing('b', 1), firing('c', 2)],
        [resolved('a', 0, 6), resolved('b', 1, 7), resolved('c', 2, 8)],
      ];
      const sends = Array.from({ length: 20 }, (_, n) =>
        evolution().flatMap((alerts) => [0, 1, 2].map(() => ({ group: group(n), alerts }))),
      ).flat();
      expect(sends).toHaveLength(300);
      const answers = await race(shuffle(sends, rng));

      expect(answers.filter((a) => a.created)).toHaveLength(20);
      expect(answers.filter((a) => a.resolved)).toHaveLength(20);
      for (let n = 0; n < 20; n++) {
        const incidents = byGroup(group(n));
        expect(incidents).toHaveLength(1);
        const [incident] = incidents;
        expect(incident.status).toBe('resolved');
        expect(incident.alerts.map((a) => [a.fingerprint, a.status, a.startsAt])).toEqual([
          ['a', 'resolved', at(0)],
          ['b', 'resolved', at(1)],
          ['c', 'resolved', at(2)],
        ]);
        expect([count(incident, 'opened'), count(incident, 'resolved'), count(incident, 'alert firing')]).toEqual([
          1, 1, 0,
        ]);
        expect(incident.timeline.at(-1)?.event).toBe('resolved');
        // Each alert joined once at most and resolved once at most: 1 + (0..2 added) + (0..3 resolved) + 1.
        expect(count(incident, 'alert added')).toBeLessThanOrEqual(2);
        expect(count(incident, 'alert resolved')).toBeLessThanOrEqual(3);
        expect(incident.timeline.length).toBe(2 + count(incident, 'alert added') + count(incident, 'alert resolved'));
      }
      expect(stuck()).toEqual([]);
      expect(await openGauge()).toBe(0);
    },
  );

  it(
    'two episodes of one alert raced: the newer episode decides; its resolution, raced with stale copies, ' +
      'leaves nothing open',
    async () => {
      const rng = createRng(7);
      const sends = Array.from({ length: 20 }, (_, n) =>
        [[firing('a', 0)], [resolved('a', 0, 5)], [firing('a', 10)]].flatMap((alerts) =>
          [0, 1].map(() => ({ group: group(n), alerts })),
        ),
      ).flat();
      const first = await race(shuffle(sends, rng));

      for (let n = 0; n < 20; n++) {
        const incidents = byGroup(group(n));
        // One incident when episode 2 came first (episode 1 is then stale), two when episode 1 was seen before it.
        expect(incidents.length).toBeGreaterThanOrEqual(1);
        expect(incidents.length).toBeLessThanOrEqual(2);
        expect(
          incidents.filter((i) => i.status === 'open').map((i) => i.alerts.map((a) => [a.status, a.startsAt])),
        ).toEqual([[['firing', at(10)]]]);
        expect(
          incidents
            .filter((i) => i.status !== 'open')
            .every((i) => i.status === 'resolved' && i.alerts[0].startsAt === at(0)),
        ).toBe(true);
        expect(first.filter((a) => a.group === group(n) && a.created)).toHaveLength(incidents.length);
      }
      expect(all().filter((i) => i.status === 'open')).toHaveLength(20);
      expect(stuck()).toEqual([]);
      expect(await openGauge()).toBe(20);

      const closing = Array.from({ length: 20 }, (_, n) =>
        [[resolved('a', 10, 15)], [firing('a', 0)], [firing('a', 10)], [resolved('a', 0, 5)]].map((alerts) => ({
          group: group(n),
          alerts,
        })),
      ).flat();
      const second = await race(shuffle(closing, rng));
      expect(second.filter((a) => a.created)).toHaveLength(0);
      expect(second.filter((a) => a.resolved)).toHaveLength(20);
      expect(all().filter((i) => i.status !== 'resolved')).toHaveLength(0);
      expect(await openGauge()).toBe(0);
    },
  );
});
