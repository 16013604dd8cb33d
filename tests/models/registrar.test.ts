import { createRegistrar } from '../../src/app/models';
import { testApp } from '../helpers/app';

jest.setTimeout(120_000);

/** issue 15 point 3: a finished training is registered once, however many control-plane processes see it. */
describe('the train_model registrar', () => {
  it('registers a job once (keyed on its job id), whoever asks first, with the owner as creator', async () => {
    const { app } = await testApp();
    try {
      await app.startWorkers();
      const added = await app.queue.add(
        'train_model',
        { service: 'payments', windowS: 86_400 },
        { meta: { requestedBy: 'user:u-dana' } },
      );
      const job = await app.queue.waitUntilFinished(added.id, 60_000);
      expect(job.state).toBe('completed');
      // Two more "processes" (registrars) on the same store, asking at once, beside the app's own.
      const log = app.log;
      const others = [1, 2].map(() =>
        createRegistrar({ registry: app.models, queue: app.queue, source: app.source, log }),
      );
      const [a, b] = await Promise.all(others.map((r) => r.registration(job)));
      expect(a.version).toBe(1);
      expect(b.version).toBe(1);
      expect(app.models.get('payments-detector').versions).toHaveLength(1);
      expect(a.createdBy).toBe('user:u-dana');
      expect(a.jobId).toBe(job.id);
      expect(app.models.byJob(job.id)?.metrics).toMatchObject({ scorecard: { recommendation: 'first_version' } });
    } finally {
      await app.close();
    }
  });
});
