import { addUser, httpApp, login, asBearer, type HttpApp } from './http-app';

/**
 * issue 13.17 (trial): the OpenAPI document lists every status a route answers. Routes that need a
 * login session answer 403 to an API key, and logout answers 400 to one: each is called that way
 * here, and the status it gave must be documented for it.
 */
describe('issue 13.17 (trial): OpenAPI documents the statuses session-only routes answer an API key', () => {
  let h: HttpApp;
  beforeAll(async () => {
    h = await httpApp();
  });
  afterAll(async () => h.close());

  it(
    'answers an API key on PUT /auth/password, PUT /auth/profile, POST /auth/api-key and POST /auth/logout with ' +
      'a documented status',
    async () => {
      const user = await addUser(h.app, 'operator');
      const pair = await login(h.http, user.email);
      const made = await h.http.inject({
        method: 'POST',
        url: '/auth/api-key',
        headers: asBearer(pair.access_token),
        payload: { name: 'k', permissions: ['read'] },
      });
      expect(made.statusCode).toBe(201);
      const key = { 'x-api-key': made.json<{ key: string }>().key };
      const doc = (await h.http.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
        paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
      }>();
      const calls: Array<[method: 'PUT' | 'POST', url: string, payload?: object]> = [
        ['PUT', '/auth/password', { current_password: user.password, new_password: 'another long passphrase 12' }],
        ['PUT', '/auth/profile', { name: 'someone' }],
        ['POST', '/auth/api-key', { name: 'k2', permissions: ['read'] }],
        ['POST', '/auth/logout'],
      ];
      for (const [method, url, payload] of calls) {
        const res = await h.http.inject({ method, url, headers: key, ...(payload ? { payload } : {}) });
        expect(res.statusCode).toBeGreaterThanOrEqual(400);
        expect({
          route: `${method} ${url}`,
          status: res.statusCode,
          documented: Object.keys(doc.paths[url][method.toLowerCase()].responses),
        }).toEqual({
          route: `${method} ${url}`,
          status: res.statusCode,
          documented: expect.arrayContaining([String(res.statusCode)]),
        });
      }
    },
  );
});
