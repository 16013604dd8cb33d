import type { ChannelPoster, PostedMessage } from '../../src/ports/chat';
import { ChatApiError } from '../../src/ports/chat';
import { guestPrincipal } from '../../src/auth/principal';
import { startIncidentNotifier } from '../../src/chat/incident-notifier';
import { IncidentPosts } from '../../src/incidents/posts';
import type { App } from '../../src/app/control';
import { buildActionCatalog } from '../../src/remediation/catalog';
import type { Reply } from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';
import { DURING_BURST, testApp } from '../helpers/app';

/** A chat channel as the notifier sees it: posts (top level or in a thread) and their edits. */
function recordingChannel() {
  const messages: Array<{ message: PostedMessage; versions: Reply[] }> = [];
  let failures: string[] = [];
  const poster: ChannelPoster = {
    async post(channel, reply, thread) {
      const failure = failures.shift();
      if (failure) throw new ChatApiError('slack', failure, `Slack chat.postMessage failed: ${failure}`);
      const id = `m${messages.length + 1}`;
      const message = { channel, id, thread: thread ?? id };
      messages.push({ message, versions: [reply] });
      return message;
    },
    async update(message, reply) {
      const m = messages.find((x) => x.message.id === message.id);
      if (!m) throw new ChatApiError('slack', 'message_not_found', 'no such message');
      m.versions.push(reply);
    },
  };
  return {
    poster,
    messages,
    failNext: (...codes: string[]) => (failures = codes),
    text: (i: number) => renderText(messages[i].versions[messages[i].versions.length - 1]),
    topLevel: () => messages.filter((m) => m.message.thread === m.message.id),
    inThread: (id: string) => messages.filter((m) => m.message.thread === id && m.message.id !== id),
  };
}

function notification(status: 'firing' | 'resolved', fingerprints: string[], service = 'payments') {
  return {
    version: '4' as const,
    groupKey: `{}:{alertname="ErrorRateHigh",service="${service}"}`,
    truncatedAlerts: 0,
    status,
    receiver: 'smartcloudops',
    groupLabels: { alertname: 'ErrorRateHigh', service },
    commonLabels: { alertname: 'ErrorRateHigh', service, severity: 'page', team: 'storefront' },
    commonAnnotations: {
      summary: `${service} error ratio above 5%`,
      runbook_url: 'https://runbooks.example.com/errors',
    },
    externalURL: 'http://alertmanager.local:9093',
    alerts: fingerprints.map((fingerprint) => ({
      status,
      labels: { alertname: 'ErrorRateHigh', service, pod: fingerprint },
      annotations: {},
      startsAt: '2026-11-26T09:58:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local/graph?g0.expr=errors',
      fingerprint,
    })),
  };
}

