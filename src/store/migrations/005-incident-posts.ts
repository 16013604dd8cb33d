import type { Migration } from './types';

/**
 * Where each incident was posted in chat, so later notifications (repeats, ack, resolution, the
 * analysis) edit that message and reply in its thread, also after a restart.
 */
export const incidentPostsMigration: Migration = {
  version: 5,
  name: 'incident-posts',
  sql: `
    CREATE TABLE incident_posts (
      incident_id TEXT PRIMARY KEY REFERENCES incidents(id),
      platform    TEXT NOT NULL,
      channel     TEXT NOT NULL,
      message_id  TEXT NOT NULL,
      thread      TEXT NOT NULL,
      posted_at   INTEGER NOT NULL
    );
  `,
};
