import { createAuthn, principalOf } from '../../src/http/authn';
import { addUser, asBearer, httpApp, login, PASSWORD, session, type HttpApp, type Pair } from './http-app';

/**
 * /auth/* over real HTTP handling (fastify inject) on a real app: login, tokens, register, keys,
 * throttling, hostile input.
 */

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "admin'--",
  '" OR ""="',
  "x' UNION SELECT password_hash FROM users --",
];

describe('/auth routes', () => {
  let h: HttpApp;
  beforeEach(async () => {
    h = await httpApp();
  });
  afterEach(async () => {
    await h.close();
  });

  const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
    h.http.inject({ method: 'POST', url, payload: payload as object, headers });
  const get = (url: string, headers: Record<string, string> = {}) => h.http.inject({ method: 'GET', url, headers });
  const audit = () => h.app.auth.audit.list({ limit: 500 });
  const withoutId = (body: Record<string, unknown>) => {
    const { request_id: _id, ...rest } = body;
    return rest;
  };

  it('logs in, and the access token verifies with the user, permissions and expiry', async () => {
    const user = await addUser(h.app, 'operator');
    const res = await post('/auth/login', { email: user.email, password: PASSWORD });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const pair = res.json<Pair>();
    expect(pair).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 900,
    });

    const verified = await get('/auth/verify', asBearer(pair.access_token));
    expect(verified.statusCode).toBe(200);
    expect(verified.json()).toEqual({
      user: { id: user.id, email: user.email, name: user.name, role: 'operator' },
      permissions: ['read', 'jobs.cancel_any', 'remediation.request', 'models.manage', 'incidents.manage'],
      exp: Math.floor(h.clock.now / 1000) + 900,
      via: 'token',
    });
    expect(audit()).toContainEqual(
      expect.objectContaining({ actor: `user:${user.id}`, action: 'auth.login', outcome: 'ok' }),
    );
    const metrics = await get('/metrics');
    expect(metrics.body).toMatch(/smartcloudops_auth_logins_total\{outcome="ok"\} 1/);
  });

  it(
    'answers a wrong email and a wrong password with the same 401 body, ' + 'and audits both without the password',
    async () => {
      const user = await addUser(h.app, 'viewer');
      const wrongEmail = await post('/auth/login', { email: 'nobody@example.com', password: PASSWORD });
      const wrongPassword = await post('/auth/login', { email: user.email, password: 'not the password at all' });
      for (const res of [wrongEmail, wrongPassword]) {
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
      }
      expect(withoutId(wrongEmail.json())).toEqual({ error: 'unauthorized', message: 'email or password is wrong' });
      expect(withoutId(wrongPassword.json())).toEqual(withoutId(wrongEmail.json()));

      const failed = audit().filter((e) => e.action === 'auth.login' && e.outcome === 'failed');
      expect(failed).toHaveLength(2);
      expect(failed.map((e) => e.target)).toContain(`user:${user.id}`);
      const recorded = JSON.stringify(audit()) + h.logs();
      expect(recorded).not.toContain('not the password at all');
      expect(recorded).not.toContain(PASSWORD);
      expect((await get('/metrics')).body).toMatch(/smartcloudops_auth_logins_total\{outcome="failed"\} 2/);
    },
  );

  it('answers malformed bodies with 400 and one message per field', async () => {
    const typed = await post('/auth/login', { email: 5, password: 'x', extra: true });
    expect(typed.statusCode).toBe(400);
    expect(typed.json()).toMatchObject({
      error: 'bad_request',
      fields: { email: expect.stringMatching(/string/), extra: 'unknown field' },
    });

    const missing = await post('/auth/login', { email: 'a@example.com' });
    expect(missing.json().fields).toEqual({ password: expect.any(String) });

    for (const payload of ['{"email": ', '[]', '"just a string"', 'null']) {
      const res = await h.http.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ error: 'bad_request', fields: { body: expect.any(String) } });
    }
    const empty = await h.http.inject({ method: 'POST', url: '/auth/login' });
    expect(empty.json()).toMatchObject({ error: 'bad_request', fields: { body: expect.any(String) } });

    // Not JSON at all (a form post): refused before any handler runs.
    const form = await h.http.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=a&password=b',
    });
    expect(form.statusCode).toBe(415);
  });

  it('registers users only for admins: 401 without a token, 403 (audited) for a viewer', async () => {
    const body = { email: 'new@example.com', password: PASSWORD, role: 'operator' };
    const anonymous = await post('/auth/register', body);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="smartcloudops"');

    const viewer = await session(h, 'viewer');
    const refused = await post('/auth/register', body, viewer.headers);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().message).toMatch(/users\.manage/);
    expect(audit()).toContainEqual(
      expect.objectContaining({
        actor: `user:${viewer.id}`,
        action: 'http.denied',
        outcome: 'denied',
        target: 'POST /auth/register',
      }),
    );
    expect(audit()).toContainEqual(
      expect.objectContaining({
        actor: 'anonymous',
        action: 'http.denied',
        outcome: 'denied',
        target: 'POST /auth/register',
      }),
    );

    const admin = await session(h, 'admin');
    const created = await post('/auth/register', body, admin.headers);
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      user: { id: expect.any(String), email: 'new@example.com', name: 'new', role: 'operator' },
    });
    expect(JSON.stringify(created.json())).not.toContain(PASSWORD);
    expect(audit()).toContainEqual(
      expect.objectContaining({ actor: `user:${admin.id}`, action: 'auth.register', outcome: 'ok' }),
    );
    await login(h.http, 'new@example.com');

    expect((await post('/auth/register', body, admin.headers)).statusCode).toBe(409);
    const weak = await post('/auth/register', { ...body, email: 'weak@example.com', password: 'short' }, admin.headers);
    expect(weak.statusCode).toBe(400);
    const badRole = await post('/auth/register', { ...body, email: 'r@example.com', role: 'root' }, admin.headers);
    expect(badRole.json().fields).toEqual({ role: expect.stringMatching(/viewer, operator, approver, admin/) });
  });

  it('rotates refresh tokens; a reused one ends the session, its access tokens included', async () => {
    const user = await addUser(h.app, 'viewer');
    const first = await login(h.http, user.email);
    const rotated = await post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(rotated.statusCode).toBe(200);
    const second = rotated.json<Pair>();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await get('/auth/verify', asBearer(second.access_token))).statusCode).toBe(200);

    const reused = await post('/auth/refresh', { refresh_token: first.refresh_token });
    expect(reused.statusCode).toBe(401);
    expect(reused.headers['www-authenticate']).toMatch(/invalid_token/);
    for (const token of [first.access_token, second.access_token]) {
      const res = await get('/auth/verify', asBearer(token));
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="smartcloudops", error="invalid_token"');
    }
    expect((await post('/auth/refresh', { refresh_token: second.refresh_token })).statusCode).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: 'garbage' })).statusCode).toBe(401);
    expect(audit().map((e) => `${e.action}:${e.outcome}`)).toEqual(
      expect.arrayContaining(['auth.refresh:ok', 'auth.refresh_reuse:denied', 'auth.refresh:failed']),
    );
  });

  it("logs out: the session's access and refresh tokens stop working", async () => {
    const user = await addUser(h.app, 'viewer');
    const pair = await login(h.http, user.email);
    const out = await post('/auth/logout', undefined, asBearer(pair.access_token));
    expect(out.statusCode).toBe(204);
    expect((await get('/auth/verify', asBearer(pair.access_token))).statusCode).toBe(401);
    expect((await post('/auth/refresh', { refresh_token: pair.refresh_token })).statusCode).toBe(401);
    expect((await post('/auth/logout', undefined)).statusCode).toBe(401);
    expect(audit()).toContainEqual(
      expect.objectContaining({ actor: `user:${user.id}`, action: 'auth.logout', outcome: 'ok' }),
    );
  });

  it('changes the password (wrong current password refused) and the profile', async () => {
    const me = await session(h, 'viewer');
    const put = (url: string, payload: unknown, headers = me.headers) =>
      h.http.inject({ method: 'PUT', url, payload: payload as object, headers });
    const wrong = await put('/auth/password', {
      current_password: 'not it at all, sorry',
      new_password: 'a brand new passphrase 7',
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().fields).toEqual({ current_password: 'is wrong' });
    expect(
      (await put('/auth/password', { current_password: PASSWORD, new_password: 'a brand new passphrase 7' }))
        .statusCode,
    ).toBe(204);
    await login(h.http, me.email, 'a brand new passphrase 7');
    expect((await post('/auth/login', { email: me.email, password: PASSWORD })).statusCode).toBe(401);

    const profile = await get('/auth/profile', me.headers);
    expect(profile.json()).toMatchObject({
      id: me.id,
      email: me.email,
      role: 'viewer',
      created_at: expect.any(String),
    });
    const renamed = await put('/auth/profile', { name: 'dana' });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ name: 'dana', email: me.email });
    expect((await put('/auth/profile', {})).json()).toMatchObject({
      error: 'bad_request',
      fields: { body: 'give name, email or both' },
    });
    const other = await addUser(h.app, 'viewer');
    expect((await put('/auth/profile', { email: other.email })).statusCode).toBe(409);
    expect(audit()).toContainEqual(expect.objectContaining({ action: 'auth.password_change', outcome: 'ok' }));
  });

  it('lists roles and their permissions', async () => {
    const me = await session(h, 'viewer');
    const res = await get('/auth/roles', me.headers);
    expect(res.statusCode).toBe(200);
    const roles = res.json().roles as Array<{ name: string; permissions: string[] }>;
    expect(roles.map((r) => r.name)).toEqual(['viewer', 'operator', 'approver', 'admin']);
    expect(roles[0].permissions).toEqual(['read']);
    expect(roles[3].permissions).toContain('users.manage');
    expect((await get('/auth/roles')).statusCode).toBe(401);
  });

  it(
    'creates an API key shown once, authenticates it by X-API-Key and Bearer, ' +
      'lists it without the secret, revokes it',
    async () => {
      const me = await session(h, 'operator');
      const created = await post(
        '/auth/api-key',
        { name: 'ci deploy', permissions: ['read', 'remediation.request'], expires_in_days: 30 },
        me.headers,
      );
      expect(created.statusCode).toBe(201);
      expect(created.headers['cache-control']).toBe('no-store');
      const { key, id } = created.json<{ key: string; id: string }>();
      expect(key).toMatch(/^sco_[0-9a-f]{12}_/);

      for (const headers of [{ 'x-api-key': key }, asBearer(key)]) {
        const res = await get('/auth/verify', headers);
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          user: expect.objectContaining({ id: me.id, role: 'operator' }),
          permissions: ['read', 'remediation.request'],
          exp: Math.floor((h.clock.now + 30 * 86_400_000) / 1000),
          via: 'api_key',
        });
      }

      const listed = await get('/auth/api-keys', me.headers);
      expect(listed.statusCode).toBe(200);
      expect(listed.json().keys).toEqual([
        expect.objectContaining({ id, name: 'ci deploy', user_id: me.id, revoked_at: null }),
      ]);
      expect(listed.body).not.toContain(key.slice('sco_'.length + 13));
      expect(listed.json().keys[0]).not.toHaveProperty('key');

      // A key may not mint keys or change its owner's password.
      expect(
        (await post('/auth/api-key', { name: 'child', permissions: ['read'] }, { 'x-api-key': key })).statusCode,
      ).toBe(403);
      expect(
        (
          await h.http.inject({
            method: 'PUT',
            url: '/auth/password',
            headers: { 'x-api-key': key },
            payload: { current_password: PASSWORD, new_password: 'another passphrase 42' },
          })
        ).statusCode,
      ).toBe(403);

      const del = await h.http.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers: me.headers });
      expect(del.statusCode).toBe(204);
      const after = await get('/auth/verify', { 'x-api-key': key });
      expect(after.statusCode).toBe(401);
      expect(after.headers['www-authenticate']).toMatch(/^Bearer /);
      expect(audit().map((e) => e.action)).toEqual(expect.arrayContaining(['auth.key_create', 'auth.key_revoke']));
      expect(JSON.stringify(audit()) + h.logs()).not.toContain(key);
    },
  );

  it(
    "lets only the owner or keys.manage revoke a key, lists everyone's for keys.manage, " +
      'and refuses keys beyond the role',
    async () => {
      const owner = await session(h, 'operator');
      const stranger = await session(h, 'operator');
      const admin = await session(h, 'admin');
      const { id } = (await post('/auth/api-key', { name: 'mine', permissions: ['read'] }, owner.headers)).json<{
        id: string;
      }>();

      const refused = await h.http.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers: stranger.headers });
      expect(refused.statusCode).toBe(403);
      expect(audit()).toContainEqual(
        expect.objectContaining({ actor: `user:${stranger.id}`, action: 'http.denied', outcome: 'denied' }),
      );
      expect((await get('/auth/api-keys', stranger.headers)).json().keys).toEqual([]);
      expect((await get('/auth/api-keys', admin.headers)).json().keys.map((k: { id: string }) => k.id)).toContain(id);
      expect(
        (await h.http.inject({ method: 'DELETE', url: `/auth/api-keys/${id}`, headers: admin.headers })).statusCode,
      ).toBe(204);
      expect(
        (await h.http.inject({ method: 'DELETE', url: '/auth/api-keys/000000000000', headers: admin.headers }))
          .statusCode,
      ).toBe(404);

      const beyond = await post('/auth/api-key', { name: 'too much', permissions: ['users.manage'] }, owner.headers);
      expect(beyond.statusCode).toBe(400);
      expect(beyond.json().message).toMatch(/beyond the owner's role/);
      const unknown = await post('/auth/api-key', { name: 'x', permissions: ['root'] }, owner.headers);
      expect(unknown.json().fields).toEqual({ 'permissions.0': expect.stringMatching(/expected one of/) });
    },
  );

  it('answers 503 naming what to set when no signing key is configured', async () => {
    const bare = await httpApp({ JWT_SECRET: '' });
    try {
      const user = await addUser(bare.app, 'viewer');
      const res = await bare.http.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { email: user.email, password: PASSWORD },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().message).toMatch(/JWT_SECRET/);
      expect(
        (await bare.http.inject({ method: 'POST', url: '/auth/refresh', payload: { refresh_token: 'x' } })).statusCode,
      ).toBe(503);
      // A bearer JWT cannot be checked either; API keys still work.
      expect(
        (
          await bare.http.inject({
            method: 'GET',
            url: '/auth/verify',
            headers: asBearer('eyJhbGciOiJIUzI1NiJ9.e30.c2ln'),
          })
        ).statusCode,
      ).toBe(503);
      const owner = bare.app.auth.users.get(user.id)!;
      const { key } = bare.app.auth.apiKeys.create(owner, { name: 'k', permissions: ['read'] });
      expect(
        (await bare.http.inject({ method: 'GET', url: '/auth/verify', headers: { 'x-api-key': key } })).statusCode,
      ).toBe(200);
    } finally {
      await bare.close();
    }
  });

  it('guards routes declared outside the route table with the requirePermission hook', async () => {
    const other = await httpApp({}, (http, app) => {
      http.get('/test/freeze', { preHandler: createAuthn(app.auth).requirePermission('freeze') }, async (req) => ({
        by: principalOf(req)?.id,
      }));
    });
    try {
      expect((await other.http.inject({ method: 'GET', url: '/test/freeze' })).statusCode).toBe(401);
      const operator = await session(other, 'operator');
      const refused = await other.http.inject({ method: 'GET', url: '/test/freeze', headers: operator.headers });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().message).toBe('needs the freeze permission (role admin or above); you are operator');
      const admin = await session(other, 'admin');
      const allowed = await other.http.inject({ method: 'GET', url: '/test/freeze', headers: admin.headers });
      expect(allowed.json()).toEqual({ by: `user:${admin.id}` });
      expect(other.app.auth.audit.list({ action: 'http.denied' }).map((e) => `${e.actor} ${e.target}`)).toEqual([
        `user:${operator.id} GET /test/freeze`,
        'anonymous GET /test/freeze',
      ]);
    } finally {
      await other.close();
    }
  });

  it(
    'throttles repeated wrong passwords with 429 and Retry-After, ' +
      'and lets the right one in once the backoff has passed',
    async () => {
      const user = await addUser(h.app, 'viewer');
      const answers: number[] = [];
      let retryAfter = 0;
      for (let i = 0; i < 20; i++) {
        const res = await post('/auth/login', { email: user.email, password: `wrong password number ${i}` });
        answers.push(res.statusCode);
        if (res.statusCode === 429) retryAfter = Number(res.headers['retry-after']);
      }
      expect(new Set(answers)).toEqual(new Set([401, 429]));
      expect(answers.slice(-1)).toEqual([429]);
      expect(retryAfter).toBeGreaterThan(0);
      // Locked: even the right password waits.
      expect((await post('/auth/login', { email: user.email, password: PASSWORD })).statusCode).toBe(429);
      expect(audit()).toContainEqual(
        expect.objectContaining({
          action: 'auth.login',
          outcome: 'denied',
          detail: expect.objectContaining({ reason: 'locked' }),
        }),
      );
      expect((await get('/metrics')).body).toMatch(/smartcloudops_auth_logins_total\{outcome="locked"\} \d+/);

      h.clock.now += (retryAfter + 1) * 1000;
      expect((await post('/auth/login', { email: user.email, password: PASSWORD })).statusCode).toBe(200);
    },
  );

  it(
    'takes SQL injection strings in every field as plain data: ' + '400, 401 or 404, never 500, tables intact',
    async () => {
      const admin = await session(h, 'admin');
      const usersBefore = h.app.auth.users.count();
      const statuses: number[] = [];
      const record = async (p: Promise<{ statusCode: number }>) => statuses.push((await p).statusCode);
      for (const evil of INJECTIONS) {
        await record(post('/auth/login', { email: evil, password: PASSWORD }));
        await record(post('/auth/login', { email: admin.email, password: evil }));
        await record(post('/auth/register', { email: evil, password: PASSWORD, role: 'viewer' }, admin.headers));
        await record(
          post(
            '/auth/register',
            { email: `x${statuses.length}@example.com`, password: PASSWORD, role: evil },
            admin.headers,
          ),
        );
        await record(
          post(
            '/auth/register',
            { email: `y${statuses.length}@example.com`, password: PASSWORD, role: 'viewer', name: evil },
            admin.headers,
          ),
        );
        await record(
          h.http.inject({ method: 'PUT', url: '/auth/profile', headers: admin.headers, payload: { name: evil } }),
        );
        await record(
          h.http.inject({ method: 'PUT', url: '/auth/profile', headers: admin.headers, payload: { email: evil } }),
        );
        await record(post('/auth/api-key', { name: evil, permissions: ['read'] }, admin.headers));
        await record(post('/auth/api-key', { name: 'ok', permissions: [evil] }, admin.headers));
        await record(post('/auth/refresh', { refresh_token: evil }));
        await record(
          h.http.inject({
            method: 'DELETE',
            url: `/auth/api-keys/${encodeURIComponent(evil)}`,
            headers: admin.headers,
          }),
        );
        await record(get('/auth/verify', asBearer(evil.replace(/\s/g, ''))));
        await record(get('/auth/verify', { 'x-api-key': evil }));
      }
      expect(statuses.filter((s) => ![400, 401, 404].includes(s))).toEqual([]);
      expect(h.app.auth.users.count()).toBe(usersBefore);
      expect(h.app.auth.users.list().map((u) => u.email)).toContain(admin.email);
      expect(h.app.auth.audit.verify()).toMatchObject({ ok: true });
      expect((await get('/auth/verify', admin.headers)).statusCode).toBe(200);
    },
  );
});
