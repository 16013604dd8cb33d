import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoginThrottle, lockoutSeconds, sourceOf } from '../../src/auth/throttle';
import type { LoginThrottle, ThrottleVerdict } from '../../src/auth/types';
import { openStore, type Store } from '../../src/store/store';
import { INJECTIONS, START, tableNames } from './fixtures';

const IP = '203.0.113.7';
const OTHER = '198.51.100.1';

describe('login throttle', () => {
  let store: Store;
  let throttle: LoginThrottle;
  let now: number;
  const clock = () => now;
  const waitOf = (v: ThrottleVerdict) => (v.allowed ? 0 : v.retryAfterS);
  /** One wrong password, if the throttle lets it be checked: the verdict it got. */
  const wrong = (email: string, ip: string, t = throttle): ThrottleVerdict => {
    const verdict = t.reserve(email, ip);
    if (verdict.allowed) t.failed(email, ip);
    return verdict;
  };
  const right = (email: string, ip: string): ThrottleVerdict => {
    const verdict = throttle.reserve(email, ip);
    if (verdict.allowed) throttle.succeeded(email, ip);
    return verdict;
  };

  beforeEach(() => {
    now = START;
    store = openStore(':memory:');
    throttle = createLoginThrottle({ db: store.db, clock, maxFailures: 5, lockoutBaseS: 30 });
  });
  afterEach(() => store.close());

  it('doubles the lockout per failure past the limit, capped at an hour (or the cap given)', () => {
    expect([4, 5, 6, 7, 11, 12, 40, 5000].map((f) => lockoutSeconds(f, 5, 30))).toEqual([
      0, 30, 60, 120, 1920, 3600, 3600, 3600,
    ]);
    expect([49, 50, 51, 54, 55, 500].map((f) => lockoutSeconds(f, 50, 30, 900))).toEqual([0, 30, 60, 480, 900, 900]);
  });

  it('counts an IPv6 host by its /64 and an IPv4-mapped address as IPv4', () => {
    expect(sourceOf('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:DB8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(sourceOf('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(sourceOf('::1')).toBe('0:0:0:0::/64');
    expect(sourceOf('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(sourceOf(' 203.0.113.7 ')).toBe('203.0.113.7');
    for (let i = 0; i < 5; i++) wrong('ann@example.com', `2001:db8:1:2::${i + 1}`);
    expect(waitOf(throttle.reserve('ann@example.com', '2001:db8:1:2:9::9'))).toBe(30);
    expect(waitOf(throttle.reserve('ann@example.com', '2001:db8:1:3::1'))).toBe(0);
  });

  it(
    'backs off one address guessing one account: 5 free failures, then 30 s doubling to an hour, ' +
      'then lets it in after the wait',
    () => {
      const waits: number[] = [];
      // An attacker who waits out every lockout and tries again: each wrong guess costs more time.
      for (let attempt = 0; attempt < 20; attempt++) {
        const verdict = throttle.reserve('ann@example.com', IP);
        waits.push(waitOf(verdict));
        if (!verdict.allowed) {
          now += verdict.retryAfterS * 1000;
          expect(throttle.reserve('ann@example.com', IP)).toEqual({ allowed: true });
        }
        throttle.failed('ann@example.com', IP);
      }
      expect(waits).toEqual([
        0, 0, 0, 0, 0, 30, 60, 120, 240, 480, 960, 1920, 3600, 3600, 3600, 3600, 3600, 3600, 3600, 3600,
      ]);
      // Case and spaces do not get around it.
      expect(throttle.reserve('  ANN@Example.com ', IP)).toEqual({ allowed: false, retryAfterS: 3600 });
      now += 3599_500;
      expect(throttle.reserve('ann@example.com', IP)).toEqual({ allowed: false, retryAfterS: 1 });
      now += 500;
      expect(right('ann@example.com', IP)).toEqual({ allowed: true });
      // The success clears the pair, not the address: its 20 failures (its 4x limit) still count.
      expect(wrong('ann@example.com', IP)).toEqual({ allowed: true });
      expect(throttle.reserve('ann@example.com', IP)).toEqual({ allowed: false, retryAfterS: 60 });
    },
  );

  it('issue 13.5: failures from one address never lock the account at another address', () => {
    for (let i = 0; i < 50; i++) wrong('admin@example.com', IP);
    expect(waitOf(throttle.reserve('admin@example.com', IP))).toBeGreaterThan(0);
    expect(right('admin@example.com', OTHER)).toEqual({ allowed: true });
    expect(right('admin@example.com', '192.0.2.200')).toEqual({ allowed: true });
  });

  it('trips the address limit (4x) across many accounts from one address, and a success does not lift it', () => {
    for (let i = 0; i < 19; i++) wrong(`user${i}@example.com`, IP);
    expect(right('fresh@example.com', IP)).toEqual({ allowed: true });
    wrong('user19@example.com', IP);
    expect(throttle.reserve('fresh@example.com', IP)).toEqual({ allowed: false, retryAfterS: 30 });
    expect(throttle.reserve('fresh@example.com', OTHER)).toEqual({ allowed: true });
    throttle.succeeded('fresh@example.com', OTHER);
    now += 30_000;
    wrong('user20@example.com', IP);
    expect(throttle.reserve('user0@example.com', IP)).toEqual({ allowed: false, retryAfterS: 60 });
  });

  it(
    'issue 13.5: slows an account guessed from many addresses (10x), doubling to 15 min, ' +
      'except from the addresses it logged in from',
    () => {
      expect(right('admin@example.com', '192.0.2.1')).toEqual({ allowed: true });
      for (let i = 0; i < 50; i++) expect(wrong('admin@example.com', `198.51.100.${i}`)).toEqual({ allowed: true });
      expect(throttle.reserve('admin@example.com', '198.51.100.200')).toEqual({ allowed: false, retryAfterS: 30 });
      // The owner's usual address is spared, and its success does not reopen the account for the swarm.
      expect(right('admin@example.com', '192.0.2.1')).toEqual({ allowed: true });
      expect(throttle.reserve('admin@example.com', '198.51.100.201')).toEqual({ allowed: false, retryAfterS: 30 });
      // Each further guess (one per wait) doubles the wait, up to 15 minutes.
      const waits: number[] = [];
      for (let i = 0; i < 8; i++) {
        const refused = throttle.reserve('admin@example.com', `203.0.113.${i}`);
        waits.push(waitOf(refused));
        now += waitOf(refused) * 1000;
        expect(wrong('admin@example.com', `203.0.113.${100 + i}`)).toEqual({ allowed: true });
      }
      expect(waits).toEqual([30, 60, 120, 240, 480, 900, 900, 900]);
      expect(right('admin@example.com', '192.0.2.1')).toEqual({ allowed: true });
    },
  );

  it('remembers the 10 newest addresses an account logged in from, for 30 days', () => {
    for (let i = 1; i <= 11; i++) {
      now += 1000;
      right('admin@example.com', `192.0.2.${i}`);
    }
    for (let i = 0; i < 50; i++) wrong('admin@example.com', `198.51.100.${i}`);
    expect(waitOf(throttle.reserve('admin@example.com', '192.0.2.1'))).toBe(30); // the oldest was pushed out
    expect(right('admin@example.com', '192.0.2.2')).toEqual({ allowed: true });
    expect(right('admin@example.com', '192.0.2.11')).toEqual({ allowed: true });
    now += 30 * 24 * 3600 * 1000 - 1;
    expect(right('admin@example.com', '192.0.2.11')).toEqual({ allowed: true }); // a login renews it
    for (let i = 0; i < 50; i++) wrong('admin@example.com', `203.0.113.${i}`);
    now += 1000;
    // 30 days since its last login
    expect(waitOf(throttle.reserve('admin@example.com', '192.0.2.3'))).toBeGreaterThan(0);
    expect(right('admin@example.com', '192.0.2.11')).toEqual({ allowed: true });
  });

  it('issue 13.4: counts a reserved check while it runs, and forgets one that never settles after a minute', () => {
    for (let i = 0; i < 5; i++) expect(throttle.reserve('ann@example.com', IP)).toEqual({ allowed: true });
    expect(throttle.reserve('ann@example.com', IP)).toEqual({ allowed: false, retryAfterS: 1 });
    throttle.succeeded('ann@example.com', IP);
    expect(throttle.reserve('ann@example.com', IP)).toEqual({ allowed: true });
    for (let i = 0; i < 5; i++) throttle.failed('ann@example.com', IP);
    expect(throttle.reserve('ann@example.com', IP)).toEqual({ allowed: false, retryAfterS: 30 });
    // A crash mid-check: the reservation lapses, the failures do not.
    expect(throttle.reserve('bob@example.com', OTHER)).toEqual({ allowed: true });
    for (let i = 0; i < 4; i++) expect(throttle.reserve('bob@example.com', OTHER)).toEqual({ allowed: true });
    expect(waitOf(throttle.reserve('bob@example.com', OTHER))).toBe(1);
    now += 60_001;
    expect(throttle.reserve('bob@example.com', OTHER)).toEqual({ allowed: true });
  });

  it('forgets a failure streak after 24 hours', () => {
    for (let i = 0; i < 4; i++) wrong('ann@example.com', IP);
    now += 24 * 3600 * 1000 + 1;
    for (let i = 0; i < 4; i++) expect(wrong('ann@example.com', IP)).toEqual({ allowed: true });
    expect(wrong('ann@example.com', IP)).toEqual({ allowed: true });
    expect(waitOf(throttle.reserve('ann@example.com', IP))).toBe(30);
  });

  it('issue 13.8: stores an account only as a keyed hash, never the typed text', () => {
    const typed = 'hunter2hunter2 my password';
    for (let i = 0; i < 6; i++) wrong(typed, IP);
    right('ann@example.com', OTHER);
    const dump = JSON.stringify([
      store.db.prepare('SELECT * FROM login_throttle').all(),
      store.db.prepare('SELECT * FROM login_sources').all(),
    ]);
    expect(dump).not.toContain('hunter2');
    expect(dump).not.toContain('ann@');
    expect(dump).not.toContain('example.com');
    expect(dump).toContain(IP);
    // Keyed: another install hashes the same email differently.
    const other = openStore(':memory:');
    createLoginThrottle({ db: other.db, clock, maxFailures: 5, lockoutBaseS: 30 }).reserve('ann@example.com', OTHER);
    const keys = (db: Store['db']) =>
      db.prepare("SELECT key FROM login_throttle WHERE key LIKE 'account:%'").pluck().all();
    expect(keys(other.db)).toHaveLength(1);
    expect(keys(store.db)).not.toContain(keys(other.db)[0]);
    other.close();
  });

  it('keeps a lockout, and its install secret, across a restart', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sco-throttle-')), 'db.sqlite');
    const first = openStore(path);
    const before = createLoginThrottle({ db: first.db, clock, maxFailures: 3, lockoutBaseS: 100 });
    for (let i = 0; i < 3; i++) wrong('ann@example.com', IP, before);
    first.close();
    const second = openStore(path);
    const after = createLoginThrottle({ db: second.db, clock, maxFailures: 3, lockoutBaseS: 100 });
    expect(after.reserve('  Ann@example.com', IP)).toEqual({ allowed: false, retryAfterS: 100 });
    second.close();
  });

  it('stores hostile emails and addresses as data', () => {
    const before = tableNames(store.db);
    for (const bad of INJECTIONS) for (let i = 0; i < 5; i++) wrong(bad, bad);
    for (const bad of INJECTIONS) expect(throttle.reserve(bad, bad)).toEqual({ allowed: false, retryAfterS: 30 });
    expect(throttle.reserve('ann@example.com', OTHER)).toEqual({ allowed: true });
    expect(tableNames(store.db)).toEqual(before);
  });

  it('refuses nonsense settings', () => {
    expect(() => createLoginThrottle({ db: store.db, clock, maxFailures: 0, lockoutBaseS: 30 })).toThrow(
      /LOGIN_MAX_FAILURES/,
    );
    expect(() => createLoginThrottle({ db: store.db, clock, maxFailures: 5, lockoutBaseS: 0 })).toThrow(
      /LOGIN_LOCKOUT_S/,
    );
  });
});
