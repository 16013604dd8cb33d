import { person, sayInSlack, usePeopleApp, type Call, type HttpApp } from './people-app';

/**
 * Issue 13.1, found by a repeated trial. Judgement: the requester may withdraw (deny) their own
 * pending request, with any of their credentials or chat links, whatever their role: withdrawing
 * only makes less happen, and an operator who asked for the wrong thing must not have to hope no
 * approver clicks it for 15 minutes. Denying someone else's request still needs an approver; a key
 * scoped to approve (without request) still denies.
 */
describe('issue 13.1 (trial): a requester withdraws their own request, with any credential', () => {
  let h: HttpApp;
  let call: Call;
  usePeopleApp((app, c) => {
    h = app;
    call = c;
  });

  it("lets an operator withdraw their own request from Slack or with a key, never someone else's", async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const otto = await person(h, 'operator', 'otto');
    const mine = String(
      (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'payments' })).body
        .request_id,
    );
    const theirs = String(
      (await call('POST', '/api/v1/remediations', otto.token, { action: 'restart', target: 'search' })).body.request_id,
    );

    const other = await call('POST', `/api/v1/remediations/${theirs}/deny`, olivia.key());
    expect(other.status).toBe(403);
    expect(other.body.message).toMatch(/needs the approver role/);
    expect(h.app.remediation.get(theirs).state).toBe('pending_approval');

    const withdrawn = await sayInSlack(h, olivia.slack, `deny ${mine}`);
    expect(withdrawn.text).toMatch(new RegExp(`Withdrawn ${mine}`));
    expect(h.app.remediation.get(mine)).toMatchObject({ state: 'denied', decidedBy: olivia.person });
    expect(
      h.app.auth.audit.list({ action: 'remediation.deny', limit: 10 }).map((e) => [e.outcome, e.detail.withdrawn]),
    ).toEqual([
      ['ok', true],
      ['denied', undefined],
    ]);

    const mine2 = String(
      (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'inventory' })).body
        .request_id,
    );
    const byKey = await call('POST', `/api/v1/remediations/${mine2}/deny`, olivia.key());
    expect([byKey.status, byKey.body.state]).toEqual([200, 'denied']);
  });

  it('keeps a viewer out, and lets a key scoped read + remediation.approve deny', async () => {
    const vera = await person(h, 'viewer', 'vera');
    const olivia = await person(h, 'operator', 'olivia');
    const abe = await person(h, 'approver', 'abe');
    const id = String(
      (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'payments' })).body
        .request_id,
    );
    expect((await call('POST', `/api/v1/remediations/${id}/deny`, vera.token)).status).toBe(403);
    const scoped = await call('POST', `/api/v1/remediations/${id}/deny`, abe.key(['read', 'remediation.approve']));
    expect([scoped.status, scoped.body.state]).toEqual([200, 'denied']);
    expect(scoped.body.message).toMatch(/^Denied/);
  });
});
