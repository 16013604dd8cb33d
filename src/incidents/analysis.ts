import type { Clock } from '../clock';
import type { JobQueue } from '../queue/types';
import type { Jobs } from '../jobs/map';
import { modelsForJob, type ChampionOf } from '../models/serving';
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
  /** The service's champion model (the control plane's registry); none: the built-in detector. */
  championOf?: ChampionOf;
}

/** How far back the analysis of a new incident looks. */
export const ANALYSIS_WINDOW_S = 3600;

/**
 * The analysis of a new incident (the IncidentService's `onCreated`): anomaly detection on the
 * incident's service, when it is one the metrics source knows, and the job recorded as the
 * incident's analysis. An incident without a known service gets none.
 */
export function analyseNewIncidents(deps: AnalysisDeps): (incident: Incident) => Promise<void> {
  return async (incident) => {
    const service = incident.service;
    if (!service || !(await deps.services()).includes(service)) return;
    // The link is recorded before the job is queued, under the id the job will have: a crash, or
    // a queue that took the job but answered too late, never leaves an analysis nobody posts. The
    // incident's creation time keeps the id unused even by a queue that outlived its database.
    const jobId = `analysis-${incident.id}-${incident.createdAt}`;
    deps.store.linkAnalysis(incident.id, { id: jobId }, deps.clock());
    const champion = await deps.championOf?.(service);
    await deps.queue.add(
      'detect_anomalies',
      {
        service,
        windowS: ANALYSIS_WINDOW_S,
        ...modelsForJob(champion),
      },
      { jobId, meta: { requestedBy: 'alertmanager', ...(deps.channel ? { channel: deps.channel } : {}) } },
    );
  };
}
