import { randomUUID } from 'node:crypto';
import { AppError, errorMessage } from '../../errors';
import type { Clock } from '../../clock';
import type { Logger } from '../../log/logger';
import type { Store } from '../../store/store';
import { createEventHub } from '../events';
import { recordEnd, type Ended } from './finish';
import { prepareJobSql, rowToInfo, type JobRow } from './sql';
import { OWNER_PATTERN, isDeadOwner, markOwnerGone, markOwnerLive } from './owners';
import {
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_LIST_LIMIT,
  checkConcurrency,
  checkJobId,
  checkSettings,
  clampProgress,
  createClosedController,
  createRunControl,
  settlesWithin,
  waitForFinish,
  type RunControl,
} from '../shared';
import {
  JOB_STATES,
  type JobContext,
  type JobDefs,
  type JobInfo,
  type JobQueue,
  type JobState,
  type Processors,
} from '../types';

export interface EmbeddedQueueOptions {
  store: Store;
  name: string;
  logger: Logger;
  /** Finished jobs (completed, failed, cancelled) kept per queue; older ones are pruned. */
  historyLimit: number;
  /** Default attempts per job (AddOptions.attempts overrides). */
  attempts: number;
  /** Default backoff base in ms (AddOptions.backoffMs overrides). */
  backoffMs: number;
  clock?: Clock;
  /** `pid:token` recorded on claimed jobs; defaults to this process and a fresh token. */
  owner?: string;
}

/** With free slots, look for jobs other processes added (and cancels they asked for) this often. */
const IDLE_POLL_MS = 200;
/** waitUntilFinished polls the store this often, for jobs run by another process. */
const WAIT_POLL_MS = 200;
/** While working, look for active jobs of dead owners (another process crashed) this often. */
const RECOVER_EVERY_MS = 10_000;

interface Running {
  row: JobRow;
  control: RunControl;
  /** Why the run was interrupted: a cancel (final) or shutdown (job goes back to waiting). */
  stop?: 'cancel' | 'shutdown';
  done: Promise<void>;
}

/**
 * In-process queue persisted in SQLite. Jobs survive restarts and crashes; several processes may
 * share the file (claims are single atomic UPDATEs). Events are local to this process.
 */
