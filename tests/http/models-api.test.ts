import { chmodSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadBundle } from '../../src/models/bundle';
import { recordDrift } from '../../src/models/drift-state';
import { httpApp, session, type HttpApp } from './http-app';

jest.setTimeout(120_000);

/** issue 15 points 3, 9: list, train and download models over REST, the same RBAC as chat. */
describe('REST /api/v1/models (demo fleet, embedded queue)', () => {
  let h: HttpApp;
  beforeAll(async () => {
    h = await httpApp();
    await h.app.startWorkers();
  });
  afterAll(async () => {
    await h.close();
  });

  const call = (method: 'GET' | 'POST', url: string, headers: Record<string, string>, payload?: object) =>
    h.http.inject({ method, url, headers, ...(payload ? { payload } : {}) });

  it('trains (202 job_id), registers with the caller as creator, lists, and serves the ONNX file', async () => {
    const operator = await session(h, 'operator');
    const viewer = await session(h, 'viewer');
    expect((await call('GET', '/api/v1/models', viewer.headers)).json()).toEqual({ models: [] });

    const denied = await call('POST', '/api/v1/models/train', viewer.headers, {
      service: 'payments',
      window_s: 86_400,
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toContain('needs the operator role');

    const bad = await call('POST', '/api/v1/models/train', operator.headers, { service: 'paymnts' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/payments/);

    const started = await call('POST', '/api/v1/models/train', operator.headers, {
      service: 'payments',
      window_s: 86_400,
    });
    expect(started.statusCode).toBe(202);
    const { job_id } = started.json<{ job_id: string }>();
    expect(job_id).toEqual(expect.any(String));
    const job = await h.app.queue.waitUntilFinished(job_id, 60_000);
    expect(job.state).toBe('completed');
    // The job's REST view names the bytes (sha256, size) but leaves them to the model.onnx route.
    const jobView = (await call('GET', `/api/v1/jobs/${job_id}`, operator.headers)).json();
    expect(jobView.job.result).toEqual(
      expect.objectContaining({ model: 'payments-detector', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    );
    expect(jobView.job.result).not.toHaveProperty('onnxBase64');
    for (let i = 0; i < 200 && !h.app.models.list()[0]?.versions[0]?.metrics; i++)
      await new Promise((r) => setTimeout(r, 50));

    const list = (await call('GET', '/api/v1/models', viewer.headers)).json();
    expect(list).toEqual({
      models: [
        {
          name: 'payments-detector',
          service: 'payments',
          champion: null,
          challenger: null,
          versions: [
            expect.objectContaining({
              version: 1,
              created_by: `user:${operator.id}`,
              data: expect.objectContaining({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
              metrics: expect.objectContaining({
                scorecard: expect.objectContaining({ recommendation: 'first_version' }),
              }),
            }),
          ],
        },
      ],
    });

    // A drift check's figure shows on the version (src/models/drift-state.ts records it).
    const at = Date.UTC(2026, 10, 26, 12);
    recordDrift(
      h.app.store.db,
      'payments-detector',
      1,
      { score: 0.61, drifted: true, moved: ['cpu'], at },
      {
        claimCard: false,
      },
    );
    const drifted = (await call('GET', '/api/v1/models', viewer.headers)).json();
    expect(drifted.models[0].versions[0].drift).toEqual({
      score: 0.61,
      drifted: true,
      moved: ['cpu'],
      at: '2026-11-26T12:00:00.000Z',
    });

    const file = await call('GET', '/api/v1/models/payments-detector/versions/1/model.onnx', viewer.headers);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/octet-stream');
    const bundle = await loadBundle(file.rawPayload);
    expect(bundle.meta.model).toBe('payments-detector');
    expect(Object.keys(bundle.scorers).length).toBeGreaterThan(0);
    await bundle.close();

    expect(
      (await call('GET', '/api/v1/models/payments-detector/versions/9/model.onnx', viewer.headers)).statusCode,
    ).toBe(404);
    expect((await call('GET', '/api/v1/models/nope-detector/versions/1/model.onnx', viewer.headers)).statusCode).toBe(
      404,
    );
    expect(
      (await h.http.inject({ method: 'GET', url: '/api/v1/models/payments-detector/versions/1/model.onnx' }))
        .statusCode,
    ).toBe(401);

    // A corrupt file on disk: 500 naming the problem, never the bad bytes.
    const v1 = h.app.models.version('payments-detector', 1);
    const path = join(
      dirname(h.app.config.databasePath),
      'models',
      'sha256',
      v1.onnxSha256.slice(0, 2),
      `${v1.onnxSha256}.onnx`,
    );
    chmodSync(path, 0o644);
    writeFileSync(path, Buffer.from('not a model'));
    const corrupt = await call('GET', '/api/v1/models/payments-detector/versions/1/model.onnx', viewer.headers);
    expect(corrupt.statusCode).toBe(500);
    expect(corrupt.headers['content-type']).toMatch(/json/);
    expect(corrupt.json()).toMatchObject({ error: 'model_file_corrupt', message: expect.stringMatching(/is corrupt/) });
    expect(corrupt.body).not.toContain('not a model');
  });
});
