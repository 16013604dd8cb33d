import { createHash } from 'node:crypto';
import type { App } from '../../src/app/control';
import type { AnomaliesJobResult } from '../../src/jobs/map';
import { buildBundle, loadBundle, type LoadedBundle } from '../../src/models/bundle';
import { fetchHistory } from '../../src/models/history';
import { createBundleCache, createPretrainedChannel, type ModelRef } from '../../src/models/serving';
import { featureRows, trainModel } from '../../src/models/train';
import { renderText } from '../../src/reply/render-text';
import { DemoFleet } from '../../src/sources/demo';
import { DURING_BURST, lastVersion, recordingSink, testApp } from '../helpers/app';
import { championOnApp, corruptBlob, PARAMS } from './serving-fixtures';

const NOW = Date.UTC(2025, 2, 10, 12, 0, 0);

async function demoBundle(seed = 3): Promise<{ bytes: Uint8Array; values: Float64Array }> {
  const fleet = new DemoFleet({ seed: 7, clock: () => NOW });
  const history = await fetchHistory(fleet, { service: 'payments', windowS: 86_400, toMs: NOW });
  const trained = await trainModel(history, { params: PARAMS, seed });
  const values = history.signals.find((s) => s.signal === 'error_rate')!.values;
  return { bytes: buildBundle(trained, { model: 'payments-detector' }), values };
}

const refOf = (bytes: Uint8Array, version = 1): ModelRef => ({
  name: 'payments-detector',
  version,
  sha256: createHash('sha256').update(bytes).digest('hex'),
  onnxBase64: Buffer.from(bytes).toString('base64'),
});

describe('serving a champion bundle (issue 15.4)', () => {
  let bytes: Uint8Array;
  let values: Float64Array;
  let bundle: LoadedBundle;
  beforeAll(async () => {
    ({ bytes, values } = await demoBundle());
    bundle = await loadBundle(bytes);
  });
  afterAll(async () => {
    await bundle.close();
  });

  it('a pre-trained channel scores from the first full window, chunk by chunk, as the bundle scores', async () => {
    const channel = createPretrainedChannel(bundle.scorers.error_rate!, { window: PARAMS.window });
    expect(channel.trained).toBe(true);
    const half = Math.floor(values.length / 2);
    const a = await channel.score(values.subarray(0, half));
    const b = await channel.score(values.subarray(half));
    const rows = featureRows(values, PARAMS);
    const direct = await bundle.scorers.error_rate!.score(rows.data, rows.rows);
    const got = [...a, ...b].filter((x) => !Number.isNaN(x));
    expect(got).toHaveLength(rows.rows);
    expect(Number.isNaN(a[PARAMS.window - 2])).toBe(true);
    expect(got.every((x, i) => Math.abs(x - direct[i]) < 1e-7)).toBe(true);
    await channel.close();
    // The bundle stays open for other jobs.
    expect((await bundle.scorers.error_rate!.score(rows.data.slice(0, 8), 1)).length).toBe(1);
  });

  it('the cache loads a bundle once per sha256, refuses bytes not matching it, evicts the oldest', async () => {
    let loads = 0;
    const cache = createBundleCache(
      (b) => {
        loads++;
        return loadBundle(b);
      },
      { max: 1 },
    );
    const ref = refOf(bytes);
    const [x, y] = await Promise.all([cache.get(ref), cache.get(ref)]);
    expect(x).toBe(y);
    expect(loads).toBe(1);
    await expect(cache.get({ ...ref, sha256: '0'.repeat(64) })).rejects.toThrow(/expected 0000/);
    expect(cache.size()).toBe(1);
    const { bytes: other } = await demoBundle(4);
    await cache.get(refOf(other, 2));
    expect(loads).toBe(2);
    expect(cache.size()).toBe(1);
    await cache.close();
    expect(cache.size()).toBe(0);
  });
});

describe('anomalies through the real app with a champion (issue 15.4)', () => {
  let app: App;
  beforeEach(async () => {
    ({ app } = await testApp({}, DURING_BURST));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  const say = async (text: string) => {
    const sink = recordingSink();
    const handled = await app.conversation.handleMessage(
      { platform: 'console', user: 'alice', channel: 'ops', text },
      sink,
    );
    await handled.done;
    return renderText(lastVersion(sink.messages[0]));
  };

  it('names the champion that scored, in the reply and the result', async () => {
    const v = await championOnApp(app, DURING_BURST);
    expect(v.version).toBe(1);
    const out = await say('anomalies in payments error rate over the last hour');
    expect(out).toMatch(/scored by payments-detector v1 · as of/);
    const [job] = (await app.queue.list({ limit: 5 })).filter((j) => j.name === 'detect_anomalies');
    const done = await app.queue.waitUntilFinished(job.id, 10_000);
    expect((done.result as AnomaliesJobResult).model).toEqual({ name: 'payments-detector', version: 1 });
    // A service without a champion: the reply is as before.
    expect(await say('anomalies in auth-gateway p99 latency last 2 hours')).not.toMatch(/scored by|built-in/);
  }, 60_000);

  it('a corrupt ONNX file on disk: the built-in detector scores and the reply says why', async () => {
    const v = await championOnApp(app, DURING_BURST);
    corruptBlob(app, v);
    const out = await say('anomalies in payments error rate over the last hour');
    expect(out).toMatch(/payments-detector v1's file is corrupt; used the built-in detector/);
    expect(out).toMatch(/1 anomalous of 1 series over the last hour/);
  }, 60_000);

  it('signals the model lacks are scored by the built-in learned channel, and the reply says which', async () => {
    await championOnApp(app, DURING_BURST, 3, ['error_rate']);
    const out = await say('anomalies in payments over the last hour');
    expect(out).toMatch(/scored by payments-detector v1 \(built-in detector for latency_p50, .*: not in the model\)/);
    expect(out).not.toMatch(/built-in detector for [^:]*error_rate/);
  }, 60_000);

  it('a job whose model does not load: the built-in detector scores and the result says why', async () => {
    const junk = Buffer.from('not an onnx file');
    const job = await app.queue.add('detect_anomalies', {
      service: 'payments',
      metric: 'error rate',
      windowS: 3600,
      model: refOf(junk, 4),
    });
    const done = await app.queue.waitUntilFinished(job.id, 30_000);
    expect(done.state).toBe('completed');
    const result = done.result as AnomaliesJobResult;
    expect(result.model).toEqual({
      fallback: expect.stringMatching(
        /^payments-detector v4's file could not be loaded: .*; used the built-in detector$/,
      ),
    });
    expect(result.findings[0].anomalous).toBe(true);
  }, 60_000);
});
