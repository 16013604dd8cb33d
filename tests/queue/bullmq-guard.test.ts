import { Redis } from 'ioredis';
import { AppError } from '../../src/errors';
import { REQUEST_CONNECTION, createRedisGuard, redisAddress } from '../../src/queue/bullmq/guard';
import { freePort } from '../helpers/cli';

/**
 * issue 13.3: the guard's answer names Redis by host:port only, and a dead Redis fails a call at
 * once (nothing waits to run later).
 */
describe('issue 13.3: the Redis request guard', () => {
  it('names Redis by host and port, never its credentials', () => {
    expect(redisAddress('redis://:s3cret-pass@cache.internal:6380/2')).toBe('cache.internal:6380');
    expect(redisAddress('rediss://user:pw@10.0.0.5')).toBe('10.0.0.5:6379');
    expect(redisAddress('not a url :pw@')).toBe('the configured REDIS_URL');
  });

  it('with nobody listening, a call fails as unavailable without running the operation', async () => {
    const port = await freePort();
    const client = new Redis(`redis://:hunter2@127.0.0.1:${port}`, REQUEST_CONNECTION);
    client.on('error', () => undefined);
    let ran = false;
    try {
      const guard = createRedisGuard({
        client,
        address: redisAddress(`redis://:hunter2@127.0.0.1:${port}`),
        ready: Promise.resolve(),
      });
      const err = await guard
        .call('list', async () => {
          ran = true;
          return client.ping();
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({
        code: 'unavailable',
        userMessage: `The job queue (Redis at 127.0.0.1:${port}) is not answering; try again shortly.`,
      });
      expect(String((err as AppError).message)).not.toContain('hunter2');
      expect(ran).toBe(false);
    } finally {
      client.disconnect();
    }
  });
});
