import { UnrecoverableJobError } from '../../src/errors';
import type { JobInfo, JobQueue, QueueEventMap, QueueEventName } from '../../src/queue/types';

/** The job map every backend is tested with. */
export type TestJobs = {
  echo: { data: { value: number }; result: { echoed: number } };
  task: { data: { tag: string }; result: string };
};

export interface HarnessOptions {
  historyLimit: number;
  attempts: number;
  backoffMs: number;
}

export interface QueueHarness {
  queue: JobQueue<TestJobs>;
  /** Another instance on the same store / Redis queue (a restart, or a second process). */
  reopen(): Promise<JobQueue<TestJobs>>;
  /** Close every instance and delete the queue's data. */
  cleanup(): Promise<void>;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Polls `cond` until it holds; fails with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

/** Never settles (and holds no timer): a processor that ignores its signal. */
const forever = () => new Promise<never>(() => undefined);

const untilAborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });

type Recorded = { [E in QueueEventName]: { event: E; payload: QueueEventMap[E] } }[QueueEventName];

function record(queue: JobQueue<TestJobs>): Recorded[] {
  const out: Recorded[] = [];
  const names: QueueEventName[] = ['added', 'active', 'progress', 'completed', 'failed', 'cancelled'];
  for (const event of names) {
    queue.on(event, (payload: QueueEventMap[typeof event]) => {
      out.push({ event, payload } as Recorded);
    });
  }
  return out;
}

const of = <E extends QueueEventName>(events: Recorded[], event: E) =>
  events.filter((e) => e.event === event).map((e) => e.payload as QueueEventMap[E]);

/**
 * One behaviour contract for every JobQueue backend. `factory` builds a fresh, empty queue
 * (a unique name where the backend is shared) with the given settings.
 */
