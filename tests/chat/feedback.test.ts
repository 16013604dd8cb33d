import type { App } from '../../src/app/control';
import { startIncidentNotifier } from '../../src/chat/incident-notifier';
import { IncidentPosts } from '../../src/incidents/posts';
import type { ChannelPoster, PostedMessage } from '../../src/ports/chat';
import { buildActionCatalog } from '../../src/remediation/catalog';
import type { Button, Reply } from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';
import { DURING_BURST, lastVersion, sayTo, testApp } from '../helpers/app';

jest.setTimeout(120_000);

/** issue 15 point 6: 👍 real / 👎 false alarm from chat, stored with the series window it is about. */

const buttonsOf = (r: Reply): Button[] => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []));

describe('feedback on an anomalies reply (demo fleet during the payments error burst, viewer role)', () => {
  let app: App;
  beforeEach(async () => {
    ({ app } = await testApp({}, DURING_BURST));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  /** `anomalies payments`, followed to the end: the job id and the finished reply. */
  async function anomalies() {
    const asked = await sayTo(app, 'anomalies payments');
    const id = asked.handled.job?.id as string;
    expect(id).toEqual(expect.any(String));
    return { id, reply: lastVersion(asked.sink.messages[0]), text: asked.text() };
  }

  it('a flagging reply carries 👍/👎 buttons; a click stores the window; a second click changes it', async () => {
    const { id, reply, text } = await anomalies();
    expect(text).toMatch(/anomalous of/);
    expect(buttonsOf(reply)).toEqual(
      expect.arrayContaining([
        { label: '👍 Real', command: `feedback job:${id} real` },
        { label: '👎 False alarm', command: `feedback job:${id} false_alarm` },
      ]),
    );
    // The console shows the labels and the commands they carry.
    expect(text).toContain(`[👎 False alarm: feedback job:${id} false_alarm]`);

    // A click is the command it carries, through the same conversation.
    const first = await sayTo(app, `feedback job:${id} false_alarm`);
    expect(first.handled.intent).toBe('feedback');
    expect(first.text()).toMatch(new RegExp(`Thanks — recorded job ${id} \\(payments .*\\) as a false alarm\\.`));
    const job = await app.queue.get(id);
    const flagged = (job?.result as { findings: Array<{ anomalous: boolean; signal: string }> }).findings
      .filter((f) => f.anomalous)
      .map((f) => f.signal);
    const stored = app.feedback.get(`job:${id}`, 'console:alice');
    expect(stored).toMatchObject({ label: 'false_alarm', service: 'payments', by: 'console:alice', at: DURING_BURST });
    expect(stored?.signals.sort()).toEqual([...flagged].sort());
    expect(stored?.fromMs).toBeLessThanOrEqual(stored?.toMs as number);
    expect(stored?.toMs).toBeLessThanOrEqual(DURING_BURST);
    expect(stored?.fromMs).toBeGreaterThanOrEqual(DURING_BURST - 3600_000 * 4);
    expect(app.feedback.labels('payments', DURING_BURST - 86_400_000, DURING_BURST)).toEqual(
      expect.arrayContaining([expect.objectContaining({ label: 'false_alarm', signal: flagged[0] })]),
    );

    // Changing one's mind: the same person, one row, the latest label.
    const again = await sayTo(app, `feedback job:${id} real`);
    expect(again.text()).toMatch(/as real \(was a false alarm\)\./);
    expect(app.feedback.ofTarget(`job:${id}`)).toHaveLength(1);
    expect(app.feedback.get(`job:${id}`, 'console:alice')?.label).toBe('real');

    // Typed, by someone else, with the bare job id: a second row.
    const bob = await sayTo(app, `feedback ${id} false alarm`, 'bob');
    expect(bob.handled.outcome).toBe('replied');
    expect(app.feedback.ofTarget(`job:${id}`).map((r) => [r.by, r.label])).toEqual([
      ['console:alice', 'real'],
      ['console:bob', 'false_alarm'],
    ]);
  });

  it('an unknown target, a target that is not an anomalies job and a missing target get clear answers', async () => {
    const unknown = await sayTo(app, 'feedback 999 real');
    expect(unknown.handled.intent).toBe('feedback');
    expect(unknown.text()).toMatch(/There is no job or incident 999 to give feedback on/);
    const odd = await sayTo(app, 'feedback i-abc false_alarm');
    expect(odd.text()).toMatch(/There is no job or incident i-abc/);
    const noJob = await sayTo(app, 'feedback job:424242 real');
    expect(noJob.text()).toMatch(/There is no job 424242/);

    const status = await sayTo(app, 'status payments');
    const statusId = status.handled.job?.id as string;
    const notAnomalies = await sayTo(app, `feedback ${statusId} real`);
    expect(notAnomalies.text()).toMatch(new RegExp(`Job ${statusId} is a status job: feedback is about anomaly jobs`));

    const asked = await sayTo(app, 'that was a false alarm');
    expect(asked.handled.outcome).toBe('asked');
    expect(asked.text()).toMatch(/Which job or incident\?/);
    expect(app.feedback.labels('payments', 0, DURING_BURST)).toEqual([]);
  });
});

describe('feedback on an incident analysis', () => {
  let app: App;
  const posts: Array<{ message: PostedMessage; reply: Reply }> = [];
  let notifier: ReturnType<typeof startIncidentNotifier>;

  beforeEach(async () => {
    ({ app } = await testApp({}, DURING_BURST));
    const poster: ChannelPoster = {
      async post(channel, reply, thread) {
        const id = `m${posts.length + 1}`;
        const message = { channel, id, thread: thread ?? id };
        posts.push({ message, reply });
        return message;
      },
      async update() {},
    };
    notifier = startIncidentNotifier({
      incidents: app.incidents,
      target: { platform: 'slack', poster, channel: 'C0INCIDENT' },
      posts: new IncidentPosts(app.store.db),
      queue: app.queue,
      catalog: buildActionCatalog(),
      clock: app.clock,
      log: app.log,
    });
    await app.startWorkers();
  });
  afterEach(async () => {
    notifier.stop();
    await app.close();
  });

  it('the analysis in the thread asks about the incident; the label covers the incident on its service', async () => {
    const alertStart = '2026-11-26T09:58:00Z';
    await app.incidents.ingest({
      version: '4',
      groupKey: '{}:{alertname="ErrorRateHigh",service="payments"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'smartcloudops',
      groupLabels: { alertname: 'ErrorRateHigh', service: 'payments' },
      commonLabels: { alertname: 'ErrorRateHigh', service: 'payments', severity: 'page' },
      commonAnnotations: { summary: 'payments error ratio above 5%' },
      externalURL: 'http://alertmanager.local:9093',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'ErrorRateHigh', service: 'payments' },
          annotations: {},
          startsAt: alertStart,
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: 'http://prometheus.local/graph',
          fingerprint: 'f1',
        },
      ],
    });
    for (const job of await app.queue.list({ limit: 10 }))
      if (job.name === 'investigate') await app.queue.waitUntilFinished(job.id, 30_000);
    await notifier.idle();
    const [incident] = app.incidents.list();
    const analysis = posts.find((p) => p.message.thread !== p.message.id);
    expect(analysis).toBeDefined();
    const offered = buttonsOf(analysis!.reply).map((b) => b.command);
    expect(offered).toEqual(
      expect.arrayContaining([`feedback incident:${incident.id} real`, `feedback incident:${incident.id} false_alarm`]),
    );
    // About the incident only: no second pair about the analysis job.
    expect(offered.filter((c) => c.startsWith('feedback job:'))).toEqual([]);
    expect(renderText(analysis!.reply)).toContain('👍 Real');

    const said = await sayTo(app, `feedback incident:${incident.id} real`);
    expect(said.text()).toMatch(new RegExp(`recorded incident ${incident.id} \\(payments, .*\\) as real\\.`));
    expect(app.feedback.get(`incident:${incident.id}`, 'console:alice')).toMatchObject({
      label: 'real',
      service: 'payments',
      signals: [],
      fromMs: Date.parse(alertStart),
      toMs: DURING_BURST,
    });
    // The bare incident id works as well.
    const bare = await sayTo(app, `feedback ${incident.id} false_alarm`, 'bob');
    expect(bare.handled.outcome).toBe('replied');
    expect(app.feedback.labels('payments', Date.parse(alertStart), DURING_BURST)).toEqual([
      { label: 'real', fromMs: Date.parse(alertStart), toMs: DURING_BURST },
      { label: 'false_alarm', fromMs: Date.parse(alertStart), toMs: DURING_BURST },
    ]);
  });
});
