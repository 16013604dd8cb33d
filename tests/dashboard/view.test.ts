import type { ModelRecord, ModelVersion } from '../../src/models/registry-types';
import { downsample, jobView, modelView, SPARK_POINTS } from '../../src/present/dashboard';
import { RemediationStore } from '../../src/remediation/store';
import { openStore } from '../../src/store/store';
import { NOW } from '../helpers/app';

/** The dashboard's view data and the change events behind its approvals section. */
describe('dashboard view data', () => {
  it('downsamples a series to bucket means, skipping gaps, and leaves a short one as it is', () => {
    expect(downsample([1, 2, NaN, 3])).toEqual([1, 2, 3]);
    const long = Array.from({ length: 400 }, (_, i) => i);
    const points = downsample(long);
    expect(points).toHaveLength(SPARK_POINTS);
    expect(points[0]).toBe(4.5);
    expect(points[SPARK_POINTS - 1]).toBe(394.5);
  });

  it("shows a model's aliases and its champion's drift, and a job's progress and who asked", () => {
    const version = (n: number, drift?: ModelVersion['drift']): ModelVersion => ({
      name: 'payments-detector',
      version: n,
      params: {},
      seed: 1,
      window: { fromMs: NOW - 86_400_000, toMs: NOW },
      dataSha256: 'a',
      codeVersion: '1',
      metrics: null,
      onnxSha256: 'b',
      createdAt: NOW,
      createdBy: 'user:1',
      ...(drift ? { drift } : {}),
    });
    const record: ModelRecord = {
      name: 'payments-detector',
      service: 'payments',
      createdAt: NOW,
      champion: 2,
      challenger: 3,
      versions: [
        version(1, { score: 0.9, drifted: true, moved: ['cpu'], at: NOW }),
        version(2, {
          score: 0.31,
          drifted: true,
          moved: ['error_rate'],
          at: NOW,
        }),
        version(3),
      ],
    };
    expect(modelView(record)).toEqual({
      name: 'payments-detector',
      service: 'payments',
      champion: 2,
      challenger: 3,
      versions: 3,
      drift: { score: 0.31, drifted: true, moved: ['error_rate'], at: new Date(NOW).toISOString() },
    });
    expect(modelView({ ...record, champion: null }).drift).toBeNull();

    const job = jobView(
      {
        id: 'j1',
        name: 'investigate',
        data: { service: 'payments' },
        meta: { requestedBy: 'user:42' },
        state: 'active',
        progress: { percent: 42.4, steps: [{ label: 'service_signals', status: 'done' }] },
        attemptsMade: 1,
        maxAttempts: 3,
        createdAt: NOW,
      },
      (id) => (id === 'user:42' ? 'ana' : id),
    );
    expect(job).toMatchObject({
      percent: 42,
      requestedBy: 'ana',
      steps: [{ label: 'service_signals', status: 'done' }],
    });
  });

  it("tells the remediation store's listeners of each change once its transaction is over, not of no-ops", async () => {
    const store = openStore(':memory:');
    const requests = new RemediationStore(store.db);
    const told: string[] = [];
    const stop = requests.onChange((id) => told.push(id));
    const base = {
      action: 'restart' as const,
      target: 'payments',
      params: {},
      requestedBy: 'user:1',
      state: 'pending_approval' as const,
      dryRun: false,
      plan: { executor: 'demo' as const, calls: [], current: {}, desired: {}, blastRadius: 'x' },
      approvalsNeeded: 1,
      origin: {},
      createdAt: NOW,
      expiresAt: NOW + 1000,
    };
    requests.transaction(() => {
      expect(requests.insert({ ...base, id: 'r000001' })).toBe(true);
      expect(told).toEqual([]);
    });
    await Promise.resolve();
    expect(told).toEqual(['r000001']);
    expect(requests.move('r000001', 'approved', 'executing')).toBe(false);
    expect(requests.move('r000001', 'pending_approval', 'denied')).toBe(true);
    await Promise.resolve();
    expect(told).toEqual(['r000001', 'r000001']);
    stop();
    requests.move('r000001', 'denied', 'expired');
    await Promise.resolve();
    expect(told).toHaveLength(2);
    store.close();
  });
});
