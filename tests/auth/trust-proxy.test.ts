import { addUser, httpApp, PASSWORD, type HttpApp } from '../http/http-app';

/**
 * issue 13.5 (trial): behind a reverse proxy every client arrives from the proxy's address, so the
 * per-address counters made one attacker lock everyone out again. With TRUST_PROXY naming the
 * proxy, X-Forwarded-For from it names the client; from anywhere else it is ignored.
 */
const PROXY = '10.1.2.3';

describe('issue 13.5 (trial): TRUST_PROXY: the throttle sees clients behind a reverse proxy', () => {
  let h: HttpApp;
  afterEach(async () => {
    await h.close();
  });
  const login = (email: string, password: string, remoteAddress: string, forwardedFor?: string) =>
    h.http.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { email, password },
      remoteAddress,
      ...(forwardedFor ? { headers: { 'x-forwarded-for': forwardedFor } } : {}),
    });

  it(
    'an attacker behind the trusted proxy is throttled alone; ' + 'the admin behind the same proxy still logs in',
    async () => {
      h = await httpApp({ LOGIN_MAX_FAILURES: '5', TRUST_PROXY: `${PROXY},127.0.0.1` });
      const admin = await addUser(h.app, 'admin');
      const answers: number[] = [];
      for (let i = 0; i < 20; i++)
        answers.push((await login(admin.email, `guess ${i}`, PROXY, '203.0.113.66')).statusCode);
      expect(answers.filter((s) => s === 429)).toHaveLength(15);
      expect((await login(admin.email, PASSWORD, PROXY, '198.51.100.20')).statusCode).toBe(200);
    },
  );

  it('X-Forwarded-For from an address that is not a trusted proxy changes nothing', async () => {
    h = await httpApp({ LOGIN_MAX_FAILURES: '5', TRUST_PROXY: PROXY });
    const admin = await addUser(h.app, 'admin');
    for (let i = 0; i < 5; i++) await login(admin.email, `guess ${i}`, '203.0.113.66', `198.51.100.${i}`);
    // the forged header did not spread the guesses over five addresses: the attacker's own is locked
    expect((await login(admin.email, 'guess 6', '203.0.113.66', '198.51.100.99')).statusCode).toBe(429);
  });

  it('refuses a TRUST_PROXY that is not a list of addresses', async () => {
    await expect(httpApp({ TRUST_PROXY: 'true' })).rejects.toThrow(
      /TRUST_PROXY: expected a comma-separated list of proxy addresses or CIDRs/,
    );
    h = await httpApp({});
  });
});
