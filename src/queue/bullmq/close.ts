/** Closing a BullMQ queue: stop the worker (handing back what it runs), then the connections, bounded. */
import type { Redis } from 'ioredis';
import { DEFAULT_CLOSE_GRACE_MS, settlesWithin } from '../shared';
import type { JobDefs } from '../types';
import { interrupt, type BullState } from './state';

export const CHECK_TIMEOUT_MS = 2_000;
/** After the grace, interrupted jobs are handed back; give that this long before letting go. */
const HANDBACK_MS = 5_000;

/** Close a connection and wait until its socket is gone (bounded), whatever state it is in. */
export async function quit(r: Redis): Promise<void> {
  if (r.status === 'end') return;
  const ended = new Promise<void>((resolve) => r.once('end', () => resolve()));
  if (r.status === 'ready') r.quit().catch(() => r.disconnect());
  else r.disconnect();
  if (!(await settlesWithin(ended, CHECK_TIMEOUT_MS))) r.disconnect();
}

async function stopWorker<M extends JobDefs>(s: BullState<M>, graceMs: number): Promise<void> {
  const { worker, running, log } = s;
  if (!worker) return;
  const stopped = worker.close();
  if (!(await settlesWithin(stopped, graceMs))) {
    for (const run of running.values()) if (!run.stop) interrupt(run, 'shutdown', `queue ${s.name} is shutting down`);
    log.warn('handing active jobs back to the queue on close', { count: running.size });
    // Nothing running: nothing to hand back, so a worker stuck on a dead Redis is not waited for again.
    if (running.size === 0 || !(await settlesWithin(stopped, HANDBACK_MS))) {
      log.error('worker did not stop; closing its connections anyway');
      await settlesWithin(worker.disconnect(), CHECK_TIMEOUT_MS);
    }
  }
}

export async function closeNow<M extends JobDefs>(s: BullState<M>, options: { graceMs?: number }): Promise<void> {
  s.stopping = true;
  await stopWorker(s, options.graceMs ?? DEFAULT_CLOSE_GRACE_MS);
  const { queueEvents, queue } = s;
  s.closedCtl.abort(); // pending waitUntilFinished calls reject before the connections go
  // With Redis away a close would wait for it: give up after a while and drop the sockets.
  const closed = Promise.allSettled([queueEvents?.close(), queue.close()]);
  // A disconnect waits for an 'end' that ioredis never emits for a client waiting to reconnect: bounded too.
  if (!(await settlesWithin(closed, CHECK_TIMEOUT_MS)))
    await settlesWithin(Promise.allSettled([queueEvents?.disconnect(), queue.disconnect()]), CHECK_TIMEOUT_MS);
  await settlesWithin(s.translator?.idle() ?? Promise.resolve(), CHECK_TIMEOUT_MS);
  await Promise.all([quit(s.subscriber), quit(s.redis), quit(s.requests)]);
  s.events.clear();
}
