import { systemClock, type Clock } from '../clock';
import { secretValues, type Config } from '../config/config';
import { AppError } from '../errors';
import { createLogger, type Logger } from '../log/logger';
import { packageVersion } from '../models/version';
import { createBullmqQueue } from '../queue/bullmq/queue';
import { defaultWorkerName } from '../queue/bullmq/state';
import { routeQueues } from '../queue/routed';
import { tracedQueue } from '../queue/traced';
import type { JobQueue, Processors } from '../queue/types';
import type { MetricsSource } from '../sources/types';
import { createMetrics, type Metrics } from '../telemetry/metrics';
import { startTracing } from '../telemetry/tracing';
import type { Jobs } from '../jobs/map';
import { createProcessors } from '../workers/processors';
import { createSource } from './source';

/**
 * What every process role has: logs, metrics, the metrics source, the job queue and the workers
 * of the jobs that need no store. The control plane (`./control`) adds its store and everything on
 * it; a `worker` (`./worker`) is this and nothing more.
 */
export interface Core {
  config: Config;
  log: Logger;
  clock: Clock;
  metrics: Metrics;
  source: MetricsSource;
  queue: JobQueue<Jobs>;
  /**
   * Start processing jobs in this process: those that need no store (unless `general` is false,
   * `serve --no-workers`), plus `control`, the processors of jobs that need the control plane's
   * store (CONTROL_JOBS), which only the control plane can give.
   */
  startWorkers(options?: { general?: boolean; control?: Processors<Jobs> }): Promise<void>;
  /**
   * Stop workers (finishing or requeueing in-flight jobs within the grace), release the queue, then
   * flush the spans not sent yet.
   */
  close(): Promise<void>;
}

export interface CoreOptions {
  log?: Logger;
  clock?: Clock;
  /** Replace an embedded part (tests, benches): never needed in production. */
  source?: MetricsSource;
  /**
   * Given by the control plane only: it works the control queue, and without REDIS_URL its store
   * holds the embedded queue. Without it the queue is BullMQ, so REDIS_URL is required, and the core
   * never loads the database (a `worker` opens none).
   */
  controlPlane?: { embeddedQueue(log: Logger, clock: Clock): JobQueue<Jobs> };
}

/** Jobs whose processors need the control plane's store. */
export const CONTROL_JOBS: ReadonlySet<keyof Jobs & string> = new Set(['remediation', 'investigate'] as const);

export function buildCore(config: Config, options: CoreOptions = {}): Core {
  const log =
    options.log ?? createLogger({ level: config.log.level, format: config.log.format, secrets: secretValues(config) });
  const clock = options.clock ?? systemClock;
  // Before anything that starts spans; once per process however many roots it builds (tests build several).
  const tracing = startTracing(config.tracing, {
    log,
    serviceVersion: packageVersion(),
    role: options.controlPlane ? 'control' : 'worker',
  });
  const metrics = createMetrics();
  // Every enqueue carries the trace it was made in; every job runs in a span under it, in whatever process.
  const queue = tracedQueue(createQueue(config, log, clock, options.controlPlane));
  const source = options.source ?? createSource(config, clock, log);
  wireJobMetrics(queue, metrics);

  let workersStarted = false;
  let closed = false;
  return {
    config,
    log,
    clock,
    metrics,
    source,
    queue,
    async startWorkers(workOptions = {}) {
      if (workersStarted) return;
      workersStarted = true;
      const general = workOptions.general !== false;
      const processors: Processors<Jobs> = {
        ...(general ? generalProcessors(config, source, clock, metrics) : {}),
        ...onlyControlJobs(workOptions.control ?? {}),
      };
      await queue.work(processors, { concurrency: config.queue.concurrency });
      log.info('workers started', {
        backend: queue.backend,
        concurrency: config.queue.concurrency,
        jobs: Object.keys(processors).join(','),
        // The name BullMQ records on each job this process takes (JobInfo.worker, REST `worker`).
        ...(queue.backend === 'bullmq' ? { worker: defaultWorkerName() } : {}),
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await queue.close({ graceMs: config.shutdownGraceMs });
      } finally {
        await tracing.shutdown();
      }
    },
  };
}

/**
 * BullMQ when REDIS_URL is set, else the control plane's embedded queue. With Redis, remediation
 * jobs get a queue of their own that only the control plane works: their state lives in its store,
 * so a `worker` elsewhere must never take them.
 */
function createQueue(
  config: Config,
  log: Logger,
  clock: Clock,
  controlPlane: CoreOptions['controlPlane'],
): JobQueue<Jobs> {
  if (config.redisUrl) {
    const { name, historyLimit, attempts, backoffMs, lockDurationMs, stalledIntervalMs } = config.queue;
    const redisUrl = config.redisUrl;
    const bullmq = (queueName: string) =>
      createBullmqQueue<Jobs>({
        redisUrl,
        name: queueName,
        logger: log,
        historyLimit,
        attempts,
        backoffMs,
        lockDurationMs,
        stalledIntervalMs,
      });
    return routeQueues(bullmq(name), bullmq(`${name}-control`), CONTROL_JOBS, {
      controlPlane: controlPlane !== undefined,
    });
  }
  if (!controlPlane)
    throw new AppError(
      'config_invalid',
      'without the control plane’s store the job queue is BullMQ: set REDIS_URL (the embedded queue lives in `serve`)',
    );
  return controlPlane.embeddedQueue(log, clock);
}

/** The processors of the jobs that need no store, counting into this process's registry. */
function generalProcessors(config: Config, source: MetricsSource, clock: Clock, metrics: Metrics): Processors<Jobs> {
  return createProcessors({
    source,
    clock,
    onnxThreads: config.onnxIntraOpThreads,
    counters: { pointsScored: metrics.anomalyPointsScored, anomaliesDetected: metrics.anomaliesDetected },
  });
}

function onlyControlJobs(processors: Processors<Jobs>): Processors<Jobs> {
  return Object.fromEntries(
    Object.entries(processors).filter(([name]) => CONTROL_JOBS.has(name as keyof Jobs & string)),
  ) as Processors<Jobs>;
}

function wireJobMetrics(queue: JobQueue<Jobs>, metrics: Metrics): void {
  metrics.setQueueDepthSource(() => queue.counts());
  queue.on('completed', (e) => {
    if (e.name === 'train_model') metrics.modelTrainings.inc({ outcome: 'ok' });
    metrics.jobs.inc({ name: e.name, status: 'completed' });
    metrics.jobDuration.observe({ name: e.name }, e.durationMs / 1000);
  });
  queue.on('failed', (e) => {
    // A refusal (bad input or window) is unrecoverable: it ends before its attempts are used up.
    if (e.name === 'train_model' && !e.willRetry)
      void queue.get(e.id).then(
        (j) => metrics.modelTrainings.inc({ outcome: j && j.attemptsMade < j.maxAttempts ? 'refused' : 'failed' }),
        () => metrics.modelTrainings.inc({ outcome: 'failed' }),
      );
    metrics.jobs.inc({ name: e.name, status: e.willRetry ? 'retried' : 'failed' });
    metrics.jobDuration.observe({ name: e.name }, e.durationMs / 1000);
  });
  queue.on('cancelled', (e) => metrics.jobs.inc({ name: e.name, status: 'cancelled' }));
}
