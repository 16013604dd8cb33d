/**
 * Scale-out throughput (issue 18 point 6): CPU-bound `detect_anomalies` jobs through BullMQ on real Redis, worked by
 * 1 and then 2 real `smartcloudops worker` processes (the built CLI) on a private queue name. Prints jobs/s for
 * each and the ratio 2w/1w; the producer (this process) and Redis share the machine's cores with the workers.
 * `node .bench/bench/scale.js [--jobs N] [--rounds R]` runs it alone (defaults: 30 jobs, 3 rounds).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Jobs } from '../src/jobs/map';
import { createSilentLogger } from '../src/log/logger';
import { createBullmqQueue, obliterateBullmqQueue } from '../src/queue/bullmq/queue';
import type { JobQueue } from '../src/queue/types';
import { redisReachable } from './queue';
import { printTable, round, runAsScript } from './util';

const BIN = join(__dirname, '..', '..', 'bin', 'smartcloudops.js');
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVICES = ['checkout-api', 'payments', 'inventory', 'search', 'auth-gateway'];
const TIMEOUT_MS = 180_000;

interface Options {
  jobs: number;
  rounds: number;
}

/** One real `worker` process, resolved once it says its workers started. One job at a time: one core each. */
async function startWorker(queueName: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: {
      PATH: process.env.PATH ?? '',
      REDIS_URL,
      QUEUE_NAME: queueName,
      QUEUE_CONCURRENCY: '1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const started = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('workers started')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited ${code}: ${output}`)));
  });
  await started;
  for (const stream of [child.stdout, child.stderr]) stream?.removeAllListeners('data').resume();
  return child;
}

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = once(child, 'exit');
  child.kill('SIGTERM');
  await gone;
}

