import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { Db } from '../store/store';
import type { LoginThrottle, ThrottleVerdict } from './types';

/**
 * Slows password guessing per account and per source address, with exponential backoff: after
 * `maxFailures` consecutive failures an account waits `lockoutBaseS`, then twice that after each
 * further failure, up to an hour. An address gets four times the allowance (many people share a
 * NAT). State lives in SQLite so a restart does not lift a lockout.
 */

interface ThrottleRow {
  key: string;
  failures: number;
  last_failure: number;
  locked_until: number;
}

export interface LoginThrottleOptions {
  db: Db;
  clock: Clock;
  maxFailures: number;
  lockoutBaseS: number;
}

const MAX_LOCK_S = 3600;
const FORGET_AFTER_MS = 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
const ADDRESS_FACTOR = 4;

const accountKey = (email: string) => `account:${String(email).trim().toLowerCase().slice(0, 320)}`;
const addressKey = (ip: string) => `ip:${String(ip).trim().slice(0, 64)}`;

/** Seconds of lockout after `failures` consecutive failures, with `limit` allowed: 0 below the limit. */
export function lockoutSeconds(failures: number, limit: number, baseS: number): number {
  if (failures < limit) return 0;
  return Math.min(MAX_LOCK_S, baseS * 2 ** Math.min(failures - limit, 30));
}

export function createLoginThrottle({ db, clock, maxFailures, lockoutBaseS }: LoginThrottleOptions): LoginThrottle {
  if (!Number.isInteger(maxFailures) || maxFailures < 1) throw new AppError('config_invalid', 'LOGIN_MAX_FAILURES: expected a positive whole number');
  if (!(lockoutBaseS > 0)) throw new AppError('config_invalid', 'LOGIN_LOCKOUT_S: expected a positive number of seconds');
  const s = {
    get: db.prepare<[string], ThrottleRow>('SELECT * FROM login_throttle WHERE key = ?'),
    upsert: db.prepare<ThrottleRow>(`
      INSERT INTO login_throttle (key, failures, last_failure, locked_until) VALUES (@key, @failures, @last_failure, @locked_until)
      ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure, locked_until = excluded.locked_until`),
    clear: db.prepare<[string]>('DELETE FROM login_throttle WHERE key = ?'),
    prune: db.prepare<[number]>('DELETE FROM login_throttle WHERE last_failure < ?'),
  };
  let lastPrune = 0;

  /** Milliseconds `key` must still wait; a failure streak older than a day is forgotten. */
  function waitMs(key: string, now: number): number {
    const row = s.get.get(key);
    if (!row || now - row.last_failure > FORGET_AFTER_MS) return 0;
    return Math.max(0, row.locked_until - now);
  }

  function fail(key: string, limit: number, now: number): void {
    const row = s.get.get(key);
    const failures = row && now - row.last_failure <= FORGET_AFTER_MS ? row.failures + 1 : 1;
    s.upsert.run({ key, failures, last_failure: now, locked_until: now + lockoutSeconds(failures, limit, lockoutBaseS) * 1000 });
  }

  const recordFailure = db.transaction((email: string, ip: string, now: number) => {
    fail(accountKey(email), maxFailures, now);
    fail(addressKey(ip), maxFailures * ADDRESS_FACTOR, now);
    if (now - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now;
      s.prune.run(now - FORGET_AFTER_MS);
    }
  });

  return {
    check(email, ip): ThrottleVerdict {
      const now = clock();
      const wait = Math.max(waitMs(accountKey(email), now), waitMs(addressKey(ip), now));
      return wait > 0 ? { allowed: false, retryAfterS: Math.max(1, Math.ceil(wait / 1000)) } : { allowed: true };
    },
    failed(email, ip) {
      recordFailure.immediate(email, ip, clock());
    },
    succeeded(email) {
      s.clear.run(accountKey(email));
    },
  };
}
