import { person, sayInSlack, usePeopleApp, type Call, type HttpApp } from './people-app';

/**
 * Found by a repeated trial. Issue 13.16: a decision on a request that does not exist answers 404
 * like `GET /api/v1/remediations/:id`, and the id takes the same forms (`#r…`, any case).
 * Issue 13.12: cancelling the job of an approved remediation ends the request at once (failed,
 * not run), says so to the one who cancelled, and approve/deny/GET agree with it.
 */
describe('issue 13.16 (trial): approve and deny of an unknown request answer 404', () => {
  let h: HttpApp;
  let call: Call;
  usePeopleApp((app, c) => {
    h = app;
    call = c;
  });

  it('answers 404 JSON for an unknown id, takes #r… in any case like GET, and documents 404', async () => {
    const abe = await person(h, 'approver', 'abe');
    for (const decision of ['approve', 'deny']) {
      const res = await call('POST', `/api/v1/remediations/r000000/${decision}`, abe.token);
      expect([decision, res.status, res.body.error]).toEqual([decision, 404, 'not_found']);
      expect(res.body.message).toMatch(/There is no remediation request r000000/);
    }
    const olivia = await person(h, 'operator', 'olivia');
    const id = String(
      (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'payments' })).body
        .request_id,
    );
    const odd = await call('POST', `/api/v1/remediations/%23${id.toUpperCase()}/approve`, abe.token);
    expect([odd.status, odd.body.id, odd.body.state]).toEqual([202, id, 'approved']);
    const doc = (await call('GET', '/api/v1/openapi.json', {})).body as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    for (const decision of ['approve', 'deny'])
      expect(Object.keys(doc.paths[`/api/v1/remediations/{id}/${decision}`].post.responses)).toContain('404');
  });
});

describe("issue 13.12 (trial): cancelling an approved remediation's job ends the request and says so", () => {
  let h: HttpApp;
  let call: Call;
  usePeopleApp((app, c) => {
    h = app;
    call = c;
  });

  it('marks the request failed (not run) when its waiting job is cancelled, in the reply and the request', async () => {
    const olivia = await person(h, 'operator', 'olivia');
    const abe = await person(h, 'approver', 'abe');
    const id = String(
      (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'payments' })).body
        .request_id,
    );
    expect((await call('POST', `/api/v1/remediations/${id}/approve`, abe.token)).status).toBe(202);
    // No worker runs here: the job waits, and its requester cancels it from Slack.
    const cancelled = await sayInSlack(h, olivia.slack, `cancel ${id}`);
    expect(cancelled.text).toMatch(new RegExp(`Cancelled job ${id}`));
    expect(cancelled.text).toMatch(new RegExp(`Remediation ${id} .*will not run`));
    const got = await call('GET', `/api/v1/remediations/${id}`, olivia.token);
    expect(got.body).toMatchObject({
      state: 'failed',
      result: { ok: false, summary: expect.stringMatching(/Not run: its job was cancelled/) },
    });
    const approve = await call('POST', `/api/v1/remediations/${id}/approve`, abe.token);
    expect(approve.body.message).toMatch(/is failed; there is nothing to approve/);
    const executions = h.app.auth.audit
      .list({ action: 'remediation.execute', limit: 100 })
      .filter((e) => e.target === `remediation:${id}`);
    expect(executions).toEqual([
      expect.objectContaining({ outcome: 'failed', detail: expect.objectContaining({ job: 'cancelled' }) }),
    ]);
    // Recovery finds nothing left to do, and nothing runs once a worker starts.
    expect(await h.app.remediation.recover()).toEqual({ enqueued: [], settled: [], expired: [] });
    expect(h.app.auth.audit.verify()).toMatchObject({ ok: true });
  });
});
