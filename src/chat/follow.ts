import { presentFinished } from '../present/jobs';
import type { Jobs } from '../jobs/map';
import type { Logger } from '../log/logger';
import type { MessageRef, ReplySink, StepsView } from '../ports/chat';
import type { JobInfo, JobProgress, JobQueue } from '../queue/types';
import { inSpan } from '../telemetry/spans';
import { progress as progressBlock, steps as stepsBlock, type Block, type Reply, type Step } from '../reply/model';

export interface FollowDeps {
  queue: JobQueue<Jobs>;
  /** Least time between two progress edits of one message. */
  intervalMs: number;
  /** The reply for a finished job (default presentFinished); the control plane's registers a trained model first. */
  finished?: (job: JobInfo<Jobs>) => Promise<Reply>;
}

/** `blocks` put before the reply's buttons (or at its end), so the buttons stay last. */
function beforeButtons(r: Reply, blocks: Block[]): Reply {
  const at = r.blocks.findIndex((b) => b.type === 'buttons');
  const i = at < 0 ? r.blocks.length : at;
  return { ...r, blocks: [...r.blocks.slice(0, i), ...blocks, ...r.blocks.slice(i)] };
}

/** The acknowledgement with the job's progress: its steps (when it reports some), then the bar. */
function withProgress(ack: Reply, p: JobProgress): Reply {
  const list = p.steps?.length ? [stepsBlock(p.steps)] : [];
  const bar = !list.length || p.percent > 0 || p.message ? [progressBlock(p.percent, p.message)] : [];
  return {
    ...ack,
    blocks: [
      ...ack.blocks.filter((b) => b.type !== 'buttons'),
      ...list,
      ...bar,
      ...ack.blocks.filter((b) => b.type === 'buttons'),
    ],
  };
}

/** Steps as they ended: one still running when the job stopped is done if it completed, else failed. */
function ended(list: readonly Step[], completed: boolean): Step[] {
  return list.map((s) => (s.status === 'running' ? { ...s, status: completed ? 'done' : 'failed' } : s));
}

/**
 * Follow a job a message started: edit its acknowledgement `ack` (posted as `ref`) with live
 * progress, at most once per interval (and always at 100 %), then put the result in its place.
 *
 * A job that reports steps (`progress.steps`, src/queue/steps.ts) has every change shown, the latest
 * list winning while an edit is on its way: through the sink's own view when it has one (Slack's
 * streaming message, the console's lines), else as a `steps` block in the acknowledgement, kept at
 * the end of the result so the work stays visible.
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
  const queue = (work: () => Promise<void>) => {
    edits = edits.then(work).catch((err: unknown) => {
      log.warn('progress edit failed', { err });
    });
  };
  /** Steps: the latest report not yet shown, the last list known, and how they are being shown. */
  let nextSteps: JobProgress | undefined;
  let lastSteps: Step[] | undefined;
  let view: StepsView | undefined = sink.steps?.(ref);
  let viewShown = false;
  let edited = false;
  const showSteps = async () => {
    const p = nextSteps;
    nextSteps = undefined;
    if (!p?.steps) return;
    if (view && (await view.show(p.steps)) === 'shown') {
      viewShown = true;
      return;
    }
    view = undefined;
    edited = true;
    await sink.update(ref, withProgress(ack, p));
  };
  let lastJson: string | undefined;
  let heard = false;
  const onProgress = (progress: JobProgress) => {
    heard = true;
    const list = progress.steps;
    const json = list ? JSON.stringify(list) : undefined;
    if (list && json !== lastJson) {
      // Every change of the steps is shown (the latest list when several came during one edit).
      lastJson = json;
      lastSteps = list;
      if (!nextSteps) queue(showSteps);
      nextSteps = progress;
      return;
    }
    // The percent alone, at most once per interval: the bar, beside the steps the sink shows its own way.
    const now = Date.now();
    if (now - lastEdit < interval && progress.percent < 100) return;
    lastEdit = now;
    const { steps: _shown, ...bar } = progress;
    const p: JobProgress = lastSteps && !view ? { ...bar, steps: lastSteps } : bar;
    queue(() => sink.update(ref, withProgress(ack, p)));
  };
  const off = deps.queue.on('progress', (e) => {
    if (e.id === jobId) onProgress(e.progress);
  });
  // Steps reported before we listened (the job started while the acknowledgement was being posted).
  const before = await deps.queue.get(jobId).catch(() => undefined);
  if (!heard && before?.state === 'active' && before.progress?.steps) onProgress(before.progress);
  try {
    const job = await deps.queue.waitUntilFinished(jobId);
    off();
    await edits;
    const known = lastSteps ?? job.progress?.steps;
    const final = known ? ended(known, job.state === 'completed') : undefined;
    if (final && view && viewShown)
      await view.end(final).catch((err: unknown) => log.warn('steps end failed', { err }));
    const result = deps.finished ? await deps.finished(job) : presentFinished(job);
    const showInResult = final?.length && (edited || !viewShown);
    // The result in the acknowledgement's place: its own span (under the message's), after the job's.
    const attributes = { 'job.id': job.id, 'job.name': job.name, 'job.state': job.state };
    await inSpan('chat.result', { attributes }, () =>
      sink.update(ref, showInResult && final ? beforeButtons(result, [stepsBlock(final)]) : result),
    );
  } finally {
    off();
  }
}
