import type { Migration } from './types';

/**
 * Investigations (issue 16): one row per investigation, its id the job's. The question, who asked,
 * the incident it is about, its state and, once finished, the investigation object (JSON) with its
 * summary. `tokens` is kept apart so the day's LLM spend is one indexed sum.
 */
export const investigationsMigration: Migration = {
  version: 17,
  name: 'investigations',
  sql: `
    CREATE TABLE investigations (
      id TEXT PRIMARY KEY,
      service TEXT,
      question TEXT,
      incident_id TEXT,
      requested_by TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
      created_at INTEGER NOT NULL,
      finished_at INTEGER,
      source TEXT,
      tokens INTEGER NOT NULL DEFAULT 0,
      result TEXT,
      summary TEXT,
      error TEXT
    );
    CREATE INDEX investigations_incident ON investigations (incident_id, created_at);
    CREATE INDEX investigations_created ON investigations (created_at);
  `,
};
