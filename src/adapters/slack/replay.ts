import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../../log/logger';
import type { ReplayGuard } from '../replay';

/**
 * Slack's replay guards (the store-backed one, shared with Teams, is in ../replay.ts). A Slack
 * request is known by its signature: an HMAC of its timestamp and raw body, so it names exactly
 * one request, and only Slack (or whoever holds the signing secret) can make a new one. It is
 * remembered until the timestamp check would refuse it anyway (5 minutes after its timestamp).
 */

export interface MemoryReplayOptions {
  now?: () => number;
  /** Most signatures kept; past it the oldest goes first (default 20,000: about 2 MB). */
  max?: number;
}

/** One process's memory: bounded by `max`, expired entries dropped as new ones arrive. */
export function createMemoryReplayGuard(o: MemoryReplayOptions = {}): ReplayGuard & { size(): number } {
  const now = o.now ?? Date.now;
  const max = o.max ?? 20_000;
  const seen = new Map<string, number>();
  return {
    async firstSight(id, untilMs) {
      const t = now();
      // Entries arrive in about the order they expire: drop the expired ones at the front.
      for (const [k, until] of seen) {
        if (until > t) break;
        seen.delete(k);
      }
      const known = seen.get(id);
      if (known !== undefined && known > t) return false;
      seen.delete(id);
      seen.set(id, untilMs);
      if (seen.size > max) seen.delete(seen.keys().next().value as string);
      return true;
    },
    size: () => seen.size,
    async close() {},
  };
}

export interface RedisReplayOptions extends MemoryReplayOptions {
  redisUrl: string;
  log: Logger;
  /** Longest wait for Redis before this process decides alone (default 1 s: Slack waits 3). */
  timeoutMs?: number;
}

/**
 * Shared by every `serve` process on one Redis (`SET NX` with the remaining window as its
 * expiry), so a replay sent to another process behind the load balancer is dropped too. When
 * Redis does not answer, the process's own memory decides and a warning is logged: chat keeps
 * working while Redis is down (when on-call needs it most), and a replay that slips through
 * that way still meets the remediation store's compare-and-set states and approvals.
 */
export function createRedisReplayGuard(o: RedisReplayOptions): ReplayGuard {
  const now = o.now ?? Date.now;
  const local = createMemoryReplayGuard(o);
  const redis = new Redis(o.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    commandTimeout: o.timeoutMs ?? 1000,
    connectTimeout: o.timeoutMs ?? 1000,
  });
  redis.on('error', () => {
    // Reported where a check falls back; ioredis reconnects by itself.
  });
  return {
    async firstSight(id, untilMs) {
      if (!(await local.firstSight(id, untilMs))) return false;
      const key = `sco:slack-replay:${createHash('sha256').update(id).digest('hex').slice(0, 40)}`;
      try {
        const set = await redis.set(key, '1', 'PX', Math.max(1000, untilMs - now()), 'NX');
        return set === 'OK';
      } catch (err) {
        o.log.warn('slack replay check: Redis did not answer; this process decided alone', { err });
        return true;
      }
    },
    async close() {
      redis.disconnect();
    },
  };
}
