import { sayTo } from '../helpers/app';
import { addUser, httpApp, session, type HttpApp } from './http-app';

jest.setTimeout(180_000);

/** issue 15 points 3 and 9: training with params and seed, and every run side by side (REST and chat). */
describe('training with params, and experiments (demo fleet, embedded queue)', () => {
  let h: HttpApp;
  let operator: Awaited<ReturnType<typeof session>>;
  let viewer: Awaited<ReturnType<typeof session>>;
  beforeAll(async () => {
    h = await httpApp();
    await h.app.startWorkers();
    operator = await session(h, 'operator');
    viewer = await session(h, 'viewer');
  });
  afterAll(async () => {
    await h.close();
  });

  const post = (url: string, payload: object, headers = operator.headers) =>
    h.http.inject({ method: 'POST', url, headers, payload });
  const get = (url: string, headers = viewer.headers) => h.http.inject({ method: 'GET', url, headers });

  /** Queues a training over REST and waits for its version to be registered and evaluated. */
  async function train(payload: object): Promise<string> {
    const res = await post('/api/v1/models/train', payload);
    expect(res.statusCode).toBe(202);
    const { job_id } = res.json<{ job_id: string }>();
    const job = await h.app.queue.waitUntilFinished(job_id, 120_000);
    if (job.state !== 'completed') return job_id;
    for (let i = 0; i < 600 && !h.app.models.byJob(job_id)?.metrics; i++) await new Promise((r) => setTimeout(r, 50));
    return job_id;
  }

  it('refuses params out of bounds with a 400 naming the field', async () => {
    const big = await post('/api/v1/models/train', { service: 'payments', params: { trees: 5000 } });
    expect(big.statusCode).toBe(400);
    expect(big.json()).toMatchObject({ error: 'bad_request', fields: { 'params.trees': 'at most 1000' } });
    const odd = await post('/api/v1/models/train', { service: 'payments', params: { depth: 3 } });
    expect(odd.statusCode).toBe(400);
    expect(odd.json().fields).toEqual({ 'params.depth': 'unknown field' });
    const seed = await post('/api/v1/models/train', { service: 'payments', seed: -1 });
    expect(seed.statusCode).toBe(400);
    expect(seed.json().fields).toEqual({ seed: 'at least 0' });
  });

  it('trains v1 with the defaults and v2 with params and a seed; experiments lists both, newest first', async () => {
    await train({ service: 'payments', window_s: 86_400 });
    h.clock.now += 60_000;
    await train({ service: 'payments', window_s: 86_400, params: { trees: 12, sampleSize: 64 }, seed: 7 });
    const v2 = h.app.models.version('payments-detector', 2);
    expect(v2.params).toEqual({ trees: 12, sampleSize: 64, window: 64 });
    expect(v2.seed).toBe(7);
    expect(v2.createdBy).toBe(`user:${operator.id}`);

    const res = await get('/api/v1/experiments');
    expect(res.statusCode).toBe(200);
    const { experiments } = res.json<{ experiments: Array<Record<string, unknown>> }>();
    expect(experiments.map((e) => e.version)).toEqual([2, 1]);
    const [second, first] = experiments;
    expect(second).toMatchObject({
      model: 'payments-detector',
      service: 'payments',
      status: 'registered',
      created_by: `user:${operator.id}`,
      params: { trees: 12, sampleSize: 64, window: 64 },
      changed_params: { trees: 12, sampleSize: 64 },
      seed: 7,
      window: { seconds: 86_400 },
      data_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      aliases: [],
      job_id: expect.any(String),
    });
    expect(first).toMatchObject({ changed_params: {}, seed: 1, params: { trees: 25 } });
    for (const e of experiments)
      expect(e.metrics).toEqual({
        nab: expect.any(Number),
        recall: expect.any(Number),
        false_alerts_per_day: expect.any(Number),
        median_delay_s: expect.anything(),
        recommendation: expect.any(String),
      });
    // v2 was evaluated beside no champion (none promoted): both are first versions of their kind
    expect(experiments.map((e) => (e.metrics as { recommendation: string }).recommendation)).toEqual([
      'first_version',
      'first_version',
    ]);
    expect((second.metrics as { nab: number }).nab).not.toBe((first.metrics as { nab: number }).nab);

    // An alias shows; the filter keeps one model's or service's runs
    h.app.models.setAlias('payments-detector', 'champion', 1, { by: 'user:test', at: h.clock.now });
    const filtered = (await get('/api/v1/experiments?model=payments')).json();
    expect(filtered.experiments.map((e: { version: number }) => e.version)).toEqual([2, 1]);
    expect(filtered.experiments[1].aliases).toEqual(['champion']);
    expect((await get('/api/v1/experiments?model=checkout-api')).json()).toEqual({ experiments: [] });
    expect((await get('/api/v1/experiments?model=Bad Name')).statusCode).toBe(400);
    expect((await h.http.inject({ method: 'GET', url: '/api/v1/experiments' })).statusCode).toBe(401);

    // The same from chat
    const chat = await sayTo(h.app, 'experiments payments');
    const out = chat.text();
    expect(out).toContain('2 training runs for payments');
    expect(out).toMatch(/payments-detector\s+v2\s/);
    expect(out).toMatch(/v1 \(champion\)/);
    expect(out).toContain('trees 12, sampleSize 64');
    expect(out).toContain('defaults');
  });

  it('chat trains with --trees and --seed, and a refused training shows as a failed run', async () => {
    // The console's name acts as the local user of that name
    const olga = await addUser(h.app, 'operator', 'olga');
    const chat = await sayTo(h.app, '/ops train payments 1d --trees 9 --seed 11', olga.name);
    // followed to the end: the registered version and its scorecard beside the champion (v1)
    expect(chat.text()).toContain('Trained payments-detector v3');
    expect(chat.text()).toMatch(/v1 \(champion\)\s+v3/);
    const v3 = h.app.models.version('payments-detector', 3);
    expect(v3.params).toMatchObject({ trees: 9 });
    expect(v3.seed).toBe(11);

    expect(v3.createdBy).toBe(`user:${olga.id}`);
    const tooBig = await sayTo(h.app, '/ops train payments 1d --trees 5000', olga.name);
    expect(tooBig.text()).toContain('model parameter trees must be a whole number in 1..1000, got 5000');

    // One hour cannot fill a 1024-point feature window: the worker refuses, the job fails
    h.clock.now += 60_000;
    const failedId = await train({ service: 'payments', window_s: 3_600, params: { window: 1024 } });
    expect((await h.app.queue.get(failedId))?.state).toBe('failed');
    const { experiments } = (await get('/api/v1/experiments')).json();
    expect(experiments[0]).toMatchObject({
      status: 'failed',
      version: null,
      job_id: failedId,
      changed_params: { window: 1024 },
      window: { seconds: 3_600 },
      error: expect.stringMatching(/\S/),
    });
    expect((await sayTo(h.app, 'list training runs')).text()).toMatch(/payments-detector\s+failed/);
  });
});
