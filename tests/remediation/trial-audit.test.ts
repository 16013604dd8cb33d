import { person, sayInSlack, usePeopleApp, type Call, type HttpApp } from './people-app';

/**
 * Issue 13.2, found by a repeated trial: every approval, denial and refusal of a remediation has
 * exactly one audit record, whichever way it came (REST, chat), and the chain stays intact.
 */
describe('issue 13.2 (trial): one audit record per approval, denial and refusal', () => {
  let h: HttpApp;
  let call: Call;
  usePeopleApp((app, c) => {
    h = app;
    call = c;
  });

  /** The audit records written while `act` ran, as `action outcome`. */
  async function recorded(act: () => Promise<unknown>): Promise<string[]> {
    const before = h.app.auth.audit.list({ limit: 1 })[0]?.seq ?? 0;
    await act();
    return h.app.auth.audit
      .list({ limit: 1000 })
      .filter((e) => e.seq > before)
      .map((e) => `${e.action} ${e.outcome}`)
      .reverse();
  }

  it('records a refused self-approval once over REST, as in chat', async () => {
    const ada = await person(h, 'approver', 'ada');
    const id = String(
      (await call('POST', '/api/v1/remediations', ada.token, { action: 'restart', target: 'payments' })).body
        .request_id,
    );
    expect(await recorded(() => call('POST', `/api/v1/remediations/${id}/approve`, ada.key()))).toEqual([
      'remediation.approve denied',
    ]);
    expect(await recorded(() => sayInSlack(h, ada.slack, `approve ${id}`))).toEqual(['remediation.approve denied']);
  });

  it('records a refused denial (the request is no longer pending) once, like a refused approval', async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const abe = await person(h, 'approver', 'abe');
    const id = String(
      (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'payments' })).body
        .request_id,
    );
    expect(await recorded(() => call('POST', `/api/v1/remediations/${id}/deny`, abe.token))).toEqual([
      'remediation.deny ok',
    ]);
    const late = await recorded(async () => {
      const res = await call('POST', `/api/v1/remediations/${id}/deny`, abe.key());
      expect(res.body.message).toMatch(/is denied; it can no longer be denied/);
    });
    expect(late).toEqual(['remediation.deny denied']);
    expect(await recorded(() => sayInSlack(h, abe.slack, `deny ${id}`))).toEqual(['remediation.deny denied']);
  });

  it('records a request refused by policy (frozen) once, in chat and over REST', async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const admin = await person(h, 'admin', 'root');
    await sayInSlack(h, admin.slack, 'freeze');
    const rest = await recorded(async () => {
      const res = await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'payments' });
      expect(res.status).toBe(403);
    });
    expect(rest).toEqual(['remediation.request denied']);
    expect(await recorded(() => sayInSlack(h, olivia.slack, '/ops restart payments'))).toEqual([
      'remediation.request denied',
    ]);
    expect(h.app.auth.audit.verify()).toMatchObject({ ok: true });
  });
});
