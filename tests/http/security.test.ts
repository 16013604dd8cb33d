import { httpApp, PASSWORD, session, type HttpApp } from './http-app';

/** Browser-facing protection: security headers on every answer, CORS only for the allowlist, body limits. */

describe('HTTP protection', () => {
  let h: HttpApp | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('sends security headers on every answer, errors included, and no x-powered-by', async () => {
    h = await httpApp();
    for (const url of ['/healthz', '/api/v1/jobs', '/nowhere', '/api/v1/openapi.json']) {
      const res = await h.http.inject({ method: 'GET', url });
      expect([url, res.headers['x-content-type-options']]).toEqual([url, 'nosniff']);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['content-security-policy']).toBe("default-src 'none';frame-ancestors 'none'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      expect(res.headers['x-xss-protection']).toBeUndefined(); // a page-only header: not sent by an API
      expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('allows no cross-origin access by default: no Access-Control-Allow-Origin, preflights unanswered', async () => {
    h = await httpApp();
    const res = await h.http.inject({
      method: 'GET',
      url: '/api/v1/openapi.json',
      headers: { origin: 'https://ops.example.com' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await h.http.inject({
      method: 'OPTIONS',
      url: '/auth/login',
      headers: { origin: 'https://ops.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('allows a configured origin (preflight included) and refuses any other', async () => {
    h = await httpApp({ CORS_ORIGINS: 'https://ops.example.com, https://admin.example.com' });
    const me = await session(h, 'viewer');
    const allowed = await h.http.inject({
      method: 'GET',
      url: '/auth/verify',
      headers: { ...me.headers, origin: 'https://admin.example.com' },
    });
    expect(allowed.statusCode).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://admin.example.com');
    expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
    expect(allowed.headers.vary).toMatch(/Origin/);

    const preflight = await h.http.inject({
      method: 'OPTIONS',
      url: '/auth/api-keys/abc',
      headers: {
        origin: 'https://ops.example.com',
        'access-control-request-method': 'DELETE',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://ops.example.com');
    expect(preflight.headers['access-control-allow-methods']).toMatch(/DELETE/);
    expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/);

    for (const origin of ['https://evil.example.com', 'https://ops.example.com.evil.io', 'null']) {
      const refused = await h.http.inject({ method: 'GET', url: '/auth/verify', headers: { ...me.headers, origin } });
      expect([origin, refused.headers['access-control-allow-origin']]).toEqual([origin, undefined]);
      const refusedPreflight = await h.http.inject({
        method: 'OPTIONS',
        url: '/auth/login',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
      expect(refusedPreflight.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it('refuses a body over the limit with 413 on the auth and API routes', async () => {
    h = await httpApp({ HTTP_BODY_LIMIT_BYTES: '1024' });
    const big = { email: 'a@example.com', password: 'x'.repeat(2000) };
    const login = await h.http.inject({ method: 'POST', url: '/auth/login', payload: big });
    expect(login.statusCode).toBe(413);
    expect(login.json()).toMatchObject({ error: 'payload_too_large' });
    const me = await session(h, 'operator');
    const api = await h.http.inject({
      method: 'POST',
      url: '/api/v1/remediations',
      headers: me.headers,
      payload: { action: 'restart', target: 'payments', runbook: 'x'.repeat(2000) },
    });
    expect(api.statusCode).toBe(413);
    // And a normal one still works.
    expect(
      (await h.http.inject({ method: 'POST', url: '/auth/login', payload: { email: me.email, password: PASSWORD } }))
        .statusCode,
    ).toBe(200);
  });
});
