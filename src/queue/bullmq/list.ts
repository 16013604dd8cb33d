import type { JobType, Queue } from 'bullmq';
import type { CancelLedger } from './cancel';
import { isCancelReason, jobToInfo, type BullJob, type Envelope } from './map';
import type { JobDefs, JobInfo, JobState } from '../types';

/** Which BullMQ lists hold jobs in each of our states ('cancelled' lives in the ledger). */
const TYPES: Record<Exclude<JobState, 'cancelled'>, JobType[]> = {
  waiting: ['waiting', 'prioritized', 'waiting-children'],
  delayed: ['delayed'],
  active: ['active'],
  completed: ['completed'],
  failed: ['failed'],
};

/**
 * Newest first across states: take the newest `limit` of each requested state, then merge by
 * creation time (stable, so each list's own order breaks ties) and cut to `limit`.
 */
export async function listBullmqJobs<M extends JobDefs>(
  queue: Queue<Envelope, unknown, string>,
  ledger: CancelLedger<M>,
  states: readonly JobState[],
  limit: number,
): Promise<JobInfo<M>[]> {
  if (limit <= 0) return [];
  const wanted = new Set(states);
  const batches = await Promise.all(
    [...wanted].map(async (state): Promise<JobInfo<M>[]> => {
      if (state === 'cancelled') return ledger.list(limit);
      const jobs = (await queue.getJobs(TYPES[state], 0, limit - 1, false)) as (BullJob | undefined)[];
      return jobs
        .filter((j): j is BullJob => j !== undefined && j !== null)
        .map((j) => jobToInfo<M>(j, state === 'failed' && isCancelReason(j.failedReason) ? 'cancelled' : state))
        .filter((j) => wanted.has(j.state));
    }),
  );
  const seen = new Set<string>();
  return batches
    .flat()
    .sort((a, b) => b.createdAt - a.createdAt || byNumericIdDesc(a.id, b.id))
    .filter((j) => (seen.has(j.id) ? false : (seen.add(j.id), true)))
    .slice(0, limit);
}

/** BullMQ's own ids count up: within one millisecond they still tell which job came later. */
function byNumericIdDesc(a: string, b: string): number {
  return /^\d+$/.test(a) && /^\d+$/.test(b) ? Number(b) - Number(a) : 0;
}
