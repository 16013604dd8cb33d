import { DURING_BURST } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { caller, httpApp, person, sayInSlack, type Call, type HttpApp } from './people-app';

/**
 * Issue 13.2, found by a repeated trial: policy (freeze, breaker, cooldown, hourly limit) was
 * checked only when a request was made. Eight restarts of one service requested while none had
 * run, then approved one after another, all ran within a second (cooldown 300 s, at most 6 an
 * hour). Policy now holds when the last approval would start a request (it is refused and stays
 * pending, so it can be approved once allowed) and again, atomically with the claim, when it runs.
 */
describe('issue 13.2 (trial): policy holds between approval and run, not only at the request', () => {
  let h: HttpApp;
  let call: Call;
  beforeEach(async () => {
    // The demo catalog: restart needs 1 approval, cooldown 300 s, at most 6 an hour.
    h = await httpApp({ DEFAULT_ROLE: 'viewer' });
    h.clock.now = DURING_BURST;
    call = caller(h);
  });
  afterEach(async () => h.close());

  const settled = (id: string) =>
    waitFor(
      async () =>
        ['failed', 'succeeded', 'unknown'].includes(h.app.remediation.get(id).state)
          ? h.app.remediation.get(id)
          : undefined,
      10_000,
      `${id} to finish`,
    );

  it(
    'refuses the approval that would beat the cooldown, keeps the request pending, ' +
      'and runs it once the cooldown is over',
    async () => {
      const olivia = await person(h, 'operator', 'olivia');
      const abe = await person(h, 'approver', 'abe');
      const ids: string[] = [];
      for (let i = 0; i < 3; i++)
        ids.push(
          String(
            (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'payments' })).body
              .request_id,
          ),
        );
      await h.app.startWorkers();
      expect((await call('POST', `/api/v1/remediations/${ids[0]}/approve`, abe.token)).status).toBe(202);
      expect(await settled(ids[0])).toMatchObject({ state: 'succeeded' });

      const second = await call('POST', `/api/v1/remediations/${ids[1]}/approve`, abe.token);
      expect(second.status).toBe(403);
      expect(second.body.message).toMatch(/cooldown is 300 s/);
      expect(h.app.remediation.get(ids[1])).toMatchObject({ state: 'pending_approval', approvers: [] });
      expect(h.app.auth.audit.list({ action: 'remediation.approve', limit: 10 })[0]).toMatchObject({
        outcome: 'denied',
        target: `remediation:${ids[1]}`,
      });

      h.clock.now += 301_000;
      expect((await call('POST', `/api/v1/remediations/${ids[1]}/approve`, abe.token)).status).toBe(202);
      expect(await settled(ids[1])).toMatchObject({ state: 'succeeded' });
      const restarts = h.app.auth.audit
        .list({ action: 'remediation.execute', limit: 10 })
        .filter((e) => e.outcome === 'ok');
      expect(restarts).toHaveLength(2);
    },
  );

  it(
    'does not run an approved request in cooldown (it ends "not run", with the reason), ' +
      'and refuses approving while frozen',
    async () => {
      const olivia = await person(h, 'operator', 'olivia');
      const abe = await person(h, 'approver', 'abe');
      const admin = await person(h, 'admin', 'root');
      const a = String(
        (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'search' })).body
          .request_id,
      );
      const b = String(
        (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'search' })).body
          .request_id,
      );
      // Both approved before any worker runs (both pass policy then), then a worker takes them.
      expect((await call('POST', `/api/v1/remediations/${a}/approve`, abe.token)).status).toBe(202);
      expect((await call('POST', `/api/v1/remediations/${b}/approve`, abe.token)).status).toBe(202);
      await h.app.startWorkers();
      const done = [await settled(a), await settled(b)];
      expect(done.map((r) => r.state).sort()).toEqual(['failed', 'succeeded']);
      const notRun = done.find((r) => r.state === 'failed');
      expect(notRun).toMatchObject({
        startedAt: null,
        result: { ok: false, summary: expect.stringMatching(/^Not run: restart ran on search .*cooldown is 300 s/) },
      });

      // Approving while frozen is refused (it stays pending, to approve after `unfreeze`).
      h.clock.now += 301_000;
      const d = String(
        (await call('POST', '/api/v1/remediations', olivia.token, { action: 'restart', target: 'checkout-api' })).body
          .request_id,
      );
      await sayInSlack(h, admin.slack, 'freeze');
      const frozen = await call('POST', `/api/v1/remediations/${d}/approve`, abe.token);
      expect([frozen.status, frozen.body.message]).toEqual([403, expect.stringMatching(/frozen/)]);
      expect(h.app.remediation.get(d).state).toBe('pending_approval');
      expect(h.app.auth.audit.verify()).toMatchObject({ ok: true });
    },
  );
});
