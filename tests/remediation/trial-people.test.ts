import { DURING_BURST } from '../helpers/app';
import { caller, httpApp, person, sayInSlack, twoApprovalCatalog, type Call, type HttpApp } from './people-app';

/**
 * Issue 13.1, found by a repeated trial: a chat id is the person it is linked to *now*. A link made
 * after the chat id asked (or approved, or started a job) must not turn that person into someone
 * else: they still may not approve their own request, nor approve it twice; their job is theirs.
 * A disabled user's chat link acts with no permissions (not as a guest with the default role).
 */
describe('issue 13.1 (trial): a chat id linked after it acted is still the same person', () => {
  let h: HttpApp;
  let call: Call;
  const start = async (defaultRole: string) => {
    h = await httpApp({ CONFIG_FILE: twoApprovalCatalog(), DEFAULT_ROLE: defaultRole });
    h.clock.now = DURING_BURST;
    call = caller(h);
  };
  afterEach(async () => h.close());
  const idIn = (text: string) => /r[0-9a-f]{6}/.exec(text)?.[0] ?? '';

  it('refuses the approval of a user whose Slack id, linked since, asked for the request', async () => {
    await start('operator');
    const asked = await sayInSlack(h, 'ULATER1', '/ops restart checkout-api');
    const id = idIn(asked.text);
    expect(h.app.remediation.get(id)).toMatchObject({ state: 'pending_approval', requestedBy: 'slack:ULATER1' });

    const ada = await person(h, 'approver', 'ada');
    h.app.auth.users.link(ada.id, 'slack', 'ULATER1');
    const own = await call('POST', `/api/v1/remediations/${id}/approve`, ada.token);
    expect(own.status).toBe(403);
    expect(own.body.message).toMatch(/You asked for/);
    expect((await call('POST', `/api/v1/remediations/${id}/approve`, ada.key())).status).toBe(403);
    expect(h.app.remediation.get(id).state).toBe('pending_approval');
    expect(await h.app.queue.get(id)).toBeUndefined();
  });

  it("counts an approval given from a chat id before it was linked as that user's one approval", async () => {
    await start('approver');
    const olivia = await person(h, 'operator', 'olivia');
    const id = String(
      (await call('POST', '/api/v1/remediations', olivia.token, { action: 'scale', target: 'payments', replicas: 4 }))
        .body.request_id,
    );
    const first = await sayInSlack(h, 'ULATER2', `approve ${id}`);
    expect(first.text).toMatch(/Approval recorded .*\(1 of 2\)/);

    const abe = await person(h, 'approver', 'abe');
    h.app.auth.users.link(abe.id, 'slack', 'ULATER2');
    const again = await call('POST', `/api/v1/remediations/${id}/approve`, abe.token);
    expect(again.status).toBe(400);
    expect(again.body.message).toMatch(/You already approved .*needs 1 more/);
    expect(h.app.remediation.get(id)).toMatchObject({ state: 'pending_approval', approvers: ['slack:ULATER2'] });
  });

  it('lets a user cancel, with their own key, the job their Slack id started before it was linked', async () => {
    await start('viewer');
    // What `anomalies payments` from an unlinked Slack id queues (no worker runs here, so it waits).
    const { id: jobId } = await h.app.queue.add(
      'detect_anomalies',
      { service: 'payments', windowS: 3600 },
      { meta: { requestedBy: 'slack:ULATER3', platform: 'slack', channel: 'C1' } },
    );
    const vera = await person(h, 'viewer', 'vera');
    const otto = await person(h, 'viewer', 'otto');
    h.app.auth.users.link(vera.id, 'slack', 'ULATER3');
    expect((await call('POST', `/api/v1/jobs/${jobId}/cancel`, otto.key(['read']))).status).toBe(403);
    const cancelled = await call('POST', `/api/v1/jobs/${jobId}/cancel`, vera.key(['read']));
    expect(cancelled.status).toBe(200);
  });

  it("gives a disabled user's Slack link no permissions, not the default role", async () => {
    await start('operator');
    const ada = await person(h, 'approver', 'ada');
    h.app.auth.users.setDisabled(ada.id, true);
    const asked = await sayInSlack(h, ada.slack, '/ops restart checkout-api');
    expect(asked.outcome).toBe('denied');
    expect(asked.text).toMatch(/disabled/);
    expect(h.app.auth.audit.list({ action: 'remediation.request', limit: 10 })).toEqual([]);
    const principal = h.app.identity.resolve('slack', ada.slack);
    expect(principal).toMatchObject({ id: `user:${ada.id}`, userId: ada.id });
    expect(principal.permissions.size).toBe(0);
  });
});
