import type { LightMyRequestResponse } from 'fastify';
import type { App } from '../../src/app/control';
import { addUser, httpApp, PASSWORD, type HttpApp } from '../http/http-app';

/**
 * Hostile concurrency, logins: many logins at once over HTTP (fastify inject, one remote address
 * per simulated client) against a real app on a real SQLite file. Every password check the
 * service performs is counted by wrapping the real `users.verifyPassword` of the running app
 * (and cross-checked with the audit log), so the counts are what the service actually did.
 */

const LIMIT = 5; // LOGIN_MAX_FAILURES
const SOURCE_LIMIT = 4 * LIMIT; // failures one address may make across accounts
const ACCOUNT_LIMIT = 10 * LIMIT; // failures on one account, from all addresses, before it slows down

interface Counter {
  checks: number;
  inFlight: number;
  maxInFlight: number;
}

/** Counts the password checks the app performs, through its own users object. */
function countChecks(app: App): Counter {
  const counter: Counter = { checks: 0, inFlight: 0, maxInFlight: 0 };
  const real = app.auth.users.verifyPassword.bind(app.auth.users);
  app.auth.users.verifyPassword = async (email, password) => {
    counter.checks += 1;
    counter.inFlight += 1;
    counter.maxInFlight = Math.max(counter.maxInFlight, counter.inFlight);
    try {
      return await real(email, password);
    } finally {
      counter.inFlight -= 1;
    }
  };
  return counter;
}

const statuses = (all: LightMyRequestResponse[]) => all.map((r) => r.statusCode);
const count = (all: LightMyRequestResponse[], status: number) => all.filter((r) => r.statusCode === status).length;

// scrypt is deliberately slow and this machine is shared: room for a few hundred checks.
jest.setTimeout(120_000);

