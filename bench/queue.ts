import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createSilentLogger } from '../src/log/logger';
import { createBullmqQueue, obliterateBullmqQueue } from '../src/queue/bullmq/queue';
import { createEmbeddedQueue } from '../src/queue/embedded/queue';
import type { JobQueue } from '../src/queue/types';
import { openStore } from '../src/store/store';
import { printTable, round, tempDir } from './util';

type BenchJobs = { noop: { data: { i: number }; result: number } };

const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CONCURRENCY = 8;
const EMBEDDED_JOBS = 20_000;
const BULLMQ_JOBS = 5_000;
/** Measured rounds (median reported), after WARMUP_RUNS unmeasured runs each. */
const WARMUP_RUNS = 2;
const EMBEDDED_ROUNDS = 3;
const BULLMQ_ROUNDS = 5;
/** Adds in flight at once against Redis (both our backend and raw BullMQ). */
const ADD_BATCH = 100;
const HISTORY = 1_000;
const TIMEOUT_MS = 120_000;
const logger = createSilentLogger();

/** Resolves when `count()` reaches n; rejects after TIMEOUT_MS so the bench never hangs. */
function completions(onDone: (tick: () => void) => void, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(
      () => reject(new Error(`only ${seen}/${n} jobs completed within ${TIMEOUT_MS} ms`)),
      TIMEOUT_MS,
    );
    onDone(() => {
      if (++seen === n) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

async function addInBatches(n: number, add: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < n; i += ADD_BATCH) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(n, i + ADD_BATCH); j++) batch.push(add(j));
    await Promise.all(batch);
  }
}

async function runPort(
  queue: JobQueue<BenchJobs>,
  n: number,
  batched: boolean,
): Promise<{ total: number; enqueue: number }> {
  const done = completions((tick) => queue.on('completed', tick), n);
  const t0 = performance.now();
  if (batched) await addInBatches(n, (i) => queue.add('noop', { i }));
  else for (let i = 0; i < n; i++) await queue.add('noop', { i });
  const t1 = performance.now();
  await done;
  return { total: performance.now() - t0, enqueue: t1 - t0 };
}

