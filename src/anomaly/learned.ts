/**
 * The detector's learned channel: an isolation forest over window features (./features), trained
 * on the series' own first rows, exported to ONNX and scored with onnxruntime in batches.
 *
 * Streaming still holds: the forest is trained on rows 0..trainRows-1 and only scores later
 * rows, and a row's features use its point and earlier ones only. Scores come a chunk at a time
 * (one ORT call per chunk), so callers feed the detector after `score` resolves (see ./run).
 * Memory per series: the training rows until the forest is built, then the window and the model.
 */
import { AppError } from '../errors';
import { FEATURE_COUNT, FEATURE_NAMES, FeatureWindow } from './features';
import { trainIsolationForest } from './iforest';
import { toOnnx } from './onnx/export';
import type { OnnxScorer } from './onnx/scorer';

export interface LearnedOptions {
  /** Feature rows the forest is trained on (the series' first rows); no learned score before. */
  trainRows: number;
  trees: number;
  /** ψ: rows per tree. */
  sampleSize: number;
  /** Points per feature window. */
  window: number;
  seed: number;
  /** onnxruntime threads inside one operator (1 was about twice as fast as ORT's default on 2 cores). */
  intraOpNumThreads: number;
}

export const DEFAULT_LEARNED_OPTIONS: Readonly<LearnedOptions> = Object.freeze({
  trainRows: 1000,
  trees: 25,
  sampleSize: 128,
  window: 64,
  seed: 1,
  intraOpNumThreads: 1,
});

export interface LearnedChannel {
  /**
   * Learned scores of the next values of the series, one per value: NaN while the forest is not
   * trained yet and for non-finite values (skipped, as the detector skips them).
   */
  score(values: ArrayLike<number>): Promise<Float64Array>;
  /** Whether the forest has been built (the channel scores from then on). */
  readonly trained: boolean;
  /** Releases the ONNX session. Calls to `score` must not overlap (a series is scored in order). */
  close(): Promise<void>;
}

export function createLearnedChannel(options: Partial<LearnedOptions> = {}): LearnedChannel {
  const o = { ...DEFAULT_LEARNED_OPTIONS, ...options };
  if (!Number.isInteger(o.trainRows) || o.trainRows < 16)
    throw new AppError('bad_request', `learned channel: trainRows must be a whole number >= 16 (got ${o.trainRows})`);
  const window = new FeatureWindow({ size: o.window });
  let training: Float32Array | undefined = new Float32Array(o.trainRows * FEATURE_COUNT);
  let seen = 0;
  let scorer: OnnxScorer | undefined;
  let rows = new Float32Array(4096 * FEATURE_COUNT);

  async function build(data: Float32Array): Promise<OnnxScorer> {
    const forest = trainIsolationForest(
      { data, rows: o.trainRows, cols: FEATURE_COUNT },
      { trees: o.trees, sampleSize: o.sampleSize, seed: o.seed, featureNames: FEATURE_NAMES },
    );
    const model = toOnnx(forest, {
      treeOp: 'TreeEnsemble',
      metadata: { purpose: 'smartcloudops learned anomaly channel', window: String(o.window) },
    });
    // onnxruntime loads on first use: a process that never trains a forest does not carry it.
    const { createOnnxScorer } = await import('./onnx/scorer.js');
    return createOnnxScorer(model, { intraOpNumThreads: o.intraOpNumThreads });
  }

  return {
    get trained() {
      return scorer !== undefined;
    },

    async score(values) {
      const out = new Float64Array(values.length).fill(NaN);
      if (rows.length < values.length * FEATURE_COUNT) rows = new Float32Array(values.length * FEATURE_COUNT);
      // Rows for the model: only those after the forest exists. `at` maps each back to its value.
      const at: number[] = [];
      for (let i = 0; i < values.length; i++) {
        const offset = at.length * FEATURE_COUNT;
        if (!window.pushInto(values[i], rows, offset)) continue;
        if (training) {
          training.set(rows.subarray(offset, offset + FEATURE_COUNT), seen * FEATURE_COUNT);
          if (++seen === o.trainRows) {
            scorer = await build(training);
            training = undefined;
          }
          continue;
        }
        at.push(i);
      }
      if (scorer && at.length > 0) {
        const scores = await scorer.score(rows.subarray(0, at.length * FEATURE_COUNT), at.length);
        for (let j = 0; j < at.length; j++) out[at[j]] = scores[j];
      }
      return out;
    },

    async close() {
      await scorer?.close();
    },
  };
}
