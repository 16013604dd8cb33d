import type { QueueEvents, QueueEventsListener } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../../log/logger';
import type { EventHub } from '../events';
import { isCancelReason, toProgress, type QueueKeys } from './map';

const CACHE_LIMIT = 10_000;

/** A map that forgets its oldest entries past a limit: per-job facts kept only until used. */
export function createJobCache<V>() {
  const entries = new Map<string, V>();
  return {
    set(id: string, value: V): void {
      entries.set(id, value);
      if (entries.size > CACHE_LIMIT) entries.delete(entries.keys().next().value as string);
    },
    get: (id: string) => entries.get(id),
    delete: (id: string) => void entries.delete(id),
  };
}
export type JobCache<V> = ReturnType<typeof createJobCache<V>>;

interface Deps {
  queueEvents: QueueEvents;
  redis: Redis;
  keys: QueueKeys;
  hub: EventHub;
  /** Names seen on 'added' (or added here), so most events need no lookup. */
  names: JobCache<string>;
  /** Jobs this process just ran to completion: the 'completed' event then needs no lookup. */
  ranHere: JobCache<{ name: string; durationMs: number }>;
  /** Where a cancelled job's last record is, once BullMQ has dropped it. */
  cancelledName(id: string): Promise<string | undefined>;
  log: Logger;
}

type Fields = Record<'name' | 'ats' | 'atm' | 'failedReason' | 'processedOn' | 'finishedOn', string | null>;
const FIELDS = ['name', 'ats', 'atm', 'failedReason', 'processedOn', 'finishedOn'] as const;

/** What the event handlers share: the deps and the ordered emit, plus the job-hash lookups. */
interface Translator {
  d: Deps;
  /** Emit in stream order, once the lookup the event needs is done. */
  inOrder(prepared: Promise<(() => void) | undefined>): void;
}

type Args<E extends 'completed' | 'failed' | 'delayed'> = Parameters<QueueEventsListener[E]>[0];

async function fetchFields(d: Deps, id: string): Promise<Fields> {
  const values = await d.redis.hmget(d.keys.job(id), ...FIELDS);
  const out = {} as Fields;
  FIELDS.forEach((f, i) => (out[f] = values[i] ?? null));
  if (out.name === null) out.name = d.names.get(id) ?? null; // removed already (history limit)
  return out;
}

const duration = (f: Fields, end = Number(f.finishedOn)) =>
  f.processedOn && end ? Math.max(0, end - Number(f.processedOn)) : 0;

function onCompleted({ d, inOrder }: Translator, { jobId, returnvalue }: Args<'completed'>): void {
  const here = d.ranHere.get(jobId);
  d.ranHere.delete(jobId);
  if (!d.hub.has('completed')) return d.names.delete(jobId);
  if (here) {
    d.names.delete(jobId);
    return inOrder(
      Promise.resolve(() =>
        d.hub.emit('completed', { id: jobId, name: here.name, result: returnvalue, durationMs: here.durationMs }),
      ),
    );
  }
  inOrder(
    fetchFields(d, jobId).then((f) => () => {
      d.names.delete(jobId);
      d.hub.emit('completed', { id: jobId, name: f.name ?? '', result: returnvalue, durationMs: duration(f) });
    }),
  );
}

function onFailed({ d, inOrder }: Translator, { jobId, failedReason }: Args<'failed'>): void {
  const cancelled = isCancelReason(failedReason);
  if (!d.hub.has(cancelled ? 'cancelled' : 'failed')) return d.names.delete(jobId);
  inOrder(
    fetchFields(d, jobId).then(async (f) => {
      const name = f.name ?? (cancelled ? await d.cancelledName(jobId) : undefined) ?? '';
      return () => {
        d.names.delete(jobId);
        if (cancelled) d.hub.emit('cancelled', { id: jobId, name });
        else d.hub.emit('failed', { id: jobId, name, error: failedReason, willRetry: false, durationMs: duration(f) });
      };
    }),
  );
}

/** A retry with backoff shows up as 'delayed' with attempts made; a job added with a delay has none. */
function onDelayed({ d, inOrder }: Translator, { jobId }: Args<'delayed'>): void {
  if (!d.hub.has('failed')) return;
  inOrder(
    fetchFields(d, jobId).then((f) => {
      if (!(Number(f.atm) > 0) || !f.failedReason) return undefined;
      const error = f.failedReason;
      return () =>
        d.hub.emit('failed', {
          id: jobId,
          name: f.name ?? '',
          error,
          willRetry: true,
          durationMs: duration(f, Date.now()),
        });
    }),
  );
}

/**
 * Map BullMQ's QueueEvents (a Redis stream: every process sees every job's events) to ours.
 * Some payloads need a field or two from the job hash; lookups start at once but events are
 * emitted strictly in stream order.
 */
export function translateQueueEvents(d: Deps): { idle(): Promise<void> } {
  let tail: Promise<void> = Promise.resolve();
  const inOrder = (prepared: Promise<(() => void) | undefined>) => {
    const step = prepared.catch((err: unknown) => {
      d.log.warn('could not translate a queue event', { err });
      return undefined;
    });
    tail = tail.then(() => step).then((emit) => emit?.());
  };
  const t: Translator = { d, inOrder };
  const nameOf = async (id: string) => d.names.get(id) ?? (await d.redis.hget(d.keys.job(id), 'name')) ?? '';

  const qe = d.queueEvents;
  qe.on('added', ({ jobId, name }) => {
    d.names.set(jobId, name);
    if (d.hub.has('added')) inOrder(Promise.resolve(() => d.hub.emit('added', { id: jobId, name })));
  });
  qe.on('active', ({ jobId }) => {
    if (!d.hub.has('active')) return;
    inOrder(
      fetchFields(d, jobId).then(
        (f) => () => d.hub.emit('active', { id: jobId, name: f.name ?? '', attempt: Math.max(1, Number(f.ats) || 1) }),
      ),
    );
  });
  qe.on('progress', ({ jobId, data }) => {
    const progress = toProgress(data);
    if (!progress || !d.hub.has('progress')) return;
    inOrder(nameOf(jobId).then((name) => () => d.hub.emit('progress', { id: jobId, name, progress })));
  });
  qe.on('completed', (args) => onCompleted(t, args));
  qe.on('failed', (args) => onFailed(t, args));
  qe.on('delayed', (args) => onDelayed(t, args));
  return {
    idle: () => tail,
  };
}
