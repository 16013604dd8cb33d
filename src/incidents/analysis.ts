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
    const job = await deps.queue.add(
      'detect_anomalies',
      { service, windowS: ANALYSIS_WINDOW_S },
      { meta: { requestedBy: 'alertmanager', ...(deps.channel ? { channel: deps.channel } : {}) } },
    );
    // Recorded in the same turn as the add resolves: the job's end reaches this process (and the
    // incident notifier, which looks the link up) only on a later turn of the event loop.
    deps.store.linkAnalysis(incident.id, job, deps.clock());
  };
}
