/**
 * The isolation-forest model (Liu, Ting & Zhou 2008) as plain data, and its scoring in TypeScript.
 * The same arrays are exported to ONNX (see src/anomaly/onnx/export.ts), so the two scorers agree.
 */
import { AppError } from '../../errors';

const EULER_GAMMA = 0.5772156649015329;

/**
 * c(n): the average path length of an unsuccessful search in a binary search tree of n points,
 * used both to normalise scores and to extend the path at leaves that hold more than one point.
 */
export function averagePathLength(n: number): number {
  if (n <= 1) return 0;
  if (n === 2) return 1;
  return 2 * (Math.log(n - 1) + EULER_GAMMA) - (2 * (n - 1)) / n;
}

/**
 * One isolation tree as parallel arrays over its nodes, root at index 0, nodes in pre-order.
 * A row goes left when `x[feature] <= threshold` (ONNX BRANCH_LEQ), right otherwise.
 */
export interface IsolationTree {
  /** Split feature per node; -1 marks a leaf. */
  readonly feature: Int32Array;
  /** Split value per node (float32, so TypeScript and ONNX compare the same numbers); 0 at leaves. */
  readonly threshold: Float32Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /** At leaves: the path length depth + c(points in the leaf). 0 at internal nodes. */
  readonly value: Float64Array;
}

export interface TrainingStats {
  rows: number;
  /** Per-feature mean and standard deviation of the training rows. */
  featureMean: number[];
  featureStd: number[];
  /** Quantiles of the forest's own scores on its training rows: a starting point for thresholds. */
  scoreQuantiles: { p50: number; p90: number; p99: number; max: number };
}

export interface IsolationForest {
  readonly featureCount: number;
  readonly featureNames: readonly string[];
  /** ψ: rows drawn (without replacement) to grow each tree. */
  readonly sampleSize: number;
  /** Height limit, ceil(log2 ψ). */
  readonly maxDepth: number;
  /** c(ψ): divides the mean path length in s(x) = 2^(-E[h(x)] / c(ψ)). */
  readonly normalizer: number;
  readonly seed: number;
  readonly trees: readonly IsolationTree[];
  readonly stats: TrainingStats;
}

/** h(x) for one tree: the path length of the row at `offset` in `x`. */
export function pathLength(tree: IsolationTree, x: ArrayLike<number>, offset = 0): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  let f = feature[0];
  while (f >= 0) {
    node = x[offset + f] <= threshold[node] ? left[node] : right[node];
    f = feature[node];
  }
  return tree.value[node];
}

/** E[h(x)]: the mean path length over the forest. */
export function meanPathLength(forest: IsolationForest, x: ArrayLike<number>, offset = 0): number {
  let sum = 0;
  for (const tree of forest.trees) sum += pathLength(tree, x, offset);
  return sum / forest.trees.length;
}

/** s(x) = 2^(-E[h(x)] / c(ψ)) in (0, 1): near 1 isolated quickly (anomalous), around 0.5 or less normal. */
export function scoreRow(forest: IsolationForest, x: ArrayLike<number>, offset = 0): number {
  return 2 ** (-meanPathLength(forest, x, offset) / forest.normalizer);
}

/** Scores `rows` rows stored row-major in `batch` (rows x featureCount). */
export function scoreBatch(forest: IsolationForest, batch: ArrayLike<number>, rows: number): Float64Array {
  const f = forest.featureCount;
  if (!Number.isInteger(rows) || rows < 0 || batch.length !== rows * f) {
    throw new AppError(
      'bad_request',
      `scoreBatch: expected ${rows} rows x ${f} features = ${rows * f} values, got ${batch.length}`,
    );
  }
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) out[r] = scoreRow(forest, batch, r * f);
  return out;
}