export function createEmbeddedQueue<M extends JobDefs>(opts: EmbeddedQueueOptions): JobQueue<M> {
  checkSettings('embedded', opts);
  const { store, name: queue, historyLimit } = opts;
  const clock = opts.clock ?? Date.now;
  const owner = opts.owner ?? `${process.pid}:${randomUUID()}`;
  if (!OWNER_PATTERN.test(owner))
    throw new AppError(
      'config_invalid',
      `embedded queue: owner must look like "pid:token" (got ${JSON.stringify(owner)})`,
    );
  const log = opts.logger.child({ queue, backend: 'embedded' });
  const sql = prepareJobSql(store.db);
  const events = createEventHub(log);
  const closedCtl = createClosedController();
  const active = new Map<string, Running>();
  /** Runs that ended and wait for the next pass to be recorded. */
  const ended: Ended[] = [];

  let processors: Processors<M> | undefined;
  let names = '[]';
  let concurrency = 1;
  let stopping = false;
  let closed = false;
  let closing: Promise<void> | undefined;
  let pumpQueued = false;
  let timer: NodeJS.Timeout | undefined;
  /** Earliest time a delayed job may become due; 0 forces a look. */
  let nextDueAt = 0;
  let recoveredAt = 0;

  const assertOpen = () => {
    if (stopping) throw new AppError('unavailable', `queue ${queue} is closed`);
  };
  const prune = () => sql.prune.run({ queue, keep: historyLimit });
  const get = async (id: string) => {
    const row = sql.get.get(queue, id);
    return row ? rowToInfo<M>(row) : undefined;
  };

  /** Schedule one pass; many kicks in one tick make one pass (and one transaction). */
  function kick(): void {
    if (!processors || pumpQueued) return;
    pumpQueued = true;
    setImmediate(pump);
  }

  /**
   * One dispatch pass, in one write transaction: record the runs that ended since the last pass,
   * prune the history, promote due delayed jobs, claim jobs for the free slots. Events go out
   * after the commit. Batching the writes is what makes the embedded queue fast.
   */
  function pump(): void {
    pumpQueued = false;
    if (!processors || closed) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = ended.splice(0);
    let emits: (() => void)[] = [];
    let rows: JobRow[] = [];
    try {
      const now = clock();
      if (!stopping && now - recoveredAt >= RECOVER_EVERY_MS) recover(now);
      ({ emits, rows } = store.db
        .transaction(() => {
          const out = recordBatch(batch);
          if (stopping) return { emits: out, rows: [] as JobRow[] };
          if (nextDueAt <= now) {
            sql.promote.run(queue, now);
            nextDueAt = sql.nextDelayed.get(queue)?.at ?? Number.POSITIVE_INFINITY;
          }
          const free = concurrency - active.size;
          const claimed = free > 0 ? sql.claim.all({ queue, names, limit: free, owner, now }) : [];
          return { emits: out, rows: claimed };
        })
        .immediate());
    } catch (err) {
      ended.unshift(...batch); // try again on the next pass
      log.error('queue dispatch failed; retrying shortly', { err });
    }
    for (const emit of emits) emit();
    rows.sort((a, b) => a.run_at - b.run_at || a.seq - b.seq);
    for (const row of rows) start(row);
    if (stopping) return;
    try {
      if (active.size > 0) applyRemoteCancels();
    } catch (err) {
      log.error('could not look for cancel requests', { err });
    }
    const wait =
      ended.length > 0
        ? IDLE_POLL_MS
        : active.size < concurrency
          ? Math.min(IDLE_POLL_MS, Math.max(0, nextDueAt - clock()))
          : IDLE_POLL_MS;
    timer = setTimeout(() => {
      nextDueAt = Math.min(nextDueAt, clock()); // also notice delayed jobs other processes added
      pump();
    }, wait);
  }

  function recordBatch(batch: Ended[]): (() => void)[] {
    const emits: (() => void)[] = [];
    let final = false;
    for (const e of batch) {
      const rec = recordEnd({ sql, queue, owner, events, log }, e);
      if (!rec) continue;
      emits.push(rec.emit);
      final ||= rec.final;
      if (rec.retryAt !== undefined) nextDueAt = Math.min(nextDueAt, rec.retryAt);
    }
    if (final) sql.prune.run({ queue, keep: historyLimit });
    return emits;
  }

  /** Another process sharing the file asked to cancel a job this instance runs. */
  function applyRemoteCancels(): void {
    for (const { id, cancel_reason } of sql.cancelRequests.all(queue, owner)) {
      const run = active.get(id);
      if (run && !run.stop) interrupt(run, 'cancel', cancel_reason);
    }
  }

  function interrupt(run: Running, why: 'cancel' | 'shutdown', reason: string): void {
    run.stop = why;
    run.control.abort(new AppError(why === 'cancel' ? 'job_cancelled' : 'unavailable', reason));
  }

  function start(row: JobRow): void {
    const processor = processors?.[row.name as keyof Processors<M>];
    const control = createRunControl();
    let jobLog: Logger | undefined;
    const ctx: JobContext<unknown> = {
      id: row.id,
      name: row.name,
      data: JSON.parse(row.data),
      meta: JSON.parse(row.meta),
      attempt: row.attempts_made,
      get log() {
        return (jobLog ??= log.child({ jobId: row.id, job: row.name }));
      },
      get signal() {
        return control.signal;
      },
      progress: async (p) => {
        if (run.stop || closed) return;
        const progress = clampProgress(p);
        const changed = sql.progress.run({ queue, id: row.id, owner, progress: JSON.stringify(progress) }).changes;
        if (changed) events.emit('progress', { id: row.id, name: row.name, progress });
      },
    };
    const run: Running = { row, control, done: Promise.resolve() };
    active.set(row.id, run);
    events.emit('active', { id: row.id, name: row.name, attempt: row.attempts_made });
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
      (result) => finish(run, { ok: true, result }),
      (err: unknown) => finish(run, { ok: false, err }),
    );
  }

  function finish(run: Running, outcome: Ended['outcome']): void {
    active.delete(run.row.id);
    if (closed || run.stop === 'shutdown') return; // close() already handed the job back
    const cancelled = run.stop === 'cancel' ? errorMessage(run.control.reason) : undefined;
    ended.push({ row: run.row, at: clock(), cancelled, outcome });
    kick();
  }

  /** At start: put back the active jobs of owners that are gone (crash, SIGKILL, a dropped instance). */
  function recover(now: number): void {
    recoveredAt = now;
    for (const { owner: dead } of sql.activeOwners.all(queue)) {
      if (!isDeadOwner(dead)) continue;
      const tx = store.db.transaction(() => {
        const cancelled = sql.reclaimCancelled.run({ queue, owner: dead, now }).changes;
        const failed = sql.reclaimExhausted.run({ queue, owner: dead, now }).changes;
        const requeued = sql.reclaim.run({ queue, owner: dead }).changes;
        return { cancelled, failed, requeued };
      });
      log.warn('recovered jobs of a queue instance that stopped without closing', { owner: dead, ...tx.immediate() });
    }
  }

  const api: JobQueue<M> = {
    backend: 'embedded',

    async add(name, data, options = {}) {
      assertOpen();
      const attempts = options.attempts ?? opts.attempts;
      const backoffMs = options.backoffMs ?? opts.backoffMs;
      if (options.attempts !== undefined || options.backoffMs !== undefined)
        checkSettings('embedded', { name: queue, historyLimit, attempts, backoffMs });
      if (options.jobId !== undefined) checkJobId(options.jobId);
      const now = clock();
      const delay = Math.max(0, options.delayMs ?? 0);
      const row = sql.insert.get({
        id: options.jobId ?? null,
        queue,
        name,
        data: JSON.stringify(data ?? null),
        meta: JSON.stringify(options.meta ?? {}),
        state: delay > 0 ? 'delayed' : 'waiting',
        max_attempts: attempts,
        backoff_ms: backoffMs,
        run_at: now + delay,
        created_at: now,
      });
      if (!row) return rowToInfo<M>(sql.get.get(queue, options.jobId as string) as JobRow) as JobInfo<M, typeof name>;
      events.emit('added', { id: row.id, name });
      if (delay > 0) nextDueAt = Math.min(nextDueAt, row.run_at);
      kick();
      return rowToInfo<M>(row) as JobInfo<M, typeof name>;
    },

    get,

    async list(options = {}) {
      const states = options.states ?? JOB_STATES;
      const limit = options.limit ?? DEFAULT_LIST_LIMIT;
      return sql.list.all({ queue, states: JSON.stringify(states), limit }).map((r) => rowToInfo<M>(r));
    },

    async cancel(id, reason = 'cancelled') {
      assertOpen();
      const row = sql.get.get(queue, id);
      if (!row) return 'not_found';
      if (row.state === 'completed' || row.state === 'failed' || row.state === 'cancelled') return 'already_finished';
      const queued = sql.cancelQueued.get({ queue, id, error: reason, now: clock() });
      if (queued) {
        prune();
        events.emit('cancelled', { id, name: queued.name });
        return 'cancelled';
      }
      const requested = sql.requestCancel.get({ queue, id, reason });
      if (!requested) return (await get(id)) ? 'already_finished' : 'not_found';
      const run = active.get(id);
      if (run && !run.stop) interrupt(run, 'cancel', reason);
      return 'cancelled';
    },

    async counts() {
      const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      for (const { state, n } of sql.counts.all(queue)) out[state] = n;
      return out;
    },

    async work(procs, options = {}) {
      assertOpen();
      if (processors) throw new AppError('conflict', `queue ${queue} is already working; call work() once`);
      concurrency = checkConcurrency(options.concurrency ?? 1);
      processors = procs;
      names = JSON.stringify(Object.keys(procs).filter((k) => procs[k as keyof Processors<M>]));
      markOwnerLive(owner);
      recover(clock());
      nextDueAt = 0;
      kick();
    },

    on: (event, listener) => events.on(event, listener),

    waitUntilFinished(id, timeoutMs) {
      return waitForFinish<M>({ get, events, pollMs: WAIT_POLL_MS, closed: closedCtl.signal }, id, timeoutMs);
    },

    async check() {
      try {
        store.check();
      } catch (err) {
        throw new AppError('unavailable', `embedded queue store: ${errorMessage(err)}`, { cause: err });
      }
    },

    close(options = {}) {
      closing ??= (async () => {
        stopping = true;
        if (timer) clearTimeout(timer);
        const grace = options.graceMs ?? DEFAULT_CLOSE_GRACE_MS;
        if (active.size > 0) await settlesWithin(Promise.all([...active.values()].map((r) => r.done)), grace);
        for (const run of active.values()) {
          interrupt(run, 'shutdown', `queue ${queue} is shutting down`);
          try {
            sql.requeue.run({ queue, id: run.row.id, owner });
          } catch (err) {
            log.error('could not hand a job back on close', { jobId: run.row.id, err });
          }
        }
        if (active.size > 0) log.warn('handed active jobs back to the queue on close', { count: active.size });
        active.clear();
        pump(); // record the runs that ended during the grace
        closed = true;
        markOwnerGone(owner);
        closedCtl.abort();
        events.clear();
      })();
      return closing;
    },
  };
  return api;
}
