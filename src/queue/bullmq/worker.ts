/** The worker side: BullMQ's Worker over our processors, with cancellation and hand-back on shutdown. */
import { UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { AppError, errorMessage } from '../../errors';
import type { Logger } from '../../log/logger';
import { checkConcurrency, clampProgress, createRunControl, isUnrecoverable, stepsKeeper } from '../shared';
import type { JobContext, JobDefs, Processors, WorkOptions } from '../types';
import { jobToInfo, CANCEL_MARKER, type BullJob, type Envelope } from './map';
import { assertOpen, defaultWorkerName, interrupt, type BullState, type Running } from './state';

function jobContext<M extends JobDefs>(s: BullState<M>, job: BullJob, id: string, run: Running): JobContext<unknown> {
  let jobLog: Logger | undefined;
  const keepSteps = stepsKeeper();
  return {
    id,
    name: job.name,
    data: job.data.data,
    meta: job.data.meta ?? {},
    attempt: job.attemptsMade + 1,
    get log() {
      return (jobLog ??= s.log.child({ jobId: id, job: job.name }));
    },
    get signal() {
      return run.control.signal;
    },
    progress: async (p) => {
      if (!run.stop) await job.updateProgress(clampProgress(keepSteps(p)));
    },
  };
}

async function runJob<M extends JobDefs>(
  s: BullState<M>,
  job: BullJob,
  token: string | undefined,
  processors: Processors<M>,
): Promise<unknown> {
  const processor = processors[job.name as keyof Processors<M>];
  if (!processor) throw new UnrecoverableError(`no processor for job "${job.name}"`);
  const id = String(job.id);
  const run: Running = { job, control: createRunControl() };
  s.running.set(id, run);
  const early = s.pendingCancels.take(id);
  if (early !== undefined) interrupt(run, 'cancel', early);
  const ctx = jobContext(s, job, id, run);
  try {
    const result = await run.control.race(Promise.resolve().then(() => processor(ctx as never)));
    s.ranHere.set(id, { name: job.name, durationMs: Math.max(0, Date.now() - (job.processedOn ?? Date.now())) });
    return result;
  } catch (err) {
    if (run.stop === 'shutdown' && token) {
      await job.moveToWait(token); // back to the head of the line; this attempt does not count
      throw new WaitingError();
    }
    if (run.stop === 'cancel') {
      const reason = errorMessage(run.control.reason);
      await s.ledger.record({ ...jobToInfo<M>(job, 'cancelled'), error: reason, finishedAt: Date.now() });
      throw new UnrecoverableError(CANCEL_MARKER + reason);
    }
    if (isUnrecoverable(err)) throw new UnrecoverableError(errorMessage(err));
    throw err instanceof Error ? err : new Error(errorMessage(err));
  } finally {
    s.running.delete(id);
  }
}

export async function work<M extends JobDefs>(
  s: BullState<M>,
  processors: Processors<M>,
  options: WorkOptions,
): Promise<void> {
  const { name, log } = s;
  assertOpen(s);
  if (s.worker) throw new AppError('conflict', `queue ${name} is already working; call work() once`);
  const concurrency = checkConcurrency(options.concurrency ?? 1);
  await s.ready;
  const { workerName, lockDurationMs, stalledIntervalMs } = s.opts;
  const w = new Worker<Envelope, unknown, string>(name, (job, token) => runJob(s, job, token, processors), {
    connection: s.connection,
    prefix: s.prefix,
    concurrency,
    // On every job it takes (processedBy): which process ran it, for people and for the scale-out test.
    name: workerName ?? defaultWorkerName(),
    // A killed worker's jobs go back in line once their lock lapses and a stalled check sees it.
    ...(lockDurationMs === undefined ? {} : { lockDuration: lockDurationMs }),
    ...(stalledIntervalMs === undefined ? {} : { stalledInterval: stalledIntervalMs }),
  });
  s.worker = w;
  w.on('error', s.onError('bullmq worker'));
  // An active job that was cancelled ends in 'failed' with the marker: its record is in the ledger now.
  w.on('failed', (job, err) => {
    if (job && err.message.startsWith(CANCEL_MARKER))
      job.remove().catch((e: unknown) => log.debug('could not remove a cancelled job', { jobId: job.id, err: e }));
  });
  await w.waitUntilReady();
}
