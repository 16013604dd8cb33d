import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { DEFAULT_LIST_LIMIT, waitForFinish } from '../shared';
import { JOB_STATES, type JobDefs, type JobQueue } from '../types';
import { add, cancelNow, countsNow, getNow } from './calls';
import { closeNow, quit } from './close';
import { listBullmqJobs } from './list';
import { queueKeys } from './map';
import { assertOpen, openBullState, type BullmqQueueOptions } from './state';
import { work } from './worker';

export type { BullmqQueueOptions } from './state';

const WAIT_POLL_MS = 250;

/** The queue port on BullMQ 6: jobs in Redis, shared by every process that names the queue. */
export function createBullmqQueue<M extends JobDefs>(opts: BullmqQueueOptions): JobQueue<M> {
  const s = openBullState<M>(opts);
  const { guard, events } = s;
  const get = (id: string) => guard.call('get', () => getNow(s, id));
  return {
    backend: 'bullmq',
    add: (jobName, data, options = {}) => add(s, jobName, data, options),
    get,
    list(options = {}) {
      return guard.call('list', () =>
        listBullmqJobs<M>(s.queue, s.ledger, options.states ?? JOB_STATES, options.limit ?? DEFAULT_LIST_LIMIT),
      );
    },
    async cancel(id, reason = 'cancelled') {
      assertOpen(s);
      return guard.call('cancel', () => cancelNow(s, id, reason));
    },
    counts() {
      return guard.call('counts', () => countsNow(s));
    },
    work: (processors, options = {}) => work(s, processors, options),
    on: (event, listener) => events.on(event, listener),
    waitUntilFinished(id, timeoutMs) {
      return waitForFinish<M>({ get, events, pollMs: WAIT_POLL_MS, closed: s.closedCtl.signal }, id, timeoutMs);
    },
    async check() {
      await guard.call('check', () => s.requests.ping());
    },
    close(options = {}) {
      s.closing ??= closeNow(s, options);
      return s.closing;
    },
  };
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
