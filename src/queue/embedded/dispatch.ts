/**
 * The embedded queue's dispatch loop: passes that record ended runs, promote due jobs and claim
 * jobs for free slots, the runs themselves, and the recovery of jobs whose owner is gone.
 */
import { AppError, errorMessage } from '../../errors';
import type { Logger } from '../../log/logger';
import { clampProgress, createRunControl, stepsKeeper } from '../shared';
import type { JobContext, JobDefs, Processors } from '../types';
import { recordEnd, type Ended } from './finish';
import { isDeadOwner } from './owners';
import type { JobRow } from './sql';
import type { EmbeddedState, Running } from './state';

/** With free slots, look for jobs other processes added (and cancels they asked for) this often. */
const IDLE_POLL_MS = 200;
/** While working, look for active jobs of dead owners (another process crashed) this often. */
const RECOVER_EVERY_MS = 10_000;

/** Schedule one pass; many kicks in one tick make one pass (and one transaction). */
export function kick<M extends JobDefs>(s: EmbeddedState<M>): void {
  if (!s.processors || s.pumpQueued) return;
  s.pumpQueued = true;
  setImmediate(() => pump(s));
}

/** The pass's one write transaction: record ended runs, promote due delayed jobs, claim jobs. */
function claimPass<M extends JobDefs>(
  s: EmbeddedState<M>,
  batch: Ended[],
  now: number,
): { emits: (() => void)[]; rows: JobRow[] } {
  const { sql, queue } = s;
  return s.store.db
    .transaction(() => {
      const out = recordBatch(s, batch);
      if (s.stopping) return { emits: out, rows: [] as JobRow[] };
      if (s.nextDueAt <= now) {
        sql.promote.run(queue, now);
        s.nextDueAt = sql.nextDelayed.get(queue)?.at ?? Number.POSITIVE_INFINITY;
      }
      const free = s.concurrency - s.active.size;
      const claimed = free > 0 ? sql.claim.all({ queue, names: s.names, limit: free, owner: s.owner, now }) : [];
      return { emits: out, rows: claimed };
    })
    .immediate();
}

/**
 * One dispatch pass, in one write transaction: record the runs that ended since the last pass,
 * prune the history, promote due delayed jobs, claim jobs for the free slots. Events go out
 * after the commit. Batching the writes is what makes the embedded queue fast.
 */
export function pump<M extends JobDefs>(s: EmbeddedState<M>): void {
  s.pumpQueued = false;
  if (!s.processors || s.closed) return;
  if (s.timer) clearTimeout(s.timer);
  s.timer = undefined;
  const batch = s.ended.splice(0);
  let emits: (() => void)[] = [];
  let rows: JobRow[] = [];
  try {
    const now = s.clock();
    if (!s.stopping && now - s.recoveredAt >= RECOVER_EVERY_MS) recover(s, now);
    ({ emits, rows } = claimPass(s, batch, now));
  } catch (err) {
    s.ended.unshift(...batch); // try again on the next pass
    s.log.error('queue dispatch failed; retrying shortly', { err });
  }
  for (const emit of emits) emit();
  rows.sort((a, b) => a.run_at - b.run_at || a.seq - b.seq);
  for (const row of rows) start(s, row);
  if (s.stopping) return;
  try {
    if (s.active.size > 0) applyRemoteCancels(s);
  } catch (err) {
    s.log.error('could not look for cancel requests', { err });
  }
  const wait =
    s.ended.length > 0
      ? IDLE_POLL_MS
      : s.active.size < s.concurrency
        ? Math.min(IDLE_POLL_MS, Math.max(0, s.nextDueAt - s.clock()))
        : IDLE_POLL_MS;
  s.timer = setTimeout(() => {
    s.nextDueAt = Math.min(s.nextDueAt, s.clock()); // also notice delayed jobs other processes added
    pump(s);
  }, wait);
}

