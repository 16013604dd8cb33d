import type { Db } from '../../store/store';
import { progressIn } from '../shared';
import type { JobDefs, JobInfo, JobName, JobState } from '../types';

/** One row of the `jobs` table (migration 001). */
export interface JobRow {
  seq: number;
  id: string;
  queue: string;
  name: string;
  data: string;
  meta: string;
  state: JobState;
  attempts_made: number;
  max_attempts: number;
  backoff_ms: number;
  run_at: number;
  owner: string | null;
  cancel_reason: string | null;
  progress: string | null;
  result: string | null;
  error: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface NewJobRow {
  /** null: use the next row sequence number. */
  id: string | null;
  queue: string;
  name: string;
  data: string;
  meta: string;
  state: 'waiting' | 'delayed';
  max_attempts: number;
  backoff_ms: number;
  run_at: number;
  created_at: number;
}

/**
 * Every statement the embedded queue runs, prepared once. Writes that finish an active job are
 * guarded by `owner` so a late result from an interrupted run cannot overwrite what happened since.
 */
export function prepareJobSql(db: Db) {
  const s = {
    insert: db.prepare<NewJobRow, JobRow>(`
      INSERT INTO jobs (id, queue, name, data, meta, state, max_attempts, backoff_ms, run_at, created_at)
      -- Generated ids are the row's own sequence number: short enough to type ("cancel 12").
      VALUES (COALESCE(@id, CAST(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'jobs'), 0) + 1 AS TEXT)),
              @queue, @name, @data, @meta, @state, @max_attempts, @backoff_ms, @run_at, @created_at)
      ON CONFLICT (queue, id) DO NOTHING
      RETURNING *`),
    get: db.prepare<[string, string], JobRow>('SELECT * FROM jobs WHERE queue = ? AND id = ?'),
    list: db.prepare<{ queue: string; states: string; limit: number }, JobRow>(`
      SELECT * FROM jobs WHERE queue = @queue AND state IN (SELECT value FROM json_each(@states))
      ORDER BY seq DESC LIMIT @limit`),
    counts: db.prepare<[string], { state: JobState; n: number }>(
      'SELECT state, COUNT(*) AS n FROM jobs WHERE queue = ? GROUP BY state',
    ),
    /** Atomic claim: one UPDATE, so two processes sharing the file never take the same job. */
    claim: db.prepare<{ queue: string; names: string; limit: number; owner: string; now: number }, JobRow>(`
      UPDATE jobs SET state = 'active', owner = @owner, attempts_made = attempts_made + 1, started_at = @now
      WHERE seq IN (
        SELECT seq FROM jobs
        WHERE queue = @queue AND state = 'waiting' AND name IN (SELECT value FROM json_each(@names))
        ORDER BY run_at, seq LIMIT @limit)
      RETURNING *`),
    promote: db.prepare<[string, number]>(
      "UPDATE jobs SET state = 'waiting' WHERE queue = ? AND state = 'delayed' AND run_at <= ?",
    ),
    nextDelayed: db.prepare<[string], { at: number | null }>(
      "SELECT MIN(run_at) AS at FROM jobs WHERE queue = ? AND state = 'delayed'",
    ),
    complete: db.prepare<{ queue: string; id: string; owner: string; result: string; now: number }>(`
      UPDATE jobs SET state = 'completed', result = @result, error = NULL, owner = NULL, finished_at = @now
      WHERE queue = @queue AND id = @id AND owner = @owner AND state = 'active'`),
    fail: db.prepare<{ queue: string; id: string; owner: string; error: string; now: number }>(`
      UPDATE jobs SET state = 'failed', error = @error, owner = NULL, finished_at = @now
      WHERE queue = @queue AND id = @id AND owner = @owner AND state = 'active'`),
    retry: db.prepare<{ queue: string; id: string; owner: string; error: string; runAt: number }>(`
      UPDATE jobs SET state = 'delayed', error = @error, owner = NULL, run_at = @runAt
      WHERE queue = @queue AND id = @id AND owner = @owner AND state = 'active'`),
    cancelActive: db.prepare<{ queue: string; id: string; owner: string; error: string; now: number }>(`
      UPDATE jobs SET state = 'cancelled', error = @error, owner = NULL, finished_at = @now
      WHERE queue = @queue AND id = @id AND owner = @owner AND state = 'active'`),
    cancelQueued: db.prepare<{ queue: string; id: string; error: string; now: number }, JobRow>(`
      UPDATE jobs SET state = 'cancelled', error = @error, finished_at = @now
      WHERE queue = @queue AND id = @id AND state IN ('waiting', 'delayed')
      RETURNING *`),
    requestCancel: db.prepare<{ queue: string; id: string; reason: string }, { owner: string | null }>(`
      UPDATE jobs SET cancel_reason = @reason WHERE queue = @queue AND id = @id AND state = 'active' RETURNING owner`),
    cancelRequests: db.prepare<[string, string], { id: string; cancel_reason: string }>(
      "SELECT id, cancel_reason FROM jobs WHERE queue = ? AND owner = ? AND state = 'active' AND cancel_reason " +
        'IS NOT NULL',
    ),
    progress: db.prepare<{ queue: string; id: string; owner: string; progress: string }>(`
      UPDATE jobs SET progress = @progress WHERE queue = @queue AND id = @id AND owner = @owner AND state = 'active'`),
    /** Graceful hand-back (close): the interrupted attempt does not count. */
    requeue: db.prepare<{ queue: string; id: string; owner: string }>(`
      UPDATE jobs SET state = 'waiting', owner = NULL, started_at = NULL, attempts_made = MAX(attempts_made - 1, 0)
      WHERE queue = @queue AND id = @id AND owner = @owner AND state = 'active'`),
    activeOwners: db.prepare<[string], { owner: string }>(
      "SELECT DISTINCT owner FROM jobs WHERE queue = ? AND state = 'active' AND owner IS NOT NULL",
    ),
    /**
     * Crash recovery for one dead owner. The interrupted attempt counts, but a job gets one run
     * beyond its budget so a crash never fails it outright; a second crash past the budget fails it.
     */
    reclaimCancelled: db.prepare<{ queue: string; owner: string; now: number }>(`
      UPDATE jobs SET state = 'cancelled', error = cancel_reason, owner = NULL, finished_at = @now
      WHERE queue = @queue AND owner = @owner AND state = 'active' AND cancel_reason IS NOT NULL`),
    reclaimExhausted: db.prepare<{ queue: string; owner: string; now: number }>(`
      UPDATE jobs SET state = 'failed', owner = NULL, finished_at = @now,
        error = 'the process running this job stopped (crash or kill) more often than its attempts allow'
      WHERE queue = @queue AND owner = @owner AND state = 'active' AND attempts_made > max_attempts`),
    reclaim: db.prepare<{ queue: string; owner: string }>(`
      UPDATE jobs SET state = 'waiting', owner = NULL, started_at = NULL
      WHERE queue = @queue AND owner = @owner AND state = 'active'`),
    /** Keep the newest `keep` finished rows of the queue. */
    prune: db.prepare<{ queue: string; keep: number }>(`
      DELETE FROM jobs WHERE seq IN (
        SELECT seq FROM jobs WHERE queue = @queue AND finished_at IS NOT NULL
        ORDER BY finished_at DESC, seq DESC LIMIT -1 OFFSET @keep)`),
  };
  return s;
}
export type JobSql = ReturnType<typeof prepareJobSql>;

function parseJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

export function rowToInfo<M extends JobDefs>(row: JobRow): JobInfo<M> {
  const info: JobInfo<M> = {
    id: row.id,
    name: row.name as JobName<M>,
    data: parseJson(row.data) as M[JobName<M>]['data'],
    meta: parseJson(row.meta) as JobInfo['meta'],
    state: row.state,
    progress: progressIn(row.state, (parseJson(row.progress) as JobInfo['progress'] | undefined) ?? null),
    attemptsMade: row.attempts_made,
    maxAttempts: row.max_attempts,
    createdAt: row.created_at,
  };
  if (row.state === 'completed') info.result = parseJson(row.result) as M[JobName<M>]['result'];
  if (row.error !== null && row.state !== 'completed') info.error = row.error;
  if (row.started_at !== null) info.startedAt = row.started_at;
  if (row.finished_at !== null) info.finishedAt = row.finished_at;
  return info;
}
