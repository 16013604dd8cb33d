import { chmodSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MAX_SCORE_POINTS } from '../../src/http/routes/api-v1/model-score';
import { httpApp, session, type HttpApp } from './http-app';

jest.setTimeout(180_000);

type Scores = {
  model: string;
  version: number;
  signal: string;
  threshold: number;
  scores: [number, number, boolean][];
};

/** A smooth daily-ish wave with small deterministic noise, one point a minute, and a spike at `spikeAt`. */
function series(n: number, spikeAt: number): [number, number][] {
  const t0 = Date.UTC(2026, 10, 20, 0, 0, 0);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const noise = ((i * 7919) % 13) / 13 - 0.5;
    const spike = i >= spikeAt && i < spikeAt + 3 ? 400 : 0;
    out.push([t0 + i * 60_000, 120 + 15 * Math.sin((2 * Math.PI * i) / 1440) + 2 * noise + spike]);
  }
  return out;
}

/** issue 15 point 9: POST /api/v1/models/:name/score, the champion's scores for a posted series. */
describe('POST /api/v1/models/:name/score', () => {
  let h: HttpApp;
  let viewer: Awaited<ReturnType<typeof session>>;
  beforeAll(async () => {
    h = await httpApp();
    await h.app.startWorkers();
    viewer = await session(h, 'viewer');
    const operator = await session(h, 'operator');
    const res = await h.http.inject({
      method: 'POST',
      url: '/api/v1/models/train',
      headers: operator.headers,
      payload: { service: 'payments', window_s: 86_400, params: { trees: 16 } },
    });
    expect(res.statusCode).toBe(202);
    const job = await h.app.queue.waitUntilFinished(res.json<{ job_id: string }>().job_id, 120_000);
    expect(job.state).toBe('completed');
    for (let i = 0; i < 600 && !h.app.models.list()[0]?.versions[0]; i++) await new Promise((r) => setTimeout(r, 50));
  });
  afterAll(async () => {
    await h.close();
  });

  const score = (name: string, payload: object) =>
    h.http.inject({ method: 'POST', url: `/api/v1/models/${name}/score`, headers: viewer.headers, payload });

  it('answers 404 for an unknown model and 409 while the model has no champion', async () => {
    const unknown = await score('paymnts-detector', { points: [[1, 2]] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toContain('payments-detector');
    const none = await score('payments-detector', { points: [[1, 2]] });
    expect(none.statusCode).toBe(409);
    expect(none.json()).toMatchObject({ error: 'no_champion', message: expect.stringContaining('promote') });
  });

  it("scores with the champion: one score per point, the spike's points flagged", async () => {
    h.app.models.setAlias('payments-detector', 'champion', 1, { by: 'user:test', at: h.clock.now });
    const points = series(2_400, 2_000);
    const res = await score('payments-detector', { points, signal: 'latency_p50' });
    expect(res.statusCode).toBe(200);
    const body = res.json<Scores>();
    expect(body).toMatchObject({ model: 'payments-detector', version: 1, signal: 'latency_p50' });
    expect(body.threshold).toBeGreaterThan(0);
    expect(body.scores.map(([t]) => t)).toEqual(points.map(([t]) => t));
    for (const [, s, flagged] of body.scores) {
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
      expect(flagged).toBe(s >= body.threshold);
    }
    expect(body.scores[2_000][2]).toBe(true);
    const flagged = body.scores.map(([, , a], i) => (a ? i : -1)).filter((i) => i >= 0);
    // after the warm-up, points outside the spike are rarely flagged (well under 1% of them)
    expect(flagged.filter((i) => i >= 1_000 && (i < 2_000 || i > 2_010)).length).toBeLessThanOrEqual(5);

    // the default signal is the model's first; the same request scores the same
    const again = (await score('payments-detector', { points })).json<Scores>();
    expect(again.signal).toBe('latency_p50');
    expect(again.scores).toEqual(body.scores);
  });

  it('refuses bad input with a 400 that says what is wrong', async () => {
    const bad = async (payload: object) => {
      const res = await score('payments-detector', payload);
      expect(res.statusCode).toBe(400);
      return res.json<{ message: string }>().message;
    };
    expect(await bad({ points: [] })).toContain('at least one point');
    expect(
      await bad({
        points: [
          [2, 1],
          [1, 1],
        ],
      }),
    ).toContain('timestamps must increase: point 1');
    expect(await bad({ points: [[1, 'NaN']] })).toMatch(/points\.0\.1/);
    expect(await bad({ points: [[1, 1]], signal: 'bogus' })).toMatch(/signal/);
    expect(await bad({ points: [[1, 1]], extra: true })).toMatch(/extra: unknown field/);
    const many = Array.from({ length: MAX_SCORE_POINTS + 1 }, (_, i): [number, number] => [i, 1]);
    expect(await bad({ points: many })).toContain(`at most ${MAX_SCORE_POINTS} points`);
    expect((await h.http.inject({ method: 'POST', url: '/api/v1/models/payments-detector/score' })).statusCode).toBe(
      401,
    );
  });

  it("answers 503 naming the problem when the champion's file is corrupt or missing, and keeps serving", async () => {
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
    const corrupt = await score('payments-detector', { points: series(10, 100) });
    expect(corrupt.statusCode).toBe(503);
    expect(corrupt.json()).toMatchObject({
      error: 'model_file_corrupt',
      message: expect.stringMatching(/payments-detector v1 cannot score: .*is corrupt/),
    });
    expect(corrupt.body).not.toContain('not a model');
    unlinkSync(path);
    const missing = await score('payments-detector', { points: series(10, 100) });
    expect(missing.statusCode).toBe(503);
    expect(missing.json()).toMatchObject({ error: 'model_file_missing', message: expect.stringMatching(/is missing/) });
    expect((await h.http.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await h.http.inject({ method: 'GET', url: '/api/v1/models', headers: viewer.headers })).statusCode).toBe(
      200,
    );
  });
});