describe('incident channel notifier', () => {
  let app: App;
  let channel: ReturnType<typeof recordingChannel>;
  let notifier: ReturnType<typeof startIncidentNotifier>;

  beforeEach(async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'operator' }, DURING_BURST));
    channel = recordingChannel();
    notifier = startIncidentNotifier({
      incidents: app.incidents,
      target: { platform: 'slack', poster: channel.poster, channel: 'C0INCIDENT' },
      posts: new IncidentPosts(app.store.db),
      queue: app.queue,
      catalog: buildActionCatalog(),
      clock: app.clock,
      log: app.log,
      runbooks: app.runbooks,
    });
    await app.startWorkers();
  });
  afterEach(async () => {
    notifier.stop();
    await app.close();
  });

  /** Wait for the analysis job of the incident and everything the notifier does after it. */
  async function settle(): Promise<void> {
    for (const job of await app.queue.list({ limit: 50 }))
      if (job.name === 'investigate') await app.queue.waitUntilFinished(job.id, 30_000);
    await notifier.idle();
  }

  it(
    'posts a new incident once with its labels, annotations and links; repeats edit it; ' +
      'the investigation lands in its thread',
    async () => {
      await app.incidents.ingest(notification('firing', ['f1']));
      await settle();
      const [card] = channel.topLevel();
      expect(channel.topLevel()).toHaveLength(1);
      expect(card.message.channel).toBe('C0INCIDENT');
      const shown = channel.text(0);
      expect(shown).toMatch(/payments error ratio above 5%/);
      expect(shown).toMatch(/team=storefront/);
      // Not one of the indexed runbooks: the link as it is.
      expect(shown).toMatch(/runbook +https:\/\/runbooks\.example\.com\/errors/);
      expect(shown).toMatch(/Alertmanager: http:\/\/alertmanager\.local:9093/);
      expect(shown).toMatch(/Source: http:\/\/prometheus\.local\/graph/);

      const [analysis] = channel.inThread(card.message.id);
      // The analysis is an investigation of the incident (issue 16): the built-in error burst leaves no
      // change behind, so the answer is an honest "inconclusive" citing the anomaly it saw.
      const result = renderText(analysis.versions[0]);
      expect(result).toMatch(/Inconclusive for incident i[0-9a-f]{6} \(payments\)/);
      expect(result).toMatch(/payments error rate above its expected band .*\[service_anomalies\]/);
      expect(result).toMatch(/read-only, nothing was changed/);
      // The card's timeline records the analysis (an edit, not a new post).
      expect(channel.text(0)).toMatch(/analysis: inconclusive/);

      const editsBefore = card.versions.length;
      await app.incidents.ingest(notification('firing', ['f1'])); // a repeat: nothing new, nothing to edit
      await app.incidents.ingest(notification('firing', ['f1', 'f2'])); // a new alert in the group
      await notifier.idle();
      expect(channel.topLevel()).toHaveLength(1);
      expect(card.versions.length).toBe(editsBefore + 1);
      expect(channel.text(0)).toMatch(/2 firing of 2/);
    },
  );

  it(
    'a resolved group edits the same message and adds a note in its thread; ' + 'ack and resolve by people edit it too',
    async () => {
      await app.incidents.ingest(notification('firing', ['f1']));
      await settle();
      const [card] = channel.topLevel();
      const actor = guestPrincipal('slack:U0ADA', 'ada', 'operator');
      const id = app.incidents.list()[0].id;
      app.incidents.ack(actor, id);
      await notifier.idle();
      expect(channel.text(0)).toMatch(/\(acked\)/);
      expect(channel.text(0)).toMatch(/acknowledged by ada/);

      await app.incidents.ingest(notification('resolved', ['f1']));
      await notifier.idle();
      expect(channel.topLevel()).toHaveLength(1);
      expect(channel.text(0)).toMatch(/\(resolved\)/);
      const notes = channel.inThread(card.message.id).map((m) => renderText(m.versions[0]));
      expect(notes.some((n) => /resolved \(all alerts resolved in Alertmanager\)/.test(n))).toBe(true);
    },
  );

  it('a person resolving it (command or button) edits the card and says who in the thread', async () => {
    await app.incidents.ingest(notification('firing', ['f1'], 'checkout-api'));
    await settle();
    const [card] = channel.topLevel();
    app.incidents.resolve(guestPrincipal('teams:aad-ada', 'ada', 'operator'), app.incidents.list()[0].id);
    await notifier.idle();
    expect(channel.text(0)).toMatch(/\(resolved\)/);
    expect(channel.text(0)).toMatch(/resolved by ada/);
    const notes = channel.inThread(card.message.id).map((m) => renderText(m.versions[0]));
    expect(notes.some((n) => /resolved by ada after \d+ min/.test(n))).toBe(true);
    expect(channel.topLevel()).toHaveLength(1);
  });

  it("issue 16.7: an alert's runbook_url naming an indexed runbook shows its title and path on the card", async () => {
    const n = notification('firing', ['f1'], 'billing-worker');
    await app.incidents.ingest({
      ...n,
      commonAnnotations: { summary: 'volume 97% full', runbook_url: 'runbooks/disk-full.md' },
    });
    await notifier.idle();
    expect(channel.text(0)).toMatch(
      /runbook +Disk full \(volume or node filesystem out of space\) \(runbooks\/disk-full\.md\)/,
    );
  });

  it('a chat failure loses nothing: the incident is kept and the next change posts it', async () => {
    channel.failNext('channel_not_found');
    await app.incidents.ingest(notification('firing', ['f1'], 'checkout'));
    await notifier.idle();
    expect(channel.topLevel()).toHaveLength(0);
    expect(app.incidents.list('open')).toHaveLength(1);
    await app.incidents.ingest(notification('firing', ['f1', 'f2'], 'checkout'));
    await settle();
    expect(channel.topLevel()).toHaveLength(1);
    expect(channel.text(0)).toMatch(/2 firing of 2/);
  });
});
