import type { Migration } from './types';

/**
 * Which job analyses which incident, so the analysis' result reaches the incident's thread. The
 * job carries no incident of its own; its id is chosen, and recorded here, before it is queued.
 */
export const incidentAnalysesMigration: Migration = {
  version: 11,
  name: 'incident-analyses',
  sql: `
    CREATE TABLE incident_analyses (
      job_id      TEXT PRIMARY KEY,
      incident_id TEXT NOT NULL REFERENCES incidents(id),
      queued_at   INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX incident_analyses_incident ON incident_analyses (incident_id);
  `,
};