export function queueContract(name: string, factory: (options: HarnessOptions) => Promise<QueueHarness>): void {
  describe(`queue contract: ${name}`, () => {
    let harness: QueueHarness | undefined;
    const open = async (options: Partial<HarnessOptions> = {}) => {
      harness = await factory({ historyLimit: 50, attempts: 1, backoffMs: 50, ...options });
      return harness;
    };
    afterEach(async () => {
      await harness?.cleanup();
      harness = undefined;
    });

    it('add, get, list and counts describe queued jobs', async () => {
      const { queue } = await open({ attempts: 2 });
      const a = await queue.add('echo', { value: 1 }, { meta: { requestedBy: 'alice', channel: 'ops', thread: 't1' } });
      const b = await queue.add('echo', { value: 2 });
      const c = await queue.add('task', { tag: 'later' }, { delayMs: 60_000 });
      expect(a).toMatchObject({
        name: 'echo',
        data: { value: 1 },
        state: 'waiting',
        progress: null,
        attemptsMade: 0,
        maxAttempts: 2,
      });
      expect(a.meta).toEqual({ requestedBy: 'alice', channel: 'ops', thread: 't1' });
      expect(typeof a.id).toBe('string');
      expect(a.createdAt).toBeGreaterThan(Date.now() - 60_000);
      expect(c.state).toBe('delayed');
      expect(await queue.get(a.id)).toMatchObject({
        id: a.id,
        name: 'echo',
        data: { value: 1 },
        meta: { requestedBy: 'alice' },
        state: 'waiting',
      });
      expect(await queue.get(c.id)).toMatchObject({ state: 'delayed', data: { tag: 'later' } });
      expect(await queue.get('no-such-job')).toBeUndefined();
      expect((await queue.list()).map((j) => j.id)).toEqual([c.id, b.id, a.id]);
      expect((await queue.list({ states: ['waiting'] })).map((j) => j.id)).toEqual([b.id, a.id]);
      expect((await queue.list({ limit: 2 })).map((j) => j.id)).toEqual([c.id, b.id]);
      expect(await queue.list({ states: ['completed'] })).toEqual([]);
      expect(await queue.counts()).toEqual({
        waiting: 2,
        delayed: 1,
        active: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      });
      await expect(queue.check()).resolves.toBeUndefined();
    });

    it('runs jobs in FIFO order with concurrency 1', async () => {
      const { queue } = await open();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await queue.add('echo', { value: i })).id);
      const seen: number[] = [];
      let inFlight = 0;
      let peak = 0;
      await queue.work(
        {
          echo: async (job) => {
            peak = Math.max(peak, ++inFlight);
            seen.push(job.data.value);
            await sleep(5);
            inFlight--;
            return { echoed: job.data.value };
          },
        },
        { concurrency: 1 },
      );
      const last = await queue.waitUntilFinished(ids[4], 10_000);
      expect(last).toMatchObject({ state: 'completed', result: { echoed: 4 }, attemptsMade: 1 });
      expect(last.startedAt).toEqual(expect.any(Number));
      expect(last.finishedAt).toBeGreaterThanOrEqual(last.startedAt as number);
      expect(seen).toEqual([0, 1, 2, 3, 4]);
      expect(peak).toBe(1);
      expect((await queue.counts()).completed).toBe(5);
    });

    it('runs jobs in parallel with concurrency > 1', async () => {
      const { queue } = await open();
      const all = deferred();
      const giveUp = setTimeout(all.resolve, 3_000); // if they never overlap, finish anyway and fail below
      let inFlight = 0;
      let peak = 0;
      await queue.work(
        {
          task: async () => {
            peak = Math.max(peak, ++inFlight);
            if (inFlight === 4) all.resolve();
            await all.promise;
            inFlight--;
            return 'ok';
          },
        },
        { concurrency: 4 },
      );
      const jobs = await Promise.all([1, 2, 3, 4].map((i) => queue.add('task', { tag: `p${i}` })));
      const done = await Promise.all(jobs.map((j) => queue.waitUntilFinished(j.id, 10_000)));
      clearTimeout(giveUp);
      expect(done.map((j) => j.state)).toEqual(['completed', 'completed', 'completed', 'completed']);
      expect(peak).toBe(4);
    });

    it('retries with exponential backoff, waiting as delayed, then succeeds', async () => {
      const { queue } = await open({ attempts: 3, backoffMs: 150 });
      const events = record(queue);
      const starts: number[] = [];
      let stateAfterFirstFailure: Promise<JobInfo<TestJobs> | undefined> | undefined;
      queue.on('failed', (e) => {
        stateAfterFirstFailure ??= queue.get(e.id);
      });
      await queue.work({
        task: async (job) => {
          starts.push(Date.now());
          if (job.attempt < 3) throw new Error(`flaky ${job.attempt}`);
          return 'third time lucky';
        },
      });
      const job = await queue.add('task', { tag: 'flaky' });
      const info = await queue.waitUntilFinished(job.id, 10_000);
      expect(info).toMatchObject({ state: 'completed', result: 'third time lucky', attemptsMade: 3, maxAttempts: 3 });
      expect(info.error).toBeUndefined();
      expect(starts).toHaveLength(3);
      expect(starts[1] - starts[0]).toBeGreaterThanOrEqual(140);
      expect(starts[2] - starts[1]).toBeGreaterThanOrEqual(290);
      expect((await stateAfterFirstFailure)?.state).toBe('delayed');
      await eventually('two retry failures and a completion', () => of(events, 'completed').length === 1);
      expect(of(events, 'failed').map((e) => [e.error, e.willRetry])).toEqual([
        ['flaky 1', true],
        ['flaky 2', true],
      ]);
      expect(of(events, 'active').map((e) => e.attempt)).toEqual([1, 2, 3]);
    });

    it('fails for good once attempts run out', async () => {
      const { queue } = await open({ attempts: 2, backoffMs: 20 });
      const events = record(queue);
      let calls = 0;
      await queue.work({
        task: async () => {
          calls++;
          throw new Error('boom');
        },
      });
      const job = await queue.add('task', { tag: 'doomed' });
      const info = await queue.waitUntilFinished(job.id, 10_000);
      expect(info).toMatchObject({ state: 'failed', error: 'boom', attemptsMade: 2 });
      expect(info.finishedAt).toEqual(expect.any(Number));
      expect(calls).toBe(2);
      await eventually('final failed event', () => of(events, 'failed').length === 2);
      expect(of(events, 'failed').map((e) => e.willRetry)).toEqual([true, false]);
      expect((await queue.counts()).failed).toBe(1);
    });

    it('does not retry an UnrecoverableJobError', async () => {
      const { queue } = await open({ attempts: 3, backoffMs: 10 });
      const events = record(queue);
      let calls = 0;
      await queue.work({
        task: async () => {
          calls++;
          throw new UnrecoverableJobError('bad input: no such service');
        },
      });
      const job = await queue.add('task', { tag: 'bad' });
      const info = await queue.waitUntilFinished(job.id, 10_000);
      expect(info).toMatchObject({
        state: 'failed',
        error: 'bad input: no such service',
        attemptsMade: 1,
        maxAttempts: 3,
      });
      await eventually('failed event', () => of(events, 'failed').length === 1);
      expect(of(events, 'failed')[0]).toMatchObject({ id: job.id, name: 'task', willRetry: false });
      await sleep(100);
      expect(calls).toBe(1);
    });

    it(
      'emits progress and keeps the last progress on the job while it runs; ' +
        'a completed job shows 100% (issue 13.11)',
      async () => {
        const { queue } = await open();
        const events = record(queue);
        const release = deferred();
        await queue.work({
          task: async (job) => {
            await job.progress({ percent: 40, message: 'halfway' });
            await release.promise;
            return 'done';
          },
        });
        const job = await queue.add('task', { tag: 'progress' });
        await eventually('progress event', () => of(events, 'progress').length === 1);
        expect(of(events, 'progress')[0]).toEqual({
          id: job.id,
          name: 'task',
          progress: { percent: 40, message: 'halfway' },
        });
        expect(await queue.get(job.id)).toMatchObject({
          state: 'active',
          progress: { percent: 40, message: 'halfway' },
        });
        expect((await queue.counts()).active).toBe(1);
        release.resolve();
        const info = await queue.waitUntilFinished(job.id, 10_000);
        expect(info).toMatchObject({ state: 'completed', result: 'done', progress: { percent: 100 } });
        expect((await queue.list({ states: ['completed'] })).find((j) => j.id === job.id)?.progress).toEqual({
          percent: 100,
        });
      },
    );

    it('emits added, active, progress, completed in order', async () => {
      const { queue } = await open();
      const all = record(queue);
      await queue.work({
        echo: async (job) => {
          await job.progress({ percent: 10 });
          await job.progress({ percent: 90, message: 'almost' });
          return { echoed: job.data.value };
        },
      });
      const jobId = (await queue.add('echo', { value: 7 })).id;
      await queue.waitUntilFinished(jobId, 10_000);
      await eventually('completed event', () => of(all, 'completed').length === 1);
      const events = all.filter((e) => e.payload.id === jobId);
      expect(events.map((e) => e.event)).toEqual(['added', 'active', 'progress', 'progress', 'completed']);
      expect(of(events, 'active')[0]).toEqual({ id: jobId, name: 'echo', attempt: 1 });
      expect(of(events, 'progress').map((e) => e.progress)).toEqual([
        { percent: 10 },
        { percent: 90, message: 'almost' },
      ]);
      const completed = of(events, 'completed')[0];
      expect(completed).toMatchObject({ id: jobId, name: 'echo', result: { echoed: 7 } });
      expect(completed.durationMs).toBeGreaterThanOrEqual(0);
    });

    it('cancels waiting and delayed jobs at once; they never run', async () => {
      const { queue } = await open();
      const events = record(queue);
      const a = await queue.add('task', { tag: 'a' });
      const b = await queue.add('task', { tag: 'b' }, { delayMs: 60_000 });
      expect(await queue.cancel(a.id, 'not needed')).toBe('cancelled');
      expect(await queue.cancel(b.id)).toBe('cancelled');
      expect(await queue.get(a.id)).toMatchObject({ id: a.id, state: 'cancelled', data: { tag: 'a' } });
      expect(await queue.cancel(a.id)).toBe('already_finished');
      expect(await queue.cancel('no-such-job')).toBe('not_found');
      expect(await queue.counts()).toMatchObject({ waiting: 0, delayed: 0, cancelled: 2 });
      expect((await queue.list({ states: ['cancelled'] })).map((j) => j.id)).toEqual([b.id, a.id]);
      expect((await queue.waitUntilFinished(a.id, 2_000)).state).toBe('cancelled');
      await eventually('two cancelled events', () => of(events, 'cancelled').length === 2);
      expect(of(events, 'cancelled')).toEqual([
        { id: a.id, name: 'task' },
        { id: b.id, name: 'task' },
      ]);
      const ran: string[] = [];
      await queue.work({
        task: async (job) => {
          ran.push(job.data.tag);
          return 'ran';
        },
      });
      const c = await queue.add('task', { tag: 'c' });
      await queue.waitUntilFinished(c.id, 10_000);
      expect(ran).toEqual(['c']);
    });

    it('cancels an active job through its AbortSignal, without retrying it', async () => {
      const { queue } = await open({ attempts: 3, backoffMs: 10 });
      const events = record(queue);
      const started = deferred();
      let calls = 0;
      let aborted = false;
      await queue.work({
        task: (job) => {
          const signal = job.signal;
          calls++;
          signal.addEventListener('abort', () => (aborted = true));
          started.resolve();
          return untilAborted(signal);
        },
      });
      const job = await queue.add('task', { tag: 'long' });
      await started.promise;
      expect(await queue.cancel(job.id, 'user changed their mind')).toBe('cancelled');
      const info = await queue.waitUntilFinished(job.id, 10_000);
      expect(info.state).toBe('cancelled');
      expect(aborted).toBe(true);
      await eventually('cancelled event', () => of(events, 'cancelled').length === 1);
      await sleep(150);
      expect(calls).toBe(1);
      expect(of(events, 'failed')).toEqual([]);
      expect((await queue.get(job.id))?.state).toBe('cancelled');
      expect(await queue.cancel(job.id)).toBe('already_finished');
      expect((await queue.counts()).cancelled).toBe(1);
    });

    it('adds once per jobId', async () => {
      const { queue } = await open();
      const events = record(queue);
      const first = await queue.add('echo', { value: 1 }, { jobId: 'same-id' });
      const again = await queue.add('echo', { value: 2 }, { jobId: 'same-id' });
      expect(first.id).toBe('same-id');
      expect(again).toMatchObject({ id: 'same-id', data: { value: 1 }, state: 'waiting' });
      expect((await queue.counts()).waiting).toBe(1);
      await eventually('added event', () => of(events, 'added').length === 1);
      await sleep(100);
      expect(of(events, 'added')).toEqual([{ id: 'same-id', name: 'echo' }]);
      await expect(queue.add('echo', { value: 3 }, { jobId: '42' })).rejects.toMatchObject({ code: 'bad_request' });
      await expect(queue.add('echo', { value: 3 }, { jobId: 'a:b' })).rejects.toMatchObject({ code: 'bad_request' });
    });

    it('runs a delayed job once its delay has passed', async () => {
      const { queue } = await open();
      const ranAt: number[] = [];
      await queue.work({
        echo: async (job) => {
          ranAt.push(Date.now());
          return { echoed: job.data.value };
        },
      });
      const t0 = Date.now();
      const job = await queue.add('echo', { value: 5 }, { delayMs: 250 });
      expect((await queue.get(job.id))?.state).toBe('delayed');
      expect(await queue.waitUntilFinished(job.id, 10_000)).toMatchObject({
        state: 'completed',
        result: { echoed: 5 },
      });
      expect(ranAt[0] - t0).toBeGreaterThanOrEqual(240);
    });

    it('ends a cancelled job even when its processor ignores the signal', async () => {
      const { queue } = await open({ attempts: 2 });
      const started = deferred();
      let calls = 0;
      await queue.work({
        task: () => {
          calls++;
          started.resolve();
          return forever();
        },
      });
      const job = await queue.add('task', { tag: 'stubborn' });
      await started.promise;
      expect(await queue.cancel(job.id)).toBe('cancelled');
      expect((await queue.waitUntilFinished(job.id, 10_000)).state).toBe('cancelled');
      const next = await queue.add('task', { tag: 'after' }); // the slot is free again
      await eventually('the next job started', () => calls === 2);
      expect(await queue.cancel(next.id)).toBe('cancelled');
    });

    it('waitUntilFinished resolves with the job, and rejects on timeout or unknown id', async () => {
      const { queue } = await open();
      await queue.work({ echo: async (job) => ({ echoed: job.data.value + 1 }) });
      const job = await queue.add('echo', { value: 41 });
      expect(await queue.waitUntilFinished(job.id, 10_000)).toMatchObject({
        id: job.id,
        state: 'completed',
        result: { echoed: 42 },
      });
      expect(await queue.waitUntilFinished(job.id, 1_000)).toMatchObject({ state: 'completed' });
      await expect(queue.waitUntilFinished('no-such-job', 1_000)).rejects.toMatchObject({ code: 'not_found' });
      const later = await queue.add('echo', { value: 1 }, { delayMs: 60_000 });
      await expect(queue.waitUntilFinished(later.id, 300)).rejects.toMatchObject({ code: 'unavailable' });
    });

    it('keeps a bounded history of finished jobs', async () => {
      const { queue } = await open({ historyLimit: 3 });
      await queue.work({ echo: async (job) => ({ echoed: job.data.value }) }, { concurrency: 1 });
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await queue.add('echo', { value: i })).id);
      await queue.waitUntilFinished(ids[6], 10_000);
      expect((await queue.counts()).completed).toBe(3);
      expect((await queue.list({ states: ['completed'] })).map((j) => j.id)).toEqual([ids[6], ids[5], ids[4]]);
      expect(await queue.get(ids[0])).toBeUndefined();
    });

    it('close hands an over-running job back; a new instance finishes it', async () => {
      const { queue, reopen } = await open();
      const started = deferred<AbortSignal>();
      await queue.work({
        task: (job) => {
          const signal = job.signal;
          started.resolve(signal);
          return forever(); // ignores the signal: close must not wait for it
        },
      });
      const job = await queue.add('task', { tag: 'slow' });
      const signal = await started.promise;
      const t0 = Date.now();
      await queue.close({ graceMs: 200 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(signal.aborted).toBe(true);
      const next = await reopen();
      expect(await next.get(job.id)).toMatchObject({ state: 'waiting', attemptsMade: 0 });
      await next.work({ task: async () => 'finished by the next instance' });
      const info = await next.waitUntilFinished(job.id, 10_000);
      expect(info).toMatchObject({ state: 'completed', result: 'finished by the next instance', attemptsMade: 1 });
    });

    it('close waits for a job that finishes within the grace', async () => {
      const { queue, reopen } = await open();
      const started = deferred();
      await queue.work({
        task: async () => {
          started.resolve();
          await sleep(150);
          return 'made it';
        },
      });
      const job = await queue.add('task', { tag: 'quick' });
      await started.promise;
      await queue.close({ graceMs: 5_000 });
      const other = await reopen();
      expect(await other.get(job.id)).toMatchObject({ state: 'completed', result: 'made it' });
    });

    it('another instance on the same backend runs the jobs, and cancels reach it', async () => {
      const { queue: producer, reopen } = await open();
      const worker = await reopen();
      const started = deferred();
      await worker.work({
        echo: async (job) => ({ echoed: job.data.value * 2 }),
        task: (job) => {
          const signal = job.signal;
          started.resolve();
          return untilAborted(signal);
        },
      });
      const echo = await producer.add('echo', { value: 21 });
      expect(await producer.waitUntilFinished(echo.id, 10_000)).toMatchObject({
        state: 'completed',
        result: { echoed: 42 },
      });
      const task = await producer.add('task', { tag: 'remote' });
      await started.promise;
      expect(await producer.cancel(task.id, 'stop it')).toBe('cancelled');
      expect(await producer.waitUntilFinished(task.id, 10_000)).toMatchObject({ state: 'cancelled' });
    });
  });
}
