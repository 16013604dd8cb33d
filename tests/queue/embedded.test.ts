import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSilentLogger } from '../../src/log/logger';
import { createEmbeddedQueue } from '../../src/queue/embedded/queue';
import type { JobQueue } from '../../src/queue/types';
import { openStore, type Store } from '../../src/store/store';
import { deferred, queueContract, type HarnessOptions, type QueueHarness, type TestJobs } from './contract';

const logger = createSilentLogger();

interface EmbeddedHarness extends QueueHarness {
  /** A queue instance with its own connection to the same file, as another process would have. */
  open(owner?: string): JobQueue<TestJobs>;
  /** A connection for poking at rows directly. */
  store: Store;
}

function harness(options: HarnessOptions): EmbeddedHarness {
  const dir = mkdtempSync(join(tmpdir(), 'sco-queue-'));
  const path = join(dir, 'queue.sqlite');
  const stores: Store[] = [];
  const queues: JobQueue<TestJobs>[] = [];
  const open = (owner?: string) => {
    const store = openStore(path);
    const queue = createEmbeddedQueue<TestJobs>({ store, name: 'contract', logger, ...options, owner });
    stores.push(store);
    queues.push(queue);
    return queue;
  };
  const queue = open();
  return {
    queue,
    open,
    store: stores[0],
    reopen: async () => open(),
    async cleanup() {
      for (const q of queues) await q.close({ graceMs: 0 });
      for (const s of stores) s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

queueContract('embedded (SQLite)', async (options) => harness(options));

describe('embedded queue: recovery of jobs whose owner is gone', () => {
  const settings = { historyLimit: 50, attempts: 1, backoffMs: 10 };
  let h: EmbeddedHarness | undefined;
  afterEach(async () => {
    await h?.cleanup();
    h = undefined;
  });

  it('takes over the active jobs of an owner whose process has exited', async () => {
    h = harness(settings);
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid as number;
    const crashed = h.open(`${deadPid}:token`);
    const started = deferred();
    await crashed.work({
      task: () => {
        started.resolve();
        return new Promise<never>(() => undefined);
      },
    });
    const job = await crashed.add('task', { tag: 'orphan' });
    await started.promise;
    // `crashed` is never closed, as if its process had died.
    const next = h.open();
    await next.work({ task: async () => 'recovered' });
    expect(await next.waitUntilFinished(job.id, 5_000)).toMatchObject({ state: 'completed', result: 'recovered' });
  });

  it('takes over jobs held by this pid under a token no live instance holds (restart with the same pid)', async () => {
    h = harness(settings);
    const job = await h.queue.add('task', { tag: 'stale' });
    // A previous life of this very process (a container restarts as PID 1 again).
    h.store.db
      .prepare("UPDATE jobs SET state = 'active', owner = ?, attempts_made = 1 WHERE id = ?")
      .run(`${process.pid}:previous-life`, job.id);
    const next = h.open();
    await next.work({ task: async () => 'ran again' });
    expect(await next.waitUntilFinished(job.id, 5_000)).toMatchObject({
      state: 'completed',
      result: 'ran again',
      attemptsMade: 2,
    });
  });

  it('leaves alone the active jobs of a live instance in this process', async () => {
    h = harness(settings);
    const started = deferred();
    const release = deferred();
    await h.queue.work({
      task: async () => {
        started.resolve();
        await release.promise;
        return 'first';
      },
    });
    const job = await h.queue.add('task', { tag: 'busy' });
    await started.promise;
    const other = h.open();
    await other.work({ task: async () => 'second' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await other.get(job.id)).toMatchObject({ state: 'active' });
    release.resolve();
    expect(await other.waitUntilFinished(job.id, 5_000)).toMatchObject({ state: 'completed', result: 'first' });
  });

  it('rejects a malformed owner early', () => {
    const store = openStore(':memory:');
    expect(() => createEmbeddedQueue({ store, name: 'x', logger, ...settings, owner: 'serve' })).toThrow(/pid:token/);
    store.close();
  });
});
