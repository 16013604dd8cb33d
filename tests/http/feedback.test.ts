import { DURING_BURST } from '../helpers/app';
import { httpApp, session, type HttpApp } from './http-app';

jest.setTimeout(60_000);

/** issue 15 point 6: POST /api/v1/feedback, any authenticated person, the label as stored. */
describe('REST POST /api/v1/feedback (demo fleet, embedded queue)', () => {
  let h: HttpApp;
  let viewer: Awaited<ReturnType<typeof session>>;
  let jobId: string;
  beforeAll(async () => {
    h = await httpApp();
    h.clock.now = DURING_BURST;
    await h.app.startWorkers();
    viewer = await session(h, 'viewer');
    const started = await h.http.inject({
      method: 'POST',
      url: '/api/v1/anomalies',
      headers: viewer.headers,
      payload: { service: 'payments' },
    });
    expect(started.statusCode).toBe(202);
    jobId = started.json<{ job: { id: string } }>().job.id;
    expect((await h.app.queue.waitUntilFinished(jobId, 30_000)).state).toBe('completed');
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (payload: object, headers: Record<string, string> = viewer.headers) =>
    h.http.inject({ method: 'POST', url: '/api/v1/feedback', headers, payload });

  it('201 with the stored label, its window and the person; posting again replaces it', async () => {
    const res = await post({ target: `job:${jobId}`, label: 'false_alarm' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toEqual({
      target: `job:${jobId}`,
      label: 'false_alarm',
      by: `user:${viewer.id}`,
      at: new Date(DURING_BURST).toISOString(),
      window: { service: 'payments', from: expect.any(String), to: expect.any(String) },
      signals: expect.arrayContaining([expect.any(String)]),
      windows: expect.arrayContaining([expect.objectContaining({ service: 'payments', signal: expect.any(String) })]),
      model: null,
    });
    expect(Date.parse(body.window.from)).toBeLessThanOrEqual(Date.parse(body.window.to));

    const again = await post({ target: jobId, label: 'real' });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ target: `job:${jobId}`, label: 'real' });
    expect(h.app.feedback.ofTarget(`job:${jobId}`)).toHaveLength(1);
    // helpful / wrong are kept but feed no model
    expect((await post({ target: `job:${jobId}`, label: 'helpful' })).statusCode).toBe(201);
    expect(h.app.feedback.labels('payments', 0, DURING_BURST)).toEqual([]);
  });

  it('400 on a bad label, 404 on an unknown target, 401 without a token', async () => {
    const bad = await post({ target: `job:${jobId}`, label: 'meh' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toMatch(/label/);
    const unknown = await post({ target: 'job:424242', label: 'real' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ error: 'not_found', message: expect.stringMatching(/no job 424242/) });
    const nobody = await post({ target: 'i0a1b2c', label: 'real' });
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json().message).toMatch(/no job or incident i0a1b2c/);
    const anon = await h.http.inject({
      method: 'POST',
      url: '/api/v1/feedback',
      payload: { target: `job:${jobId}`, label: 'real' },
    });
    expect(anon.statusCode).toBe(401);
  });

  it('is in OpenAPI with its 201, 400 and 404', async () => {
    const doc = (await h.http.inject({ method: 'GET', url: '/api/v1/openapi.json', headers: viewer.headers })).json<{
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    }>();
    expect(Object.keys(doc.paths['/api/v1/feedback'].post.responses)).toEqual(
      expect.arrayContaining(['201', '400', '404']),
    );
  });
});