/** Adds `n` detections (the same five services in turn, one fixed time) and waits for all; returns their jobs. */
async function runBatch(queue: JobQueue<Jobs>, n: number, atMs: number) {
  const ids = new Set<string>();
  let left = n;
  let off: () => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${n - left}/${n} jobs finished in time`)), TIMEOUT_MS);
    const settle = (id: string, failed?: string) => {
      if (!ids.has(id)) return;
      if (failed) reject(new Error(`job ${id} failed: ${failed}`));
      ids.delete(id);
      if (--left === 0) {
        clearTimeout(timer);
        resolve();
      }
    };
    const offs = [
      queue.on('completed', (e) => settle(e.id)),
      queue.on('failed', (e) => (e.willRetry ? undefined : settle(e.id, e.error))),
    ];
    off = () => offs.forEach((o) => o());
  });
  const t0 = performance.now();
  const added = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      queue.add('detect_anomalies', { service: SERVICES[i % SERVICES.length], windowS: 3600, atMs }),
    ),
  );
  for (const job of added) ids.add(job.id);
  try {
    await done;
  } finally {
    off();
  }
  const ms = performance.now() - t0;
  const jobs = await Promise.all(added.map((j) => queue.get(j.id)));
  return { ms, workers: jobs.map((j) => j?.worker ?? '?') };
}

/** CPU seconds a process has used so far, all its threads (Linux /proc; NaN elsewhere). USER_HZ is 100 on Linux. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

interface Measured {
  jobsPerSec: number;
  /** Cores' worth of CPU the workers got while the batch ran (k at most). */
  cores: number;
  /** Cores' worth of CPU this process (the producer, reading every job's events) used meanwhile. */
  producer: number;
  /** Jobs each worker ran, most first. */
  split: string;
}

/** `k` fresh workers on a fresh queue: warm each one up (a first job loads onnxruntime and the JIT), then measure. */
async function measure(k: number, jobs: number, atMs: number): Promise<Measured> {
  const name = `bench-scale-${process.pid}-${Date.now()}`;
  const queue = createBullmqQueue<Jobs>({
    redisUrl: REDIS_URL,
    name,
    logger: createSilentLogger(),
    historyLimit: 10_000,
    attempts: 1,
    backoffMs: 0,
  });
  const children: ChildProcess[] = [];
  try {
    children.push(...(await Promise.all(Array.from({ length: k }, () => startWorker(name)))));
    const warm = new Set<string>();
    for (let i = 0; i < 10 && warm.size < k; i++) (await runBatch(queue, k, atMs)).workers.forEach((w) => warm.add(w));
    const cpu = () => children.reduce((sum, c) => sum + cpuSeconds(c.pid), 0);
    const [cpu0, own0] = [cpu(), process.cpuUsage()];
    const { ms, workers } = await runBatch(queue, jobs, atMs);
    const own = process.cpuUsage(own0);
    const counts = [...new Set(workers)].map((w) => workers.filter((x) => x === w).length);
    return {
      jobsPerSec: jobs / (ms / 1000),
      cores: (cpu() - cpu0) / (ms / 1000),
      producer: (own.user + own.system) / 1000 / ms,
      split: counts.sort((a, b) => b - a).join('/'),
    };
  } finally {
    await Promise.all(children.map(stopWorker));
    await queue.close({ graceMs: 1_000 });
    // The workers' core opens the control queue beside it (remediation jobs): gone too.
    for (const queueName of [name, `${name}-control`])
      await obliterateBullmqQueue({ redisUrl: REDIS_URL, name: queueName });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Rounds of 1 worker then 2 workers (fresh processes each time), so that a busy neighbour hits both alike; the
 * ratio is taken per round, then the median, as bench/queue.ts does.
 */
export async function benchScale(options: Partial<Options> = {}): Promise<Record<string, number | string>> {
  const o: Options = { jobs: options.jobs ?? 30, rounds: options.rounds ?? 3 };
  if (!(await redisReachable(REDIS_URL))) {
    printTable('Scale-out', [{ name: 'skipped', value: `Redis not reachable at ${REDIS_URL}` }]);
    return { scale: 'skipped' };
  }
  const atMs = Date.now();
  const one: Measured[] = [];
  const two: Measured[] = [];
  for (let r = 0; r < o.rounds; r++) {
    one.push(await measure(1, o.jobs, atMs));
    two.push(await measure(2, o.jobs, atMs));
  }
  const ratios = two.map((t, i) => t.jobsPerSec / one[i].jobsPerSec);
  const ratio = median(ratios);
  const cores = availableParallelism();
  const each = (xs: number[], digits = 2) => xs.map((x) => round(x, digits)).join(', ');
  printTable(
    `Scale-out: ${o.jobs} detect_anomalies jobs (one service's 5 signals each) on BullMQ, real worker processes ` +
      `at concurrency 1, ${cores} cores; medians of ${o.rounds} round(s)`,
    [
      { name: '1 worker', value: round(median(one.map((m) => m.jobsPerSec)), 2), unit: 'jobs/s' },
      { name: '2 workers', value: round(median(two.map((m) => m.jobsPerSec)), 2), unit: 'jobs/s' },
      {
        name: '2 workers / 1 worker (median of per-round ratios)',
        value: round(ratio, 2),
        unit: 'ratio',
        ...(cores >= 2 ? { target: '>= 1.5', pass: ratio >= 1.5 } : {}),
      },
      { name: 'each round: 1 worker', value: each(one.map((m) => m.jobsPerSec)), unit: 'jobs/s' },
      { name: 'each round: 2 workers', value: each(two.map((m) => m.jobsPerSec)), unit: 'jobs/s' },
      { name: 'each round: 2w/1w', value: each(ratios), unit: 'ratio' },
      { name: 'CPU the workers got, 1 worker', value: each(one.map((m) => m.cores)), unit: 'cores' },
      { name: 'CPU the workers got, 2 workers', value: each(two.map((m) => m.cores)), unit: 'cores' },
      { name: 'CPU the producer used, 2 workers', value: each(two.map((m) => m.producer)), unit: 'cores' },
      // Jobs per CPU-second the workers got: what the ratio would be on idle cores, whatever the neighbours take.
      { name: 'jobs per worker CPU-second, 1 worker', value: each(one.map((m) => m.jobsPerSec / m.cores)) },
      { name: 'jobs per worker CPU-second, 2 workers', value: each(two.map((m) => m.jobsPerSec / m.cores)) },
      { name: 'jobs per worker, 2 workers', value: two.map((m) => m.split).join(', ') },
    ],
  );
  return {
    'scale 1w jobs/s': median(one.map((m) => m.jobsPerSec)),
    'scale 2w jobs/s': median(two.map((m) => m.jobsPerSec)),
    'scale 2w/1w': ratio,
  };
}

if (require.main === module) {
  const { values } = parseArgs({ options: { jobs: { type: 'string' }, rounds: { type: 'string' } } });
  runAsScript(async () => {
    await benchScale({
      ...(values.jobs ? { jobs: Number(values.jobs) } : {}),
      ...(values.rounds ? { rounds: Number(values.rounds) } : {}),
    });
  });
}
