import { createAuditLog } from '../../src/audit/audit-log';
import { analyseNewIncidents } from '../../src/incidents/analysis';
import { IncidentService } from '../../src/incidents/service';
import { IncidentStore } from '../../src/incidents/store';
import type { Jobs } from '../../src/jobs/map';
import { createSilentLogger } from '../../src/log/logger';
import { createEmbeddedQueue } from '../../src/queue/embedded/queue';
import type { JobQueue } from '../../src/queue/types';
import { openStore, type Store } from '../../src/store/store';
import { tempDbPath } from '../helpers/app';
import { firing, notification } from './notifications';

describe('a new incident is analysed, and the analysis is known as its own', () => {
  const clock = () => Date.UTC(2026, 10, 26, 10);
  let store: Store;
  let queue: JobQueue<Jobs>;
  beforeEach(() => {
    store = openStore(tempDbPath('sco-analysis-'));
    const settings = { name: 'analysis', historyLimit: 100, attempts: 1, backoffMs: 0 };
    queue = createEmbeddedQueue<Jobs>({ store, logger: createSilentLogger(), clock, ...settings });
  });
  afterEach(async () => {
    await queue.close({ graceMs: 0 });
    store.close();
  });

  function incidentsWith(add: JobQueue<Jobs>['add']) {
    const incidentStore = new IncidentStore(store.db);
    return new IncidentService({
      store: incidentStore,
      audit: createAuditLog({ db: store.db, clock }),
      clock,
      onCreated: analyseNewIncidents({
        queue: { add },
        store: incidentStore,
        services: async () => ['checkout-api'],
        clock,
      }),
    });
  }

  it('queues one investigation of the incident on its service, and that job reads back as its analysis', async () => {
    const incidents = incidentsWith((name, data, options) => queue.add(name, data, options));
    const { incident } = await incidents.ingest(notification('{}:{alertname="HighLatency"}', [firing('a1', 0)]));

    const jobs = await queue.list();
    expect(jobs.map((j) => [j.name, j.data])).toEqual([
      ['investigate', { incidentId: incident?.id, service: 'checkout-api' }],
    ]);
    expect(incidents.analysedBy(jobs[0])).toBe(incident?.id);
    expect(incidents.analysedBy({ id: 'some-other-job' })).toBeUndefined();
  });

  it('knows its analysis even when the queue took the job but answered with an error (a late deadline)', async () => {
    const incidents = incidentsWith(async (name, data, options) => {
      await queue.add(name, data, options);
      throw new Error('Redis did not answer within 2 s');
    });
    const result = await incidents.ingest(notification('{}:{alertname="HighLatency"}', [firing('a1', 0)]));

    expect(result.analysisNotStarted).toBeDefined();
    const jobs = await queue.list();
    expect(jobs).toHaveLength(1);
    expect(incidents.analysedBy(jobs[0])).toBe(result.incident?.id);
  });
});
