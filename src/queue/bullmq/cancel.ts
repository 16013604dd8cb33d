import type { Redis } from 'ioredis';
import type { QueueKeys } from './map';
import type { JobDefs, JobInfo } from '../types';

/** Record a cancelled job and keep only the newest `limit` records, atomically. */
const RECORD_SCRIPT = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, extra - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1)
  redis.call('HDEL', KEYS[1], unpack(old))
end
return 1`;

/**
 * BullMQ has no 'cancelled' state: a cancelled job leaves BullMQ (removed while queued, or failed
 * with CANCEL_MARKER then removed when it was active) and its last JobInfo is kept here, bounded
 * like the rest of the history.
 */
export interface CancelLedger<M extends JobDefs> {
  record(info: JobInfo<M>): Promise<void>;
  forget(id: string): Promise<void>;
  get(id: string): Promise<JobInfo<M> | undefined>;
  /** Newest first. */
  list(limit: number): Promise<JobInfo<M>[]>;
  count(): Promise<number>;
}

export function createCancelLedger<M extends JobDefs>(
  redis: Redis,
  keys: QueueKeys,
  historyLimit: number,
): CancelLedger<M> {
  const parse = (text: string | null) => (text === null ? undefined : (JSON.parse(text) as JobInfo<M>));
  return {
    async record(info) {
      const at = info.finishedAt ?? Date.now();
      await redis.eval(
        RECORD_SCRIPT,
        2,
        keys.cancelled,
        keys.cancelledOrder,
        info.id,
        JSON.stringify(info),
        at,
        historyLimit,
      );
    },
    async forget(id) {
      await redis.multi().hdel(keys.cancelled, id).zrem(keys.cancelledOrder, id).exec();
    },
    async get(id) {
      return parse(await redis.hget(keys.cancelled, id));
    },
    async list(limit) {
      if (limit <= 0) return [];
      const ids = await redis.zrevrange(keys.cancelledOrder, 0, limit - 1);
      if (ids.length === 0) return [];
      const rows = await redis.hmget(keys.cancelled, ...ids);
      return rows.map(parse).filter((j): j is JobInfo<M> => j !== undefined);
    },
    count() {
      return redis.hlen(keys.cancelled);
    },
  };
}

/** Messages on the queue's control channel, seen by every process using the queue. */
export type ControlMessage =
  /** Whoever runs this job aborts it. */
  | { type: 'cancel'; id: string; reason: string }
  /** A queued job was cancelled: everyone emits the 'cancelled' event. */
  | { type: 'cancelled'; id: string; name: string };

export function parseControl(text: string): ControlMessage | undefined {
  try {
    const m = JSON.parse(text) as Partial<ControlMessage>;
    if (m.type === 'cancel' && typeof m.id === 'string')
      return { type: 'cancel', id: m.id, reason: String(m.reason ?? 'cancelled') };
    if (m.type === 'cancelled' && typeof m.id === 'string')
      return { type: 'cancelled', id: m.id, name: String(m.name ?? '') };
  } catch {
    // not ours; ignore
  }
  return undefined;
}

/** Cancels that arrived before the job started here; remembered briefly so the race is harmless. */
export function createPendingCancels(ttlMs = 60_000) {
  const pending = new Map<string, { reason: string; at: number }>();
  return {
    add(id: string, reason: string): void {
      const now = Date.now();
      for (const [key, v] of pending) {
        if (now - v.at < ttlMs) break; // insertion order = age order
        pending.delete(key);
      }
      pending.delete(id);
      pending.set(id, { reason, at: now });
    },
    take(id: string): string | undefined {
      if (pending.size === 0) return undefined;
      const hit = pending.get(id);
      if (!hit) return undefined;
      pending.delete(id);
      return Date.now() - hit.at < ttlMs ? hit.reason : undefined;
    },
  };
}
