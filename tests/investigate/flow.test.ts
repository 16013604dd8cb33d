import { startIncidentNotifier } from '../../src/chat/incident-notifier';
import { IncidentPosts } from '../../src/incidents/posts';
import type { InvestigateJobResult } from '../../src/jobs/map';
import { buildActionCatalog } from '../../src/remediation/catalog';
import type { Button, Reply } from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink } from '../helpers/app';
import { demoFault } from '../helpers/faults';
import { waitFor } from '../helpers/cli';
import { caller, httpApp, person, type Call, type HttpApp } from '../remediation/people-app';

jest.setTimeout(120_000);

/**
 * Issue 16 point 1: an investigation asked in chat, over REST and on every new incident, run by
 * the real control plane (queue, store, demo fleet with a bad deploy on payments 40 minutes ago:
 * checkout-api calls payments, so checkout-api is slow too).
 */
/** An Alertmanager notification of one firing alert on `service`, started `agoMs` before `now`. */
function firingOn(service: string, alertname: string, now: number, agoMs: number, fingerprint: string) {
  return {
    version: '4' as const,
    groupKey: `{}:{alertname="${alertname}"}`,
    truncatedAlerts: 0,
    status: 'firing' as const,
    receiver: 'smartcloudops',
    groupLabels: { alertname },
    commonLabels: { alertname, service, severity: 'page' },
    commonAnnotations: { summary: `${alertname} on ${service}` },
    externalURL: 'http://alertmanager.local:9093',
    alerts: [
      {
        status: 'firing' as const,
        labels: { alertname, service },
        annotations: {},
        startsAt: new Date(now - agoMs).toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.local/graph',
        fingerprint,
      },
    ],
  };
}

const buttonsOf = (r: Reply): Button[] => r.blocks.flatMap((b) => (b.type === 'buttons' ? b.buttons : []));

