import { hostname } from 'node:os';
import { Queue, QueueEvents, type Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { AppError } from '../../errors';
import type { Logger } from '../../log/logger';
import { createEventHub, type EventHub } from '../events';
import { checkSettings, createClosedController, type RunControl } from '../shared';
import type { JobDefs } from '../types';
import { createCancelLedger, createPendingCancels, parseControl, type CancelLedger } from './cancel';
import { createJobCache, translateQueueEvents, type JobCache } from './events';
import { REQUEST_CONNECTION, createRedisGuard, reconnectDelay, redisAddress, type RedisGuard } from './guard';
import { queueKeys, type BullJob, type Envelope, type QueueKeys } from './map';

export interface BullmqQueueOptions {
  redisUrl: string;
  name: string;
  logger: Logger;
  /** Completed and failed jobs kept (each), and cancelled records kept. */
  historyLimit: number;
  attempts: number;
  /** Base of the exponential backoff (at least 1 ms, so every retry is a 'delayed' event). */
  backoffMs: number;
  /** BullMQ key prefix; default 'bull'. */
  prefix?: string;
  /** This process's worker, recorded on every job it takes (BullMQ's `processedBy`); default `defaultWorkerName()`. */
  workerName?: string;
  /**
   * How long a running job's lock lasts without renewal (renewed every half of it): a worker that dies holds its
   * jobs this long. Default 30 s (BullMQ's); it must outlast the longest stretch a job keeps the event loop busy.
   */
  lockDurationMs?: number;
  /**
   * How often the workers look for jobs whose lock has lapsed (their worker died) and put them back in line.
   * Default 30 s (BullMQ's): a dead worker's jobs run again within about lockDurationMs + 2 × this.
   */
  stalledIntervalMs?: number;
}

/** `<host>:<pid>`: tells apart processes on one machine and containers (each its own hostname) alike. */
export function defaultWorkerName(): string {
  return `${hostname()}:${process.pid}`;
}

export interface Running {
  job: BullJob;
  control: RunControl;
  stop?: 'cancel' | 'shutdown';
}

/** One BullMQ queue instance: its connections and what its methods share. */
export interface BullState<M extends JobDefs> {
  opts: BullmqQueueOptions;
  name: string;
  historyLimit: number;
  prefix: string;
  keys: QueueKeys;
  log: Logger;
  /** Workers and QueueEvents: wait for Redis and carry on when it is back. */
  connection: { url: string; maxRetriesPerRequest: null; retryStrategy: (times: number) => number };
  onError: (what: string) => (err: Error) => void;
  /** The Queue's connection, the ledger's, the control channel's publish: serves callers, never waits. */
  requests: Redis;
  queue: Queue<Envelope, unknown, string>;
  redis: Redis;
  subscriber: Redis;
  events: EventHub;
  names: JobCache<string>;
  ranHere: JobCache<{ name: string; durationMs: number }>;
  ledger: CancelLedger<M>;
  pendingCancels: ReturnType<typeof createPendingCancels>;
  running: Map<string, Running>;
  closedCtl: AbortController;
  worker: Worker<Envelope, unknown, string> | undefined;
  queueEvents: QueueEvents | undefined;
  translator: { idle(): Promise<void> } | undefined;
  stopping: boolean;
  closing: Promise<void> | undefined;
  ready: Promise<void>;
  guard: RedisGuard;
}

export function assertOpen<M extends JobDefs>(s: BullState<M>): void {
  if (s.stopping) throw new AppError('unavailable', `queue ${s.name} is closed`);
}

export function interrupt(run: Running, why: 'cancel' | 'shutdown', reason: string): void {
  run.stop = why;
  run.control.abort(new AppError(why === 'cancel' ? 'job_cancelled' : 'unavailable', reason));
}

/** A message on the control channel: a cancel for a job running here, or news of a cancelled one. */
function onControl<M extends JobDefs>(s: BullState<M>, channel: string, text: string): void {
  if (channel !== s.keys.control) return;
  const msg = parseControl(text);
  if (msg?.type === 'cancelled') s.events.emit('cancelled', { id: msg.id, name: msg.name });
  if (msg?.type !== 'cancel') return;
  const run = s.running.get(msg.id);
  if (run && !run.stop) interrupt(run, 'cancel', msg.reason);
  else if (s.worker && !run) s.pendingCancels.add(msg.id, msg.reason);
}

/** Read events from the stream's current end (not '$' at some later moment), then subscribe. */
async function start<M extends JobDefs>(s: BullState<M>): Promise<void> {
  const { redis, keys, name, prefix, ledger, log } = s;
  const last = await redis.xrevrange(keys.events, '+', '-', 'COUNT', 1);
  if (s.stopping) return;
  const queueEvents = new QueueEvents(name, { connection: s.connection, prefix, lastEventId: last[0]?.[0] ?? '0-0' });
  s.queueEvents = queueEvents;
  queueEvents.on('error', s.onError('bullmq queue events'));
  const cancelledName = async (id: string) => (await ledger.get(id))?.name;
  const { names, ranHere, events: hub } = s;
  s.translator = translateQueueEvents({ queueEvents, redis, keys, hub, names, ranHere, cancelledName, log });
  s.subscriber.on('message', (channel: string, text: string) => onControl(s, channel, text));
  await Promise.all([queueEvents.waitUntilReady(), s.subscriber.subscribe(keys.control), s.queue.waitUntilReady()]);
}

function checkLockSettings(opts: BullmqQueueOptions): void {
  const bad = (['lockDurationMs', 'stalledIntervalMs'] as const).filter((k) => {
    const v = opts[k];
    return v !== undefined && !(Number.isInteger(v) && v >= 1);
  });
  if (bad.length)
    throw new AppError('config_invalid', `bullmq queue: ${bad.join(', ')} must be whole milliseconds >= 1`);
}

/** Opens the connections and starts reading events; the returned state is what every method uses. */
export function openBullState<M extends JobDefs>(opts: BullmqQueueOptions): BullState<M> {
  checkSettings('bullmq', opts);
  if (!opts.redisUrl)
    throw new AppError('config_invalid', 'bullmq queue: redisUrl is required (e.g. redis://127.0.0.1:6379)');
  checkLockSettings(opts);
  const { name, historyLimit } = opts;
  const prefix = opts.prefix ?? 'bull';
  const keys = queueKeys(prefix, name);
  const log = opts.logger.child({ queue: name, backend: 'bullmq' });
  // Workers and QueueEvents wait for Redis and carry on when it is back; `requests` (the Queue's
  // connection, the ledger's, the control channel's publish) serves callers and never waits.
  const connection = { url: opts.redisUrl, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
  const onError = (what: string) => (err: Error) => log.warn(`${what}: ${err.message}`);
  const requests = new Redis(opts.redisUrl, REQUEST_CONNECTION);
  requests.on('error', onError('redis request connection'));

  const queue = new Queue<Envelope, unknown, string>(name, {
    connection: requests,
    prefix,
    defaultJobOptions: { removeOnComplete: { count: historyLimit }, removeOnFail: { count: historyLimit } },
  });
  queue.on('error', onError('bullmq queue connection'));
  const redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
  redis.on('error', onError('redis connection'));
  const subscriber = new Redis(opts.redisUrl, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay });
  subscriber.on('error', onError('redis subscriber'));

  const base: Omit<BullState<M>, 'ready' | 'guard'> = {
    opts,
    name,
    historyLimit,
    prefix,
    keys,
    log,
    connection,
    onError,
    requests,
    queue,
    redis,
    subscriber,
    events: createEventHub(log),
    names: createJobCache<string>(),
    ranHere: createJobCache<{ name: string; durationMs: number }>(),
    ledger: createCancelLedger<M>(requests, keys, historyLimit),
    pendingCancels: createPendingCancels(),
    running: new Map<string, Running>(),
    closedCtl: createClosedController(),
    worker: undefined,
    queueEvents: undefined,
    translator: undefined,
    stopping: false,
    closing: undefined,
  };
  const s = base as BullState<M>;
  s.ready = start(s);
  s.ready.catch((err: unknown) => log.error('bullmq queue failed to start', { err }));
  s.guard = createRedisGuard({ client: requests, address: redisAddress(opts.redisUrl), ready: s.ready });
  return s;
}
