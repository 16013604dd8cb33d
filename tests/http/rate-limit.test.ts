import { createRateLimiter } from '../../src/auth/rate-limit';
import { renderText } from '../../src/reply/render-text';
import { lastVersion, recordingSink } from '../helpers/app';
import { caller, httpApp, person, type HttpApp } from '../remediation/people-app';

/**
 * Issue 17 point 5: per-person limits on chat commands and per-principal limits on the REST API,
 * so one runaway script or person cannot starve everyone else: 429 with Retry-After (REST), a
 * "slow down" reply (chat), counted in smartcloudops_rate_limited_total{surface}.
 */
describe('rate limits', () => {
  it('a token bucket: a burst up to the limit passes, then one call per 60/limit seconds; 0 is off', () => {
    let now = 0;
    const limiter = createRateLimiter(3, () => now);
    expect([1, 2, 3, 4].map(() => limiter.take('a').ok)).toEqual([true, true, true, false]);
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterS: 20 });
    expect(limiter.take('b').ok).toBe(true); // someone else is not affected
    now += 20_000;
    expect(limiter.take('a').ok).toBe(true);
    expect(limiter.take('a').ok).toBe(false);
    const off = createRateLimiter(0, () => now);
    for (let i = 0; i < 1000; i++) expect(off.take('a').ok).toBe(true);
  });

  describe('through the real app', () => {
    let h: HttpApp;
    beforeEach(async () => {
      h = await httpApp({ RATE_LIMIT_CHAT_PER_MIN: '3', RATE_LIMIT_API_PER_MIN: '4' });
    });
    afterEach(async () => {
      await h.close();
    });
    const limited = async (surface: string) =>
      (await h.app.metrics.registry.getSingleMetric('smartcloudops_rate_limited_total')?.get())?.values.find(
        (v) => v.labels.surface === surface,
      )?.value ?? 0;

    it('REST: past the limit a principal gets 429 with Retry-After; others are served', async () => {
      const call = caller(h);
      const vera = await person(h, 'viewer', 'vera');
      const otto = await person(h, 'viewer', 'otto');
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await call('GET', '/api/v1/jobs', vera.token)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 429]);
      const refused = await h.http.inject({ method: 'GET', url: '/api/v1/jobs', headers: vera.token });
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(14);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(15);
      expect(JSON.parse(refused.body)).toMatchObject({
        error: 'rate_limited',
        message: expect.stringMatching(/4 calls/),
      });
      expect((await call('GET', '/api/v1/jobs', otto.token)).status).toBe(200);
      expect(await limited('api')).toBe(2);
      // Liveness and metrics are not behind a principal: never limited.
      for (let i = 0; i < 10; i++)
        expect((await h.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });

    it('chat: past the limit a person is asked to slow down, nothing is parsed or run; others go on', async () => {
      const say = async (user: string, text: string) => {
        const sink = recordingSink();
        const handled = await h.app.conversation.handleMessage(
          { platform: 'console', user, channel: 'ops', text },
          sink,
        );
        await handled.done;
        return { outcome: handled.outcome, text: renderText(lastVersion(sink.messages[0])) };
      };
      for (let i = 0; i < 3; i++) expect((await say('alice', 'help')).outcome).toBe('replied');
      const slow = await say('alice', 'status payments');
      expect(slow.outcome).toBe('rate_limited');
      expect(slow.text).toMatch(/Slow down: at most 3 commands a minute per person.*Try again in (19|20) s/);
      expect(await h.app.queue.list()).toEqual([]);
      expect((await say('bob', 'help')).outcome).toBe('replied');
      expect(await limited('chat')).toBe(1);
    });
  });
});
