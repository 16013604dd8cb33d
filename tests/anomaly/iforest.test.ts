import { AppError } from '../../src/errors';
import {
  averagePathLength,
  createRng,
  gaussian,
  scoreBatch,
  scoreRow,
  trainIsolationForest,
  type IsolationForest,
  type IsolationTree,
} from '../../src/anomaly/iforest';

function cluster(n: number, seed: number): number[][] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => [gaussian(rng), gaussian(rng), gaussian(rng)]);
}

function depthOf(tree: IsolationTree, node = 0): number {
  return tree.feature[node] < 0 ? 0 : 1 + Math.max(depthOf(tree, tree.left[node]), depthOf(tree, tree.right[node]));
}

function errorOf(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

describe('averagePathLength c(n)', () => {
  it('follows Liu et al.: 0 for n <= 1, 1 for n = 2, 2H(n-1) - 2(n-1)/n above', () => {
    expect(averagePathLength(0)).toBe(0);
    expect(averagePathLength(1)).toBe(0);
    expect(averagePathLength(2)).toBe(1);
    expect(averagePathLength(3)).toBeCloseTo(2 * (Math.log(2) + 0.5772156649) - 4 / 3, 10);
    expect(averagePathLength(256)).toBeCloseTo(10.2448, 3);
  });
});

describe('trainIsolationForest', () => {
  const rows = cluster(2000, 7);
  const forest = trainIsolationForest(rows, { seed: 42, featureNames: ['a', 'b', 'c'] });

  it('uses the standard settings: 100 trees, ψ = 256, height limit ceil(log2 ψ) = 8', () => {
    expect(forest.trees).toHaveLength(100);
    expect(forest.sampleSize).toBe(256);
    expect(forest.maxDepth).toBe(8);
    expect(forest.normalizer).toBeCloseTo(averagePathLength(256), 12);
    for (const tree of forest.trees) expect(depthOf(tree)).toBeLessThanOrEqual(8);
  });

  it('keeps thresholds as float32 and leaf values as depth + c(size)', () => {
    const tree = forest.trees[0];
    for (let i = 0; i < tree.feature.length; i++) {
      if (tree.feature[i] >= 0) {
        expect(Math.fround(tree.threshold[i])).toBe(tree.threshold[i]);
        expect(tree.left[i]).toBeGreaterThan(i);
        expect(tree.right[i]).toBeGreaterThan(tree.left[i]);
      } else {
        expect(tree.value[i]).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it('is deterministic for a fixed seed and changes with the seed', () => {
    const again = trainIsolationForest(rows, { seed: 42, featureNames: ['a', 'b', 'c'] });
    expect(again).toEqual(forest);
    const other = trainIsolationForest(rows, { seed: 43 });
    expect(other.trees[0].threshold).not.toEqual(forest.trees[0].threshold);
  });

  it('scores obvious outliers well above inliers', () => {
    const inliers = [
      [0, 0, 0],
      [0.3, -0.2, 0.1],
      [-0.5, 0.4, 0],
    ].map((x) => scoreRow(forest, x));
    const outliers = [
      [6, 6, 6],
      [5, -5, 0],
      [4, 4, -4],
    ].map((x) => scoreRow(forest, x));
    // Far out along one axis only: isolated only when that axis is drawn, so it scores lower (as in sklearn).
    const axisOutlier = scoreRow(forest, [0, 0, -8]);
    for (const s of [...inliers, ...outliers, axisOutlier]) {
      expect(s).toBeGreaterThan(0);
      expect(s).toBeLessThan(1);
    }
    expect(Math.max(...inliers)).toBeLessThan(0.5);
    expect(Math.min(...outliers)).toBeGreaterThan(0.65);
    expect(Math.min(...outliers)).toBeGreaterThan(forest.stats.scoreQuantiles.p99);
    expect(axisOutlier).toBeGreaterThan(Math.max(...inliers) + 0.1);
  });

  it('reports training stats, including score quantiles to start thresholds from', () => {
    const { stats } = forest;
    expect(stats.rows).toBe(2000);
    expect(stats.featureMean).toHaveLength(3);
    stats.featureMean.forEach((m) => expect(Math.abs(m)).toBeLessThan(0.15));
    stats.featureStd.forEach((s) => expect(s).toBeCloseTo(1, 0));
    const q = stats.scoreQuantiles;
    expect(q.p50).toBeLessThanOrEqual(q.p90);
    expect(q.p90).toBeLessThanOrEqual(q.p99);
    expect(q.p99).toBeLessThanOrEqual(q.max);
    expect(q.p50).toBeLessThan(0.5);
  });

  it('scores a row-major batch the same as row by row', () => {
    const batch = Float32Array.from(rows.slice(0, 50).flat());
    const scores = scoreBatch(forest, batch, 50);
    for (let r = 0; r < 50; r++) expect(scores[r]).toBe(scoreRow(forest, batch, r * 3));
    expect(errorOf(() => scoreBatch(forest, batch, 49)).code).toBe('bad_request');
  });

  it('accepts a FeatureMatrix and honours trees / sampleSize / maxDepth', () => {
    const data = Float32Array.from(rows.flat());
    const small = trainIsolationForest({ data, rows: 2000, cols: 3 }, { trees: 10, sampleSize: 64, seed: 1 });
    expect(small.trees).toHaveLength(10);
    expect(small.maxDepth).toBe(6);
    const fromRows = trainIsolationForest(rows, { trees: 10, sampleSize: 64, seed: 1 });
    expect(small.trees).toEqual(fromRows.trees);
    const tiny = trainIsolationForest(rows.slice(0, 5), { seed: 1 });
    expect(tiny.sampleSize).toBe(5);
    expect(tiny.maxDepth).toBe(3);
  });

  it('turns constant data into single-leaf trees with equal scores instead of failing', () => {
    const flat = trainIsolationForest(
      Array.from({ length: 100 }, () => [1, 2]),
      { trees: 5 },
    );
    for (const tree of flat.trees) expect(Array.from(tree.feature)).toEqual([-1]);
    expect(scoreRow(flat, [1, 2])).toBe(scoreRow(flat, [100, -100]));
  });

  it('rejects unusable input with a bad_request error that says what to fix', () => {
    expect(errorOf(() => trainIsolationForest([[1]])).message).toMatch(/at least 2 training rows/);
    expect(errorOf(() => trainIsolationForest([[1, 2], [3]])).message).toMatch(/row 1 has 1 features/);
    expect(errorOf(() => trainIsolationForest([[1], [NaN]])).message).toMatch(/row 1 feature 0 is not a finite/);
    expect(errorOf(() => trainIsolationForest(rows, { trees: 0 })).code).toBe('bad_request');
    expect(errorOf(() => trainIsolationForest(rows, { featureNames: ['x'] })).message).toMatch(
      /1 feature names for 3 features/,
    );
  });
});

describe('the forest as plain data', () => {
  it('needs nothing but its arrays to score (no hidden state)', () => {
    const forest = trainIsolationForest(cluster(300, 3), { trees: 20, seed: 9 });
    const copy: IsolationForest = { ...forest, trees: forest.trees.map((t) => ({ ...t })) };
    expect(scoreRow(copy, [4, 4, 4])).toBe(scoreRow(forest, [4, 4, 4]));
  });
});
