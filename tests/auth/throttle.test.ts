import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoginThrottle, lockoutSeconds } from '../../src/auth/throttle';
import type { LoginThrottle, ThrottleVerdict } from '../../src/auth/types';
import { createUsers } from '../../src/auth/users';
import { openStore, type Store } from '../../src/store/store';
import { GOOD_PASSWORD, INJECTIONS, START, tableNames } from './fixtures';

const IP = '203.0.113.7';

describe('login throttle', () => {
  let store: Store;
  let throttle: LoginThrottle;
  let now: number;
  const clock = () => now;
  const waitOf = (v: ThrottleVerdict) => (v.allowed ? 0 : v.retryAfterS);

  beforeEach(() => {
    now = START;
    store = openStore(':memory:');
    throttle = createLoginThrottle({ db: store.db, clock, maxFailures: 5, lockoutBaseS: 30 });
  });
  afterEach(() => store.close());

  it('doubles the lockout per failure past the limit, capped at an hour', () => {
    expect([4, 5, 6, 7, 11, 12, 40, 5000].map((f) => lockoutSeconds(f, 5, 30))).toEqual([0, 30, 60, 120, 1920, 3600, 3600, 3600]);
  });

  it('locks an account after 20 wrong passwords with a growing wait, and lets it in after the wait', async () => {
    const users = createUsers(store.db, clock);
    await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    const waits: number[] = [];
    // An attacker who waits out every lockout and tries again: each wrong guess costs more time.
    for (let attempt = 0; attempt < 20; attempt++) {
      const verdict = throttle.check('ann@example.com', IP);
      if (!verdict.allowed) now += verdict.retryAfterS * 1000;
      expect(throttle.check('ann@example.com', IP)).toEqual({ allowed: true });
      await expect(users.verifyPassword('ann@example.com', `wrong guess ${attempt}`)).resolves.toBeUndefined();
      throttle.failed('ann@example.com', IP);
      waits.push(waitOf(throttle.check('ann@example.com', IP)));
    }
    expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(waits.slice(4, 12)).toEqual([30, 60, 120, 240, 480, 960, 1920, 3600]);
    expect(waits.slice(12)).toEqual(Array(8).fill(3600));
    // Case and spaces do not get around it.
    expect(throttle.check('  ANN@Example.com ', '198.51.100.1')).toEqual({ allowed: false, retryAfterS: 3600 });

    now += 3599_500;
    expect(throttle.check('ann@example.com', IP)).toEqual({ allowed: false, retryAfterS: 1 });
    now += 500;
    expect(throttle.check('ann@example.com', IP)).toEqual({ allowed: true });
    await expect(users.verifyPassword('ann@example.com', GOOD_PASSWORD)).resolves.toMatchObject({ email: 'ann@example.com' });
    throttle.succeeded('ann@example.com', IP);
    throttle.failed('ann@example.com', IP);
    expect(throttle.check('ann@example.com', '198.51.100.1')).toEqual({ allowed: true });
  });

  it('trips the address limit (4x the account limit) across many accounts from one address', () => {
    for (let i = 0; i < 19; i++) throttle.failed(`user${i}@example.com`, IP);
    expect(throttle.check('fresh@example.com', IP)).toEqual({ allowed: true });
    throttle.failed('user19@example.com', IP);
    expect(throttle.check('fresh@example.com', IP)).toEqual({ allowed: false, retryAfterS: 30 });
    expect(throttle.check('fresh@example.com', '198.51.100.1')).toEqual({ allowed: true });
    expect(throttle.check('user0@example.com', '198.51.100.1')).toEqual({ allowed: true });
    throttle.failed('user20@example.com', IP);
    expect(throttle.check('fresh@example.com', IP)).toEqual({ allowed: false, retryAfterS: 60 });
    // A success clears the account, not the address.
    throttle.succeeded('user20@example.com', IP);
    expect(throttle.check('fresh@example.com', IP)).toEqual({ allowed: false, retryAfterS: 60 });
  });

  it('answers the longer of the two waits, in whole seconds of at least 1', () => {
    for (let i = 0; i < 5; i++) throttle.failed('ann@example.com', IP);
    for (let i = 0; i < 16; i++) throttle.failed(`other${i}@example.com`, IP);
    expect(throttle.check('ann@example.com', '198.51.100.1')).toEqual({ allowed: false, retryAfterS: 30 });
    expect(throttle.check('fresh@example.com', IP)).toEqual({ allowed: false, retryAfterS: 60 });
    expect(throttle.check('ann@example.com', IP)).toEqual({ allowed: false, retryAfterS: 60 });
    now += 59_001;
    expect(throttle.check('ann@example.com', IP)).toEqual({ allowed: false, retryAfterS: 1 });
    now += 999;
    expect(throttle.check('ann@example.com', IP)).toEqual({ allowed: true });
  });

  it('forgets a failure streak after 24 hours', () => {
    for (let i = 0; i < 4; i++) throttle.failed('ann@example.com', IP);
    now += 24 * 3600 * 1000 + 1;
    throttle.failed('ann@example.com', IP);
    expect(throttle.check('ann@example.com', IP)).toEqual({ allowed: true });
    expect(store.db.prepare('SELECT failures FROM login_throttle WHERE key = ?').pluck().get('account:ann@example.com')).toBe(1);
  });

  it('keeps a lockout across a restart', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sco-throttle-')), 'db.sqlite');
    const first = openStore(path);
    const before = createLoginThrottle({ db: first.db, clock, maxFailures: 3, lockoutBaseS: 100 });
    for (let i = 0; i < 3; i++) before.failed('ann@example.com', IP);
    first.close();
    const second = openStore(path);
    const after = createLoginThrottle({ db: second.db, clock, maxFailures: 3, lockoutBaseS: 100 });
    expect(after.check('ann@example.com', '198.51.100.1')).toEqual({ allowed: false, retryAfterS: 100 });
    second.close();
  });

  it('stores hostile emails and addresses as data', () => {
    const before = tableNames(store.db);
    for (const bad of INJECTIONS) for (let i = 0; i < 5; i++) throttle.failed(bad, bad);
    for (const bad of INJECTIONS) expect(throttle.check(bad, '198.51.100.1')).toEqual({ allowed: false, retryAfterS: 30 });
    expect(throttle.check('ann@example.com', '198.51.100.1')).toEqual({ allowed: true });
    expect(store.db.prepare('SELECT COUNT(*) FROM login_throttle').pluck().get()).toBe(INJECTIONS.length * 2);
    expect(tableNames(store.db)).toEqual(before);
  });

  it('refuses nonsense settings', () => {
    expect(() => createLoginThrottle({ db: store.db, clock, maxFailures: 0, lockoutBaseS: 30 })).toThrow(/LOGIN_MAX_FAILURES/);
    expect(() => createLoginThrottle({ db: store.db, clock, maxFailures: 5, lockoutBaseS: 0 })).toThrow(/LOGIN_LOCKOUT_S/);
  });
});
