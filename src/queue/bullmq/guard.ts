import type { Redis, RedisOptions } from 'ioredis';
import { AppError, errorMessage } from '../../errors';
import { withinMs } from '../shared';

/** How long a request-path call to Redis may take before the caller is told it is unavailable. */
export const REQUEST_TIMEOUT_MS = 2_000;

/** Reconnect every 0.2 s .. 2 s while Redis is away (BullMQ's default grows to 20 s): back soon after it is. */
export const reconnectDelay = (times: number): number => Math.min(200 * times, 2_000);

/**
 * Options of the connection that serves callers (add, get, list, cancel, counts). Nothing waits
 * for Redis to come back: with no connection a command fails at once, and one in flight when the
 * connection drops is not sent again later, so a call we answered "unavailable" never runs after
 * all. BullMQ Workers and QueueEvents keep their own connections, which wait and recover.
 */
export const REQUEST_CONNECTION: RedisOptions = {
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  retryStrategy: reconnectDelay,
};

/** `host:port` of a Redis URL, never its credentials. */
export function redisAddress(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname || '127.0.0.1'}:${u.port || '6379'}`;
  } catch {
    return 'the configured REDIS_URL';
  }
}

export function redisUnavailable(address: string, detail: string, cause?: unknown): AppError {
  return new AppError('unavailable', `Redis at ${address}: ${detail}`, {
    ...(cause === undefined ? {} : { cause }),
    userMessage: `The job queue (Redis at ${address}) is not answering; try again shortly.`,
  });
}

export interface RedisGuard {
  /** Runs `op` when the connection is up, within REQUEST_TIMEOUT_MS; otherwise throws 'unavailable'. */
  call<T>(what: string, op: () => Promise<T>): Promise<T>;
  /**
   * For a write that must not happen unless the caller hears it did (an add without a job id):
   * Redis answers a PING first, so a frozen Redis never receives the write to run on waking.
   */
  write<T>(what: string, op: () => Promise<T>): Promise<T>;
}

/**
 * Every queue operation a request waits on goes through here: a dead or frozen Redis gives a fast,
 * typed 'unavailable' (HTTP 503, a clear chat sentence) instead of a call that never returns.
 */
export function createRedisGuard(opts: {
  client: Redis;
  address: string;
  ready: Promise<unknown>;
  timeoutMs?: number;
}): RedisGuard {
  const { client, address } = opts;
  const timeoutMs = opts.timeoutMs ?? REQUEST_TIMEOUT_MS;
  const bounded = async <T>(what: string, op: () => Promise<T>): Promise<T> => {
    const run = (async () => {
      await opts.ready;
      if (client.status !== 'ready') throw redisUnavailable(address, `not connected (${client.status}) (${what})`);
      return op();
    })();
    try {
      return await withinMs(run, timeoutMs, () =>
        redisUnavailable(address, `no answer within ${timeoutMs} ms (${what})`),
      );
    } catch (err) {
      if (err instanceof AppError) throw err;
      if (client.status !== 'ready' || isConnectionError(err))
        throw redisUnavailable(address, `${errorMessage(err)} (${what})`, err);
      throw err;
    }
  };
  return {
    call: bounded,
    async write(what, op) {
      await bounded(`${what}: ping`, () => client.ping());
      return bounded(what, op);
    },
  };
}

/** ioredis's messages for a command that could not be sent or lost its connection. */
const CONNECTION_ERROR =
  /Stream isn't writeable|Connection is closed|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|max retries per request/i;

function isConnectionError(err: unknown): boolean {
  return CONNECTION_ERROR.test(errorMessage(err));
}
