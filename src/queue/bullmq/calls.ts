/** The calls on the request path (add, get, cancel, counts), each as it runs once Redis answers. */
import type { JobsOptions } from 'bullmq';
import { addSettings } from '../shared';
import {
  JOB_STATES,
  type AddOptions,
  type CancelOutcome,
  type JobDefs,
  type JobInfo,
  type JobName,
  type JobState,
} from '../types';
import { jobToInfo, mapState, type BullJob } from './map';
import type { ControlMessage } from './cancel';
import { assertOpen, type BullState } from './state';

const publish = <M extends JobDefs>(s: BullState<M>, msg: ControlMessage) =>
  s.requests.publish(s.keys.control, JSON.stringify(msg));

/** State first, then the hash: a finished state's hash is final, so the two always agree. */
async function fetchJob<M extends JobDefs>(
  s: BullState<M>,
  id: string,
): Promise<{ job: BullJob; state: JobState } | undefined> {
  const bullState = await s.queue.getJobState(id);
  if (bullState === 'unknown') return undefined;
  const job = (await s.queue.getJob(id)) as BullJob | undefined;
  const state = job && mapState(bullState, job.failedReason);
  return job && state ? { job, state } : undefined;
}

export async function getNow<M extends JobDefs>(s: BullState<M>, id: string): Promise<JobInfo<M> | undefined> {
  const found = await fetchJob(s, id);
  return found ? jobToInfo<M>(found.job, found.state) : s.ledger.get(id);
}

async function addNow<M extends JobDefs, N extends JobName<M>>(
  s: BullState<M>,
  jobName: N,
  data: M[N]['data'],
  options: AddOptions,
  attempts: number,
  backoffMs: number,
): Promise<JobInfo<M, N>> {
  if (options.jobId) {
    const cancelled = await s.ledger.get(options.jobId);
    if (cancelled) return cancelled as JobInfo<M, N>;
  }
  const delay = Math.max(0, options.delayMs ?? 0);
  // Only the options that differ from BullMQ's defaults: every worker decodes them per job.
  const jobOpts: JobsOptions = { attempts };
  if (options.jobId) jobOpts.jobId = options.jobId;
  if (attempts > 1) jobOpts.backoff = { type: 'exponential', delay: Math.max(1, backoffMs) };
  if (delay > 0) jobOpts.delay = delay;
  const job = (await s.queue.add(jobName, { data: data ?? null, meta: options.meta ?? {} }, jobOpts)) as BullJob;
  s.names.set(String(job.id), jobName);
  if (options.jobId) {
    const existing = await getNow(s, String(job.id)); // a duplicate id returns the job already there
    if (existing) return existing as JobInfo<M, N>;
  }
  return jobToInfo<M>(job, delay > 0 ? 'delayed' : 'waiting') as JobInfo<M, N>;
}

export async function add<M extends JobDefs, N extends JobName<M>>(
  s: BullState<M>,
  jobName: N,
  data: M[N]['data'],
  options: AddOptions,
): Promise<JobInfo<M, N>> {
  const { opts, name, historyLimit, guard } = s;
  assertOpen(s);
  const { attempts, backoffMs } = addSettings('bullmq', { ...opts, name, historyLimit }, options);
  // Without a job id a retried call adds a second job: Redis must answer before the add is sent.
  return (options.jobId ? guard.call : guard.write)(`add ${jobName}`, () =>
    addNow(s, jobName, data, options, attempts, backoffMs),
  );
}

export async function cancelNow<M extends JobDefs>(
  s: BullState<M>,
  id: string,
  reason: string,
): Promise<CancelOutcome> {
  const { ledger } = s;
  const found = await fetchJob(s, id);
  if (!found) return (await ledger.get(id)) ? 'already_finished' : 'not_found';
  const { job, state } = found;
  if (state === 'completed' || state === 'failed' || state === 'cancelled') return 'already_finished';
  if (state !== 'active') {
    await ledger.record({ ...jobToInfo<M>(job, 'cancelled'), error: reason, finishedAt: Date.now() });
    try {
      await job.remove();
      await publish(s, { type: 'cancelled', id, name: job.name });
      return 'cancelled';
    } catch {
      await ledger.forget(id); // a worker took it meanwhile: cancel it as an active job
    }
  }
  await publish(s, { type: 'cancel', id, reason });
  return 'cancelled';
}

export async function countsNow<M extends JobDefs>(s: BullState<M>): Promise<Record<JobState, number>> {
  const [c, cancelled] = await Promise.all([
    s.queue.getJobCounts('waiting', 'prioritized', 'waiting-children', 'delayed', 'active', 'completed', 'failed'),
    s.ledger.count(),
  ]);
  const out = Object.fromEntries(JOB_STATES.map((st) => [st, 0])) as Record<JobState, number>;
  out.waiting = (c.waiting ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0);
  out.delayed = c.delayed ?? 0;
  out.active = c.active ?? 0;
  out.completed = c.completed ?? 0;
  out.failed = c.failed ?? 0;
  out.cancelled = cancelled;
  return out;
}
