import { createDetector } from '../../src/anomaly/detector';
import { FEATURE_COUNT, FEATURE_NAMES, seriesFeatures } from '../../src/anomaly/features';
import { createRng, gaussian, scoreRow, trainIsolationForest } from '../../src/anomaly/iforest';
import { createLearnedChannel } from '../../src/anomaly/learned';
import { scoreChunk } from '../../src/anomaly/run';

/** A noisy daily-ish cycle, seeded. */
function series(n: number, seed = 7): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => 100 + 10 * Math.sin((2 * Math.PI * i) / 96) + 2 * gaussian(rng));
}

describe('learned channel (isolation forest in ONNX, scored by onnxruntime)', () => {
  const options = { trainRows: 300, trees: 20, sampleSize: 128, window: 32, seed: 3 };

  it(
    'is silent until trained on the series’ own first rows, ' +
      'then scores every later row like the TypeScript forest',
    async () => {
      const values = series(900);
      const channel = createLearnedChannel(options);
      try {
        // Two chunks, the first ending mid-training: chunking must not change anything.
        const a = await channel.score(values.slice(0, 200));
        expect(channel.trained).toBe(false);
        const b = await channel.score(values.slice(200));
        expect(channel.trained).toBe(true);
        const scores = [...a, ...b];
        // Rows start once a window is full (point 31); the first 300 rows train the forest.
        const firstScored = options.window - 1 + options.trainRows;
        expect(scores.slice(0, firstScored).every(Number.isNaN)).toBe(true);
        expect(scores.slice(firstScored).every((s) => s > 0 && s < 1)).toBe(true);

        const rows = seriesFeatures(values, { size: options.window });
        const forest = trainIsolationForest(
          {
            data: rows.data.subarray(0, options.trainRows * FEATURE_COUNT),
            rows: options.trainRows,
            cols: FEATURE_COUNT,
          },
          { trees: options.trees, sampleSize: options.sampleSize, seed: options.seed, featureNames: FEATURE_NAMES },
        );
        for (let r = options.trainRows; r < rows.rows; r += 37) {
          expect(scores[r + options.window - 1]).toBeCloseTo(scoreRow(forest, rows.data, r * FEATURE_COUNT), 5);
        }
      } finally {
        await channel.close();
      }
    },
  );

  it('scores a spike far above the series’ usual rows, and skips non-finite values', async () => {
    const values = series(700);
    values[650] = 400;
    values[600] = NaN;
    const channel = createLearnedChannel(options);
    try {
      const scores = await channel.score(values);
      expect(Number.isNaN(scores[600])).toBe(true);
      const usual = scores
        .slice(options.window + options.trainRows, 640)
        .filter((s) => !Number.isNaN(s))
        .sort((x, y) => x - y);
      expect(scores[650]).toBeGreaterThan(usual[Math.floor(usual.length * 0.99)]);
    } finally {
      await channel.close();
    }
  });

  it(
    'feeds the detector: the combined score names the isolation forest ' + 'when it is the surprising channel',
    async () => {
      const detector = createDetector({ warmup: 50 });
      const n = 3000;
      const ts = Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i * 60_000);
      const values = series(n, 11);
      const detections = await scoreChunk(detector, undefined, ts, values);
      expect(detections.every((d) => d.detector !== 'iforest')).toBe(true);
      // The same detector given an extreme learned score on an ordinary point: the forest drives it.
      const usual = Array.from({ length: 500 }, (_, i) => 0.4 + 0.05 * Math.sin(i));
      for (let i = 0; i < usual.length; i++)
        detector.update(ts[n - 1] + (i + 1) * 60_000, 100 + 10 * Math.sin((2 * Math.PI * (n + i)) / 96), usual[i]);
      const d = detector.update(ts[n - 1] + 600 * 60_000, 100 + 10 * Math.sin((2 * Math.PI * (n + 599)) / 96), 0.99);
      expect(d.detector).toBe('iforest');
      expect(d.score).toBeGreaterThan(0);
    },
  );

  it('rejects a training size it cannot learn from', () => {
    expect(() => createLearnedChannel({ trainRows: 3 })).toThrow(/trainRows must be a whole number >= 16/);
  });
});
