import { parseRules } from '../../src/intent/rules';
import type { App } from '../../src/app/control';
import { sayTo, testApp } from '../helpers/app';
import { httpApp, session, type HttpApp } from '../http/http-app';

jest.setTimeout(60_000);

describe('search_runbooks in the rules parser', () => {
  it.each([
    ['which runbook covers a full disk?', 'full disk'],
    ['runbooks for OOM', 'oom'],
    ['/ops runbooks tls', 'tls'],
    ['what runbook do I use for cert expiry?', 'cert expiry'],
    ['which runbooks mention oom kills?', 'oom kills'],
    ['is there a runbook for a full disk', 'full disk'],
    ['which playbook handles a traffic surge?', 'traffic surge'],
  ])('%s -> search_runbooks {query: %s}', (text, query) => {
    expect(parseRules(text)).toMatchObject({ intent: 'search_runbooks', slots: { query } });
  });

  it.each([
    ['runbook flush-dns on checkout-api', { action: 'runbook', runbook: 'flush-dns', target: 'checkout-api' }],
    ['/ops runbook flush-dns checkout-api', { action: 'runbook', runbook: 'flush-dns', target: 'checkout-api' }],
    ['run the flush-dns runbook on payments', { action: 'runbook', runbook: 'flush-dns', target: 'payments' }],
  ])('%s is still the runbook remediation', (text, slots) => {
    expect(parseRules(text)).toMatchObject({ intent: 'remediate', slots });
  });
});

describe('runbooks QUERY in chat (console, the shipped runbooks)', () => {
  let app: App;
  beforeAll(async () => {
    ({ app } = await testApp());
  });
  afterAll(async () => {
    await app.close();
  });

  it('"which runbook covers a full disk?" answers ranked matches with title, snippet and path', async () => {
    const { handled, text } = await sayTo(app, 'which runbook covers a full disk?');
    expect(handled).toMatchObject({ intent: 'search_runbooks' });
    const shown = text();
    expect(shown).toMatch(/Runbooks for "full disk"/);
    const first = shown.split('\n').find((l) => /^1\. /.test(l));
    expect(first).toMatch(/^1\. \*Disk full .*\(runbooks\/disk-full\.md\)/);
    // The matched words are bold in chat (`*disk*`), not FTS5's `**` markers.
    expect(shown).toMatch(/\*(disk|full)\*/i);
    expect(shown).not.toMatch(/\*\*/);
    expect(shown).toMatch(/`runbook NAME on SERVICE` runs an executable one/);
  });

  it('"/ops runbooks tls" and "runbooks for OOM" find certificate expiry and memory leak', async () => {
    expect((await sayTo(app, '/ops runbooks tls')).text()).toMatch(/^1\. \*Certificate expiry/m);
    expect((await sayTo(app, 'runbooks for OOM')).text()).toMatch(/^1\. \*Memory leak and OOM kills\*/m);
  });

  it('no match: says so and lists the runbooks there are', async () => {
    const shown = (await sayTo(app, 'runbooks for kafka rebalancing')).text();
    expect(shown).toMatch(/No runbook matches "kafka rebalancing"/);
    for (const name of ['disk-full', 'memory-leak', 'certificate-expiry', 'traffic-surge'])
      expect(shown).toContain(name);
  });

  it('"runbooks" alone asks what to search for, and the answer is searched', async () => {
    expect((await sayTo(app, 'runbooks')).text()).toMatch(/What should I search for\?/);
    expect((await sayTo(app, 'full disk')).text()).toMatch(/^1\. \*Disk full/m);
  });
});

describe('GET /api/v1/runbooks?q=', () => {
  let h: HttpApp;
  let viewer: Awaited<ReturnType<typeof session>>;
  beforeAll(async () => {
    h = await httpApp();
    viewer = await session(h, 'viewer');
  });
  afterAll(async () => {
    await h.close();
  });

  const get = (url: string, headers: Record<string, string> = viewer.headers) =>
    h.http.inject({ method: 'GET', url, headers });

  it('answers the matches as data for a viewer; 401 without credentials', async () => {
    expect((await get('/api/v1/runbooks?q=disk', {})).statusCode).toBe(401);
    const res = await get(`/api/v1/runbooks?q=${encodeURIComponent('full disk?')}`);
    expect(res.statusCode).toBe(200);
    const body = res.json<{ query: string; matches: Array<Record<string, unknown>>; runbooks?: unknown }>();
    expect(body.query).toBe('full disk?');
    expect(body.matches[0]).toMatchObject({ name: 'disk-full', path: 'runbooks/disk-full.md' });
    expect(body.matches[0].snippet).toMatch(/\*\*(disk|full)\*\*/i);
    expect(typeof body.matches[0].score).toBe('number');
    expect(body.runbooks).toBeUndefined();
  });

  it('no match lists every runbook; no q is a 400 naming it', async () => {
    const none = await get('/api/v1/runbooks?q=zookeeper');
    expect(none.statusCode).toBe(200);
    expect(none.json()).toMatchObject({
      matches: [],
      runbooks: expect.arrayContaining([
        { name: 'disk-full', title: expect.any(String), path: 'runbooks/disk-full.md' },
      ]),
    });
    const missing = await get('/api/v1/runbooks');
    expect(missing.statusCode).toBe(400);
    expect(JSON.stringify(missing.json())).toMatch(/\bq\b/);
  });

  it('is in the OpenAPI document with its query and permission', async () => {
    const doc = (await h.http.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: viewer.headers })).json();
    const op = doc.paths['/api/v1/runbooks'].get;
    expect(op['x-required-permission']).toBe('read');
    expect(op.parameters.map((p: { name: string }) => p.name)).toContain('q');
  });
});
