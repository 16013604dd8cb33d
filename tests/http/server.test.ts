import type { FastifyInstance } from 'fastify';
import { createHttpForApp } from '../../src/app/http';
import type { App } from '../../src/app/control';
import { testApp } from '../helpers/app';

describe('HTTP side-app', () => {
  let app: App;
  let http: FastifyInstance;
  let logs: () => string;

  beforeEach(async () => {
    ({ app, logs } = await testApp({ HTTP_BODY_LIMIT_BYTES: '1024', LOG_LEVEL: 'http' }));
    http = createHttpForApp(app);
    // A body-taking route, to exercise the shared body limit and JSON error handling.
    http.post('/test/echo', async (req) => ({ got: req.body }));
    await http.ready();
  });
  afterEach(async () => {
    await http.close();
    await app.close();
  });

  it('answers /healthz and /readyz', async () => {
    const health = await http.inject({ method: 'GET', url: '/healthz' });
    expect(health.statusCode).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    const ready = await http.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ready', checks: { store: 'ok', queue: 'ok' } });
  });

  it('answers 503 from /readyz naming the dependency that failed', async () => {
    app.store.close();
    const ready = await http.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    // the embedded queue lives in the store
    expect(ready.json()).toMatchObject({ status: 'unavailable', failed: ['store', 'queue'] });
    expect(ready.json().checks.store).toMatch(/not open/);
  });

  it('serves Prometheus metrics, counting requests by route pattern', async () => {
    await http.inject({ method: 'GET', url: '/healthz' });
    await http.inject({ method: 'GET', url: '/nope/123' });
    const res = await http.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/smartcloudops_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1/);
    expect(res.body).toMatch(/smartcloudops_http_requests_total\{method="GET",route="unmatched",status="404"\} 1/);
    for (const name of [
      'http_request_duration_seconds',
      'chat_messages_total',
      'jobs_total',
      'job_duration_seconds',
      'queue_depth',
      'process_resident_memory_bytes',
    ]) {
      expect(res.body).toContain(`smartcloudops_${name}`);
    }
  });

  it('gives JSON errors: 404, 405 with Allow, 413, 400', async () => {
    const notFound = await http.inject({ method: 'GET', url: '/missing' });
    expect(notFound.statusCode).toBe(404);
    expect(notFound.json()).toMatchObject({ error: 'not_found', message: 'no route GET /missing' });

    const wrongMethod = await http.inject({ method: 'POST', url: '/healthz' });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toContain('GET');
    expect(wrongMethod.json()).toMatchObject({ error: 'method_not_allowed' });

    const tooBig = await http.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ x: 'y'.repeat(2000) }),
    });
    expect(tooBig.statusCode).toBe(413);
    expect(tooBig.json()).toMatchObject({ error: 'payload_too_large' });

    const malformed = await http.inject({
      method: 'POST',
      url: '/test/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"x": ',
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: 'bad_request' });

    // And it keeps serving.
    expect((await http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('gives every request an id (or keeps a sane one given) and logs access without secrets', async () => {
    const given = await http.inject({
      method: 'GET',
      url: '/healthz',
      headers: {
        'x-request-id': 'abc-123',
        authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig-sig-sig-sig',
      },
    });
    expect(given.headers['x-request-id']).toBe('abc-123');
    const generated = await http.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'bad id with spaces\n', 'x-api-key': 'sco_supersecretapikey1234567' },
    });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const out = logs();
    expect(out).toContain('"req":"abc-123"');
    expect(out).toContain('"route":"/healthz"');
    expect(out).not.toContain('eyJhbGciOiJIUzI1NiJ9');
    expect(out).not.toContain('sco_supersecretapikey1234567');
  });
});
