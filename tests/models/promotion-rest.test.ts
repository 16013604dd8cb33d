import { waitFor } from '../helpers/cli';
import { caller, httpApp, person, twoApprovalCatalog, type Call, type HttpApp } from '../remediation/people-app';

jest.setTimeout(180_000);

/**
 * Issue 15 point 5 over REST: POST /api/v1/models/:name/promote and /rollback answer as a new
 * remediation request does, and are approved at /api/v1/remediations/:id/approve by another
 * person. The config file configures `actions:` without the model actions: they keep their defaults.
 */
describe('REST promote and rollback of a model (tokens of two people)', () => {
  let h: HttpApp;
  let call: Call;
  beforeEach(async () => {
    h = await httpApp({ CONFIG_FILE: twoApprovalCatalog(), DEFAULT_ROLE: 'viewer' });
    call = caller(h);
    await h.app.startWorkers();
  });
  afterEach(async () => {
    await h.close();
  });

  const champion = () => h.app.models.aliasesOf('payments-detector').champion;
  /** Trains version `n` and waits until it is registered and evaluated. */
  const train = async (token: { authorization: string }, n: number) => {
    const started = await call('POST', '/api/v1/models/train', token, { service: 'payments', window_s: 86_400 });
    expect(started.status).toBe(202);
    await h.app.queue.waitUntilFinished(started.body.job_id as string, 60_000);
    await waitFor(async () => h.app.models.list()[0]?.versions[n - 1]?.metrics ?? undefined, 20_000, 'the scorecard');
  };
  const finished = (id: string, token: { authorization: string }) =>
    waitFor(
      async () => {
        const r = await call('GET', `/api/v1/remediations/${id}`, token);
        return ['succeeded', 'failed'].includes(r.body.state as string) ? r.body : undefined;
      },
      20_000,
      'the request to finish',
    );

  it('requests, refuses bad input, approves by another person and rolls back', async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const ada = await person(h, 'approver', 'ada');
    const vera = await person(h, 'viewer', 'vera');
    await train(olivia.token, 1);

    const viewer = await call('POST', '/api/v1/models/payments-detector/promote', vera.token, { version: 1 });
    expect(viewer.status).toBe(403);
    const missing = await call('POST', '/api/v1/models/payments-detector/promote', olivia.token, { version: 9 });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('has no version 9');
    const noPrevious = await call('POST', '/api/v1/models/payments-detector/rollback', olivia.token);
    expect(noPrevious.status).toBe(400);
    expect(noPrevious.body.message).toContain('nothing to roll back');
    // A model is never a remediation target: the remediate route does not take the model actions.
    const asRemediation = await call('POST', '/api/v1/remediations', olivia.token, {
      action: 'promote_model',
      target: 'payments-detector',
    });
    expect(asRemediation.status).toBe(400);

    const asked = await call('POST', '/api/v1/models/payments-detector/promote', olivia.token, { version: 1 });
    expect(asked.status).toBe(201);
    expect(asked.body).toMatchObject({
      request_id: expect.stringMatching(/^r[0-9a-f]{6}$/),
      state: 'pending_approval',
      plan: {
        executor: 'model',
        current: { champion: 'none (built-in detector)' },
        desired: { champion: 'v1', raised: expect.any(Array), dropped: expect.any(Array) },
        blast_radius: expect.stringMatching(/would have raised \d+ alert\(s\)/),
      },
    });
    const id = asked.body.request_id as string;
    const self = await call('POST', `/api/v1/remediations/${id}/approve`, olivia.token);
    expect(self.status).toBe(403);
    expect(champion()).toBeNull();

    const approved = await call('POST', `/api/v1/remediations/${id}/approve`, ada.token);
    expect(approved.status).toBe(202);
    expect(await finished(id, ada.token)).toMatchObject({
      action: 'promote_model',
      target: 'payments-detector',
      params: { version: 1 },
      state: 'succeeded',
      result: { ok: true, summary: expect.stringContaining('champion none -> v1') },
    });
    expect(champion()).toBe(1);

    await train(olivia.token, 2);
    h.clock.now += 2 * 60_000; // past the cooldown
    const second = await call('POST', '/api/v1/models/payments-detector/promote', olivia.token, { version: 2 });
    expect(second.status).toBe(201);
    await call('POST', `/api/v1/remediations/${second.body.request_id as string}/approve`, ada.token);
    await finished(second.body.request_id as string, ada.token);
    expect(champion()).toBe(2);

    h.clock.now += 2 * 60_000;
    const back = await call('POST', '/api/v1/models/payments-detector/rollback', olivia.token);
    expect(back.status).toBe(201);
    expect(back.body).toMatchObject({ plan: { current: { champion: 'v2' }, desired: { champion: 'v1' } } });
    await call('POST', `/api/v1/remediations/${back.body.request_id as string}/approve`, ada.token);
    expect(await finished(back.body.request_id as string, ada.token)).toMatchObject({ state: 'succeeded' });
    expect(champion()).toBe(1);
  });
});
