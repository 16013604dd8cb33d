import { Queue, QueueEvents, UnrecoverableError, WaitingError, Worker, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { AppError, errorMessage } from '../../errors';
import type { Logger } from '../../log/logger';
import { createCancelLedger, createPendingCancels, parseControl, type ControlMessage } from './cancel';
import { createJobCache, translateQueueEvents } from './events';
import { jobToInfo, mapState, queueKeys, CANCEL_MARKER, type BullJob, type Envelope } from './map';
import { listBullmqJobs } from './list';
import { createEventHub } from '../events';
import { REQUEST_CONNECTION, createRedisGuard, reconnectDelay, redisAddress } from './guard';
import {
  DEFAULT_CLOSE_GRACE_MS,
  DEFAULT_LIST_LIMIT,
  checkConcurrency,
  checkJobId,
  checkSettings,
  clampProgress,
  createClosedController,
  createRunControl,
  isUnrecoverable,
  settlesWithin,
  waitForFinish,
  type RunControl,
} from '../shared';
import {
  JOB_STATES,
  type AddOptions,
  type CancelOutcome,
  type JobContext,
  type JobDefs,
  type JobInfo,
  type JobName,
  type JobQueue,
  type JobState,
  type Processors,
} from '../types';

export interface BullmqQueueOptions {
  redisUrl: string;
  name: string;
  logger: Logger;
  /** Completed and failed jobs kept (each), and cancelled records kept. */
  historyLimit: number;
  attempts: number;
  /** Base of the exponential backoff (at least 1 ms, so every retry is a 'delayed' event). */
  backoffMs: number;
  /** BullMQ key prefix; default 'bull'. */
  prefix?: string;
}

const WAIT_POLL_MS = 250;
const CHECK_TIMEOUT_MS = 2_000;
/** After the grace, interrupted jobs are handed back; give that this long before letting go. */
const HANDBACK_MS = 5_000;

interface Running {
  job: BullJob;
  control: RunControl;
  stop?: 'cancel' | 'shutdown';
}

/** The queue port on BullMQ 6: jobs in Redis, shared by every process that names the queue. */
export function createBullmqQueue<M extends JobDefs>(opts: BullmqQueueOptions): JobQueue<M> {
  checkSettings('bullmq', opts);
  if (!opts.redisUrl)
    throw new AppError('config_invalid', 'bullmq queue: redisUrl is required (e.g. redis://127.0.0.1:6379)');
  const { name, historyLimit } = opts;
  const prefix = opts.prefix ?? 'bull';
  const keys = queueKeys(prefix, name);
  const log = opts.logger.child({ queue: name, backend: 'bullmq' });
  // Workers and QueueEvents wait for Redis and carry on when it is back; `requests` (the Queue's
  // connection, the ledger's, the control channel's publish) serves callers and never waits.
  const connection = { url: opts.redisUrl, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
  const onError = (what: string) => (err: Error) => log.warn(`${what}: ${err.message}`);
  const requests = new Redis(opts.redisUrl, REQUEST_CONNECTION);
  requests.on('error', onError('redis request connection'));

  const queue = new Queue<Envelope, unknown, string>(name, {
    connection: requests,
    prefix,
    defaultJobOptions: { removeOnComplete: { count: historyLimit }, removeOnFail: { count: historyLimit } },
  });
  queue.on('error', onError('bullmq queue connection'));
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
  redis.on('error', onError('redis connection'));
  const subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
  subscriber.on('error', onError('redis subscriber'));

  const events = createEventHub(log);
  const names = createJobCache<string>();
  const ranHere = createJobCache<{ name: string; durationMs: number }>();
  const ledger = createCancelLedger<M>(requests, keys, historyLimit);
  const pendingCancels = createPendingCancels();
  const running = new Map<string, Running>();
  const closedCtl = createClosedController();
  let worker: Worker<Envelope, unknown, string> | undefined;
  let queueEvents: QueueEvents | undefined;
  let translator: { idle(): Promise<void> } | undefined;
  let stopping = false;
  let closing: Promise<void> | undefined;

  const interrupt = (run: Running, why: 'cancel' | 'shutdown', reason: string) => {
    run.stop = why;
    run.control.abort(new AppError(why === 'cancel' ? 'job_cancelled' : 'unavailable', reason));
  };

  const onControl = (channel: string, text: string) => {
    if (channel !== keys.control) return;
    const msg = parseControl(text);
    if (msg?.type === 'cancelled') events.emit('cancelled', { id: msg.id, name: msg.name });
    if (msg?.type !== 'cancel') return;
    const run = running.get(msg.id);
    if (run && !run.stop) interrupt(run, 'cancel', msg.reason);
    else if (worker && !run) pendingCancels.add(msg.id, msg.reason);
  };
  const publish = (msg: ControlMessage) => requests.publish(keys.control, JSON.stringify(msg));

  // Read events from the stream's current end (not '$' at some later moment), then subscribe.
  const ready = (async () => {
    const last = await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1);
    if (stopping) return;
    queueEvents = new QueueEvents(name, { connection, prefix, lastEventId: last[0]?.[0] ?? '0-0' });
    queueEvents.on('error', onError('bullmq queue events'));
    const cancelledName = async (id: string) => (await ledger.get(id))?.name;
    translator = translateQueueEvents({ queueEvents, redis, keys, hub: events, names, ranHere, cancelledName, log });
    subscriber.on('message', onControl);
    await Promise.all([queueEvents.waitUntilReady(), subscriber.subscribe(keys.control), queue.waitUntilReady()]);
  })();
  ready.catch((err: unknown) => log.error('bullmq queue failed to start', { err }));
  const guard = createRedisGuard({ client: requests, address: redisAddress(opts.redisUrl), ready });

  const assertOpen = () => {
    if (stopping) throw new AppError('unavailable', `queue ${name} is closed`);
  };

  /** State first, then the hash: a finished state's hash is final, so the two always agree. */
  async function fetchJob(id: string): Promise<{ job: BullJob; state: JobState } | undefined> {
    const bullState = await queue.getJobState(id);
    if (bullState === 'unknown') return undefined;
    const job = (await queue.getJob(id)) as BullJob | undefined;
    const state = job && mapState(bullState, job.failedReason);
    return job && state ? { job, state } : undefined;
  }

  async function getNow(id: string): Promise<JobInfo<M> | undefined> {
    const found = await fetchJob(id);
    return found ? jobToInfo<M>(found.job, found.state) : ledger.get(id);
  }
  const get = (id: string) => guard.call('get', () => getNow(id));

  async function runJob(job: BullJob, token: string | undefined, processors: Processors<M>): Promise<unknown> {
    const processor = processors[job.name as keyof Processors<M>];
    if (!processor) throw new UnrecoverableError(`no processor for job "${job.name}"`);
    const id = String(job.id);
    const run: Running = { job, control: createRunControl() };
    running.set(id, run);
    const early = pendingCancels.take(id);
    if (early !== undefined) interrupt(run, 'cancel', early);
    let jobLog: Logger | undefined;
    const ctx: JobContext<unknown> = {
      id,
      name: job.name,
      data: job.data.data,
      meta: job.data.meta ?? {},
      attempt: job.attemptsMade + 1,
      get log() {
        return (jobLog ??= log.child({ jobId: id, job: job.name }));
      },
      get signal() {
        return run.control.signal;
      },
      progress: async (p) => {
        if (!run.stop) await job.updateProgress(clampProgress(p));
      },
    };
    try {
      const result = await run.control.race(Promise.resolve().then(() => processor(ctx as never)));
      ranHere.set(id, { name: job.name, durationMs: Math.max(0, Date.now() - (job.processedOn ?? Date.now())) });
      return result;
    } catch (err) {
      if (run.stop === 'shutdown' && token) {
        await job.moveToWait(token); // back to the head of the line; this attempt does not count
        throw new WaitingError();
      }
      if (run.stop === 'cancel') {
        const reason = errorMessage(run.control.reason);
        await ledger.record({ ...jobToInfo<M>(job, 'cancelled'), error: reason, finishedAt: Date.now() });
        throw new UnrecoverableError(CANCEL_MARKER + reason);
      }
      if (isUnrecoverable(err)) throw new UnrecoverableError(errorMessage(err));
      throw err instanceof Error ? err : new Error(errorMessage(err));
    } finally {
      running.delete(id);
    }
  }

  async function addNow<N extends JobName<M>>(
    jobName: N,
    data: M[N]['data'],
    options: AddOptions,
    attempts: number,
    backoffMs: number,
  ): Promise<JobInfo<M, N>> {
    if (options.jobId) {
      const cancelled = await ledger.get(options.jobId);
      if (cancelled) return cancelled as JobInfo<M, N>;
    }
    const delay = Math.max(0, options.delayMs ?? 0);
    // Only the options that differ from BullMQ's defaults: every worker decodes them per job.
    const jobOpts: JobsOptions = { attempts };
    if (options.jobId) jobOpts.jobId = options.jobId;
    if (attempts > 1) jobOpts.backoff = { type: 'exponential', delay: Math.max(1, backoffMs) };
    if (delay > 0) jobOpts.delay = delay;
    const job = (await queue.add(jobName, { data: data ?? null, meta: options.meta ?? {} }, jobOpts)) as BullJob;
    names.set(String(job.id), jobName);
    if (options.jobId) {
      const existing = await getNow(String(job.id)); // a duplicate id returns the job already there
      if (existing) return existing as JobInfo<M, N>;
    }
    return jobToInfo<M>(job, delay > 0 ? 'delayed' : 'waiting') as JobInfo<M, N>;
  }

  async function cancelNow(id: string, reason: string): Promise<CancelOutcome> {
    const found = await fetchJob(id);
    if (!found) return (await ledger.get(id)) ? 'already_finished' : 'not_found';
    const { job, state } = found;
    if (state === 'completed' || state === 'failed' || state === 'cancelled') return 'already_finished';
    if (state !== 'active') {
      await ledger.record({ ...jobToInfo<M>(job, 'cancelled'), error: reason, finishedAt: Date.now() });
      try {
        await job.remove();
        await publish({ type: 'cancelled', id, name: job.name });
        return 'cancelled';
      } catch {
        await ledger.forget(id); // a worker took it meanwhile: cancel it as an active job
      }
    }
    await publish({ type: 'cancel', id, reason });
    return 'cancelled';
  }

  async function countsNow(): Promise<Record<JobState, number>> {
    const [c, cancelled] = await Promise.all([
      queue.getJobCounts('waiting', 'prioritized', 'waiting-children', 'delayed', 'active', 'completed', 'failed'),
      ledger.count(),
    ]);
    const out = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    out.waiting = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0);
    out.delayed = c.delayed ?? 0;
    out.active = c.active ?? 0;
    out.completed = c.completed ?? 0;
    out.failed = c.failed ?? 0;
    out.cancelled = cancelled;
    return out;
  }

  const api: JobQueue<M> = {
    backend: 'bullmq',

    async add(jobName, data, options = {}) {
      assertOpen();
      const attempts = options.attempts ?? opts.attempts;
      const backoffMs = options.backoffMs ?? opts.backoffMs;
      if (options.attempts !== undefined || options.backoffMs !== undefined)
        checkSettings('bullmq', { name, historyLimit, attempts, backoffMs });
      if (options.jobId !== undefined) checkJobId(options.jobId);
      // Without a job id a retried call adds a second job: Redis must answer before the add is sent.
      return (options.jobId ? guard.call : guard.write)(`add ${jobName}`, () =>
        addNow(jobName, data, options, attempts, backoffMs),
      );
    },

    get,

    list(options = {}) {
      return guard.call('list', () =>
        listBullmqJobs<M>(queue, ledger, options.states ?? JOB_STATES, options.limit ?? DEFAULT_LIST_LIMIT),
      );
    },

    async cancel(id, reason = 'cancelled') {
      assertOpen();
      return guard.call('cancel', () => cancelNow(id, reason));
    },

    counts() {
      return guard.call('counts', countsNow);
    },

    async work(processors, options = {}) {
      assertOpen();
      if (worker) throw new AppError('conflict', `queue ${name} is already working; call work() once`);
      const concurrency = checkConcurrency(options.concurrency ?? 1);
      await ready;
      const w = new Worker<Envelope, unknown, string>(name, (job, token) => runJob(job, token, processors), {
        connection,
        prefix,
        concurrency,
      });
      worker = w;
      w.on('error', onError('bullmq worker'));
      // An active job that was cancelled ends in 'failed' with the marker: its record is in the ledger now.
      w.on('failed', (job, err) => {
        if (job && err.message.startsWith(CANCEL_MARKER))
          job.remove().catch((e: unknown) => log.debug('could not remove a cancelled job', { jobId: job.id, err: e }));
      });
      await w.waitUntilReady();
    },

    on: (event, listener) => events.on(event, listener),

    waitUntilFinished(id, timeoutMs) {
      return waitForFinish<M>({ get, events, pollMs: WAIT_POLL_MS, closed: closedCtl.signal }, id, timeoutMs);
    },

    async check() {
      await guard.call('check', () => requests.ping());
    },

    close(options = {}) {
      closing ??= (async () => {
        stopping = true;
        if (worker) {
          const stopped = worker.close();
          if (!(await settlesWithin(stopped, options.graceMs ?? DEFAULT_CLOSE_GRACE_MS))) {
            for (const run of running.values())
              if (!run.stop) interrupt(run, 'shutdown', `queue ${name} is shutting down`);
            log.warn('handing active jobs back to the queue on close', { count: running.size });
            // Nothing running: nothing to hand back, so a worker stuck on a dead Redis is not waited for again.
            if (running.size === 0 || !(await settlesWithin(stopped, HANDBACK_MS))) {
              log.error('worker did not stop; closing its connections anyway');
              await settlesWithin(worker.disconnect(), CHECK_TIMEOUT_MS);
            }
          }
        }
        closedCtl.abort(); // pending waitUntilFinished calls reject before the connections go
        // With Redis away a close would wait for it: give up after a while and drop the sockets.
        const closed = Promise.allSettled([queueEvents?.close(), queue.close()]);
        // A disconnect waits for an 'end' that ioredis never emits for a client waiting to reconnect: bounded too.
        if (!(await settlesWithin(closed, CHECK_TIMEOUT_MS)))
          await settlesWithin(Promise.allSettled([queueEvents?.disconnect(), queue.disconnect()]), CHECK_TIMEOUT_MS);
        await settlesWithin(translator?.idle() ?? Promise.resolve(), CHECK_TIMEOUT_MS);
        await Promise.all([quit(subscriber), quit(redis), quit(requests)]);
        events.clear();
      })();
      return closing;
    },
  };
  return api;
}

/** Delete a queue and everything we keep beside it (tests, benches, operators). */
export async function obliterateBullmqQueue(opts: { redisUrl: string; name: string; prefix?: string }): Promise<void> {
  const prefix = opts.prefix ?? 'bull';
  const keys = queueKeys(prefix, opts.name);
  const queue = new Queue(opts.name, { connection: { url: opts.redisUrl, maxRetriesPerRequest: null }, prefix });
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  try {
    await queue.obliterate({ force: true });
    await redis.del(keys.cancelled, keys.cancelledOrder);
  } finally {
    await queue.close();
    await quit(redis);
  }
}

/** Close a connection and wait until its socket is gone (bounded), whatever state it is in. */
async function quit(r: Redis): Promise<void> {
  if (r.status === 'end') return;
  const ended = new Promise<void>((resolve) => r.once('end', () => resolve()));
  if (r.status === 'ready') r.quit().catch(() => r.disconnect());
  else r.disconnect();
  if (!(await settlesWithin(ended, CHECK_TIMEOUT_MS))) r.disconnect();
}
