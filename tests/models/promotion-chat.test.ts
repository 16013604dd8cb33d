import type { App } from '../../src/app/control';
import { NOW, sayTo, testApp } from '../helpers/app';

jest.setTimeout(180_000);

/**
 * Issue 15 point 5 end to end on the embedded defaults: promote and rollback are remediation
 * requests (plan with the alerts that would change, approval by another person, one alias move,
 * audit), and serving follows the champion.
 */
describe('promote and roll back a model from chat (demo fleet, embedded queue)', () => {
  let app: App;
  let now = NOW;
  /** Past the catalog's cooldown (60 s) on the model actions. */
  const later = () => {
    now += 2 * 60_000;
  };
  beforeEach(async () => {
    now = NOW;
    ({ app } = await testApp({ DEFAULT_ROLE: 'viewer' }, () => now));
    for (const [name, role] of [
      ['olivia', 'operator'],
      ['ada', 'approver'],
      ['abe', 'approver'],
    ] as const) {
      await app.auth.users.create({ email: `${name}@example.com`, password: `${role} pass phrase!`, role, name });
    }
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = (user: string, text: string) => sayTo(app, text, user);
  const requestId = (text: string) => /Model request (r[0-9a-f]{6})/.exec(text)?.[1] ?? '';
  const champion = () => app.models.aliasesOf('payments-detector').champion;
  const train = async () =>
    expect((await say('olivia', 'train a model for payments on the last 1 day')).text()).toMatch(
      /Trained payments-detector v\d/,
    );

  it('plans the alerts that change, needs another approver, moves the champion once; serving names it', async () => {
    await train();
    const asked = await say('olivia', 'promote payments-detector 1');
    expect(asked.handled.intent).toBe('promote_model');
    expect(asked.handled.outcome).toBe('replied');
    const out = asked.text();
    if (process.env.SHOW) console.log(out);
    expect(out).toMatch(/Promote payments-detector v1 to champion \(no champion now: the built-in detector\)\?/);
    expect(out).toMatch(/needs 1 approval from someone with the approver role/);
    expect(out).toMatch(/would have raised \d+ alert\(s\) that the built-in detector did not/);
    expect(out).toMatch(/and dropped \d+/);
    expect(out).toMatch(/alerts over the last days\s*\n?.*\d+ -> \d+ over/);
    expect(out).toMatch(/Approve/);
    const id = requestId(out);
    expect(id).not.toBe('');
    const request = app.remediation.get(id);
    expect(request).toMatchObject({ action: 'promote_model', target: 'payments-detector', params: { version: 1 } });
    expect(request.plan.executor).toBe('model');
    expect(request.plan.desired).toMatchObject({
      champion: 'v1',
      raised: expect.any(Array),
      dropped: expect.any(Array),
    });
    expect(champion()).toBeNull();

    // The requester (an operator) cannot approve; neither can an approver their own request.
    expect((await say('olivia', `approve ${id}`)).handled.outcome).toBe('denied');
    const own = requestId((await say('ada', 'promote payments-detector 1')).text());
    expect((await say('ada', `approve ${own}`)).text()).toContain(
      'someone else with the approver role must approve it',
    );
    expect(champion()).toBeNull();

    const approved = await say('abe', `approve ${id}`);
    expect(approved.text()).toMatch(/Promoted payments-detector: champion none -> v1/);
    expect(approved.text()).toMatch(/Read back: the champion of payments-detector is v1/);
    expect(champion()).toBe(1);
    expect(app.remediation.get(id).state).toBe('succeeded');

    // The other request was about replacing "no champion": it fails without moving anything.
    later();
    const stale = await say('abe', `approve ${own}`);
    expect(stale.text()).toMatch(/champion of payments-detector moved|already the champion/);
    expect(champion()).toBe(1);

    const anomalies = await say('olivia', 'anomalies payments last 1h');
    expect(anomalies.text()).toMatch(/payments-detector v1/);

    const audit = app.auth.audit.list({ limit: 200 }).filter((e) => e.target === `remediation:${id}`);
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['remediation.request', 'remediation.approve', 'remediation.execute']),
    );
  });

  it('refuses a rollback with no previous champion, and rolls back v2 to v1', async () => {
    await train();
    const none = await say('olivia', 'rollback payments-detector');
    expect(none.handled.intent).toBe('rollback_model');
    expect(none.handled.outcome).toBe('invalid');
    expect(none.text()).toContain('payments-detector has no champion, so there is nothing to roll back');

    await say('abe', `approve ${requestId((await say('olivia', 'promote payments-detector 1')).text())}`);
    expect(champion()).toBe(1);
    const first = await say('olivia', 'rollback payments-detector');
    expect(first.text()).toContain('no previous champion to roll back to: v1 is the first version that served');

    await train();
    later();
    const p2 = await say('olivia', 'promote payments-detector 2');
    if (process.env.SHOW) console.log(p2.text());
    const promote2 = requestId(p2.text());
    expect((await say('ada', `approve ${promote2}`)).text()).toMatch(/champion v1 -> v2/);
    expect(champion()).toBe(2);

    later();
    const back = await say('olivia', 'rollback payments-detector');
    expect(back.text()).toMatch(/Roll payments-detector back to v1 \(now v2\)\?/);
    const backId = requestId(back.text());
    expect((await say('ada', `approve ${backId}`)).text()).toMatch(/Rolled back payments-detector: champion v2 -> v1/);
    expect(champion()).toBe(1);
    expect(app.models.aliasHistory('payments-detector', 'champion').map((m) => m.version)).toEqual([1, 2, 1]);
  });

  it('warns in the plan when the scorecard recommends keeping the champion; the approver decides', async () => {
    await train();
    await say('abe', `approve ${requestId((await say('olivia', 'promote payments-detector 1')).text())}`);
    later();
    await train();
    const v2 = app.models.version('payments-detector', 2);
    const card = { ...(v2.metrics?.scorecard as object), champion: 1, candidate: 2 };
    app.models.setMetrics('payments-detector', 2, {
      scorecard: { ...card, recommendation: 'keep_champion', reason: 'Keep v1: v2 scores 40.1 against 52.3.' },
    });
    const asked = await say('olivia', 'promote payments-detector 2');
    expect(asked.text()).toContain('⚠ its scorecard recommends keeping v1: Keep v1: v2 scores 40.1 against 52.3.');
    const id = requestId(asked.text());
    expect(app.remediation.get(id).plan.blastRadius).toMatch(/^⚠ its scorecard recommends keeping v1/);
    expect((await say('ada', `approve ${id}`)).text()).toMatch(/champion v1 -> v2/);
    expect(champion()).toBe(2);
  });

  it('refuses a version that does not exist or failed evaluation, a viewer, and an unknown model', async () => {
    await train();
    expect((await say('olivia', 'promote payments-detector 7')).text()).toContain(
      'payments-detector has no version 7; its versions are 1',
    );
    app.models.setMetrics('payments-detector', 1, { evaluation_error: 'no data for latency_p99' });
    const failed = await say('olivia', 'promote payments-detector 1');
    expect(failed.handled.outcome).toBe('invalid');
    expect(failed.text()).toContain('cannot be promoted: its evaluation failed (no data for latency_p99)');
    const viewer = await say('vera', 'promote payments-detector 1');
    expect(viewer.handled.outcome).toBe('denied');
    expect(viewer.text()).toMatch(/needs the operator role/);
    const typo = await say('olivia', 'promote paymnts-detector 1');
    expect(typo.handled.outcome).toBe('invalid');
    expect(typo.text()).toContain('Did you mean “payments-detector”?');
    expect(champion()).toBeNull();
  });

  it('moves the alias once when two approvers approve at the same moment', async () => {
    await train();
    const id = requestId((await say('olivia', 'promote payments-detector 1')).text());
    const both = await Promise.all([say('ada', `approve ${id}`), say('abe', `approve ${id}`)]);
    expect(both.filter((r) => /Promoted payments-detector/.test(r.text())).length).toBe(1);
    expect(app.models.aliasHistory('payments-detector', 'champion')).toHaveLength(1);
    expect(champion()).toBe(1);
  });
});
