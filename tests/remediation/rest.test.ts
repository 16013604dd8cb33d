import { DURING_BURST } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { caller, httpApp, person, type Call, type HttpApp } from './people-app';

/**
 * Issue 13.16 (remediation half): REST answers remediation requests as data a program can use
 * (DESIGN.md), and the remediation metrics of DESIGN.md are recorded.
 */
describe('issue 13.16: remediation requests over REST are JSON objects', () => {
  let h: HttpApp;
  let call: Call;
  beforeEach(async () => {
    h = await httpApp({ DEFAULT_ROLE: 'viewer' });
    h.clock.now = DURING_BURST;
    call = caller(h);
  });
  afterEach(async () => {
    await h.close();
  });

  const metric = async (name: string) => (await h.app.metrics.registry.getSingleMetric(name)?.get())?.values ?? [];

  it('creates, reads, approves and finishes a request, each answer a JSON object naming people', async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const ada = await person(h, 'approver', 'ada');
    const asked = await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'inventory' });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({
      request_id: expect.stringMatching(/^r[0-9a-f]{6}$/),
      state: 'pending_approval',
      plan: {
        executor: 'demo',
        calls: [expect.stringContaining('restart inventory')],
        blast_radius: expect.any(String),
      },
    });
    const id = asked.body.request_id as string;

    const read = await call('GET', `/api/v1/remediations/${id}`, olivia.key(['read']));
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      id,
      action: 'restart',
      target: 'inventory',
      state: 'pending_approval',
      requested_by: { id: olivia.person, name: olivia.name },
      approvals_needed: 1,
      approvals: [],
      result: null,
    });

    h.clock.now += 90_000;
    const approved = await call('POST', `/api/v1/remediations/${id}/approve`, ada.key());
    expect(approved.status).toBe(202);
    expect(approved.body).toMatchObject({
      id,
      state: 'approved',
      job: { id, name: 'remediation' },
      approvals: [{ user: { id: ada.person, name: ada.name }, at: new Date(h.clock.now).toISOString() }],
      message: expect.stringMatching(/^Approved/),
    });

    await h.app.startWorkers();
    const done = await waitFor(
      async () => {
        const r = await call('GET', `/api/v1/remediations/${id}`, ada.token);
        return r.body.state === 'succeeded' ? r.body : undefined;
      },
      20_000,
      'the request to succeed',
    );
    expect(done).toMatchObject({
      result: { ok: true, summary: expect.any(String) },
      approvals: [{ user: { id: ada.person } }],
      started_at: expect.any(String),
      finished_at: expect.any(String),
    });

    expect(await metric('smartcloudops_remediations_total')).toContainEqual(
      expect.objectContaining({ labels: { action: 'restart', outcome: 'succeeded' }, value: 1 }),
    );
    const wait = await metric('smartcloudops_approval_wait_seconds');
    expect(wait).toContainEqual(
      expect.objectContaining({ metricName: 'smartcloudops_approval_wait_seconds_sum', value: 90 }),
    );
    expect(wait).toContainEqual(
      expect.objectContaining({ metricName: 'smartcloudops_approval_wait_seconds_count', value: 1 }),
    );
  });

  it(
    'answers 202 with the job for an action needing no approval, the request object on deny, ' +
      'and counts denied and expired',
    async () => {
      const olivia = await person(h, 'operator', 'olivia');
      const ada = await person(h, 'approver', 'ada');
      const scaled = await call('POST', '/api/v1/remediations', olivia.token, {
        action: 'scale',
        target: 'search',
        replicas: 4,
      });
      expect(scaled.status).toBe(202);
      expect(scaled.body).toMatchObject({
        state: 'approved',
        job: { id: scaled.body.request_id, name: 'remediation' },
      });

      const denyMe = (
        await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'payments' })
      ).body.request_id as string;
      const denied = await call('POST', `/api/v1/remediations/${denyMe}/deny`, ada.token);
      expect(denied.status).toBe(200);
      expect(denied.body).toMatchObject({ id: denyMe, state: 'denied', message: expect.stringMatching(/^Denied/) });
      expect((await call('POST', `/api/v1/remediations/${denyMe}/approve`, ada.token)).body).toMatchObject({
        error: 'bad_request',
        message: expect.stringMatching(/is denied/),
      });

      const stale = (
        await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'checkout-api' })
      ).body.request_id as string;
      h.clock.now += 16 * 60_000;
      expect(await h.app.remediation.recover()).toMatchObject({ expired: [stale] });
      expect((await call('GET', `/api/v1/remediations/${stale}`, ada.key(['read']))).body).toMatchObject({
        state: 'expired',
      });

      const outcomes = (await metric('smartcloudops_remediations_total')).map(
        (v) => `${v.labels.action}:${v.labels.outcome}=${v.value}`,
      );
      expect(outcomes.sort()).toEqual(['restart:denied=1', 'restart:expired=1']);
    },
  );

  it(
    'answers 404 for an unknown request, 400 for a malformed id, ' + '401 without credentials, and documents it',
    async () => {
      const vera = await person(h, 'viewer', 'vera');
      expect((await call('GET', '/api/v1/remediations/r000000', vera.token)).status).toBe(404);
      expect((await call('GET', '/api/v1/remediations/..%2Fetc', vera.token)).status).toBe(400);
      expect((await call('GET', '/api/v1/remediations/r000000', {})).status).toBe(401);
      const doc = (await call('GET', '/api/v1/openapi.json', {})).body as {
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
        components: { schemas: Record<string, { properties: Record<string, unknown> }> };
      };
      expect(Object.keys(doc.paths['/api/v1/remediations/{id}'].get.responses)).toEqual(
        expect.arrayContaining(['200', '404']),
      );
      expect(Object.keys(doc.paths['/api/v1/remediations'].post.responses)).toEqual(
        expect.arrayContaining(['201', '202', '403']),
      );
      expect(Object.keys(doc.components.schemas.Remediation.properties)).toEqual(
        expect.arrayContaining(['id', 'action', 'target', 'state', 'requested_by', 'approvals', 'result']),
      );
      expect(Object.keys(doc.components.schemas.RemediationCreated.properties)).toEqual(
        expect.arrayContaining(['request_id', 'state', 'plan']),
      );
    },
  );
});
