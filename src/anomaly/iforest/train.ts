/**
 * Trains an isolation forest (Liu, Ting & Zhou 2008): each tree is grown on ψ rows drawn without
 * replacement, splitting on a random feature at a uniform random value between that feature's
 * min and max, until a row is isolated or the height limit ceil(log2 ψ) is reached.
 * Deterministic for a given seed and data.
 */
import { AppError } from '../../errors';
import { averagePathLength, scoreRow, type IsolationForest, type IsolationTree, type TrainingStats } from './model';
import { createRng, type Rng } from './rng';

/** Rows stored row-major in one Float32Array. */
export interface FeatureMatrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

export interface TrainOptions {
  /** Number of trees (default 100). */
  trees?: number;
  /** ψ, rows per tree (default 256, capped at the number of rows). */
  sampleSize?: number;
  /** Height limit (default ceil(log2 ψ)). */
  maxDepth?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** One name per feature, stored in the model and its ONNX metadata (default f0, f1, ...). */
  featureNames?: readonly string[];
}

/** Training rows scored to report the score quantiles; larger sets are strided down to this. */
const STATS_ROWS = 20_000;

export function trainIsolationForest(
  input: FeatureMatrix | ReadonlyArray<ArrayLike<number>>,
  opts: TrainOptions = {},
): IsolationForest {
  const m = toMatrix(input);
  const trees = opts.trees ?? 100;
  const seed = opts.seed ?? 1;
  if (m.rows < 2) throw new AppError('bad_request', `isolation forest: need at least 2 training rows (got ${m.rows})`);
  if (!Number.isInteger(trees) || trees < 1 || trees > 10_000)
    throw new AppError('bad_request', `isolation forest: trees must be a whole number in 1..10000 (got ${trees})`);
  const sampleSize = Math.min(opts.sampleSize ?? 256, m.rows);
  if (!Number.isInteger(sampleSize) || sampleSize < 2)
    throw new AppError(
      'bad_request',
      `isolation forest: sampleSize must be a whole number >= 2 (got ${opts.sampleSize})`,
    );
  const maxDepth = opts.maxDepth ?? Math.ceil(Math.log2(sampleSize));
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 64)
    throw new AppError('bad_request', `isolation forest: maxDepth must be a whole number in 1..64 (got ${maxDepth})`);
  if (!Number.isInteger(seed))
    throw new AppError('bad_request', `isolation forest: seed must be an integer (got ${seed})`);
  const featureNames = opts.featureNames ?? Array.from({ length: m.cols }, (_, i) => `f${i}`);
  if (featureNames.length !== m.cols)
    throw new AppError('bad_request', `isolation forest: ${featureNames.length} feature names for ${m.cols} features`);

  const rng = createRng(seed);
  const perm = Int32Array.from({ length: m.rows }, (_, i) => i);
  const grown: IsolationTree[] = [];
  for (let t = 0; t < trees; t++) {
    // Partial Fisher-Yates: the first ψ entries of perm become a uniform sample without replacement.
    for (let i = 0; i < sampleSize; i++) {
      const j = i + rng.int(m.rows - i);
      const tmp = perm[i];
      perm[i] = perm[j];
      perm[j] = tmp;
    }
    grown.push(growTree(m, perm.slice(0, sampleSize), rng, maxDepth));
  }

  const partial = {
    featureCount: m.cols,
    featureNames: [...featureNames],
    sampleSize,
    maxDepth,
    normalizer: averagePathLength(sampleSize),
    seed,
    trees: grown,
  };
  return { ...partial, stats: trainingStats({ ...partial, stats: emptyStats(m) }, m) };
}

