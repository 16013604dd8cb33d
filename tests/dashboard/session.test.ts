import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import { DURING_BURST } from '../helpers/app';
import { addUser, asBearer, httpApp, login, PASSWORD, type HttpApp } from '../http/http-app';
import { twoApprovalCatalog } from '../remediation/people-app';
import { builtDashboard } from './dashboard-app';

/**
 * The dashboard's cookie session and its CSRF defences, without a browser (fastify inject): a
 * write from another origin, or without the session's token, is refused (403, audited) and changes
 * nothing; the cookie opens only /ui, and a Bearer credential opens nothing there.
 */
const HOST = 'dash.test';
const ORIGIN = `http://${HOST}`;

interface UiSession {
  cookie: string;
  csrf: string;
  setCookie: string[];
}

function cookiesOf(setCookie: string[]): string {
  return setCookie.map((c) => c.split(';')[0]).join('; ');
}

function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const raw = res.headers['set-cookie'];
  return raw === undefined ? [] : Array.isArray(raw) ? (raw as string[]) : [String(raw)];
}

async function uiLogin(http: FastifyInstance, email: string, headers: Record<string, string> = {}) {
  const res = await http.inject({
    method: 'POST',
    url: '/ui/login',
    headers: { host: HOST, origin: ORIGIN, ...headers },
    payload: { email, password: PASSWORD },
  });
  if (res.statusCode !== 200) throw new Error(`ui login ${email}: ${res.statusCode} ${res.body}`);
  const setCookie = setCookies(res);
  return { cookie: cookiesOf(setCookie), csrf: res.json<{ csrf: string }>().csrf, setCookie } satisfies UiSession;
}

