import type { App } from '../../src/app/control';
import { aliasNote } from '../../src/app/models';
import { createShadowRecorder } from '../../src/app/shadow';
import type { AnomaliesJobData, AnomaliesJobResult, Jobs } from '../../src/jobs/map';
import { ShadowStore } from '../../src/models/shadow';
import type { JobInfo } from '../../src/queue/types';
import { DURING_BURST, sayTo, testApp } from '../helpers/app';
import { championOnApp, corruptBlob, PARAMS } from './serving-fixtures';

jest.setTimeout(180_000);

/** Polls until `get` gives a value (the registrar and the shadow recorder work on the queue's events). */
async function eventually<T>(get: () => T | undefined, what: string, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = get();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`never happened: ${what}`);
}

/** A train_model job through the app's queue (chat cannot set params yet), registered and evaluated. */
async function train(app: App, params: Record<string, number>) {
  const job = await app.queue.add(
    'train_model',
    { service: 'payments', windowS: 86_400, params },
    { meta: { requestedBy: 'user:alice' } },
  );
  expect((await app.queue.waitUntilFinished(job.id, 120_000)).state).toBe('completed');
  return eventually(() => {
    const v = app.models.byJob(job.id);
    return v?.metrics ? v : undefined;
  }, `version of ${job.id} evaluated`);
}

async function lastDetection(app: App): Promise<JobInfo<Jobs>> {
  const [job] = (await app.queue.list({ limit: 10 })).filter((j) => j.name === 'detect_anomalies');
  return app.queue.waitUntilFinished(job.id, 60_000);
}

