import type { Migration } from './types';

/**
 * Which job analyses which incident, so the analysis' result reaches the incident's thread. The
 * job carries no incident of its own. Job ids start again when the queue backend or its name
 * changes, so a job is known by its id and creation time together.
 */
export const incidentAnalysesMigration: Migration = {
  version: 11,
  name: 'incident-analyses',
  sql: `
    CREATE TABLE incident_analyses (
      job_id         TEXT NOT NULL,
      job_created_at INTEGER NOT NULL,
      incident_id    TEXT NOT NULL REFERENCES incidents(id),
      queued_at      INTEGER NOT NULL,
      PRIMARY KEY (job_id, job_created_at)
    ) WITHOUT ROWID;
    CREATE INDEX incident_analyses_incident ON incident_analyses (incident_id);
  `,
};
