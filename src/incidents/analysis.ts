import type { Clock } from '../clock';
import type { JobQueue } from '../queue/types';
import type { Jobs } from '../jobs/map';
import type { Incident, IncidentStore } from './store';

export interface AnalysisDeps {
  queue: Pick<JobQueue<Jobs>, 'add'>;
  /** Where the incident's analysis job is recorded, so its result reaches the incident's thread. */
  store: IncidentStore;
  /** The services the metrics source knows. */
  services: () => Promise<string[]>;
  /** INCIDENT_CHANNEL, carried with the job as where to answer. */
  channel?: string;
  clock: Clock;
}

/**
 * The analysis of a new incident (the IncidentService's `onCreated`): an investigation of the
 * incident (issue 16), framed by its service when the metrics source knows it (else the whole
 * fleet) and its start, recorded as the incident's analysis so its answer reaches the thread.
 */
export function analyseNewIncidents(deps: AnalysisDeps): (incident: Incident) => Promise<void> {
  return async (incident) => {
    const service = incident.service;
    const known = typeof service === 'string' && (await deps.services()).includes(service);
    // The link is recorded before the job is queued, under the id the job will have: a crash, or
    // a queue that took the job but answered too late, never leaves an analysis nobody posts. The
    // incident's creation time keeps the id unused even by a queue that outlived its database.
    const jobId = `analysis-${incident.id}-${incident.createdAt}`;
    deps.store.linkAnalysis(incident.id, { id: jobId }, deps.clock());
    await deps.queue.add(
      'investigate',
      { incidentId: incident.id, ...(known && service ? { service } : {}) },
      {
        jobId,
        meta: {
          requestedBy: incident.labels.source === 'monitor' ? 'monitor' : 'alertmanager',
          ...(deps.channel ? { channel: deps.channel } : {}),
        },
      },
    );
  };
}
