import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { seriesFeatures } from '../../src/anomaly/features';
import { inputName, loadBundle, outputName } from '../../src/models/bundle';
import { httpApp, session, type HttpApp } from '../http/http-app';

jest.setTimeout(180_000);

const run = promisify(execFile);
const SCRIPT = join(__dirname, '..', 'fixtures', 'onnx', 'score-standalone.js');

/**
 * issue 15, "How it is checked": the ONNX file downloaded over REST loads and scores in a separate,
 * plain onnxruntime-node process (tests/fixtures/onnx/score-standalone.js, no project code) to the
 * values the project's own loaded bundle gives for the same feature rows.
 */
describe('a downloaded model scores the same in a plain onnxruntime-node process', () => {
  let h: HttpApp;
  beforeAll(async () => {
    h = await httpApp();
    await h.app.startWorkers();
  });
  afterAll(async () => {
    await h.close();
  });

  it('trains on the embedded defaults, downloads the ONNX over REST, and every signal scores alike', async () => {
    const operator = await session(h, 'operator');
    const started = await h.http.inject({
      method: 'POST',
      url: '/api/v1/models/train',
      headers: operator.headers,
      payload: { service: 'payments', window_s: 86_400, params: { trees: 20, window: 32 } },
    });
    expect(started.statusCode).toBe(202);
    const job = await h.app.queue.waitUntilFinished(started.json<{ job_id: string }>().job_id, 120_000);
    expect(job.state).toBe('completed');
    for (let i = 0; i < 600 && !h.app.models.list()[0]?.versions[0]; i++) await new Promise((r) => setTimeout(r, 50));
    const file = await h.http.inject({
      method: 'GET',
      url: '/api/v1/models/payments-detector/versions/1/model.onnx',
      headers: operator.headers,
    });
    expect(file.statusCode).toBe(200);
    const dir = mkdtempSync(join(tmpdir(), 'sco-onnx-'));
    const modelPath = join(dir, 'model.onnx');
    writeFileSync(modelPath, file.rawPayload);

    const bundle = await loadBundle(file.rawPayload);
    try {
      const signals = bundle.meta.signals.map((s) => s.signal);
      expect(signals.length).toBeGreaterThan(1);
      // The service's own recent history, as features the way the model scores them
      const to = h.clock.now;
      const series = await h.app.source.query({
        service: 'payments',
        signal: signals[0],
        startMs: to - 6 * 3_600_000,
        endMs: to,
        stepMs: 60_000,
      });
      const values = series.points.map(([, v]) => v);
      values[300] = values[300] * 5; // and one point far outside, so the scores are not all alike
      const m = seriesFeatures(values, { size: bundle.meta.params.window });
      expect(m.rows).toBeGreaterThan(100);
      const rowsPath = join(dir, 'rows.json');
      writeFileSync(rowsPath, JSON.stringify({ rows: m.rows, cols: m.cols, data: Array.from(m.data) }));

      for (const signal of signals) {
        const ours = await bundle.scorers[signal]!.score(m.data, m.rows);
        const { stdout } = await run(process.execPath, [
          SCRIPT,
          modelPath,
          rowsPath,
          inputName(signal),
          outputName(signal),
        ]);
        const theirs = JSON.parse(stdout) as { inputs: string[]; scores: number[] };
        expect(theirs.inputs.sort()).toEqual(signals.map(inputName).sort());
        expect(theirs.scores).toHaveLength(m.rows);
        for (let i = 0; i < m.rows; i++) expect(theirs.scores[i]).toBeCloseTo(ours[i], 6);
        expect(new Set(theirs.scores.map((s) => s.toFixed(4))).size).toBeGreaterThan(1);
      }
    } finally {
      await bundle.close();
    }
  });
});
