import { guestPrincipal } from '../../src/auth/principal';
import { startIncidentNotifier } from '../../src/chat/incident-notifier';
import { IncidentPosts } from '../../src/incidents/posts';
import type { ChannelPoster, PostedMessage } from '../../src/ports/chat';
import { buildActionCatalog } from '../../src/remediation/catalog';
import type { Reply } from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';
import { faultsFile, INTERVAL, MIN, monitorApp, monitorIncidents, T0 } from './helpers';

jest.setTimeout(120_000);

const at = (min: number) => new Date(T0 + min * MIN).toISOString();

/** Alertmanager's webhook notification for payments' error rate, firing or resolved. */
function alertmanager(status: 'firing' | 'resolved', startsMin: number, endsMin?: number) {
  const labels = { alertname: 'PaymentsErrorRate', service: 'payments', severity: 'page' };
  return {
    version: '4' as const,
    groupKey: '{}:{alertname="PaymentsErrorRate"}',
    status,
    receiver: 'smartcloudops',
    groupLabels: { alertname: 'PaymentsErrorRate' },
    commonLabels: labels,
    commonAnnotations: { summary: 'payments errors above 1%' },
    alerts: [
      {
        status,
        labels,
        annotations: {},
        startsAt: at(startsMin),
        endsAt: endsMin === undefined ? '0001-01-01T00:00:00Z' : at(endsMin),
        fingerprint: 'am-payments-errors',
      },
    ],
  };
}

/** An incident channel as the notifier sees it: top-level cards and replies in their threads. */
function recordingChannel() {
  const messages: Array<{ message: PostedMessage; versions: Reply[] }> = [];
  const poster: ChannelPoster = {
    async post(channel, reply, thread) {
      const id = `m${messages.length + 1}`;
      messages.push({ message: { channel, id, thread: thread ?? id }, versions: [reply] });
      return messages[messages.length - 1].message;
    },
    async update(message, reply) {
      messages.find((m) => m.message.id === message.id)?.versions.push(reply);
    },
  };
  const last = (m: (typeof messages)[number]) => renderText(m.versions[m.versions.length - 1]);
  return {
    poster,
    cards: () => messages.filter((m) => m.message.thread === m.message.id).map(last),
    thread: (i: number) => {
      const card = messages.filter((m) => m.message.thread === m.message.id)[i];
      return messages.filter((m) => m.message.thread === card.message.id && m !== card).map(last);
    },
  };
}

describe('the monitor beside Alertmanager', () => {
  it(
    'never opens a second incident for what Alertmanager reported (same service, overlapping time); ' +
      'a later problem on the service is its own',
    async () => {
      const { app, scanTo, setNow, logs } = await monitorApp({
        DEMO_FAULTS: faultsFile(`
faults:
  - { kind: bad_deploy, service: payments, start: 31m, duration: 1h }
  - { kind: config_change, service: payments, start: 3h, duration: 30m }
`),
      });
      try {
        await scanTo(T0 + 30 * MIN);
        setNow(T0 + 33 * MIN);
        await app.incidents.ingest(alertmanager('firing', 32));
        await scanTo(T0 + 65 * MIN);
        // Alertmanager's alert ends while the bad deploy still runs: the monitor's problem began before, the same one.
        await app.incidents.ingest(alertmanager('resolved', 32, 65));
        await scanTo(T0 + 150 * MIN);
        const payments = () => app.incidents.list(undefined, 100).filter((i) => i.service === 'payments');
        expect(payments()).toHaveLength(1);
        expect(payments()[0].labels.source).toBeUndefined();
        expect(logs()).toMatch(/already reported by Alertmanager: no second incident/);
        // checkout-api calls payments and shows it too: another service, the monitor's own incident.
        expect(monitorIncidents(app).map((i) => i.service)).toEqual(['checkout-api']);

        // The config change at 3h is a new problem, after Alertmanager's incident resolved: the monitor opens it.
        await scanTo(T0 + 200 * MIN);
        const mine = monitorIncidents(app).filter((i) => i.service === 'payments');
        expect(mine).toHaveLength(1);
        expect((mine[0].createdAt - (T0 + 180 * MIN)) / MIN).toBeLessThanOrEqual(2 * (INTERVAL / MIN));
      } finally {
        await app.close();
      }
    },
  );

  it(
    "posts its incident's card once with the investigation in its thread, resolves it when the signals recover, " +
      "and leaves a person's resolution alone while the problem lasts",
    async () => {
      const { app, scanTo, setNow } = await monitorApp(
        {
          DEMO_FAULTS: faultsFile(`
faults:
  - { kind: config_change, service: checkout-api, start: 21m, duration: 30m }
  - { kind: bad_deploy, service: checkout-api, start: 1h30m, duration: 40m }
`),
        },
        { workers: 'all' },
      );
      const channel = recordingChannel();
      const notifier = startIncidentNotifier({
        incidents: app.incidents,
        target: { platform: 'slack', poster: channel.poster, channel: 'C0INCIDENT' },
        posts: new IncidentPosts(app.store.db),
        queue: app.queue,
        catalog: buildActionCatalog(),
        clock: app.clock,
        log: app.log,
        runbooks: app.runbooks,
      });
      const settle = async () => {
        for (const job of await app.queue.list({ limit: 100 }))
          if (job.name === 'investigate') await app.queue.waitUntilFinished(job.id, 60_000);
        await notifier.idle();
      };
      try {
        await scanTo(T0 + 30 * MIN);
        await settle();
        expect(channel.cards()).toHaveLength(1);
        const card = channel.cards()[0];
        expect(card).toMatch(/checkout-api: error rate .* over its 1\.0% objective/);
        expect(card).toMatch(/source=monitor/);
        expect(card).toMatch(/opened by monitor/);
        // The investigation answers in the card's thread, as for Alertmanager's incidents.
        expect(channel.thread(0).join('\n')).toMatch(/Root cause: config change on checkout-api/);

        await scanTo(T0 + 75 * MIN);
        await settle();
        expect(channel.cards()).toHaveLength(1);
        expect(channel.cards()[0]).toMatch(/\(resolved\)/);
        expect(channel.thread(0).join('\n')).toMatch(/resolved \(the monitor saw its signals recover\)/);

        // The bad deploy: a new incident; a person resolves it while it lasts, and the monitor leaves that be.
        await scanTo(T0 + 100 * MIN);
        const second = monitorIncidents(app)[1];
        expect(second.status).toBe('open');
        setNow(T0 + 101 * MIN);
        app.incidents.resolve(guestPrincipal('slack:U0ADA', 'ada', 'operator'), second.id);
        await scanTo(T0 + 150 * MIN);
        await settle();
        expect(monitorIncidents(app)).toHaveLength(2);
        expect(app.incidents.get(second.id)).toMatchObject({ status: 'resolved', resolvedBy: 'slack:U0ADA' });
        expect(channel.cards()).toHaveLength(2);
      } finally {
        notifier.stop();
        await app.close();
      }
    },
  );
});