function recordBatch<M extends JobDefs>(s: EmbeddedState<M>, batch: Ended[]): (() => void)[] {
  const { sql, queue, owner, events, log } = s;
  const emits: (() => void)[] = [];
  let final = false;
  for (const e of batch) {
    const rec = recordEnd({ sql, queue, owner, events, log }, e);
    if (!rec) continue;
    emits.push(rec.emit);
    final ||= rec.final;
    if (rec.retryAt !== undefined) s.nextDueAt = Math.min(s.nextDueAt, rec.retryAt);
  }
  if (final) sql.prune.run({ queue, keep: s.historyLimit });
  return emits;
}

/** Another process sharing the file asked to cancel a job this instance runs. */
function applyRemoteCancels<M extends JobDefs>(s: EmbeddedState<M>): void {
  for (const { id, cancel_reason } of s.sql.cancelRequests.all(s.queue, s.owner)) {
    const run = s.active.get(id);
    if (run && !run.stop) interrupt(run, 'cancel', cancel_reason);
  }
}

export function interrupt(run: Running, why: 'cancel' | 'shutdown', reason: string): void {
  run.stop = why;
  run.control.abort(new AppError(why === 'cancel' ? 'job_cancelled' : 'unavailable', reason));
}

function start<M extends JobDefs>(s: EmbeddedState<M>, row: JobRow): void {
  const processor = s.processors?.[row.name as keyof Processors<M>];
  const control = createRunControl();
  let jobLog: Logger | undefined;
  const keepSteps = stepsKeeper();
  const ctx: JobContext<unknown> = {
    id: row.id,
    name: row.name,
    data: JSON.parse(row.data),
    meta: JSON.parse(row.meta),
    attempt: row.attempts_made,
    get log() {
      return (jobLog ??= s.log.child({ jobId: row.id, job: row.name }));
    },
    get signal() {
      return control.signal;
    },
    progress: async (p) => {
      if (run.stop || s.closed) return;
      const progress = clampProgress(keepSteps(p));
      const changed = s.sql.progress.run({
        queue: s.queue,
        id: row.id,
        owner: s.owner,
        progress: JSON.stringify(progress),
      }).changes;
      if (changed) s.events.emit('progress', { id: row.id, name: row.name, progress });
    },
  };
  const run: Running = { row, control, done: Promise.resolve() };
  s.active.set(row.id, run);
  s.events.emit('active', { id: row.id, name: row.name, attempt: row.attempts_made });
  if (row.cancel_reason !== null) interrupt(run, 'cancel', row.cancel_reason);
  let work: Promise<unknown>;
  try {
    work = processor
      ? Promise.resolve(processor(ctx as never))
      : Promise.reject(new AppError('job_unrecoverable', `no processor for job "${row.name}"`));
  } catch (err) {
    work = Promise.reject(err);
  }
  run.done = control.race(work).then(
    (result) => finish(s, run, { ok: true, result }),
    (err: unknown) => finish(s, run, { ok: false, err }),
  );
}

function finish<M extends JobDefs>(s: EmbeddedState<M>, run: Running, outcome: Ended['outcome']): void {
  s.active.delete(run.row.id);
  if (s.closed || run.stop === 'shutdown') return; // close() already handed the job back
  const cancelled = run.stop === 'cancel' ? errorMessage(run.control.reason) : undefined;
  s.ended.push({ row: run.row, at: s.clock(), cancelled, outcome });
  kick(s);
}

/** At start: put back the active jobs of owners that are gone (crash, SIGKILL, a dropped instance). */
export function recover<M extends JobDefs>(s: EmbeddedState<M>, now: number): void {
  s.recoveredAt = now;
  const { sql, queue } = s;
  for (const { owner: dead } of sql.activeOwners.all(queue)) {
    if (!isDeadOwner(dead)) continue;
    const tx = s.store.db.transaction(() => {
      const cancelled = sql.reclaimCancelled.run({ queue, owner: dead, now }).changes;
      const failed = sql.reclaimExhausted.run({ queue, owner: dead, now }).changes;
      const requeued = sql.reclaim.run({ queue, owner: dead }).changes;
      return { cancelled, failed, requeued };
    });
    s.log.warn('recovered jobs of a queue instance that stopped without closing', { owner: dead, ...tx.immediate() });
  }
}
