import { DemoFleet } from '../../src/sources/demo/fleet';
import { DURING_BURST, tempDbPath } from '../helpers/app';
import { waitFor } from '../helpers/cli';
import { jwtSecret } from '../http/http-app';
import {
  caller,
  httpApp,
  person,
  sayInSlack,
  twoApprovalCatalog,
  type HttpApp,
  type Person,
} from '../remediation/people-app';

/**
 * Hostile concurrency, approvals: one person firing every credential and chat link they have at
 * once, and many approvers at once across two processes' worth of app on one SQLite file. Counts
 * are exact: one approval per person, one execution per request, every other call refused with
 * a sentence that says why.
 */
describe('hostile: parallel approvals', () => {
  let a: HttpApp;
  let b: HttpApp;
  beforeEach(async () => {
    // Two apps (as two `serve` processes would be) on one database, trusting the same tokens.
    const shared = {
      DATABASE_PATH: tempDbPath('sco-hostile-'),
      JWT_SECRET: jwtSecret(),
      CONFIG_FILE: twoApprovalCatalog(),
      DEFAULT_ROLE: 'viewer',
    };
    a = await httpApp(shared);
    b = await httpApp(shared);
    a.clock.now = DURING_BURST;
    b.clock.now = DURING_BURST;
  });
  afterEach(async () => {
    await a.close();
    await b.close();
  });

  const executions = (id: string) =>
    a.app.auth.audit
      .list({ action: 'remediation.execute', limit: 1000 })
      .filter((e) => e.target === `remediation:${id}`).length;
  const restarts = (h: HttpApp, service: string) =>
    (h.app.source as DemoFleet).state(service).lastActions.filter((x) => x.kind === 'restart').length;

  /** Every way `p` can approve `id`, fired at once: token and API keys over both apps' HTTP, and their Slack link. */
  function everyCredential(p: Person, id: string): Array<Promise<{ via: string; ok: boolean; said: string }>> {
    const http = (h: HttpApp, via: string, headers: Record<string, string>) =>
      caller(h)('POST', `/api/v1/remediations/${id}/approve`, headers).then((r) => ({
        via,
        ok: r.status < 300,
        said: String(r.body.message ?? ''),
      }));
    const key = p.key()['x-api-key'];
    return [
      http(a, 'token on A', p.token),
      http(b, 'token on B', p.token),
      http(a, 'X-API-Key on A', { 'x-api-key': key }),
      http(b, 'Bearer API key on B', { authorization: `Bearer ${p.key()['x-api-key']}` }),
      sayInSlack(a, p.slack, `/ops approve ${id}`).then((r) => ({
        via: 'Slack on A',
        ok: r.outcome === 'enqueued' || /Approval recorded|Approved/.test(r.text),
        said: r.text,
      })),
      sayInSlack(b, p.slack, `approve ${id}`).then((r) => ({
        via: 'Slack on B',
        ok: r.outcome === 'enqueued' || /Approval recorded|Approved/.test(r.text),
        said: r.text,
      })),
    ];
  }

  it('counts one person once however many credentials and chat links approve at the same moment', async () => {
    const olivia = await person(a, 'operator', 'olivia');
    const ada = await person(a, 'approver', 'ada');
    const abe = await person(a, 'approver', 'abe');
    const scale = String(
      (
        await caller(a)('POST', '/api/v1/remediations', olivia.token, {
          action: 'scale',
          target: 'search',
          replicas: 5,
        })
      ).body.request_id,
    );

    const results = await Promise.all(everyCredential(ada, scale));
    expect(results.filter((r) => r.ok).map((r) => r.via)).toHaveLength(1);
    const refused = results.filter((r) => !r.ok);
    expect(refused).toHaveLength(5);
    for (const r of refused)
      expect([r.via, r.said]).toEqual([r.via, expect.stringMatching(/You already approved .*needs 1 more approval/)]);
    expect(a.app.remediation.get(scale)).toMatchObject({ state: 'pending_approval', approvers: [ada.person] });

    // The requester, with every credential at once: all refused, nothing recorded.
    const own = await Promise.all(everyCredential(olivia, scale));
    expect(own.filter((r) => r.ok).map((r) => r.via)).toEqual([]);
    expect(a.app.remediation.get(scale).approvers).toEqual([ada.person]);

    // A 1-approval restart approved by one person through everything at once runs once.
    const restart = String(
      (await caller(b)('POST', '/api/v1/remediations', olivia.key(), { action: 'restart', target: 'inventory' })).body
        .request_id,
    );
    await a.app.startWorkers();
    const once = await Promise.all(everyCredential(abe, restart));
    expect(once.filter((r) => r.ok)).toHaveLength(1);
    for (const r of once.filter((x) => !x.ok))
      expect([r.via, r.said]).toEqual([
        r.via,
        expect.stringMatching(/is (approved|executing|succeeded); there is nothing to approve/),
      ]);
    await waitFor(
      async () => (a.app.remediation.get(restart).state === 'succeeded' ? true : undefined),
      20_000,
      'the restart to run',
    );
    expect(a.app.remediation.get(restart).approvers).toEqual([abe.person]);
    expect(executions(restart)).toBe(1);
    expect(restarts(a, 'inventory') + restarts(b, 'inventory')).toBe(1);
  });

  it(
    'takes exactly two of eight approvers racing on a 2-approval request, ' + 'across two apps, and runs it once',
    async () => {
      const olivia = await person(a, 'operator', 'olivia');
      const approvers = await Promise.all(Array.from({ length: 8 }, (_, i) => person(a, 'approver', `appr${i}`)));
      const id = String(
        (
          await caller(a)('POST', '/api/v1/remediations', olivia.token, {
            action: 'scale',
            target: 'payments',
            replicas: 6,
          })
        ).body.request_id,
      );
      await b.app.startWorkers();

      const results = await Promise.all(
        approvers.map((p, i) =>
          caller(i % 2 ? a : b)('POST', `/api/v1/remediations/${id}/approve`, i % 3 ? p.token : p.key()),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses).toEqual([200, 202, 400, 400, 400, 400, 400, 400]);
      for (const r of results.filter((x) => x.status === 400))
        expect(r.body.message).toMatch(
          new RegExp(`Request ${id} is (approved|executing|succeeded); there is nothing to approve`),
        );
      const done = await waitFor(
        async () => {
          const r = a.app.remediation.get(id);
          return r.state === 'succeeded' ? r : undefined;
        },
        20_000,
        'the scale to run',
      );
      expect(done.approvers).toHaveLength(2);
      expect(new Set(done.approvers).size).toBe(2);
      expect(executions(id)).toBe(1);
      const approvals = a.app.auth.audit
        .list({ action: 'remediation.approve', limit: 1000 })
        .filter((e) => e.target === `remediation:${id}`);
      expect(approvals.filter((e) => e.outcome === 'ok')).toHaveLength(2);
      expect(approvals.filter((e) => e.outcome === 'denied')).toHaveLength(6);
      expect(approvals.filter((e) => (e.detail as { started?: boolean }).started === true)).toHaveLength(1);
    },
  );
});
