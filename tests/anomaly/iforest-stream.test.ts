import { FEATURE_COUNT, FEATURE_NAMES, seriesFeatures, windowFeatures } from '../../src/anomaly/features';
import { IforestStream, scoreRow, syntheticSeries, trainIsolationForest } from '../../src/anomaly/iforest';

describe('IforestStream', () => {
  const train = [1, 2, 3, 4].map((seed) => seriesFeatures(syntheticSeries({ length: 500, seed }), { size: 32 }));
  const data = new Float32Array(train.reduce((n, m) => n + m.data.length, 0));
  let at = 0;
  for (const m of train) {
    data.set(m.data, at);
    at += m.data.length;
  }
  const forest = trainIsolationForest(
    { data, rows: data.length / FEATURE_COUNT, cols: FEATURE_COUNT },
    { seed: 3, featureNames: FEATURE_NAMES },
  );

  it('scores each point from the points up to it, as windowFeatures + the forest would', () => {
    const series = syntheticSeries({ length: 200, seed: 99 });
    const stream = new IforestStream(forest, { size: 32 });
    series.forEach((v, i) => {
      const s = stream.update(v);
      if (i < 31) {
        expect(s).toBeNaN();
        return;
      }
      expect(s).toBe(scoreRow(forest, windowFeatures(series.slice(i - 31, i + 1))));
      expect(stream.stateSize()).toBeLessThanOrEqual(32 * 3 + FEATURE_COUNT);
    });
  });

  it('scores a spike higher than the points around it and skips NaN', () => {
    const series = syntheticSeries({ length: 120, seed: 98 });
    const range = Math.max(...series) - Math.min(...series);
    series[100] = series[99] + 10 * range;
    const stream = new IforestStream(forest, { size: 32 });
    const scores = series.map((v) => stream.update(v));
    expect(scores[100]).toBeGreaterThan(Math.max(...scores.slice(60, 100)));
    expect(stream.lastFeatures()).toHaveLength(FEATURE_COUNT);
    expect(stream.update(NaN)).toBeNaN();
    expect(stream.lastFeatures()).toBeUndefined();
  });

  it('refuses a forest trained on other features', () => {
    const other = trainIsolationForest(
      [
        [1, 2],
        [3, 4],
        [5, 1],
      ],
      { trees: 2 },
    );
    expect(() => new IforestStream(other)).toThrow(/train it on windowFeatures rows/);
  });
});
