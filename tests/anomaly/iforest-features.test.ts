import { AppError } from '../../src/errors';
import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  FeatureWindow,
  type FeatureWindowOptions,
  MIN_POINTS,
  seriesFeatures,
  windowFeatures,
} from '../../src/anomaly/features';
import { createRng, syntheticSeries } from '../../src/anomaly/iforest';

const series = syntheticSeries({ length: 400, seed: 5 });

function feature(f: Float32Array, name: (typeof FEATURE_NAMES)[number]): number {
  return f[FEATURE_NAMES.indexOf(name)];
}

describe('windowFeatures', () => {
  it('gives one fixed-length row named by FEATURE_NAMES', () => {
    const f = windowFeatures(series.slice(0, 64));
    expect(f).toHaveLength(FEATURE_COUNT);
    expect(FEATURE_NAMES).toHaveLength(FEATURE_COUNT);
    f.forEach((v) => expect(Number.isFinite(v)).toBe(true));
  });

  it('is scale-free: the same features for the series x 1000 and shifted', () => {
    for (let end = 64; end <= series.length; end += 17) {
      const window = series.slice(end - 64, end);
      const a = windowFeatures(window);
      const b = windowFeatures(window.map((v) => v * 1000 + 123_456));
      const c = windowFeatures(window.map((v) => v * 0.001 - 7));
      for (let i = 0; i < FEATURE_COUNT; i++) {
        expect(b[i]).toBeCloseTo(a[i], 4);
        expect(c[i]).toBeCloseTo(a[i], 4);
      }
    }
  });

  it('is scale-free on a flat line with one step too (no spread at all)', () => {
    const flat = [...new Array<number>(30).fill(5), 9];
    const a = windowFeatures(flat);
    const b = windowFeatures(flat.map((v) => v * 1000 + 1e6));
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(feature(a, 'z_last')).toBeGreaterThan(10); // a flat line that moves is as surprising as it gets
    expect(Array.from(windowFeatures(new Array<number>(20).fill(3)))).toEqual([0, 0, 0, 0, 0, 0.5, 0, 0]);
  });

  it('makes a spike stand out on z_last, diff_z, rank and argmax', () => {
    const window = series.slice(100, 164);
    const calm = windowFeatures(window);
    const spiked = window.slice();
    spiked[63] = window[62] + 20 * (Math.max(...window) - Math.min(...window));
    const spike = windowFeatures(spiked);
    expect(Math.abs(feature(calm, 'z_last'))).toBeLessThan(2.5);
    expect(feature(spike, 'z_last')).toBeGreaterThan(3.5);
    expect(feature(spike, 'diff_z')).toBeGreaterThan(3.5);
    expect(feature(spike, 'rank_last')).toBe(1);
    expect(feature(spike, 'argmax_pos')).toBe(1);
  });

  it('ignores non-finite values and asks for at least 8 finite ones', () => {
    const window = series.slice(0, 20);
    const withGaps = [...window.slice(0, 10), NaN, Infinity, ...window.slice(10)];
    expect(Array.from(windowFeatures(withGaps))).toEqual(Array.from(windowFeatures(window)));
    let err: unknown;
    try {
      windowFeatures([1, 2, 3, NaN, 4, 5, 6, 7]);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('bad_request');
    expect((err as AppError).message).toMatch(`at least ${MIN_POINTS} finite values (got 7)`);
  });

  it('writes into a batch row when given an output array and offset', () => {
    const batch = new Float32Array(3 * FEATURE_COUNT);
    windowFeatures(series.slice(0, 32), {}, batch, FEATURE_COUNT);
    expect(Array.from(batch.subarray(FEATURE_COUNT, 2 * FEATURE_COUNT))).toEqual(
      Array.from(windowFeatures(series.slice(0, 32))),
    );
    expect(Array.from(batch.subarray(0, FEATURE_COUNT))).toEqual(new Array<number>(FEATURE_COUNT).fill(0));
  });
});

describe('FeatureWindow (streaming)', () => {
  it('matches windowFeatures over the last `size` points, once the window is full', () => {
    const w = new FeatureWindow({ size: 32 });
    series.forEach((v, i) => {
      const f = w.push(v);
      if (i < 31) {
        expect(f).toBeUndefined();
        return;
      }
      expect(f).toBeDefined();
      expect(Array.from(f as Float32Array)).toEqual(Array.from(windowFeatures(series.slice(i - 31, i + 1))));
      expect(w.length).toBe(32); // memory bounded by the window, not by the history
    });
  });

  it('can start early with minPoints, skips NaN, and resets', () => {
    const w = new FeatureWindow({ size: 32, minPoints: 8 });
    for (let i = 0; i < 7; i++) expect(w.push(series[i])).toBeUndefined();
    expect(w.push(NaN)).toBeUndefined();
    expect(w.length).toBe(7);
    expect(Array.from(w.push(series[7]) as Float32Array)).toEqual(Array.from(windowFeatures(series.slice(0, 8))));
    w.reset();
    expect(w.length).toBe(0);
    expect(w.push(series[0])).toBeUndefined();
  });

  describe('gives exactly the rows of windowFeatures over the points it holds', () => {
    const rng = createRng(11);
    const noise = (): number => rng.next() - 0.5;
    let walk = 0;
    const cases: Array<[string, number[], FeatureWindowOptions]> = [
      ['a noisy sine', generate(600, (i) => 100 + 10 * Math.sin(i / 9) + noise()), {}],
      ['a random walk', generate(600, () => (walk += noise())), { size: 48, recent: 3 }],
      ['quantised values with heavy ties', generate(600, () => Math.round(2 * rng.next())), {}],
      [
        'flat segments with rare blips',
        generate(600, (i) => 5 * (Math.floor(i / 70) % 3) + (i % 53 === 0 ? 1 : 0)),
        { size: 32 },
      ],
      ['a flat line', generate(300, () => 7), { size: 16 }],
      [
        'NaN and infinite gaps',
        generate(600, (i) => (i % 7 === 3 ? NaN : i % 31 === 0 ? Infinity : 1e-3 * Math.sin(i) + 1e-4 * noise())),
        {},
      ],
      ['-0 and +0 mixed in', generate(600, () => [-0, 0, 0, -0, 1, -1][rng.int(6)]), { size: 24 }],
      [
        'a partial window (minPoints < size)',
        generate(300, () => 1000 + 50 * noise()),
        { size: 64, minPoints: 8, recent: 12 },
      ],
    ];

    it.each(cases)('%s', (_name, values, opts) => {
      const size = opts.size ?? 64;
      const w = new FeatureWindow(opts);
      const held: number[] = [];
      let rows = 0;
      values.forEach((v, i) => {
        if (i === values.length >> 1) {
          w.reset(); // starts afresh mid-series, sorted lists included
          held.length = 0;
        }
        const f = w.push(v);
        if (Number.isFinite(v)) held.push(v);
        const window = held.slice(-size);
        if (!Number.isFinite(v) || window.length < (opts.minPoints ?? size)) {
          expect(f).toBeUndefined();
          return;
        }
        // Bit for bit, -0 included: the sorted lists hold what a sort would give.
        expect(Array.from(f as Float32Array)).toEqual(Array.from(windowFeatures(window, opts)));
        rows++;
      });
      expect(rows).toBeGreaterThan(50);
    });
  });

  it('rejects a window too small to say anything', () => {
    expect(() => new FeatureWindow({ size: 4 })).toThrow(/size must be a whole number >= 8/);
    expect(() => new FeatureWindow({ size: 16, minPoints: 20 })).toThrow(/minPoints/);
  });
});

function generate(length: number, at: (i: number) => number): number[] {
  return Array.from({ length }, (_, i) => at(i));
}

describe('seriesFeatures', () => {
  it('gives one row per point after the first full window', () => {
    const m = seriesFeatures(series, { size: 64 });
    expect(m.cols).toBe(FEATURE_COUNT);
    expect(m.rows).toBe(series.length - 63);
    expect(Array.from(m.data.subarray(0, FEATURE_COUNT))).toEqual(Array.from(windowFeatures(series.slice(0, 64))));
  });
});