function growTree(m: FeatureMatrix, idx: Int32Array, rng: Rng, maxDepth: number): IsolationTree {
  const { data, cols } = m;
  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];
  const mins = new Float64Array(cols);
  const maxs = new Float64Array(cols);
  const candidates = new Int32Array(cols);

  const grow = (lo: number, hi: number, depth: number): number => {
    const node = feature.length;
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    value.push(0);
    const size = hi - lo;
    if (depth < maxDepth && size > 1) {
      mins.fill(Infinity);
      maxs.fill(-Infinity);
      for (let i = lo; i < hi; i++) {
        const base = idx[i] * cols;
        for (let f = 0; f < cols; f++) {
          const v = data[base + f];
          if (v < mins[f]) mins[f] = v;
          if (v > maxs[f]) maxs[f] = v;
        }
      }
      // Like sklearn, only features that still vary can split; a node where none does is a leaf.
      let n = 0;
      for (let f = 0; f < cols; f++) if (maxs[f] > mins[f]) candidates[n++] = f;
      if (n > 0) {
        const q = candidates[rng.int(n)];
        const min = mins[q];
        const max = maxs[q];
        // float32 threshold so x <= t means the same in TypeScript and in the float ONNX tree.
        let t = Math.fround(min + rng.next() * (max - min));
        if (t >= max) t = min; // rounding reached max: keep both sides non-empty
        let i = lo;
        let j = hi - 1;
        while (i <= j) {
          if (data[idx[i] * cols + q] <= t) i++;
          else {
            const tmp = idx[i];
            idx[i] = idx[j];
            idx[j] = tmp;
            j--;
          }
        }
        feature[node] = q;
        threshold[node] = t;
        left[node] = grow(lo, i, depth + 1);
        right[node] = grow(i, hi, depth + 1);
        return node;
      }
    }
    value[node] = depth + averagePathLength(size);
    return node;
  };
  grow(0, idx.length, 0);

  return {
    feature: Int32Array.from(feature),
    threshold: Float32Array.from(threshold),
    left: Int32Array.from(left),
    right: Int32Array.from(right),
    value: Float64Array.from(value),
  };
}

function toMatrix(input: FeatureMatrix | ReadonlyArray<ArrayLike<number>>): FeatureMatrix {
  let m: FeatureMatrix;
  if ('data' in input && input.data instanceof Float32Array) {
    m = input;
    if (!Number.isInteger(m.rows) || !Number.isInteger(m.cols) || m.cols < 1 || m.data.length !== m.rows * m.cols) {
      throw new AppError(
        'bad_request',
        `isolation forest: matrix data has ${m.data.length} values, expected rows x cols = ${m.rows} x ${m.cols}`,
      );
    }
  } else {
    const rowsIn = input as ReadonlyArray<ArrayLike<number>>;
    const cols = rowsIn.length ? rowsIn[0].length : 0;
    if (rowsIn.length && cols < 1)
      throw new AppError('bad_request', 'isolation forest: rows must have at least one feature');
    const data = new Float32Array(rowsIn.length * cols);
    rowsIn.forEach((row, r) => {
      if (row.length !== cols)
        throw new AppError('bad_request', `isolation forest: row ${r} has ${row.length} features, row 0 has ${cols}`);
      for (let f = 0; f < cols; f++) data[r * cols + f] = row[f];
    });
    m = { data, rows: rowsIn.length, cols };
  }
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i])) {
      throw new AppError(
        'bad_request',
        `isolation forest: row ${Math.floor(i / m.cols)} feature ${i % m.cols} is not a finite float32 (${m.data[i]})`,
      );
    }
  }
  return m;
}

function emptyStats(m: FeatureMatrix): TrainingStats {
  return { rows: m.rows, featureMean: [], featureStd: [], scoreQuantiles: { p50: 0, p90: 0, p99: 0, max: 0 } };
}

function trainingStats(forest: IsolationForest, m: FeatureMatrix): TrainingStats {
  const { data, rows, cols } = m;
  const mean = new Array<number>(cols).fill(0);
  const sq = new Array<number>(cols).fill(0);
  for (let r = 0; r < rows; r++) for (let f = 0; f < cols; f++) mean[f] += data[r * cols + f];
  for (let f = 0; f < cols; f++) mean[f] /= rows;
  for (let r = 0; r < rows; r++) for (let f = 0; f < cols; f++) sq[f] += (data[r * cols + f] - mean[f]) ** 2;
  const step = Math.max(1, Math.ceil(rows / STATS_ROWS));
  const scores: number[] = [];
  for (let r = 0; r < rows; r += step) scores.push(scoreRow(forest, data, r * cols));
  scores.sort((a, b) => a - b);
  const q = (p: number) => scores[Math.min(scores.length - 1, Math.max(0, Math.ceil(p * scores.length) - 1))];
  return {
    rows,
    featureMean: mean,
    featureStd: sq.map((s) => Math.sqrt(s / rows)),
    scoreQuantiles: { p50: q(0.5), p90: q(0.9), p99: q(0.99), max: scores[scores.length - 1] },
  };
}
