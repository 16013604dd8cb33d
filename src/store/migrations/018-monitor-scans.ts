import type { Migration } from './types';

/**
 * The monitor's slots (issue 17 point 1): one row per MONITOR_INTERVAL slot queued, its job's id, and
 * whether its findings were acted on. The row is the schedule's memory across restarts: a slot is queued
 * once, acted on once (a conditional UPDATE claims it), and a restart queues the slots it missed.
 */
export const monitorScansMigration: Migration = {
  version: 18,
  name: 'monitor-scans',
  sql: `
    CREATE TABLE monitor_scans (
      slot_ms INTEGER PRIMARY KEY,
      job_id TEXT NOT NULL,
      state TEXT NOT NULL CHECK (state IN ('queued', 'handled', 'stale', 'failed')),
      queued_at INTEGER NOT NULL,
      handled_at INTEGER
    );
  `,
};
