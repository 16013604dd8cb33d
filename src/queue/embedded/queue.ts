import { AppError, errorMessage } from '../../errors';
import { interrupt, kick, pump, recover } from './dispatch';
import { rowToInfo, type JobRow } from './sql';
import { markOwnerGone, markOwnerLive } from './owners';
import { createEmbeddedState, type EmbeddedQueueOptions, type EmbeddedState } from './state';
import {
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_LIST_LIMIT,
  checkConcurrency,
  addSettings,
  settlesWithin,
  waitForFinish,
} from '../shared';
import {
  JOB_STATES,
  type AddOptions,
  type CancelOutcome,
  type JobDefs,
  type JobInfo,
  type JobName,
  type JobQueue,
  type JobState,
  type Processors,
  type WorkOptions,
} from '../types';

export type { EmbeddedQueueOptions } from './state';

/** waitUntilFinished polls the store this often, for jobs run by another process. */
const WAIT_POLL_MS = 200;

function assertOpen<M extends JobDefs>(s: EmbeddedState<M>): void {
  if (s.stopping) throw new AppError('unavailable', `queue ${s.queue} is closed`);
}

async function get<M extends JobDefs>(s: EmbeddedState<M>, id: string): Promise<JobInfo<M> | undefined> {
  const row = s.sql.get.get(s.queue, id);
  return row ? rowToInfo<M>(row) : undefined;
}

async function add<M extends JobDefs, N extends JobName<M>>(
  s: EmbeddedState<M>,
  name: N,
  data: M[N]['data'],
  options: AddOptions,
): Promise<JobInfo<M, N>> {
  const { sql, queue, opts, historyLimit } = s;
  assertOpen(s);
  const { attempts, backoffMs } = addSettings('embedded', { ...opts, name: queue, historyLimit }, options);
  const now = s.clock();
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
  if (!row) return rowToInfo<M>(sql.get.get(queue, options.jobId as string) as JobRow) as JobInfo<M, N>;
  s.events.emit('added', { id: row.id, name });
  if (delay > 0) s.nextDueAt = Math.min(s.nextDueAt, row.run_at);
  kick(s);
  return rowToInfo<M>(row) as JobInfo<M, N>;
}

async function cancel<M extends JobDefs>(s: EmbeddedState<M>, id: string, reason: string): Promise<CancelOutcome> {
  const { sql, queue } = s;
  assertOpen(s);
  const row = sql.get.get(queue, id);
  if (!row) return 'not_found';
  if (row.state === 'completed' || row.state === 'failed' || row.state === 'cancelled') return 'already_finished';
  const queued = sql.cancelQueued.get({ queue, id, error: reason, now: s.clock() });
  if (queued) {
    sql.prune.run({ queue, keep: s.historyLimit });
    s.events.emit('cancelled', { id, name: queued.name });
    return 'cancelled';
  }
  const requested = sql.requestCancel.get({ queue, id, reason });
  if (!requested) return (await get(s, id)) ? 'already_finished' : 'not_found';
  const run = s.active.get(id);
  if (run && !run.stop) interrupt(run, 'cancel', reason);
  return 'cancelled';
}

async function work<M extends JobDefs>(s: EmbeddedState<M>, procs: Processors<M>, options: WorkOptions): Promise<void> {
  assertOpen(s);
  if (s.processors) throw new AppError('conflict', `queue ${s.queue} is already working; call work() once`);
  s.concurrency = checkConcurrency(options.concurrency ?? 1);
  s.processors = procs;
  s.names = JSON.stringify(Object.keys(procs).filter((k) => procs[k as keyof Processors<M>]));
  markOwnerLive(s.owner);
  recover(s, s.clock());
  s.nextDueAt = 0;
  kick(s);
}

async function closeNow<M extends JobDefs>(s: EmbeddedState<M>, options: { graceMs?: number }): Promise<void> {
  const { active, queue } = s;
  s.stopping = true;
  if (s.timer) clearTimeout(s.timer);
  const grace = options.graceMs ?? DEFAULT_CLOSE_GRACE_MS;
  if (active.size > 0) await settlesWithin(Promise.all([...active.values()].map((r) => r.done)), grace);
  for (const run of active.values()) {
    interrupt(run, 'shutdown', `queue ${queue} is shutting down`);
    try {
      s.sql.requeue.run({ queue, id: run.row.id, owner: s.owner });
    } catch (err) {
      s.log.error('could not hand a job back on close', { jobId: run.row.id, err });
    }
  }
  if (active.size > 0) s.log.warn('handed active jobs back to the queue on close', { count: active.size });
  active.clear();
  pump(s); // record the runs that ended during the grace
  s.closed = true;
  markOwnerGone(s.owner);
  s.closedCtl.abort();
  s.events.clear();
}

/**
 * In-process queue persisted in SQLite. Jobs survive restarts and crashes; several processes may
 * share the file (claims are single atomic UPDATEs). Events are local to this process.
 */
export function createEmbeddedQueue<M extends JobDefs>(opts: EmbeddedQueueOptions): JobQueue<M> {
  const s = createEmbeddedState<M>(opts);
  const { sql, queue, events } = s;
  const getJob = (id: string) => get(s, id);
  return {
    backend: 'embedded',
    add: (name, data, options = {}) => add(s, name, data, options),
    get: getJob,
    async list(options = {}) {
      const states = options.states ?? JOB_STATES;
      const limit = options.limit ?? DEFAULT_LIST_LIMIT;
      return sql.list.all({ queue, states: JSON.stringify(states), limit }).map((r) => rowToInfo<M>(r));
    },
    cancel: (id, reason = 'cancelled') => cancel(s, id, reason),
    async counts() {
      const out = Object.fromEntries(JOB_STATES.map((st) => [st, 0])) as Record<JobState, number>;
      for (const { state, n } of sql.counts.all(queue)) out[state] = n;
      return out;
    },
    work: (procs, options = {}) => work(s, procs, options),
    on: (event, listener) => events.on(event, listener),
    waitUntilFinished(id, timeoutMs) {
      return waitForFinish<M>({ get: getJob, events, pollMs: WAIT_POLL_MS, closed: s.closedCtl.signal }, id, timeoutMs);
    },
    async check() {
      try {
        s.store.check();
      } catch (err) {
        throw new AppError('unavailable', `embedded queue store: ${errorMessage(err)}`, { cause: err });
      }
    },
    close(options = {}) {
      s.closing ??= closeNow(s, options);
      return s.closing;
    },
  };
}
