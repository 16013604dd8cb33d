import type { App } from '../../src/app/control';
import { DemoFleet } from '../../src/sources/demo/fleet';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, NOW, recordingSink, testApp } from '../helpers/app';

/**
 * The whole remediation flow on the embedded defaults, through the conversation (what
 * `smartcloudops chat` drives): plan, approval by someone else, one execution on the demo fleet,
 * verification, audit.
 */
describe('remediation flow (demo fleet, embedded queue, real SQLite)', () => {
  let app: App;
  let now = NOW;

  beforeEach(async () => {
    now = NOW;
    // A clock the tests move (approval expiry, cooldowns).
    ({ app } = await testApp({ DEFAULT_ROLE: 'viewer' }, () => now));
    await app.auth.users.create({
      email: 'olivia@example.com',
      password: 'operator pass phrase',
      role: 'operator',
      name: 'olivia',
    });
    await app.auth.users.create({
      email: 'ada@example.com',
      password: 'approver pass phrase',
      role: 'approver',
      name: 'ada',
    });
    await app.auth.users.create({
      email: 'abe@example.com',
      password: 'approver pass phrase',
      role: 'approver',
      name: 'abe',
    });
    await app.auth.users.create({
      email: 'root@example.com',
      password: 'admin pass phrase!',
      role: 'admin',
      name: 'root',
    });
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = async (user: string, text: string) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'console', user, channel: 'ops', thread: 't1', text },
      sink,
    );
    await handled.done;
    return { ...handled, text: sink.messages.map((m) => renderText(lastVersion(m))).join('\n') };
  };
  const fleet = () => app.source as DemoFleet;
  const restarts = () =>
    fleet()
      .state('inventory')
      .lastActions.filter((a) => a.kind === 'restart').length;
  const requestId = (text: string) => /Remediation (r[0-9a-f]{6})/.exec(text)?.[1] ?? '';

  it("plans, refuses the requester's own approval, runs once on an approver's, and the leak recovers", async () => {
    const memoryBefore = fleet().snapshot('inventory').signals.memory;
    const asked = await say('olivia', '/ops restart inventory');
    expect(asked.text).toContain('will call');
    expect(asked.text).toContain('demo fleet: restart inventory');
    expect(asked.text).toMatch(/blast radius/);
    expect(asked.text).toMatch(/\[Approve\]|Approve/);
    const id = requestId(asked.text);
    expect(id).not.toBe('');
    expect(restarts()).toBe(0);

    const self = await say('olivia', `/ops approve ${id}`);
    expect(self.outcome).toBe('denied'); // approving needs the approver role: olivia is an operator
    const viewer = await say('mallory', `/ops approve ${id}`);
    expect(viewer.outcome).toBe('denied');

    const approved = await say('ada', `/ops approve ${id}`);
    expect(approved.text).toContain(`Remediation ${id}: restart inventory done`);
    expect(approved.text).toMatch(/memory leak is cleared/);
    expect(approved.text).toMatch(/inventory recovered/);
    expect(approved.text).toContain('approved by ada');
    expect(restarts()).toBe(1);
    expect(fleet().snapshot('inventory').signals.memory).toBeLessThan(memoryBefore);

    const again = await say('abe', `/ops approve ${id}`);
    expect(again.text).toMatch(/is succeeded; there is nothing to approve/);
    expect(restarts()).toBe(1);
    const audit = app.auth.audit.list({ limit: 50 }).map((e) => `${e.action}:${e.outcome}`);
    expect(audit).toEqual(
      expect.arrayContaining([
        'remediation.request:ok',
        'remediation.approve:ok',
        'remediation.execute:ok',
        'remediation.approve:denied',
      ]),
    );
    expect(app.auth.audit.verify().ok).toBe(true);
  });

  it('shows a later process the fleet as remediations left it (the demo fleet lives in memory)', async () => {
    const leaking = fleet().snapshot('inventory').signals.memory;
    const id = requestId((await say('olivia', '/ops restart inventory')).text);
    await say('ada', `/ops approve ${id}`);
    const later = (await testApp({ DATABASE_PATH: app.config.databasePath }, () => now)).app;
    try {
      const replayed = later.source as DemoFleet;
      expect(replayed.state('inventory').lastActions.map((a) => a.kind)).toEqual(['restart']);
      expect(replayed.snapshot('inventory').signals.memory).toBeLessThan(leaking);
      expect(replayed.snapshot('inventory').signals.memory).toBe(fleet().snapshot('inventory').signals.memory);
    } finally {
      await later.close();
    }
  });

  it('refuses an approver approving their own request', async () => {
    const asked = await say('ada', '/ops restart inventory');
    const refused = await say('ada', `/ops approve ${requestId(asked.text)}`);
    expect(refused.text).toContain('someone else with the approver role must approve it');
    expect(restarts()).toBe(0);
  });

  it('runs once when two approvers approve at the same moment', async () => {
    const id = requestId((await say('olivia', '/ops restart inventory')).text);
    const both = await Promise.all([say('ada', `/ops approve ${id}`), say('abe', `/ops approve ${id}`)]);
    expect(both.filter((r) => r.text.includes('done')).length).toBe(1);
    expect(restarts()).toBe(1);
  });

  it('stops after the plan on a dry run, and runs actions that need no approval at once', async () => {
    const dry = await say('olivia', '/ops restart inventory --dry-run');
    expect(dry.text).toContain('Dry run');
    expect(dry.text).toContain('nothing was changed');
    expect(restarts()).toBe(0);
    const scaled = await say('olivia', '/ops scale checkout-api 6');
    expect(scaled.text).toMatch(/Scaled out checkout-api from \d+ to 6 replicas/);
    expect(fleet().state('checkout-api').replicas).toBe(6);
  });

  it("lets approvals expire, keeps the cooldown, and freezes everything on an admin's word", async () => {
    const first = requestId((await say('olivia', '/ops restart inventory')).text);
    now += 16 * 60_000;
    expect((await say('ada', `/ops approve ${first}`)).text).toMatch(/expired/);
    expect(restarts()).toBe(0);

    expect((await say('olivia', '/ops scale checkout-api 5')).text).toMatch(/to 5 replicas/);
    expect((await say('olivia', '/ops scale checkout-api 7')).text).toMatch(/cooldown is 60 s/);

    expect((await say('olivia', '/ops freeze')).outcome).toBe('denied');
    expect((await say('root', '/ops freeze')).text).toContain('frozen');
    expect((await say('olivia', '/ops restart inventory')).text).toMatch(/frozen/);
    await say('root', '/ops unfreeze');
    expect((await say('olivia', '/ops restart inventory')).text).toContain('will call');
  });

  it(
    'runs a runbook from the runbooks folder after approval, ' + 'and refuses a name that is not a plain file name',
    async () => {
      const asked = await say('olivia', 'run runbook flush-dns on checkout-api');
      const confirmed = asked.text.includes('Did you mean') ? await say('olivia', 'yes') : asked;
      expect(confirmed.text).toContain('runbooks/flush-dns.sh checkout-api');
      // the plan names it as it is typed (it read `runbook checkout-api flush-dns`)
      expect(confirmed.text).toContain(': runbook flush-dns on checkout-api');
      expect(confirmed.text).toContain('the DNS cache of checkout-api is emptied');
      const done = await say('ada', `/ops approve ${requestId(confirmed.text)}`);
      expect(done.text).toMatch(/runbook flush-dns on checkout-api done/);
      expect(done.text).toContain('flushing the DNS cache of checkout-api');
      const escape = await say('olivia', '/ops runbook ../../etc/passwd checkout-api');
      // the parser already refuses it; the executor would too (shell.test.ts)
      expect(escape.text).toMatch(/didn't understand|refused|not allowed/i);
    },
  );

  it('does not run a request again after a worker died while running it: it is marked unknown', async () => {
    const id = requestId((await say('olivia', '/ops restart inventory')).text);
    // What a restarted worker finds when the previous one was killed after claiming the request.
    app.store.db.prepare("UPDATE remediation_requests SET state = 'executing' WHERE id = ?").run(id);
    await app.queue.add('remediation', { requestId: id }, { jobId: `${id}-retry` });
    const done = await app.queue.waitUntilFinished(`${id}-retry`, 10_000);
    expect(done.result).toMatchObject({ state: 'unknown' });
    expect(restarts()).toBe(0);
  });
});
