import { createHmac, randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { Db } from '../store/store';
import type { LoginThrottle, ThrottleVerdict } from './types';

/**
 * Slows password guessing without handing anyone a lockout of someone else (OWASP Authentication
 * Cheat Sheet: throttle per account *and* source). Three counters, each with a doubling backoff:
 *
 * - the pair (account, source address): `maxFailures` free failures, then `lockoutBaseS`,
 *   doubling per further failure, at most an hour. An attacker elsewhere never touches it.
 * - the source address, across accounts: 4x `maxFailures`, same backoff (many people share a NAT).
 * - the account, from every address: 10x `maxFailures`, then a slow-down (one check per
 *   `lockoutBaseS`, doubling, at most 15 minutes) that spares the addresses the account logged in
 *   from in the last 30 days, so a distributed guess is slow and the owner still gets in.
 *
 * Atomic: `reserve` checks every counter and reserves the attempt in one immediate transaction,
 * before the slow password check; a reserved check counts against the allowance while it runs,
 * so however many attempts arrive at once, at most the allowance is checked. An IPv6 source is
 * its /64 (one host owns a whole /64). Accounts are stored as a keyed hash (HMAC-SHA-256, a
 * per-install secret), never the typed text: people type passwords into the email field.
 * State lives in SQLite, so a restart does not lift a lock.
 */

interface ThrottleRow {
  key: string;
  failures: number;
  last_failure: number;
  locked_until: number;
  pending: number;
  pending_since: number;
}

export interface LoginThrottleOptions {
  db: Db;
  clock: Clock;
  maxFailures: number;
  lockoutBaseS: number;
}

const MAX_LOCK_S = 3600;
const ACCOUNT_MAX_SLOWDOWN_S = 900;
const SOURCE_FACTOR = 4;
const ACCOUNT_FACTOR = 10;
const FORGET_AFTER_MS = 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
/** A reservation whose check never settled (a crash mid-check) stops counting after this. */
const PENDING_TTL_MS = 60 * 1000;
/** An account's successful-login addresses are remembered this long, the newest few of them. */
const KNOWN_SOURCE_MS = 30 * 24 * 3600 * 1000;
const KNOWN_SOURCES_KEPT = 10;
/** Retry-After when checks still running use up the allowance: nothing failed yet. */
const IN_FLIGHT_WAIT_MS = 1000;

/** Seconds of lockout after `failures` consecutive failures, with `limit` allowed: 0 below the limit. */
export function lockoutSeconds(failures: number, limit: number, baseS: number, capS = MAX_LOCK_S): number {
  if (failures < limit) return 0;
  return Math.min(capS, baseS * 2 ** Math.min(failures - limit, 30));
}

/** The address a counter is kept for: IPv4 as is (also when IPv4-mapped), IPv6 as its /64. */
export function sourceOf(ip: string): string {
  const raw = String(ip).trim().toLowerCase().slice(0, 64);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(raw);
  if (mapped) return mapped[1];
  if (!isIPv6(raw)) return raw;
  const [head, tail = ''] = raw.split('::');
  const left = head ? head.split(':') : [];
  const right = raw.includes('::') && tail ? tail.split(':') : [];
  const width = (gs: string[]) => gs.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups = raw.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - width(left) - width(right))).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => (g.includes('.') ? g : Number.parseInt(g, 16).toString(16)))
    .join(':')}::/64`;
}

interface Counter {
  key: string;
  limit: number;
  capS: number;
}

function prepareThrottleSql(db: Db) {
  return {
    get: db.prepare<[string], ThrottleRow>('SELECT * FROM login_throttle WHERE key = ?'),
    put: db.prepare<ThrottleRow>(`
      INSERT INTO login_throttle (key, failures, last_failure, locked_until, pending, pending_since)
      VALUES (@key, @failures, @last_failure, @locked_until, @pending, @pending_since)
      ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure,
        locked_until = excluded.locked_until, pending = excluded.pending, pending_since = excluded.pending_since`),
    prune: db.prepare<[number, number]>('DELETE FROM login_throttle WHERE last_failure < ? AND pending_since < ?'),
    known: db
      .prepare<[string, string, number], number>(
        'SELECT 1 FROM login_sources WHERE account = ? AND source = ? AND last_ok >= ?',
      )
      .pluck(),
    remember: db.prepare<[string, string, number]>(
      'INSERT INTO login_sources (account, source, last_ok) VALUES (?, ?, ?) ON CONFLICT (account, source) DO ' +
        'UPDATE SET last_ok = excluded.last_ok',
    ),
    keepNewest: db.prepare<[string, string]>(`
      DELETE FROM login_sources WHERE account = ? AND source NOT IN
        (SELECT source FROM login_sources WHERE account = ? ORDER BY last_ok DESC LIMIT ${KNOWN_SOURCES_KEPT})`),
    pruneSources: db.prepare<[number]>('DELETE FROM login_sources WHERE last_ok < ?'),
  };
}

/** What the throttle's functions share: the statements, the install's secret and the limits. */
interface Throttle {
  s: ReturnType<typeof prepareThrottleSql>;
  secret: Buffer;
  maxFailures: number;
  lockoutBaseS: number;
  lastPrune: number;
}

function accountOf({ secret }: Throttle, email: string): string {
  return createHmac('sha256', secret).update(String(email).trim().toLowerCase().slice(0, 320)).digest('base64url');
}

function counters(
  t: Throttle,
  email: string,
  ip: string,
): { account: string; source: string; pair: Counter; address: Counter; everywhere: Counter } {
  const { maxFailures } = t;
  const account = accountOf(t, email);
  const source = sourceOf(ip);
  return {
    account,
    source,
    pair: { key: `pair:${account}:${source}`, limit: maxFailures, capS: MAX_LOCK_S },
    address: { key: `ip:${source}`, limit: maxFailures * SOURCE_FACTOR, capS: MAX_LOCK_S },
    everywhere: { key: `account:${account}`, limit: maxFailures * ACCOUNT_FACTOR, capS: ACCOUNT_MAX_SLOWDOWN_S },
  };
}

/** The row as it counts now: a failure streak older than a day and an unsettled old reservation are forgotten. */
function live({ s }: Throttle, key: string, now: number): ThrottleRow {
  const row = s.get.get(key) ?? { key, failures: 0, last_failure: 0, locked_until: 0, pending: 0, pending_since: 0 };
  const stale = now - row.last_failure > FORGET_AFTER_MS;
  const abandoned = now - row.pending_since > PENDING_TTL_MS;
  return {
    ...row,
    failures: stale ? 0 : row.failures,
    locked_until: stale ? 0 : row.locked_until,
    pending: abandoned ? 0 : row.pending,
  };
}

/** Milliseconds this counter makes an attempt wait: its lock, or a moment while running checks may use up the rest. */
function waitMs(t: Throttle, c: Counter, now: number): number {
  const row = live(t, c.key, now);
  if (row.locked_until > now) return row.locked_until - now;
  return row.pending > 0 && row.failures + row.pending >= c.limit ? IN_FLIGHT_WAIT_MS : 0;
}

/** Checks every counter and, when allowed, reserves one password check (inside a transaction). */
function reserve(t: Throttle, email: string, ip: string, now: number): ThrottleVerdict {
  const { s } = t;
  const c = counters(t, email, ip);
  const familiar = s.known.get(c.account, c.source, now - KNOWN_SOURCE_MS) !== undefined;
  const gates = familiar ? [c.pair, c.address] : [c.pair, c.address, c.everywhere];
  const wait = Math.max(...gates.map((g) => waitMs(t, g, now)));
  if (wait > 0) return { allowed: false, retryAfterS: Math.max(1, Math.ceil(wait / 1000)) };
  for (const counter of [c.pair, c.address, c.everywhere]) {
    const row = live(t, counter.key, now);
    s.put.run({ ...row, pending: row.pending + 1, pending_since: now });
  }
  return { allowed: true };
}

/** Settles a reserved check: a failure counts on every counter, a success clears the pair (in a transaction). */
function settle(t: Throttle, email: string, ip: string, ok: boolean, now: number): void {
  const { s, lockoutBaseS } = t;
  const c = counters(t, email, ip);
  for (const counter of [c.pair, c.address, c.everywhere]) {
    const row = live(t, counter.key, now);
    const pending = Math.max(0, row.pending - 1);
    if (ok && counter === c.pair) s.put.run({ ...row, failures: 0, locked_until: 0, pending });
    else if (ok) s.put.run({ ...row, pending });
    else {
      const failures = row.failures + 1;
      s.put.run({
        ...row,
        failures,
        last_failure: now,
        locked_until: now + lockoutSeconds(failures, counter.limit, lockoutBaseS, counter.capS) * 1000,
        pending,
      });
    }
  }
  if (ok) {
    s.remember.run(c.account, c.source, now);
    s.keepNewest.run(c.account, c.account);
  }
  if (now - t.lastPrune >= PRUNE_EVERY_MS) {
    t.lastPrune = now;
    s.prune.run(now - FORGET_AFTER_MS, now - PENDING_TTL_MS);
    s.pruneSources.run(now - KNOWN_SOURCE_MS);
  }
}

export function createLoginThrottle({ db, clock, maxFailures, lockoutBaseS }: LoginThrottleOptions): LoginThrottle {
  if (!Number.isInteger(maxFailures) || maxFailures < 1)
    throw new AppError('config_invalid', 'LOGIN_MAX_FAILURES: expected a positive whole number');
  if (!(lockoutBaseS > 0))
    throw new AppError('config_invalid', 'LOGIN_LOCKOUT_S: expected a positive number of seconds');
  db.prepare("INSERT OR IGNORE INTO install_secrets (name, value) VALUES ('login_throttle', ?)").run(randomBytes(32));
  const secret = db
    .prepare<[], Buffer>("SELECT value FROM install_secrets WHERE name = 'login_throttle'")
    .pluck()
    .get() as Buffer;
  const t: Throttle = { s: prepareThrottleSql(db), secret, maxFailures, lockoutBaseS, lastPrune: 0 };
  const reserveTx = db.transaction((email: string, ip: string, now: number) => reserve(t, email, ip, now));
  const settleTx = db.transaction((email: string, ip: string, ok: boolean, now: number) =>
    settle(t, email, ip, ok, now),
  );
  return {
    reserve: (email, ip) => reserveTx.immediate(email, ip, clock()),
    failed(email, ip) {
      settleTx.immediate(email, ip, false, clock());
    },
    succeeded(email, ip) {
      settleTx.immediate(email, ip, true, clock());
    },
  };
}