describe('hostile: parallel logins', () => {
  let h: HttpApp;
  let counter: Counter;
  beforeEach(async () => {
    h = await httpApp({ LOGIN_MAX_FAILURES: String(LIMIT), LOGIN_LOCKOUT_S: '30' });
    counter = countChecks(h.app);
  });
  afterEach(async () => {
    await h.close();
  });

  const attempt = (email: string, password: string, ip: string) =>
    h.http.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, remoteAddress: ip });
  const failedAudits = () =>
    h.app.auth.audit.list({ limit: 1000, action: 'auth.login' }).filter((e) => e.outcome === 'failed').length;

  /** Every refusal is a 429 whose Retry-After and message name the same positive wait. */
  function expectNamedWaits(refused: LightMyRequestResponse[]): void {
    for (const res of refused) {
      const seconds = Number(res.headers['retry-after']);
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(res.json<{ message: string }>().message).toContain(`try again in ${seconds} s`);
    }
  }

  describe('issue 13.4: login throttle is atomic', () => {
    it(
      'checks at most LOGIN_MAX_FAILURES passwords of 100 parallel wrong logins ' + 'for one account from one address',
      async () => {
        const user = await addUser(h.app, 'admin');
        const all = await Promise.all(
          Array.from({ length: 100 }, (_, i) => attempt(user.email, `wrong password number ${i}`, '203.0.113.10')),
        );
        expect(new Set(statuses(all))).toEqual(new Set([401, 429]));
        expect(counter.checks).toBeLessThanOrEqual(LIMIT);
        expect(count(all, 401)).toBe(counter.checks);
        expect(failedAudits()).toBe(counter.checks);
        expectNamedWaits(all.filter((r) => r.statusCode === 429));
        // Once they are done, the pair is locked with the configured first wait.
        const after = await attempt(user.email, PASSWORD, '203.0.113.10');
        expect(after.statusCode).toBe(429);
        expect(Number(after.headers['retry-after'])).toBe(30);
        expect(counter.checks).toBeLessThanOrEqual(LIMIT);
      },
    );

    it(
      'checks at most the per-address allowance of 100 parallel wrong logins ' + 'for 100 accounts from one address',
      async () => {
        const all = await Promise.all(
          Array.from({ length: 100 }, (_, i) =>
            attempt(`victim${i}@example.com`, 'not the password at all', '203.0.113.11'),
          ),
        );
        expect(counter.checks).toBeLessThanOrEqual(SOURCE_LIMIT);
        expect(count(all, 401)).toBe(counter.checks);
        expect(count(all, 429)).toBe(100 - counter.checks);
        expectNamedWaits(all.filter((r) => r.statusCode === 429));
      },
    );

    it(
      'checks at most the per-account allowance of 200 parallel wrong logins ' + 'for one account from 200 addresses',
      async () => {
        const user = await addUser(h.app, 'admin');
        const all = await Promise.all(
          Array.from({ length: 200 }, (_, i) =>
            attempt(user.email, `guess ${i}`, `198.51.${100 + Math.floor(i / 250)}.${i % 250}`),
          ),
        );
        expect(counter.checks).toBeLessThanOrEqual(ACCOUNT_LIMIT);
        expect(count(all, 401)).toBe(counter.checks);
        expectNamedWaits(all.filter((r) => r.statusCode === 429));
      },
    );
  });

  describe('right passwords in parallel', () => {
    it(
      'lets every one of 12 parallel right logins for one account from one address in, at most ' +
        'LIMIT checks at a time',
      async () => {
        const user = await addUser(h.app, 'viewer');
        const pending = new Set(Array.from({ length: 12 }, (_, i) => i));
        let rounds = 0;
        // A refused login is told to retry in 1 s (checks were in flight, nothing failed): each client retries at once.
        while (pending.size > 0 && rounds < 30) {
          rounds += 1;
          const ids = [...pending];
          const all = await Promise.all(ids.map(() => attempt(user.email, PASSWORD, '203.0.113.12')));
          all.forEach((res, j) => {
            if (res.statusCode === 200) pending.delete(ids[j]);
            else {
              expect(res.statusCode).toBe(429);
              expect(res.headers['retry-after']).toBe('1');
            }
          });
        }
        expect(pending.size).toBe(0);
        expect(counter.maxInFlight).toBeLessThanOrEqual(LIMIT);
        expect(counter.checks).toBe(12);
        expect(failedAudits()).toBe(0);
      },
    );

    it(
      'lets the real user in from their usual address while 100 wrong logins for their account arrive from ' +
        'elsewhere at the same moment',
      async () => {
        const user = await addUser(h.app, 'admin');
        expect((await attempt(user.email, PASSWORD, '192.0.2.50')).statusCode).toBe(200);
        const attacks = Array.from({ length: 100 }, (_, i) =>
          attempt(user.email, `guess ${i}`, i % 2 ? '203.0.113.13' : `198.51.100.${i}`),
        );
        const mine = attempt(user.email, PASSWORD, '192.0.2.50');
        const [own, ...rest] = await Promise.all([mine, ...attacks]);
        expect(own.statusCode).toBe(200);
        expect(count(rest, 200)).toBe(0);
        // One address got at most its pair allowance; the 50 others one guess each.
        expect(count(rest, 401)).toBeLessThanOrEqual(LIMIT + 50);
        expect((await attempt(user.email, PASSWORD, '192.0.2.50')).statusCode).toBe(200);
      },
    );

    it('lets 12 users log in at once from one office address while wrong logins from it are throttled', async () => {
      const users = await Promise.all(Array.from({ length: 12 }, () => addUser(h.app, 'viewer')));
      const right = users.map((u) => attempt(u.email, PASSWORD, '192.0.2.60'));
      const wrong = Array.from({ length: 60 }, (_, i) => attempt(users[i % 12].email, `nope nope ${i}`, '192.0.2.60'));
      const [ok, bad] = await Promise.all([Promise.all(right), Promise.all(wrong)]);
      expect(counter.checks - count(ok, 200)).toBeLessThanOrEqual(SOURCE_LIMIT);
      expect(count(bad, 401)).toBeLessThanOrEqual(SOURCE_LIMIT);
      // Refused right ones were refused for in-flight or failed checks at the address: they get in once it calms down.
      for (const [i, res] of ok.entries()) {
        if (res.statusCode === 200) continue;
        expect(res.statusCode).toBe(429);
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        h.clock.now += Number(res.headers['retry-after']) * 1000;
        expect(statuses([await attempt(users[i].email, PASSWORD, '192.0.2.60')])).toEqual([200]);
      }
    });
  });
});