async function benchEmbedded(n: number) {
  const dir = tempDir('sco-bench-queue-');
  const store = openStore(join(dir, 'queue.sqlite'));
  const queue = createEmbeddedQueue<BenchJobs>({
    store,
    name: 'bench',
    logger,
    historyLimit: HISTORY,
    attempts: 1,
    backoffMs: 0,
  });
  try {
    await queue.work({ noop: async (job) => job.data.i }, { concurrency: CONCURRENCY });
    return await runPort(queue, n, false);
  } finally {
    await queue.close({ graceMs: 1_000 });
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchOurBullmq(n: number) {
  const name = `bench-ours-${process.pid}-${Date.now()}`;
  const queue = createBullmqQueue<BenchJobs>({
    redisUrl: REDIS_URL,
    name,
    logger,
    historyLimit: HISTORY,
    attempts: 1,
    backoffMs: 0,
  });
  try {
    await queue.work({ noop: async (job) => job.data.i }, { concurrency: CONCURRENCY });
    return await runPort(queue, n, true);
  } finally {
    await queue.close({ graceMs: 1_000 });
    await obliterateBullmqQueue({ redisUrl: REDIS_URL, name });
  }
}

async function benchRawBullmq(n: number) {
  const name = `bench-raw-${process.pid}-${Date.now()}`;
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  const queue = new Queue(name, {
    connection,
    defaultJobOptions: { removeOnComplete: { count: HISTORY }, removeOnFail: { count: HISTORY } },
  });
  const worker = new Worker(name, async (job) => (job.data as { i: number }).i, {
    connection,
    concurrency: CONCURRENCY,
  });
  try {
    await worker.waitUntilReady();
    const done = completions((tick) => worker.on('completed', tick), n);
    const t0 = performance.now();
    await addInBatches(n, (i) => queue.add('noop', { i }, { attempts: 1 }));
    const t1 = performance.now();
    await done;
    return { total: performance.now() - t0, enqueue: t1 - t0 };
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const r = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

const perSec = (n: number, ms: number) => round(n / (ms / 1000), 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

type Run = (n: number) => Promise<{ total: number; enqueue: number }>;

/**
 * WARMUP_RUNS unmeasured runs each (JIT takes a few runs to settle), then `count` measured rounds, backends
 * alternating so that drift on a shared machine hits them alike. Reports medians, and each
 * round's jobs/s so that ratios can be taken per round.
 */
async function rounds<K extends string>(n: number, count: number, runs: Record<K, Run>) {
  const keys = Object.keys(runs) as K[];
  for (let w = 0; w < WARMUP_RUNS; w++) for (const k of keys) await runs[k](n);
  const total = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const enqueue = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < count; r++) {
    for (const k of keys) {
      const t = await runs[k](n);
      total[k].push(perSec(n, t.total));
      enqueue[k].push(perSec(n, t.enqueue));
    }
  }
  const out = {} as Record<K, { jobsPerSec: number; enqueuePerSec: number; perRound: number[] }>;
  for (const k of keys)
    out[k] = { jobsPerSec: median(total[k]), enqueuePerSec: median(enqueue[k]), perRound: total[k] };
  return out;
}

/** Queue throughput, enqueue to completion, trivial jobs, concurrency 8, loopback only. */
export async function benchQueue(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {};
  const { embedded: emb } = await rounds(EMBEDDED_JOBS, EMBEDDED_ROUNDS, { embedded: benchEmbedded });
  out['embedded jobs/s'] = emb.jobsPerSec;
  out['embedded enqueue/s'] = emb.enqueuePerSec;
  const rows: Parameters<typeof printTable>[1] = [
    {
      name: `embedded: ${EMBEDDED_JOBS} jobs, enqueue to completion`,
      value: out['embedded jobs/s'],
      unit: 'jobs/s',
      target: '>= 2000',
      pass: Number(out['embedded jobs/s']) >= 2000,
    },
    { name: 'embedded: enqueue only', value: out['embedded enqueue/s'], unit: 'jobs/s' },
  ];
  if (await redisReachable()) {
    const { raw, ours } = await rounds(BULLMQ_JOBS, BULLMQ_ROUNDS, { raw: benchRawBullmq, ours: benchOurBullmq });
    out['bullmq raw jobs/s'] = raw.jobsPerSec;
    out['bullmq ours jobs/s'] = ours.jobsPerSec;
    // Ratio per round (the two ran back to back), then the median: robust to a busy neighbour.
    out['bullmq ours/raw'] = round(median(ours.perRound.map((o, i) => o / raw.perRound[i])), 2);
    rows.push(
      {
        name: `raw BullMQ: ${BULLMQ_JOBS} jobs, enqueue to completion`,
        value: out['bullmq raw jobs/s'],
        unit: 'jobs/s',
      },
      {
        name: `our BullMQ backend: ${BULLMQ_JOBS} jobs, enqueue to completion`,
        value: out['bullmq ours jobs/s'],
        unit: 'jobs/s',
      },
      {
        name: 'ours / raw (median of per-round ratios)',
        value: out['bullmq ours/raw'],
        unit: 'ratio',
        target: '>= 0.7',
        pass: Number(out['bullmq ours/raw']) >= 0.7,
      },
    );
  } else {
    out['bullmq'] = `skipped: Redis not reachable at ${REDIS_URL}`;
    rows.push({ name: 'BullMQ', value: String(out['bullmq']) });
  }
  printTable(
    `Queue throughput (trivial jobs, concurrency ${CONCURRENCY}; ` +
      `medians of ${EMBEDDED_ROUNDS} / ${BULLMQ_ROUNDS} rounds)`,
    rows,
  );
  return out;
}

if (require.main === module) {
  benchQueue().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