describe('issue 16.1: investigations from chat, REST and incidents', () => {
  let h: HttpApp;
  let call: Call;
  beforeEach(async () => {
    h = await httpApp({ DEMO_FAULTS: demoFault('bad_deploy', 'payments', '-40m'), DEFAULT_ROLE: 'operator' });
    call = caller(h);
    await h.app.startWorkers();
  });
  afterEach(async () => {
    await h.close();
  });

  const say = async (text: string, user = 'alice') => {
    const sink = recordingSink();
    const handled = await h.app.conversation.handleMessage(
      { platform: 'console', user, channel: 'ops', thread: 't1', text },
      sink,
    );
    await handled.done;
    return { handled, sink, final: lastVersion(sink.messages[0]) };
  };

  it('chat: "why is checkout-api slow?" shows each read as a step, then the root cause with evidence', async () => {
    const { handled, sink, final } = await say('why is checkout-api slow?');
    expect(handled.intent).toBe('investigate');
    // The steps were shown as they went: an edit per change of the acknowledgement.
    const versions = sink.messages[0].versions.map((v) => renderText(v));
    expect(versions[0]).toMatch(/Investigating checkout-api/);
    expect(versions.some((v) => /… service_anomalies checkout-api/.test(v))).toBe(true);
    const text = renderText(final);
    for (const step of ['question', 'dependency_graph', 'service_anomalies payments', 'changes', 'runbook_search'])
      expect(text).toContain(`✓ ${step}`);
    expect(text).toMatch(/Root cause: bad deploy on payments \(confidence 0\.\d\d\)/);
    expect(text).toMatch(/\[changes\]/);
    expect(text).toMatch(/\[service_anomalies\]/);
    expect(text).toMatch(/Runbooks: .*Bad deploy/i);
    expect(text).toMatch(/read-only, nothing was changed/);
    // The suggestion is a button with the typed command: pressing it requests, it does not act.
    expect(buttonsOf(final).map((b) => b.command)).toContain('rollback payments');
    const pressed = await say('rollback payments');
    expect(pressed.handled.intent).toBe('remediate');
    expect(renderText(pressed.final)).toMatch(/Did you mean `\/ops rollback payments`\?/);
    const confirmed = await say('yes');
    const request = /\b(r[0-9a-f]{6})\b/.exec(renderText(confirmed.final))?.[1];
    expect(request).toBeDefined();
    expect(h.app.remediation.get(request as string)).toMatchObject({
      action: 'rollback',
      target: 'payments',
      state: 'pending_approval',
    });
  });

  it('chat: "what\'s wrong with payments since 10:00" frames the window from 10:00 UTC', async () => {
    h.clock.now = Date.UTC(2026, 10, 26, 10, 30);
    const { final } = await say("what's wrong with payments since 10:00");
    const text = renderText(final);
    expect(text).toContain('✓ question — payments since 10:00 UTC');
    expect(text).toMatch(/\(10:00-10:30 UTC\)/);
  });

  it('REST: POST answers 202 {id}; GET answers the investigation object; bad input is refused clearly', async () => {
    const viewer = await person(h, 'viewer', 'vera');
    const started = await call('POST', '/api/v1/investigations', viewer.token, {
      service: 'checkout-api',
      question: 'why is checkout-api slow?',
    });
    expect(started.status).toBe(202);
    const id = started.body.id as string;
    const done = await waitFor(
      async () => {
        const r = await call('GET', `/api/v1/investigations/${id}`, viewer.key(['read']));
        return r.body.status === 'done' ? r : undefined;
      },
      60_000,
      'the investigation to finish',
    );
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      id,
      status: 'done',
      verdict: 'root_cause',
      root_cause: { service: 'payments', kind: 'bad_deploy', confidence: expect.any(Number) },
      suggested_actions: [{ command: 'rollback payments' }],
      source: 'rules',
      tokens: 0,
      duration_ms: expect.any(Number),
    });
    const hypotheses = done.body.hypotheses as Array<{ evidence: Array<{ tool: string }> }>;
    expect(hypotheses[0].evidence.map((e) => e.tool)).toEqual(expect.arrayContaining(['changes', 'service_anomalies']));
    expect((done.body.runbooks as Array<{ name: string }>).map((r) => r.name)).toContain('bad-deploy');

    const metric = await h.app.metrics.registry.getSingleMetric('smartcloudops_investigations_total')?.get();
    expect(metric?.values).toEqual([
      expect.objectContaining({ labels: { source: 'rules', verdict: 'root_cause' }, value: 1 }),
    ]);

    expect((await call('POST', '/api/v1/investigations', viewer.token, { service: 'paymnts' })).status).toBe(400);
    const noIncident = await call('POST', '/api/v1/investigations', viewer.token, { incident_id: 'i000000' });
    expect(noIncident.status).toBe(400);
    expect(JSON.stringify(noIncident.body)).toMatch(/No incident i000000/);
    expect((await call('POST', '/api/v1/investigations', {}, { service: 'payments' })).status).toBe(401);
    const unknown = await call('GET', '/api/v1/investigations/nope', viewer.token);
    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toMatch(/No investigation nope/);
  });

  it('a new incident is investigated; the answer lands in its thread with catalog actions as buttons', async () => {
    const posted: Array<{ channel: string; reply: Reply; thread?: string }> = [];
    const notifier = startIncidentNotifier({
      incidents: h.app.incidents,
      target: {
        platform: 'slack',
        channel: 'C0INC',
        poster: {
          async post(channel, reply, thread) {
            posted.push({ channel, reply, ...(thread ? { thread } : {}) });
            return { channel, id: `m${posted.length}`, thread: thread ?? `m${posted.length}` };
          },
          async update() {},
        },
      },
      posts: new IncidentPosts(h.app.store.db),
      queue: h.app.queue,
      catalog: buildActionCatalog(),
      clock: h.app.clock,
      log: h.app.log,
    });
    try {
      const { incident } = await h.app.incidents.ingest(
        firingOn('checkout-api', 'CheckoutSlow', h.clock.now, 5 * 60_000, 'f1'),
      );
      const job = (await h.app.queue.list({ limit: 10 })).find((j) => j.name === 'investigate');
      expect(job?.data).toEqual({ incidentId: incident?.id, service: 'checkout-api' });
      const done = await h.app.queue.waitUntilFinished(job!.id, 60_000);
      expect((done.result as InvestigateJobResult).investigation.root_cause).toMatchObject({
        service: 'payments',
        kind: 'bad_deploy',
      });
      await waitFor(async () => (posted.length >= 2 ? true : undefined), 10_000, 'the answer in the thread');
      await notifier.idle();
      const answer = posted.find((p) => p.thread === 'm1');
      const text = renderText(answer!.reply);
      expect(text).toMatch(new RegExp(`Most likely root cause for incident ${incident?.id} \\(checkout-api\\)`));
      expect(text).toMatch(/a bad deploy on payments/);
      expect(buttonsOf(answer!.reply).map((b) => b.command)).toEqual(
        expect.arrayContaining(['/ops rollback payments', `feedback incident:${incident?.id} real`]),
      );
      expect(h.app.incidents.get(incident!.id).timeline.map((t) => t.event)).toContain(
        'analysis: bad_deploy on payments (confidence 0.95)',
      );
      expect(h.app.investigations.latestForIncident(incident!.id)?.result?.root_cause?.kind).toBe('bad_deploy');
    } finally {
      notifier.stop();
    }
  });

  it('chat: "investigate incident ID" investigates it; an unknown one is refused before anything runs', async () => {
    const { incident } = await h.app.incidents.ingest(
      firingOn('payments', 'PaymentsErrors', h.clock.now, 10 * 60_000, 'p1'),
    );
    const { final } = await say(`investigate incident ${incident!.id}`);
    expect(renderText(final)).toMatch(new RegExp(`root cause for incident ${incident!.id} \\(payments\\)`));
    const unknown = await say('investigate incident i000000');
    expect(unknown.handled.outcome).toBe('invalid');
    expect(renderText(unknown.final)).toMatch(/No incident i000000; `incidents` lists them/);
    expect((await h.app.queue.list({ limit: 50 })).filter((j) => j.name === 'investigate')).toHaveLength(2);
  });
});