describe('a challenger scores in shadow (issue 15 point 4), end to end on the embedded defaults', () => {
  let app: App;
  let logs: () => string;
  beforeEach(async () => {
    ({ app, logs } = await testApp({ DEFAULT_ROLE: 'operator' }, DURING_BURST));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  it('v1 champion, v2 challenger: detection carries both, one run recorded, model and compare show it', async () => {
    const v1 = await train(app, PARAMS);
    // No champion: v1 waits to be promoted, it is nobody's challenger.
    expect(app.models.aliasesOf('payments-detector')).toEqual({ champion: null, challenger: null });
    expect(aliasNote(app.models, v1)).toMatch(/No champion yet: v1 waits to be promoted/);
    app.models.setAlias('payments-detector', 'champion', 1, { by: 'user:alice', at: DURING_BURST });

    const v2 = await train(app, { ...PARAMS, trees: 16 });
    expect(app.models.aliasesOf('payments-detector')).toEqual({ champion: 1, challenger: 2 });
    expect(app.models.aliasHistory('payments-detector', 'challenger')[0]).toMatchObject({
      version: 2,
      by: 'system:smartcloudops',
    });
    expect(aliasNote(app.models, v2)).toMatch(/v2 is now the challenger: it scores in shadow beside champion v1/);

    // A second control-plane process sees the same completed event: the run is still recorded once.
    const shadow = new ShadowStore(app.store.db);
    const other = createShadowRecorder({ queue: app.queue, shadow, clock: app.clock, log: app.log });
    const stopOther = other.start();
    const said = await sayTo(app, 'anomalies in payments over the last hour');
    stopOther();
    expect(said.text()).toMatch(/scored by payments-detector v1/);
    expect(said.text()).toMatch(/challenger v2 \(shadow\) (agrees|would)/);
    const done = await lastDetection(app);
    const data = done.data as AnomaliesJobData;
    expect(data.model?.version).toBe(1);
    expect(data.shadow?.version).toBe(2);
    const result = done.result as AnomaliesJobResult;
    expect(result.shadow).toMatchObject({ name: 'payments-detector', version: 2 });
    const findings = result.shadow && 'findings' in result.shadow ? result.shadow.findings : [];
    expect(findings.map((f) => f.signal).sort()).toEqual(result.findings.map((f) => f.signal).sort());
    for (const f of findings) for (const s of f.segments) expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
    const runs = await eventually(() => {
      const r = shadow.runs('payments-detector', 2);
      return r.length ? r : undefined;
    }, 'shadow run recorded');
    expect(runs).toHaveLength(1);
    expect(other.record(done)).toBe(false);
    expect(shadow.count(done.id)).toBe(1);
    const run = runs[0];
    expect(run).toMatchObject({ jobId: done.id, service: 'payments', championVersion: 1, challengerVersion: 2 });
    const championSegments = result.findings.reduce((n, f) => n + f.segments.length, 0);
    expect(run.championAlerts).toHaveLength(championSegments);
    // The demo fleet's error burst: the champion alerts on it.
    expect(championSegments).toBeGreaterThan(0);

    const model = await sayTo(app, 'model payments-detector');
    expect(model.handled.intent).toBe('show_model');
    const out = model.text();
    if (process.env.SHOW) console.log(out);
    expect(out).toMatch(/payments-detector \(payments\)/);
    expect(out).toMatch(/v2\s+challenger\s+trees=16 sampleSize=64 window=32/);
    expect(out).toMatch(/v1\s+champion\s+trees=8 sampleSize=64 window=32/);
    expect(out).toMatch(/Champion v1 vs challenger v2 in shadow since .*: 1 run,/);
    expect(out).toMatch(new RegExp(`alerts raised\\s+${championSegments}\\s+\\d+`));
    expect(out).toMatch(/feedback over the runs: 0 real, 0 false alarm/);

    const compared = await sayTo(app, 'compare payments-detector 1 2');
    expect(compared.handled.intent).toBe('compare_models');
    const cmp = compared.text();
    if (process.env.SHOW) console.log(cmp);
    expect(cmp).toMatch(/payments-detector: v1 vs v2/);
    expect(cmp).toMatch(/\* trees\s+8\s+16/);
    expect(cmp).toMatch(/\n\s*sampleSize\s+64\s+64/);
  });

  it('a challenger whose file is corrupt: the champion scores, the shadow part is skipped, logged', async () => {
    await championOnApp(app, DURING_BURST);
    const v2 = await championOnApp(app, DURING_BURST, 5);
    // championOnApp made v2 champion: put v1 back as champion and v2 as its challenger.
    app.models.setAlias('payments-detector', 'champion', 1, { by: 'user:alice', at: DURING_BURST });
    app.models.setAlias('payments-detector', 'challenger', 2, { by: 'system:smartcloudops', at: DURING_BURST });
    corruptBlob(app, v2);
    const said = await sayTo(app, 'anomalies in payments error rate over the last hour');
    expect(said.text()).toMatch(/scored by payments-detector v1/);
    expect(said.text()).toMatch(/challenger v2 \(shadow\) did not score: payments-detector v2's file is corrupt/);
    const done = await lastDetection(app);
    const data = done.data as AnomaliesJobData;
    expect(data.shadow).toBeUndefined();
    const result = done.result as AnomaliesJobResult;
    expect(result.model).toEqual({ name: 'payments-detector', version: 1 });
    expect(result.findings[0].anomalous).toBe(true);
    expect(result.shadow).toEqual({ name: 'payments-detector', version: 2, skipped: expect.stringMatching(/corrupt/) });
    expect(logs()).toMatch(/shadow scoring skipped.*payments-detector v2's file is corrupt/);
    expect(new ShadowStore(app.store.db).count(done.id)).toBe(0);
  });

  it('a challenger whose bytes do not load in the worker: skipped with its reason, the champion scores', async () => {
    const v1 = await championOnApp(app, DURING_BURST);
    const model = {
      name: v1.name,
      version: 1,
      sha256: v1.onnxSha256,
      onnxBase64: (await app.models.onnx(v1.name, 1)).toString('base64'),
    };
    const junk = Buffer.from('not an onnx file').toString('base64');
    const job = await app.queue.add('detect_anomalies', {
      service: 'payments',
      metric: 'error rate',
      windowS: 3600,
      model,
      shadow: { name: v1.name, version: 9, sha256: 'f'.repeat(64), onnxBase64: junk },
    });
    const done = await app.queue.waitUntilFinished(job.id, 60_000);
    expect(done.state).toBe('completed');
    const result = done.result as AnomaliesJobResult;
    expect(result.model).toEqual({ name: 'payments-detector', version: 1 });
    expect(result.shadow).toEqual({
      name: 'payments-detector',
      version: 9,
      skipped: expect.stringMatching(/^payments-detector v9's file could not be loaded: /),
    });
    expect(logs()).toMatch(/shadow scoring skipped/);
  });
});
