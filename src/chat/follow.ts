import { presentFinished } from '../present/jobs';
import type { Jobs } from '../jobs/map';
import type { Logger } from '../log/logger';
import type { MessageRef, ReplySink } from '../ports/chat';
import type { JobInfo, JobQueue } from '../queue/types';
import { progress as progressBlock, type Reply } from '../reply/model';

export interface FollowDeps {
  queue: JobQueue<Jobs>;
  /** Least time between two progress edits of one message. */
  intervalMs: number;
  /** The reply for a finished job (default presentFinished); the control plane's registers a trained model first. */
  finished?: (job: JobInfo<Jobs>) => Promise<Reply>;
}

/**
 * Follow a job a message started: edit its acknowledgement `ack` (posted as `ref`) with live
 * progress, at most once per interval (and always at 100 %), then put the result in its place.
 */
export async function follow(
  deps: FollowDeps,
  jobId: string,
  ack: Reply,
  ref: MessageRef,
  sink: ReplySink,
  log: Logger,
): Promise<void> {
  const interval = deps.intervalMs;
  let lastEdit = 0;
  let edits = Promise.resolve();
  const off = deps.queue.on('progress', (e) => {
    if (e.id !== jobId) return;
    const now = Date.now();
    if (now - lastEdit < interval && e.progress.percent < 100) return;
    lastEdit = now;
    const withProgress: Reply = {
      ...ack,
      blocks: [
        ...ack.blocks.filter((b) => b.type !== 'buttons'),
        progressBlock(e.progress.percent, e.progress.message),
        ...ack.blocks.filter((b) => b.type === 'buttons'),
      ],
    };
    edits = edits
      .then(() => sink.update(ref, withProgress))
      .catch((err: unknown) => {
        log.warn('progress edit failed', { err });
      });
  });
  try {
    const job = await deps.queue.waitUntilFinished(jobId);
    off();
    await edits;
    await sink.update(ref, deps.finished ? await deps.finished(job) : presentFinished(job));
  } finally {
    off();
  }
}
