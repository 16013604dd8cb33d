import type { Migration } from './types';

/**
 * Embedded queue: one row per job. Waiting jobs run in (run_at, seq) order (FIFO); `owner` is the
 * `pid:token` of the queue instance running an active job (crash recovery); `cancel_reason` asks the
 * owner of an active job, possibly another process, to abort it.
 */
export const jobsMigration: Migration = {
  version: 1,
  name: 'jobs',
  sql: `
    CREATE TABLE jobs (
      seq           INTEGER PRIMARY KEY AUTOINCREMENT,
      id            TEXT NOT NULL,
      queue         TEXT NOT NULL,
      name          TEXT NOT NULL,
      data          TEXT NOT NULL,
      meta          TEXT NOT NULL DEFAULT '{}',
      state         TEXT NOT NULL CHECK (state IN ('waiting','delayed','active','completed','failed','cancelled')),
      attempts_made INTEGER NOT NULL DEFAULT 0,
      max_attempts  INTEGER NOT NULL,
      backoff_ms    INTEGER NOT NULL,
      run_at        INTEGER NOT NULL,
      owner         TEXT,
      cancel_reason TEXT,
      progress      TEXT,
      result        TEXT,
      error         TEXT,
      created_at    INTEGER NOT NULL,
      started_at    INTEGER,
      finished_at   INTEGER,
      UNIQUE (queue, id)
    );
    CREATE INDEX jobs_ready ON jobs (queue, state, run_at, seq);
    CREATE INDEX jobs_finished ON jobs (queue, finished_at) WHERE finished_at IS NOT NULL;
  `,
};
