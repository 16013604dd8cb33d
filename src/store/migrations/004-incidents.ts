import type { Migration } from './types';

/**
 * Incidents from alerts. One incident per Alertmanager group (`groupKey`) while it is not
 * resolved (a partial unique index: a group that fires again after resolving opens a new one).
 * Alerts are kept once per Alertmanager fingerprint; every change is a timeline row.
 */
export const incidentsMigration: Migration = {
  version: 4,
  name: 'incidents',
  sql: `
    CREATE TABLE incidents (
      id           TEXT PRIMARY KEY,
      group_key    TEXT NOT NULL,
      status       TEXT NOT NULL CHECK (status IN ('open','acked','resolved')),
      title        TEXT NOT NULL,
      service      TEXT,
      severity     TEXT,
      labels       TEXT NOT NULL,
      annotations  TEXT NOT NULL,
      external_url TEXT,
      created_at   INTEGER NOT NULL,
      updated_at   INTEGER NOT NULL,
      resolved_at  INTEGER,
      acked_by     TEXT,
      resolved_by  TEXT
    );
    CREATE UNIQUE INDEX incidents_open_group ON incidents (group_key) WHERE status != 'resolved';
    CREATE INDEX incidents_status ON incidents (status, created_at);
    CREATE TABLE incident_alerts (
      incident_id   TEXT NOT NULL REFERENCES incidents(id),
      fingerprint   TEXT NOT NULL,
      status        TEXT NOT NULL CHECK (status IN ('firing','resolved')),
      labels        TEXT NOT NULL,
      annotations   TEXT NOT NULL,
      starts_at     TEXT,
      ends_at       TEXT,
      generator_url TEXT,
      updated_at    INTEGER NOT NULL,
      PRIMARY KEY (incident_id, fingerprint)
    );
    CREATE TABLE incident_timeline (
      seq         INTEGER PRIMARY KEY AUTOINCREMENT,
      incident_id TEXT NOT NULL REFERENCES incidents(id),
      at          INTEGER NOT NULL,
      actor       TEXT NOT NULL,
      event       TEXT NOT NULL,
      detail      TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX incident_timeline_incident ON incident_timeline (incident_id, seq);
  `,
};
