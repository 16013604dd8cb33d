import { createHash } from 'node:crypto';
import { scoreBatch } from '../../src/anomaly/iforest';
import { toOnnx } from '../../src/anomaly/onnx/export';
import { buildBundle, loadBundle, readBundleMeta } from '../../src/models/bundle';
import { tailProbability } from '../../src/models/calibration';
import { fetchHistory, historySha256, type History } from '../../src/models/history';
import { featureRows, resolveParams, trainModel, type TrainedModel } from '../../src/models/train';
import { DemoFleet } from '../../src/sources/demo';
import { refusal } from '../helpers/rejection';

const NOW = Date.UTC(2025, 2, 10, 12, 0, 0);
const SERVICE = 'payments';
const params = { trees: 8, sampleSize: 64, window: 32 };

function fleet(seed = 7) {
  return new DemoFleet({ seed, clock: () => NOW });
}

async function demoHistory(windowS = 86_400): Promise<History> {
  return fetchHistory(fleet(), { service: SERVICE, windowS, toMs: NOW });
}

async function trained(history: History, seed = 3): Promise<TrainedModel> {
  return trainModel(history, { params, seed });
}

describe('training and the ONNX bundle', () => {
  let history: History;
  let model: TrainedModel;
  let bytes: Uint8Array;
  beforeAll(async () => {
    history = await demoHistory();
    model = await trained(history);
    bytes = buildBundle(model, { model: 'payments-detector' });
  });

  it('trains one forest per signal on every feature row, with calibrated scores', () => {
    expect(model.signals).toHaveLength(6);
    for (const s of model.signals) {
      expect(s.rows).toBe(1440 - params.window + 1);
      expect(s.forest.trees).toHaveLength(params.trees);
      expect(s.calibration.rows).toBe(s.rows);
      const { u } = s.calibration.tail;
      expect(tailProbability(s.calibration, 0)).toBe(1);
      // At u: the share of rows at or above it (ties included); past u the fitted tail, below k / rows.
      expect(tailProbability(s.calibration, u)).toBeGreaterThanOrEqual(5 / s.rows);
      expect(tailProbability(s.calibration, u)).toBeLessThan(20 / s.rows);
      expect(tailProbability(s.calibration, u + 0.05)).toBeLessThan(5 / s.rows);
      const median = s.calibration.table.find(([, p]) => p <= 0.5)?.[0] as number;
      expect(tailProbability(s.calibration, median)).toBeGreaterThan(0.3);
    }
    expect(model.dataSha256).toBe(historySha256(history));
    expect(model.trainingSeconds).toBeGreaterThan(0);
  });

  it('scores each signal in ONNX like the forest in TypeScript', async () => {
    const bundle = await loadBundle(bytes);
    try {
      expect(bundle.meta.signals.map((s) => s.signal)).toEqual(model.signals.map((s) => s.signal));
      for (const s of model.signals) {
        const h = history.signals.find((x) => x.signal === s.signal);
        const rows = featureRows(h!.values, params);
        const scorer = bundle.scorers[s.signal]!;
        const onnx = await scorer.score(rows.data, rows.rows);
        const js = scoreBatch(s.forest, rows.data, rows.rows);
        let worst = 0;
        for (let r = 0; r < rows.rows; r++) worst = Math.max(worst, Math.abs(onnx[r] - js[r]));
        expect(worst).toBeLessThan(1e-6);
        expect(scorer.tailProbability(onnx[0])).toBe(tailProbability(s.calibration, onnx[0]));
      }
    } finally {
      await bundle.close();
    }
  });

  it('writes the same bytes for the same data, params and seed; other bytes for another seed', async () => {
    const again = buildBundle(await trained(await demoHistory()), { model: 'payments-detector' });
    expect(Buffer.compare(Buffer.from(again), Buffer.from(bytes))).toBe(0);
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(sha(again)).toBe(sha(bytes));
    const reseeded = buildBundle(await trained(history, 4), { model: 'payments-detector' });
    expect(sha(reseeded)).not.toBe(sha(bytes));
  });

  it('keeps params, seed, window, data hash and calibration in the metadata', () => {
    const meta = readBundleMeta(bytes);
    expect(meta).toMatchObject({
      format: 'smartcloudops-anomaly-bundle',
      formatVersion: 1,
      model: 'payments-detector',
      service: SERVICE,
      params,
      seed: 3,
      window: history.window,
      dataSha256: model.dataSha256,
    });
    expect(meta.signals[0]).toMatchObject({ input: 'features_latency_p50', output: 'score_latency_p50', rows: 1409 });
    expect(meta.signals[0].calibration).toEqual(model.signals[0].calibration);
  });

  it('refuses an empty, corrupt or foreign file with a clear error', async () => {
    await expect(loadBundle(new Uint8Array(0))).rejects.toThrow(/empty/);
    await expect(loadBundle(new TextEncoder().encode('definitely not onnx'))).rejects.toThrow(/corrupt|not a usable/);
    const truncated = bytes.slice(0, Math.floor(bytes.length / 2));
    await expect(loadBundle(truncated)).rejects.toMatchObject({ code: 'bad_request' });
    const single = toOnnx(model.signals[0].forest);
    await expect(loadBundle(single)).rejects.toThrow(/model format “none”.*retrain/);
  });

  it('checks params and seed', () => {
    expect(resolveParams({}, undefined)).toEqual({ params: { trees: 25, sampleSize: 128, window: 64 }, seed: 1 });
    expect(refusal(() => resolveParams({ trees: 0 })).message).toMatch(/trees must be a whole number in 1..1000/);
    expect(refusal(() => resolveParams({ depth: 3 } as never)).message).toMatch(/unknown model parameter “depth”/);
    expect(refusal(() => resolveParams({}, -1)).message).toMatch(/seed/);
  });
});
