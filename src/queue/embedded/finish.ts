import { AppError, errorMessage } from '../../errors';
import type { Logger } from '../../log/logger';
import type { JobRow, JobSql } from './sql';
import type { EventHub } from '../events';
import { backoffDelay, isUnrecoverable } from '../shared';

/** How one run of a job ended, waiting to be written with the others of the same tick. */
export interface Ended {
  row: JobRow;
  at: number;
  /** Set when the run was cancelled: the reason. */
  cancelled?: string;
  outcome: { ok: true; result: unknown } | { ok: false; err: unknown };
}

export interface Recorded {
  /** Emits the job's event; call after the transaction commits. */
  emit(): void;
  /** The job reached a final state (the history may need pruning). */
  final: boolean;
  /** A retry was scheduled for this time. */
  retryAt?: number;
}

interface Ctx {
  sql: JobSql;
  queue: string;
  owner: string;
  events: EventHub;
  log: Logger;
}

/**
 * Write the end of one run (inside the caller's transaction). Every write is guarded by owner and
 * state, so nothing is recorded, and no event emitted, for a run that was taken away meanwhile.
 */
export function recordEnd(c: Ctx, e: Ended): Recorded | undefined {
  const { row, at: now } = e;
  const { id, name } = row;
  const key = { queue: c.queue, id, owner: c.owner, now };
  const durationMs = now - (row.started_at ?? now);
  if (e.cancelled !== undefined) {
    if (!c.sql.cancelActive.run({ ...key, error: e.cancelled }).changes) return undefined;
    return { final: true, emit: () => c.events.emit('cancelled', { id, name }) };
  }
  let err: unknown = e.outcome.ok ? undefined : e.outcome.err;
  if (e.outcome.ok) {
    let json: string | undefined;
    try {
      json = JSON.stringify(e.outcome.result ?? null);
    } catch (cause) {
      err = new AppError('job_unrecoverable', `job result is not JSON: ${errorMessage(cause)}`);
    }
    if (json !== undefined) {
      if (!c.sql.complete.run({ ...key, result: json }).changes) return undefined;
      const result: unknown = JSON.parse(json);
      return { final: true, emit: () => c.events.emit('completed', { id, name, result, durationMs }) };
    }
  }
  const error = errorMessage(err);
  const willRetry = !isUnrecoverable(err) && row.attempts_made < row.max_attempts;
  const retryAt = willRetry ? now + backoffDelay(row.backoff_ms, row.attempts_made) : undefined;
  const changed =
    retryAt !== undefined
      ? c.sql.retry.run({ queue: c.queue, id, owner: c.owner, error, runAt: retryAt }).changes
      : c.sql.fail.run({ ...key, error }).changes;
  if (!changed) return undefined;
  return {
    final: !willRetry,
    retryAt,
    emit: () => {
      (willRetry ? c.log.warn : c.log.error)('job failed', {
        jobId: id,
        job: name,
        attempt: row.attempts_made,
        willRetry,
        error,
      });
      c.events.emit('failed', { id, name, error, willRetry, durationMs });
    },
  };
}
