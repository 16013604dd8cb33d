import type { Clock } from '../clock';

/**
 * Per-caller rate limits (issue 17 point 5): a token bucket per key (a chat user, a REST
 * principal) holding `perMinute` tokens and refilling at `perMinute` a minute, so a burst up to the
 * limit passes and a steady stream above it is refused with the seconds until the next token.
 * `perMinute` 0 turns the limit off. In memory, per process: the control plane is one process.
 */
export type RateDecision = { ok: true } | { ok: false; retryAfterS: number };

export interface RateLimiter {
  readonly perMinute: number;
  take(key: string): RateDecision;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** Buckets kept before full (idle) ones are dropped. */
const MAX_BUCKETS = 10_000;

/**
 * `now` is real elapsed time by default (a monotonic clock): limits are about how fast requests
 * really come, whatever clock the rest of the app runs on (the demo's can be simulated).
 */
export function createRateLimiter(perMinute: number, now: Clock = () => performance.now()): RateLimiter {
  const clock = now;
  const buckets = new Map<string, Bucket>();
  const perMs = perMinute / 60_000;
  const refill = (b: Bucket, now: number) => {
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMs);
    b.at = now;
  };
  const prune = (now: number) => {
    for (const [key, b] of buckets) {
      refill(b, now);
      if (b.tokens >= perMinute) buckets.delete(key);
    }
  };
  return {
    perMinute,
    take(key) {
      if (perMinute <= 0) return { ok: true };
      const now = clock();
      let b = buckets.get(key);
      if (!b) {
        if (buckets.size >= MAX_BUCKETS) prune(now);
        b = { tokens: perMinute, at: now };
        buckets.set(key, b);
      }
      refill(b, now);
      if (b.tokens >= 1) {
        b.tokens -= 1;
        return { ok: true };
      }
      return { ok: false, retryAfterS: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)) };
    },
  };
}
