import { personOf } from '../../src/auth/permissions';
import { person, sayInSlack, usePeopleApp, type Call, type HttpApp } from './people-app';

/**
 * Issue 13.1: the rules about people ("never the requester", one approval per approver, one's own
 * job) compare the person behind a principal, whatever credential or chat link they came with.
 */
describe('issue 13.1: approvals and job ownership compare people, not credentials', () => {
  let h: HttpApp;
  let call: Call;
  usePeopleApp((app, c) => {
    h = app;
    call = c;
  });

  const state = (id: string) => h.app.remediation.get(id).state;
  const requestId = (body: Record<string, unknown>) =>
    String(body.request_id ?? /r[0-9a-f]{6}/.exec(JSON.stringify(body))?.[0] ?? '');

  it(
    'finds one person behind a token, an API key, a linked Slack or Teams id and the console; ' +
      'an unlinked chat id is its own',
    async () => {
      const ada = await person(h, 'approver', 'ada');
      const user = h.app.auth.users.get(ada.id)!;
      h.app.auth.users.link(ada.id, 'teams', 'teams-ada');
      const key = h.app.auth.apiKeys.authenticate(ada.key(['read'])['x-api-key'])!;
      const token = h.app.auth.authenticate(ada.token)!;
      const people = [
        token,
        key,
        h.app.identity.resolve('slack', ada.slack),
        h.app.identity.resolve('teams', 'teams-ada'),
        h.app.identity.resolve('console', user.name),
      ];
      expect(people.map((p) => p.id)).toEqual([
        ada.person,
        expect.stringMatching(/^apikey:/),
        ada.person,
        ada.person,
        ada.person,
      ]);
      expect(people.map(personOf)).toEqual(Array(5).fill(ada.person));
      expect(personOf(h.app.identity.resolve('slack', 'UNLINKED1'))).toBe('slack:UNLINKED1');
    },
  );

  it('refuses a requester approving with their own API key (403), and nothing runs', async () => {
    const ada = await person(h, 'approver', 'ada');
    const asked = await call('POST', '/api/v1/remediations', ada.token, { action: 'restart', target: 'payments' });
    const id = requestId(asked.body);
    expect(id).toMatch(/^r[0-9a-f]{6}$/);

    const own = await call('POST', `/api/v1/remediations/${id}/approve`, ada.key());
    expect(own.status).toBe(403);
    expect(own.body).toMatchObject({
      error: 'forbidden',
      message: expect.stringMatching(/You asked for .*another credential of yours does not count/),
    });
    const bearerKey = { authorization: `Bearer ${ada.key()['x-api-key']}` };
    expect((await call('POST', `/api/v1/remediations/${id}/approve`, bearerKey)).status).toBe(403);
    expect(state(id)).toBe('pending_approval');
    expect(await h.app.queue.get(id)).toBeUndefined();
    expect(h.app.auth.audit.list({ action: 'remediation.approve' })).toEqual([
      expect.objectContaining({ outcome: 'denied', detail: expect.objectContaining({ person: ada.person }) }),
      expect.objectContaining({ outcome: 'denied', detail: expect.objectContaining({ person: ada.person }) }),
    ]);

    const abe = await person(h, 'approver', 'abe');
    expect((await call('POST', `/api/v1/remediations/${id}/approve`, abe.key())).status).toBe(202);
    expect(state(id)).toBe('approved');
    expect((await h.app.queue.get(id))?.name).toBe('remediation');
  });

  it('counts two API keys of one user as one approval: a 2-approval scale stays pending', async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const ada = await person(h, 'approver', 'ada');
    const id = requestId(
      (await call('POST', '/api/v1/remediations', olivia.token, { action: 'scale', target: 'payments', replicas: 4 }))
        .body,
    );
    const first = await call('POST', `/api/v1/remediations/${id}/approve`, ada.key());
    expect(first.status).toBe(200);
    const second = await call('POST', `/api/v1/remediations/${id}/approve`, ada.key());
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({
      message: expect.stringMatching(/You already approved .*needs 1 more approval/),
    });
    expect((await call('POST', `/api/v1/remediations/${id}/approve`, ada.token)).status).toBe(400);
    expect(state(id)).toBe('pending_approval');
    expect(h.app.remediation.get(id).approvers).toEqual([ada.person]);

    const abe = await person(h, 'approver', 'abe');
    expect((await call('POST', `/api/v1/remediations/${id}/approve`, abe.token)).status).toBe(202);
    expect(h.app.remediation.get(id)).toMatchObject({ state: 'approved', approvers: [ada.person, abe.person] });
  });

  it('refuses the requester approving from their linked Slack id', async () => {
    const ada = await person(h, 'approver', 'ada');
    const id = requestId(
      (await call('POST', '/api/v1/remediations', ada.key(), { action: 'restart', target: 'payments' })).body,
    );
    const fromSlack = await sayInSlack(h, ada.slack, `/ops approve ${id}`);
    expect(fromSlack.outcome).toBe('denied');
    expect(fromSlack.text).toMatch(/You asked for/);
    expect(state(id)).toBe('pending_approval');
    // And the other way round: asked in Slack, refused over REST with the token.
    const asked = await sayInSlack(h, ada.slack, '/ops restart checkout-api');
    const id2 = /r[0-9a-f]{6}/.exec(asked.text)?.[0] ?? '';
    expect(h.app.remediation.get(id2).requestedBy).toBe(ada.person);
    expect((await call('POST', `/api/v1/remediations/${id2}/approve`, ada.token)).status).toBe(403);
  });

  it("lets a viewer's own API key cancel the job the viewer started with their token", async () => {
    const vera = await person(h, 'viewer', 'vera');
    const started = await call('POST', '/api/v1/anomalies', vera.token, { service: 'payments' });
    expect(started.status).toBe(202);
    const jobId = (started.body.job as { id: string }).id;
    const other = await person(h, 'viewer', 'otto');
    expect((await call('POST', `/api/v1/jobs/${jobId}/cancel`, other.key(['read']))).status).toBe(403);
    const cancelled = await call('POST', `/api/v1/jobs/${jobId}/cancel`, vera.key(['read']));
    expect(cancelled.status).toBe(200);
    expect((await h.app.queue.get(jobId))?.state).toBe('cancelled');
  });
});
