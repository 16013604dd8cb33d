import { addUser, httpApp, PASSWORD, type HttpApp } from '../http/http-app';

/**
 * Issue 13.5 over HTTP (fastify inject, one remote address per client) on a real app and SQLite
 * file: wrong passwords from an attacker must not lock the real user out, and guessing must stay
 * slow, from one address or from many.
 */

jest.setTimeout(120_000);

describe('issue 13.5: lockout is not a weapon', () => {
  let h: HttpApp;
  let checks: number;
  beforeEach(async () => {
    h = await httpApp({ LOGIN_MAX_FAILURES: '5', LOGIN_LOCKOUT_S: '30' });
    checks = 0;
    const real = h.app.auth.users.verifyPassword.bind(h.app.auth.users);
    h.app.auth.users.verifyPassword = (email, password) => {
      checks += 1;
      return real(email, password);
    };
  });
  afterEach(async () => {
    await h.close();
  });

  const login = (email: string, password: string, ip: string) =>
    h.http.inject({ method: 'POST', url: '/auth/login', payload: { email, password }, remoteAddress: ip });

  it(
    'lets the only admin in from a new address and from their usual one while address A has failed 50 times, ' +
      'and keeps A throttled',
    async () => {
      const admin = await addUser(h.app, 'admin');
      expect((await login(admin.email, PASSWORD, '192.0.2.10')).statusCode).toBe(200);
      checks = 0;
      const answers: number[] = [];
      let lastWait = 0;
      for (let i = 0; i < 50; i++) {
        const res = await login(admin.email, `attacker guess ${i}`, '203.0.113.66');
        answers.push(res.statusCode);
        if (res.statusCode === 429) {
          lastWait = Number(res.headers['retry-after']);
          expect(res.json<{ message: string }>().message).toBe(`too many failed attempts; try again in ${lastWait} s`);
        }
      }
      expect(answers.filter((s) => s === 401)).toHaveLength(5);
      expect(answers.filter((s) => s === 429)).toHaveLength(45);
      expect(lastWait).toBe(30);
      expect(checks).toBe(5);

      expect((await login(admin.email, PASSWORD, '198.51.100.20')).statusCode).toBe(200); // B: never used before
      expect((await login(admin.email, PASSWORD, '192.0.2.10')).statusCode).toBe(200); // the usual address
      // A stays throttled, right password or not, and waits longer after each guess it waits out.
      expect((await login(admin.email, PASSWORD, '203.0.113.66')).statusCode).toBe(429);
      h.clock.now += 30_000;
      expect((await login(admin.email, 'attacker guess again', '203.0.113.66')).statusCode).toBe(401);
      const next = await login(admin.email, PASSWORD, '203.0.113.66');
      expect(next.statusCode).toBe(429);
      expect(next.headers['retry-after']).toBe('60');
    },
  );

  it('caps one address guessing across accounts', async () => {
    const users = await Promise.all([0, 1, 2, 3, 4].map(() => addUser(h.app, 'viewer')));
    const answers: number[] = [];
    for (let i = 0; i < 40; i++)
      answers.push((await login(users[i % 5].email, `spray ${i}`, '203.0.113.77')).statusCode);
    expect(checks).toBe(20);
    expect(answers.slice(20).every((s) => s === 429)).toBe(true);
    // The sprayed users are not locked out anywhere else.
    for (const u of users) expect((await login(u.email, PASSWORD, '192.0.2.30')).statusCode).toBe(200);
  });

  it(
    'slows a distributed guess on one account to a bounded number of checks per hour, ' +
      'and its owner still gets in from their usual address',
    async () => {
      const admin = await addUser(h.app, 'admin');
      expect((await login(admin.email, PASSWORD, '192.0.2.40')).statusCode).toBe(200);
      checks = 0;
      let address = 0;
      const swarm = async (n: number) => {
        const all = await Promise.all(
          Array.from({ length: n }, () =>
            login(admin.email, `swarm guess ${address}`, `10.${Math.floor(++address / 250)}.${address % 250}.1`),
          ),
        );
        return all.map((r) => r.statusCode);
      };
      // 100 addresses, one guess each, at once: no pair and no address reaches its own limit.
      const burst = await swarm(100);
      expect(checks).toBeLessThanOrEqual(50);
      expect(burst.filter((s) => s === 429).length).toBe(100 - checks);
      // Then the swarm keeps trying every minute for an hour: the account allows a few checks, not 60 x 5.
      const before = checks;
      for (let minute = 0; minute < 60; minute++) {
        h.clock.now += 60_000;
        await swarm(5);
      }
      const perHour = checks - before;
      expect(perHour).toBeGreaterThan(0);
      expect(perHour).toBeLessThanOrEqual(8); // waits of 30 s, 60 s, ..., 900 s: 30+60+120+240+480+900+900+900 > 3600
      // The owner from their usual address: at once, throughout.
      expect((await login(admin.email, PASSWORD, '192.0.2.40')).statusCode).toBe(200);
      // From a new address the owner is slowed like everyone else, and told for how long.
      const elsewhere = await login(admin.email, PASSWORD, '198.51.100.99');
      expect(elsewhere.statusCode).toBe(429);
      expect(Number(elsewhere.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(elsewhere.headers['retry-after'])).toBeLessThanOrEqual(900);
    },
  );
});
