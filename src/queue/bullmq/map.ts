import type { Job } from 'bullmq';
import { clampProgress, progressIn } from '../shared';
import type { JobDefs, JobInfo, JobMeta, JobName, JobProgress, JobState } from '../types';

/** What a BullMQ job carries as `data`: the caller's data and who asked. */
export interface Envelope {
  data: unknown;
  meta: JobMeta;
}
export type BullJob = Job<Envelope, unknown, string>;

/** failedReason of an active job that was cancelled: reported as state 'cancelled', never retried. */
export const CANCEL_MARKER = 'smartcloudops:cancelled:';

export function isCancelReason(reason: string | undefined): reason is string {
  return typeof reason === 'string' && reason.startsWith(CANCEL_MARKER);
}

/** Our keys beside BullMQ's, under the same `prefix:name:` so they live and die with the queue. */
export function queueKeys(prefix: string, name: string) {
  const base = `${prefix}:${name}`;
  return {
    base,
    events: `${base}:events`,
    job: (id: string) => `${base}:${id}`,
    cancelled: `${base}:sco:cancelled`,
    cancelledOrder: `${base}:sco:cancelled:order`,
    control: `${base}:sco:control`,
  };
}
export type QueueKeys = ReturnType<typeof queueKeys>;

/** BullMQ state -> ours. `undefined` means the job is gone. */
export function mapState(state: string, failedReason?: string): JobState | undefined {
  switch (state) {
    case 'completed':
      return 'completed';
    case 'failed':
      return isCancelReason(failedReason) ? 'cancelled' : 'failed';
    case 'delayed':
      return 'delayed';
    case 'active':
      return 'active';
    case 'waiting':
    case 'wait':
    case 'prioritized':
    case 'waiting-children':
    case 'paused':
      return 'waiting';
    default:
      return undefined;
  }
}

/** We only ever store `{percent, message?, steps?}`; BullMQ's initial 0 means "no progress yet". */
export function toProgress(value: unknown): JobProgress | null {
  if (typeof value !== 'object' || value === null) return null;
  const p = value as Partial<JobProgress>;
  if (typeof p.percent !== 'number') return null;
  return clampProgress({
    percent: p.percent,
    message: typeof p.message === 'string' ? p.message : undefined,
    ...(p.steps === undefined ? {} : { steps: p.steps }),
  });
}

export function jobToInfo<M extends JobDefs>(job: BullJob, state: JobState): JobInfo<M> {
  const envelope = (job.data ?? { data: null, meta: {} }) as Envelope;
  const info: JobInfo<M> = {
    id: String(job.id),
    name: job.name as JobName<M>,
    data: envelope.data as M[JobName<M>]['data'],
    meta: envelope.meta ?? {},
    state,
    progress: progressIn(state, toProgress(job.progress)),
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    createdAt: job.timestamp,
  };
  if (state === 'completed') info.result = job.returnvalue as M[JobName<M>]['result'];
  const reason = job.failedReason;
  if (reason && state !== 'completed')
    info.error = isCancelReason(reason) ? reason.slice(CANCEL_MARKER.length) : reason;
  if (job.processedOn) info.startedAt = job.processedOn;
  if (job.processedBy) info.worker = job.processedBy;
  if (job.finishedOn && (state === 'completed' || state === 'failed' || state === 'cancelled'))
    info.finishedAt = job.finishedOn;
  return info;
}
