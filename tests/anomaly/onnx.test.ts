import { readFile, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../src/errors';
import { FEATURE_COUNT, FEATURE_NAMES, seriesFeatures } from '../../src/anomaly/features';
import { scoreBatch, syntheticSeries, trainIsolationForest, type IsolationForest } from '../../src/anomaly/iforest';
import {
  createOnnxScorer,
  readOnnxInfo,
  saveModel,
  toOnnx,
  type OnnxScorer,
  type TreeOp,
} from '../../src/anomaly/onnx';
import { onnxType } from '../../src/anomaly/onnx/proto';

/** Feature rows from several synthetic normal series of very different scales. */
function normalRows(seeds: number[], length = 600): { data: Float32Array; rows: number } {
  const parts = seeds.map((seed) => seriesFeatures(syntheticSeries({ length, seed }), { size: 64 }));
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const data = new Float32Array(rows * FEATURE_COUNT);
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { data, rows };
}

/** The last point of a normal window pushed far out: what a spike looks like. */
function spikeRows(count: number): Float32Array {
  const out = new Float32Array(count * FEATURE_COUNT);
  for (let i = 0; i < count; i++) {
    const s = syntheticSeries({ length: 64, seed: 1000 + i });
    const range = Math.max(...s) - Math.min(...s);
    s[63] = s[62] + (i % 2 ? -1 : 1) * (8 + i) * range;
    const m = seriesFeatures(s, { size: 64 });
    out.set(m.data, i * FEATURE_COUNT);
  }
  return out;
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('isolation forest exported to ONNX', () => {
  let forest: IsolationForest;
  let batch: Float32Array;
  let rows: number;
  const scorers: OnnxScorer[] = [];
  let dir: string;

  beforeAll(() => {
    const train = normalRows([1, 2, 3, 4, 5, 6, 7, 8]);
    forest = trainIsolationForest(
      { data: train.data, rows: train.rows, cols: FEATURE_COUNT },
      { seed: 11, featureNames: FEATURE_NAMES },
    );
    const held = normalRows([101, 102], 200); // 2 x 137 unseen normal rows
    rows = held.rows + 40;
    batch = new Float32Array(rows * FEATURE_COUNT);
    batch.set(held.data);
    batch.set(spikeRows(40), held.data.length);
    dir = mkdtempSync(join(tmpdir(), 'onnx-test-'));
  });

  afterAll(async () => {
    await Promise.all(scorers.map((s) => s.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  async function scorer(model: Uint8Array | string): Promise<OnnxScorer> {
    const s = await createOnnxScorer(model);
    scorers.push(s);
    return s;
  }

  it.each<TreeOp>(['TreeEnsembleRegressor', 'TreeEnsemble'])(
    '%s: ONNX scores equal the TypeScript forest to 1e-5',
    async (treeOp) => {
      expect(rows).toBeGreaterThanOrEqual(300);
      const s = await scorer(toOnnx(forest, { treeOp }));
      const onnx = await s.score(batch, rows);
      const ts = scoreBatch(forest, batch, rows);
      expect(onnx).toHaveLength(rows);
      let worst = 0;
      for (let r = 0; r < rows; r++) worst = Math.max(worst, Math.abs(onnx[r] - ts[r]));
      expect(worst).toBeLessThan(1e-5);
    },
  );

  it('scores spikes above normal points, and inside (0, 1)', async () => {
    const s = await scorer(toOnnx(forest));
    const scores = await s.score(batch, rows);
    const normal = Array.from(scores.subarray(0, rows - 40));
    const spikes = Array.from(scores.subarray(rows - 40));
    for (const v of scores) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(1);
    }
    const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
    expect(median(spikes)).toBeGreaterThan(median(normal) + 0.15);
    expect(Math.min(...spikes)).toBeGreaterThan(forest.stats.scoreQuantiles.p90);
  });

  it('round-trips: save to a file, load from the path, same scores and metadata', async () => {
    const path = join(dir, 'models', 'iforest.onnx');
    await saveModel(path, forest);
    const bytes = await readFile(path);
    expect(Buffer.compare(bytes, Buffer.from(toOnnx(forest)))).toBe(0);
    const fromPath = await scorer(path);
    const fromBytes = await scorer(toOnnx(forest));
    expect(Array.from(await fromPath.score(batch, rows))).toEqual(Array.from(await fromBytes.score(batch, rows)));
    expect(fromPath.featureCount).toBe(FEATURE_COUNT);
    const { info } = fromPath;
    expect(info.producerName).toBe('smartcloudops');
    expect(info.featureNames).toEqual([...FEATURE_NAMES]);
    expect(info.metadata.trees).toBe('100');
    expect(info.metadata.sample_size).toBe('256');
    expect(JSON.parse(info.metadata.training_score_quantiles)).toEqual(forest.stats.scoreQuantiles);
    expect(info.docString).toMatch(/Isolation forest/);
  });

  it('uses only standard domains, released opsets and the official field numbers', () => {
    for (const treeOp of ['TreeEnsembleRegressor', 'TreeEnsemble'] as const) {
      const bytes = toOnnx(forest, { treeOp });
      expect(bytes[0]).toBe(0x08); // ModelProto.ir_version = 1, varint
      const info = readOnnxInfo(bytes);
      expect(info.opsets).toEqual(
        treeOp === 'TreeEnsemble' ? { '': 21, 'ai.onnx.ml': 5 } : { '': 16, 'ai.onnx.ml': 3 },
      );
      expect(info.irVersion).toBe(treeOp === 'TreeEnsemble' ? 10 : 8);
      expect(info.inputName).toBe('features');
      expect(info.outputName).toBe('score');
      const model = onnxType('ModelProto').toObject(onnxType('ModelProto').decode(bytes)) as {
        graph: { node: Array<{ op_type: string; domain?: string }> };
      };
      expect(model.graph.node.map((n) => `${n.domain ?? ''}:${n.op_type}`)).toEqual([
        `ai.onnx.ml:${treeOp}`,
        ':Div',
        ':Neg',
        ':Pow',
      ]);
    }
    // proto2 packing as in onnx.proto: AttributeProto.ints (8) unpacked, TensorProto.float_data (4) packed.
    const attr = onnxType('AttributeProto');
    expect(Array.from(attr.encode(attr.fromObject({ ints: [1, 2] })).finish())).toEqual([0x40, 1, 0x40, 2]);
    const tensor = onnxType('TensorProto');
    expect(Array.from(tensor.encode(tensor.fromObject({ float_data: [0] })).finish())).toEqual([0x22, 4, 0, 0, 0, 0]);
    // set zero is written (proto2)
    expect(Array.from(tensor.encode(tensor.fromObject({ data_type: 0 })).finish())).toEqual([0x10, 0]);
  });

  it('exports a forest whose trees are single leaves (constant training data)', async () => {
    const flat = trainIsolationForest(
      Array.from({ length: 50 }, () => [1, 2]),
      { trees: 3 },
    );
    const x = Float32Array.from([1, 2, 5, -5]);
    const expected = scoreBatch(flat, x, 2);
    for (const treeOp of ['TreeEnsembleRegressor', 'TreeEnsemble'] as const) {
      const got = await (await scorer(toOnnx(flat, { treeOp }))).score(x, 2);
      expect(got[0]).toBeCloseTo(expected[0], 6);
      expect(got[1]).toBeCloseTo(expected[1], 6);
    }
  });

  it('gives a clear error, not a crash, for invalid model bytes or a missing file', async () => {
    const garbage = await rejection(createOnnxScorer(Uint8Array.from([0xff, 0xff, 0xff, 0x01, 0x02, 0x03])));
    expect(garbage.code).toBe('bad_request');
    expect(garbage.message).toMatch(/ONNX model \(6 bytes\) is not usable: not an ONNX model/);
    expect((await rejection(createOnnxScorer(new Uint8Array(0)))).message).toMatch(/is empty/);
    const truncated = toOnnx(forest).slice(0, 500);
    expect((await rejection(createOnnxScorer(truncated))).code).toBe('bad_request');
    const text = await rejection(createOnnxScorer(new TextEncoder().encode('this is not a model at all')));
    expect(text.code).toBe('bad_request');
    expect((await rejection(createOnnxScorer(join(dir, 'nope.onnx')))).code).toBe('not_found');
    // Well-formed protobuf that onnxruntime refuses (an opset it does not know): its message is passed on.
    const future = toOnnx(forest);
    const path = join(dir, 'future.onnx');
    await writeFile(path, patchOpset(future, 16, 99));
    const refused = await rejection(createOnnxScorer(path));
    expect(refused.code).toBe('bad_request');
    expect(refused.message).toMatch(/could not be loaded by onnxruntime/);
  });

  it('checks batch sizes, thread options and use after close', async () => {
    const s = await createOnnxScorer(toOnnx(forest), { intraOpNumThreads: 2 });
    expect((await rejection(s.score(batch, rows + 1))).code).toBe('bad_request');
    expect(await s.score(new Float32Array(0), 0)).toHaveLength(0);
    const one = await s.score(batch.subarray(5 * FEATURE_COUNT, 6 * FEATURE_COUNT), 1); // a view into a bigger buffer
    expect(one[0]).toBeCloseTo(scoreBatch(forest, batch, rows)[5], 5);
    await s.close();
    await s.close();
    expect((await rejection(s.score(batch, rows))).code).toBe('unavailable');
    expect((await rejection(createOnnxScorer(toOnnx(forest), { intraOpNumThreads: -1 }))).code).toBe('config_invalid');
  });
});

/** Rewrites the ai.onnx opset version in an encoded model (decode, edit, encode). */
function patchOpset(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const type = onnxType('ModelProto');
  const obj = type.toObject(type.decode(bytes), { longs: Number }) as {
    opset_import: Array<{ domain?: string; version: number }>;
  };
  for (const o of obj.opset_import) if (!o.domain && o.version === from) o.version = to;
  return type.encode(type.fromObject(obj)).finish();
}