describe('dashboard session and CSRF', () => {
  let h: HttpApp;
  beforeEach(async () => {
    h = await httpApp({ CONFIG_FILE: twoApprovalCatalog() });
    h.clock.now = DURING_BURST;
  });
  afterEach(async () => h.close());

  const denials = () => h.app.auth.audit.list({ action: 'http.denied' });

  /** A pending restart of payments, asked for by a fresh approver over REST. */
  async function pendingRestart() {
    const requester = await addUser(h.app, 'approver', 'req');
    const pair = await login(h.http, requester.email);
    const res = await h.http.inject({
      method: 'POST',
      url: '/api/v1/remediations',
      headers: asBearer(pair.access_token),
      payload: { action: 'restart', target: 'payments' },
    });
    expect(res.statusCode).toBe(201);
    return { id: res.json<{ request_id: string }>().request_id, requester };
  }

  const approve = (id: string, headers: Record<string, string>) =>
    h.http.inject({ method: 'POST', url: `/ui/approvals/${id}/approve`, headers: { host: HOST, ...headers } });

  it('logs in with HttpOnly, SameSite=Strict cookies scoped to /ui, Secure behind https', async () => {
    const viewer = await addUser(h.app, 'viewer');
    const s = await uiLogin(h.http, viewer.email);
    expect(s.setCookie).toHaveLength(2);
    for (const c of s.setCookie) {
      expect(c).toMatch(/^sco_(session|refresh)=[^;]+; Path=\/ui; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    }
    const me = await h.http.inject({ method: 'GET', url: '/ui/session', headers: { host: HOST, cookie: s.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ viewer: { role: 'viewer', canApprove: false }, csrf: s.csrf });
    expect(me.headers['cache-control']).toBe('no-store');

    const proxied = await h.close().then(() => httpApp({ TRUST_PROXY: '127.0.0.1' }));
    h = proxied;
    const other = await addUser(h.app, 'viewer');
    const secure = await uiLogin(h.http, other.email, { 'x-forwarded-proto': 'https', origin: `https://${HOST}` });
    for (const c of secure.setCookie) expect(c).toMatch(/; Secure$/);
  });

  it('refuses a login from another origin, or with no origin at all, before reading the password', async () => {
    const viewer = await addUser(h.app, 'viewer');
    const post = (headers: Record<string, string>) =>
      h.http.inject({
        method: 'POST',
        url: '/ui/login',
        headers: { host: HOST, ...headers },
        payload: { email: viewer.email, password: PASSWORD },
      });
    const tries: Array<Record<string, string>> = [
      { origin: 'http://evil.example' },
      { origin: `http://${HOST}:8080` },
      {},
    ];
    for (const headers of tries) {
      const res = await post(headers);
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toBe('cross-origin request refused');
      expect(setCookies(res)).toEqual([]);
    }
    expect(denials()).toHaveLength(3);
    expect(h.app.auth.audit.list({ action: 'auth.login' })).toHaveLength(0);
    // A browser that sends no Origin says where the request came from in Sec-Fetch-Site.
    expect((await post({ 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
    expect((await post({ 'sec-fetch-site': 'same-origin' })).statusCode).toBe(200);
  });

  it('refuses an approval from another origin or without the session CSRF token, and changes nothing', async () => {
    const { id } = await pendingRestart();
    const approver = await addUser(h.app, 'approver', 'appr');
    const other = await addUser(h.app, 'approver', 'other');
    const s = await uiLogin(h.http, approver.email);
    const otherSession = await uiLogin(h.http, other.email);
    expect(otherSession.csrf).not.toBe(s.csrf);
    const attempts: Array<Record<string, string>> = [
      { cookie: s.cookie, 'x-csrf-token': s.csrf, origin: 'http://evil.example' },
      { cookie: s.cookie, 'x-csrf-token': s.csrf, 'sec-fetch-site': 'cross-site' },
      { cookie: s.cookie, origin: ORIGIN },
      { cookie: s.cookie, origin: ORIGIN, 'x-csrf-token': 'forged' },
      { cookie: s.cookie, origin: ORIGIN, 'x-csrf-token': otherSession.csrf },
    ];
    for (const headers of attempts) {
      const res = await approve(id, headers);
      expect(res.statusCode).toBe(403);
      expect(h.app.remediation.get(id).state).toBe('pending_approval');
    }
    expect(denials().map((d) => d.detail.reason)).toEqual(
      expect.arrayContaining(['cross-origin request refused', 'missing or wrong CSRF token: reload the page']),
    );
    expect(denials()).toHaveLength(attempts.length);

    const ok = await approve(id, { cookie: s.cookie, origin: ORIGIN, 'x-csrf-token': s.csrf });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ outcome: 'enqueued', state: 'approved' });
    expect(ok.json().message).toMatch(/^Approved r[0-9a-f]{6}/);
    expect(h.app.remediation.get(id).state).toBe('approved');
  });

  it('runs decisions through the command layer: the requester and a viewer are refused with its words', async () => {
    const { id, requester } = await pendingRestart();
    const mine = await uiLogin(h.http, requester.email);
    const own = await approve(id, { cookie: mine.cookie, origin: ORIGIN, 'x-csrf-token': mine.csrf });
    expect(own.statusCode).toBe(403);
    expect(own.json()).toMatchObject({ outcome: 'denied', error: 'forbidden' });
    expect(own.json().message).toMatch(/You asked for r[0-9a-f]{6}; someone else/);

    const viewer = await addUser(h.app, 'viewer');
    const v = await uiLogin(h.http, viewer.email);
    const refused = await approve(id, { cookie: v.cookie, origin: ORIGIN, 'x-csrf-token': v.csrf });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().outcome).toBe('denied');
    expect(h.app.remediation.get(id).state).toBe('pending_approval');

    // The requester withdraws it from the page (deny by the requester).
    const withdrawn = await h.http.inject({
      method: 'POST',
      url: `/ui/approvals/${id}/deny`,
      headers: { host: HOST, cookie: mine.cookie, origin: ORIGIN, 'x-csrf-token': mine.csrf },
    });
    expect(withdrawn.statusCode).toBe(200);
    expect(h.app.remediation.get(id).state).toBe('denied');
  });

  it("counts the page's decisions against the caller's REST limit (429 with Retry-After)", async () => {
    await h.close();
    h = await httpApp({ CONFIG_FILE: twoApprovalCatalog(), RATE_LIMIT_API_PER_MIN: '2' });
    const approver = await addUser(h.app, 'approver');
    const s = await uiLogin(h.http, approver.email);
    const headers = { cookie: s.cookie, origin: ORIGIN, 'x-csrf-token': s.csrf };
    // No such request: the command layer refuses it, and each call still counts.
    expect((await approve('r000000', headers)).statusCode).toBe(400);
    expect((await approve('r000000', headers)).statusCode).toBe(400);
    const limited = await approve('r000000', headers);
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toMatch(/^\d+$/);
  });

  it('keeps cookies and Bearer credentials apart: the cookie opens only /ui, a token opens nothing there', async () => {
    const op = await addUser(h.app, 'operator');
    const s = await uiLogin(h.http, op.email);
    const pair = await login(h.http, op.email);
    const api = await h.http.inject({ method: 'GET', url: '/api/v1/status', headers: { cookie: s.cookie } });
    expect(api.statusCode).toBe(401);
    const ui = await h.http.inject({ method: 'GET', url: '/ui/session', headers: asBearer(pair.access_token) });
    expect(ui.statusCode).toBe(401);
    const events = await h.http.inject({ method: 'GET', url: '/ui/events' });
    expect(events.statusCode).toBe(401);
  });

  it('renews an expired access token with the refresh cookie, once, for requests that raced', async () => {
    const viewer = await addUser(h.app, 'viewer');
    const s = await uiLogin(h.http, viewer.email);
    h.clock.now += 901_000; // past ACCESS_TOKEN_TTL_S (900)
    const session = () =>
      h.http.inject({ method: 'GET', url: '/ui/session', headers: { host: HOST, cookie: s.cookie } });
    const first = await session();
    expect(first.statusCode).toBe(200);
    const renewed = setCookies(first);
    expect(renewed).toHaveLength(2);
    // A second request sent with the old cookies before the browser stored the new ones.
    const second = await session();
    expect(second.statusCode).toBe(200);
    expect(setCookies(second)).toEqual(renewed);
    expect(h.app.auth.audit.list({ action: 'auth.refresh_reuse' })).toHaveLength(0);
    const after = await h.http.inject({
      method: 'GET',
      url: '/ui/session',
      headers: { host: HOST, cookie: cookiesOf(renewed) },
    });
    expect(after.statusCode).toBe(200);
    expect(after.json().csrf).toBe(s.csrf);
  });

  it('logs out: the session is revoked and the cookies cleared', async () => {
    const viewer = await addUser(h.app, 'viewer');
    const s = await uiLogin(h.http, viewer.email);
    const noToken = await h.http.inject({
      method: 'POST',
      url: '/ui/logout',
      headers: { host: HOST, cookie: s.cookie, origin: ORIGIN },
    });
    expect(noToken.statusCode).toBe(403);
    const out = await h.http.inject({
      method: 'POST',
      url: '/ui/logout',
      headers: { host: HOST, cookie: s.cookie, origin: ORIGIN, 'x-csrf-token': s.csrf },
    });
    expect(out.statusCode).toBe(204);
    expect(setCookies(out).every((c) => c.includes('Max-Age=0'))).toBe(true);
    const after = await h.http.inject({ method: 'GET', url: '/ui/session', headers: { host: HOST, cookie: s.cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('serves the page and its bundle with a CSP that allows only this origin', async () => {
    const http = createHttpForApp(h.app, { dashboardDir: builtDashboard() });
    try {
      const page = await http.inject({ method: 'GET', url: '/' });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
      const script = /src="(\/ui\/assets\/app-[A-Z0-9]+\.js)"/.exec(page.body)?.[1];
      const style = /href="(\/ui\/assets\/app-[A-Z0-9]+\.css)"/.exec(page.body)?.[1];
      expect(script).toBeDefined();
      expect(page.body).not.toMatch(/https?:\/\//);
      for (const url of [script, style]) {
        const res = await http.inject({ method: 'GET', url: url ?? '' });
        expect(res.statusCode).toBe(200);
        expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      }
      for (const url of [
        '/ui/assets/nope.js',
        '/ui/assets/..%2Findex.html',
        '/ui/assets/%2e%2e%2f%2e%2e%2fpackage.json',
      ])
        expect((await http.inject({ method: 'GET', url })).statusCode).toBe(404);
    } finally {
      await http.close();
    }
  });
});
