import type { App } from '../../src/app/control';
import { guestPrincipal } from '../../src/auth/principal';
import { RemediationStore } from '../../src/remediation/store';
import { startRemediationRecovery } from '../../src/remediation/recovery';
import { createSilentLogger } from '../../src/log/logger';
import { DURING_BURST, testApp } from '../helpers/app';
import { waitFor } from '../helpers/cli';

/**
 * Issue 13.2, the recovery: an approved request left without a job (its process died between
 * the approval and the enqueue, or the queue was down) is queued again by the control plane at
 * start and then periodically; one whose job ended without running it is settled, not left.
 */
describe('issue 13.2: recovery of approved requests without a job', () => {
  let app: App;
  let now = DURING_BURST;
  beforeEach(async () => {
    now = DURING_BURST;
    ({ app } = await testApp({}, () => now));
    await app.auth.users.create({
      email: 'olivia@example.com',
      password: 'operator pass phrase',
      role: 'operator',
      name: 'olivia',
    });
  });
  afterEach(async () => {
    await app.close();
  });

  const olivia = () => guestPrincipal('console:olivia', 'olivia', 'operator');
  const ada = () => guestPrincipal('console:ada', 'ada', 'approver');
  /** What a process killed right after committing the approval leaves: approved, no job. */
  async function approvedWithoutJob(target: string): Promise<string> {
    const r = await app.remediation.request(olivia(), {
      action: 'restart',
      target,
      params: {},
      dryRun: false,
      origin: {},
    });
    expect(new RemediationStore(app.store.db).move(r.id, 'pending_approval', 'approved')).toBe(true);
    expect(await app.queue.get(r.id)).toBeUndefined();
    return r.id;
  }

  it('queues such a request when the control plane starts, and it runs once', async () => {
    const id = await approvedWithoutJob('inventory');
    await app.startWorkers();
    await waitFor(
      async () => (app.remediation.get(id).state === 'succeeded' ? true : undefined),
      20_000,
      'the recovered request to run',
    );
    expect((await app.queue.get(id))?.state).toBe('completed');
    expect(
      app.auth.audit.list({ action: 'remediation.execute' }).filter((e) => e.target === `remediation:${id}`),
    ).toHaveLength(1);
  });

  it('keeps looking every interval: a request stranded later is queued on a later round', async () => {
    const recovery = startRemediationRecovery(app.remediation, createSilentLogger(), 50);
    try {
      await recovery.done;
      const id = await approvedWithoutJob('search');
      await waitFor(async () => ((await app.queue.get(id)) ? true : undefined), 5_000, 'a later round to queue it');
      expect((await app.queue.get(id))?.name).toBe('remediation');
    } finally {
      await recovery.stop();
    }
  });

  it('settles a request whose job was cancelled before it ran as failed ("not run"), and does not run it', async () => {
    const r = await app.remediation.request(olivia(), {
      action: 'restart',
      target: 'payments',
      params: {},
      dryRun: false,
      origin: {},
    });
    const { started, queued } = await app.remediation.approve(ada(), r.id);
    expect([started, queued]).toEqual([true, true]);
    expect(await app.queue.cancel(r.id, 'changed my mind')).toBe('cancelled');
    expect(await app.remediation.recover()).toEqual({ enqueued: [], settled: [r.id], expired: [] });
    expect(app.remediation.get(r.id)).toMatchObject({
      state: 'failed',
      startedAt: null,
      result: { ok: false, summary: expect.stringMatching(/^Not run: its job was cancelled/) },
    });
    expect(await app.remediation.recover()).toEqual({ enqueued: [], settled: [], expired: [] });
    expect(
      (await app.metrics.registry.getSingleMetric('smartcloudops_remediations_total')?.get())?.values,
    ).toContainEqual(expect.objectContaining({ labels: { action: 'restart', outcome: 'failed' }, value: 1 }));
  });
});
