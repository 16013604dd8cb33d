import { DURING_BURST, testApp } from '../helpers/app';
import { waitFor } from '../helpers/cli';

jest.setTimeout(180_000);

type Row = { id: string; candidate: number | null };

/**
 * Issue 15 point 2a: a new version is evaluated on the labelled periods the store knows for its
 * service: an incident on payments during the training window is a real period to catch, scored
 * in the version's scorecard (incidents apart from 👍/👎 feedback).
 */
describe('evaluation on the incidents the store knows', () => {
  it('scores a payments incident inside the training window as a real period', async () => {
    let now = DURING_BURST - 20 * 60_000;
    const { app } = await testApp({ DEFAULT_ROLE: 'operator' }, () => now);
    try {
      await app.startWorkers();
      // The scheduled error burst on payments began at minute 175 of the cycle (DURING_BURST is minute 195).
      const opened = await app.incidents.ingest({
        version: '4',
        groupKey: '{}:{alertname="PaymentsErrors"}',
        status: 'firing',
        receiver: 'r',
        groupLabels: {},
        commonLabels: { alertname: 'PaymentsErrors', service: 'payments' },
        commonAnnotations: {},
        alerts: [{ status: 'firing', labels: { alertname: 'PaymentsErrors' }, annotations: {}, fingerprint: 'f1' }],
      });
      expect(opened.incident?.service).toBe('payments');
      now = DURING_BURST;
      const job = await app.queue.add('train_model', { service: 'payments', windowS: 86_400 });
      expect((await app.queue.waitUntilFinished(job.id, 120_000)).state).toBe('completed');
      const version = await waitFor(
        async () => {
          const v = app.models.byJob(job.id);
          return v?.metrics ? v : undefined;
        },
        60_000,
        'the version to be evaluated',
      );
      const rows = (version.metrics?.scorecard as { rows: Row[] }).rows;
      const real = rows.find((r) => r.id === 'labelled.real_hits');
      expect(real).toBeDefined();
      expect(real?.candidate).toEqual(expect.any(Number));
      // No feedback was given: no feedback rows scored.
      expect(rows.find((r) => r.id === 'feedback.real_hits')?.candidate ?? null).toBeNull();
    } finally {
      await app.close();
    }
  });
});
