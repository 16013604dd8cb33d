import { performance } from 'node:perf_hooks';
import { FEATURE_COUNT, FEATURE_NAMES, FeatureWindow, seriesFeatures } from '../src/anomaly/features';
import { scoreBatch, scoreRow, syntheticSeries, trainIsolationForest } from '../src/anomaly/iforest';
import { createOnnxScorer, toOnnx, type TreeOp } from '../src/anomaly/onnx';
import { percentile, printTable, round } from './util';

const WINDOW = 64;
const TRAIN_SERIES = 20;
const SERIES_LENGTH = 1_000;
const BIG_BATCH = 4_096;
const SINGLE_CALLS = 5_000;
const BIG_ROUNDS = 30;

/** Feature rows of `count` synthetic normal series, seeds from `firstSeed`. */
function rowsOf(firstSeed: number, count: number): { data: Float32Array; rows: number } {
  const parts = Array.from({ length: count }, (_, i) =>
    seriesFeatures(syntheticSeries({ length: SERIES_LENGTH, seed: firstSeed + i }), { size: WINDOW }),
  );
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let at = 0;
  for (const p of parts) {
    data.set(p.data, at);
    at += p.data.length;
  }
  return { data, rows: data.length / FEATURE_COUNT };
}

function rowsPerSecond(rows: number, ms: number): number {
  return Math.round((rows * 1000) / ms);
}

/**
 * Isolation-forest scoring throughput: onnxruntime-node (CPU, one intra-op thread) at batch 1 and
 * batch 4,096, against the same forest scored in TypeScript, plus training, export and the
 * streaming feature window.
 */
export async function benchOnnx(): Promise<void> {
  const train = rowsOf(1, TRAIN_SERIES);
  let t0 = performance.now();
  const forest = trainIsolationForest(
    { data: train.data, rows: train.rows, cols: FEATURE_COUNT },
    { seed: 1, featureNames: FEATURE_NAMES },
  );
  const trainMs = performance.now() - t0;
  t0 = performance.now();
  const bytes = toOnnx(forest);
  const exportMs = performance.now() - t0;

  const test = rowsOf(10_000, 5);
  const batch = test.data.subarray(0, BIG_BATCH * FEATURE_COUNT);

  const results: Record<TreeOp, { single: number; p50: number; p99: number; big: number; maxDiff: number }> =
    {} as never;
  for (const treeOp of ['TreeEnsembleRegressor', 'TreeEnsemble'] as const) {
    const scorer = await createOnnxScorer(toOnnx(forest, { treeOp }), { intraOpNumThreads: 1 });
    try {
      for (let i = 0; i < 200; i++)
        await scorer.score(batch.subarray((i % BIG_BATCH) * FEATURE_COUNT, ((i % BIG_BATCH) + 1) * FEATURE_COUNT), 1);
      const latencies: number[] = [];
      let started = performance.now();
      for (let i = 0; i < SINGLE_CALLS; i++) {
        const r = i % BIG_BATCH;
        const c0 = performance.now();
        await scorer.score(batch.subarray(r * FEATURE_COUNT, (r + 1) * FEATURE_COUNT), 1);
        latencies.push(performance.now() - c0);
      }
      const single = rowsPerSecond(SINGLE_CALLS, performance.now() - started);
      latencies.sort((a, b) => a - b);
      await scorer.score(batch, BIG_BATCH);
      started = performance.now();
      let onnx: Float32Array = new Float32Array(0);
      for (let i = 0; i < BIG_ROUNDS; i++) onnx = await scorer.score(batch, BIG_BATCH);
      const big = rowsPerSecond(BIG_ROUNDS * BIG_BATCH, performance.now() - started);
      const ts = scoreBatch(forest, batch, BIG_BATCH);
      let maxDiff = 0;
      for (let r = 0; r < BIG_BATCH; r++) maxDiff = Math.max(maxDiff, Math.abs(onnx[r] - ts[r]));
      results[treeOp] = { single, p50: percentile(latencies, 50), p99: percentile(latencies, 99), big, maxDiff };
    } finally {
      await scorer.close();
    }
  }

  // TypeScript forest on the same rows.
  for (let i = 0; i < 3; i++) scoreBatch(forest, batch, BIG_BATCH);
  let started = performance.now();
  let n = 0;
  for (let i = 0; i < SINGLE_CALLS * 4; i++) {
    scoreRow(forest, batch, (i % BIG_BATCH) * FEATURE_COUNT);
    n++;
  }
  const tsSingle = rowsPerSecond(n, performance.now() - started);
  started = performance.now();
  for (let i = 0; i < BIG_ROUNDS; i++) scoreBatch(forest, batch, BIG_BATCH);
  const tsBig = rowsPerSecond(BIG_ROUNDS * BIG_BATCH, performance.now() - started);

  // Streaming features: one FeatureWindow per series, a point at a time.
  const series = syntheticSeries({ length: 50_000, seed: 77 });
  const window = new FeatureWindow({ size: WINDOW });
  const row = new Float32Array(FEATURE_COUNT);
  started = performance.now();
  for (const v of series) window.pushInto(v, row, 0);
  const featuresPerSecond = rowsPerSecond(series.length, performance.now() - started);

  const reg = results.TreeEnsembleRegressor;
  const v5 = results.TreeEnsemble;
  printTable(
    `Isolation forest scoring (${forest.trees.length} trees, ψ ${forest.sampleSize}, ${FEATURE_COUNT} ` +
      'features; ORT CPU, intraOpNumThreads 1)',
    [
      { name: `train on ${train.rows} rows`, value: round(trainMs, 0), unit: 'ms' },
      { name: 'export toOnnx', value: round(exportMs, 1), unit: 'ms' },
      { name: 'model size (TreeEnsembleRegressor)', value: round(bytes.length / 1024, 0), unit: 'KiB' },
      { name: 'ONNX batch 1', value: reg.single, unit: 'rows/s', target: '>= 5000', pass: reg.single >= 5_000 },
      { name: 'ONNX batch 1 latency p50 / p99', value: `${round(reg.p50, 3)} / ${round(reg.p99, 3)}`, unit: 'ms' },
      {
        name: `ONNX batch ${BIG_BATCH}`,
        value: reg.big,
        unit: 'rows/s',
        target: '>= 100000',
        pass: reg.big >= 100_000,
      },
      { name: 'ONNX (TreeEnsemble v5) batch 1', value: v5.single, unit: 'rows/s' },
      { name: `ONNX (TreeEnsemble v5) batch ${BIG_BATCH}`, value: v5.big, unit: 'rows/s' },
      { name: 'TS forest batch 1', value: tsSingle, unit: 'rows/s' },
      { name: `TS forest batch ${BIG_BATCH}`, value: tsBig, unit: 'rows/s' },
      {
        name: 'max |ONNX - TS| score',
        value: Math.max(reg.maxDiff, v5.maxDiff).toExponential(1),
        target: '< 1e-5',
        pass: Math.max(reg.maxDiff, v5.maxDiff) < 1e-5,
      },
      { name: `FeatureWindow.push (window ${WINDOW})`, value: featuresPerSecond, unit: 'points/s' },
    ],
  );
}

if (require.main === module) {
  benchOnnx().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
