import { ALERT_THRESHOLD, createDetector, DEFAULT_DETECTOR_OPTIONS } from '../../src/anomaly/detector';
import type { Detection } from '../../src/anomaly/types';
import { createRng } from '../../src/anomaly/iforest/rng';

const STEP = 300_000; // 5 minutes
const T0 = Date.UTC(2024, 0, 1);

/** Deterministic pseudo-random numbers (mulberry32) so the tests never flake. */
const rng = (seed: number): (() => number) => createRng(seed).next;

function gaussian(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

function noisy(n: number, seed: number, f: (i: number, e: number) => number = (_i, e) => 100 + 5 * e): number[] {
  const r = rng(seed);
  return Array.from({ length: n }, (_, i) => f(i, gaussian(r)));
}

function run(values: number[]): Detection[] {
  const det = createDetector();
  return values.map((v, i) => det.update(T0 + i * STEP, v));
}

const maxIn = (d: Detection[], from: number, to: number): number => Math.max(...d.slice(from, to).map((x) => x.score));

describe('createDetector', () => {
  it('exports frozen defaults and rejects bad options with a helpful message', () => {
    expect(Object.isFrozen(DEFAULT_DETECTOR_OPTIONS)).toBe(true);
    expect(() => createDetector({ window: 2 })).toThrow(/window must be an integer >= 8/);
    expect(() => createDetector({ holtAlpha: 1.5 })).toThrow(/holtAlpha must be in \(0, 1\]/);
    expect(() => createDetector({ tailWindow: 10 })).toThrow(/tailWindow/);
  });

  it('keeps every score in [0, 1] and explains itself', () => {
    const d = run(noisy(3000, 1, (i, e) => (i % 500 === 499 ? 1e6 : 50 + 10 * e)));
    for (const x of d) {
      expect(x.score).toBeGreaterThanOrEqual(0);
      expect(x.score).toBeLessThanOrEqual(1);
      expect(typeof x.detector).toBe('string');
    }
    const fired = d.filter((x) => x.score >= ALERT_THRESHOLD);
    expect(fired.length).toBeGreaterThan(0);
    for (const x of fired) {
      expect(x.detector).not.toBe('none');
      expect(x.reason).toEqual(expect.any(String));
      expect(x.expected?.low).toBeLessThanOrEqual(x.expected?.high ?? NaN);
    }
  });

  it('is streaming: scores for a prefix do not change when more data follows', () => {
    const values = noisy(2500, 2, (i, e) => 20 + 3 * Math.sin(i / 40) + e + (i === 2000 ? 40 : 0));
    const full = run(values);
    const prefix = run(values.slice(0, 1200));
    expect(prefix).toEqual(full.slice(0, 1200));
  });

  it('scores a clear spike as an alert, whatever the noise before it', () => {
    // Early in a series, noise still sets new records now and then; the record channel reports
    // one, and the refractory period after it can hide a spike right behind it (the trade NAB
    // rewards). Once the range is known (thousands of points), a clear spike always stands out.
    for (let seed = 1; seed <= 10; seed++) {
      const d = run(noisy(5500, seed, (i, e) => 100 + 5 * e + (i === 5000 ? 80 : 0)));
      expect(d[5000].score).toBeGreaterThanOrEqual(ALERT_THRESHOLD);
      // Its score is not repeated on the rows right after it (the refractory period).
      expect(maxIn(d, 5001, 5200)).toBeLessThan(ALERT_THRESHOLD);
      expect(d[5000].expected?.high).toBeLessThan(180);
    }
  });

  it('alerts on a level shift near its onset', () => {
    const d = run(noisy(2000, 4, (i, e) => (i < 1500 ? 100 : 130) + 5 * e));
    expect(maxIn(d, 1500, 1520)).toBeGreaterThanOrEqual(ALERT_THRESHOLD);
  });

  it('alerts on a variance change near its onset, up or down', () => {
    const up = run(noisy(2000, 5, (i, e) => 100 + (i < 1500 ? 2 : 12) * e));
    expect(maxIn(up, 1500, 1540)).toBeGreaterThanOrEqual(ALERT_THRESHOLD);
    const down = run(noisy(2000, 6, (i, e) => 100 + (i < 1500 ? 10 : 0.2) * e));
    expect(maxIn(down, 1500, 1560)).toBeGreaterThanOrEqual(ALERT_THRESHOLD);
  });

  it('stays low on a noisy stationary series after warm-up', () => {
    const scores = run(noisy(6000, 7))
      .slice(1000)
      .map((x) => x.score)
      .sort((a, b) => a - b);
    expect(scores[Math.floor(0.99 * scores.length)]).toBeLessThan(0.3);
    expect(scores.filter((s) => s >= ALERT_THRESHOLD).length).toBeLessThanOrEqual(10);
  });

  it('survives NaN and non-finite input without poisoning its state', () => {
    const values = noisy(2000, 8);
    const clean = run(values);
    const det = createDetector();
    const dirty: Detection[] = [];
    values.forEach((v, i) => {
      if (i % 97 === 0) {
        for (const bad of [NaN, Infinity, -Infinity]) {
          const x = det.update(T0 + i * STEP, bad);
          expect(x.score).toBe(0);
        }
        expect(det.update(NaN, v).score).toBe(0);
      }
      dirty.push(det.update(T0 + i * STEP, v));
    });
    expect(dirty.map((x) => x.score)).toEqual(clean.map((x) => x.score));
  });

  it('handles a constant series, then flags a change from it', () => {
    const d = run(Array.from({ length: 2000 }, (_, i) => (i < 1500 ? 7 : 9)));
    expect(d.slice(0, 1500).every((x) => x.score === 0)).toBe(true);
    expect(maxIn(d, 1500, 1505)).toBeGreaterThanOrEqual(ALERT_THRESHOLD);
  });

  it('keeps memory bounded: internal buffers stop growing', () => {
    const det = createDetector();
    const r = rng(9);
    const sizes: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      det.update(T0 + i * STEP, 100 + 10 * Math.sin(i / 50) + r());
      if (i === 30_000 || i === 199_999) sizes.push(det.stateSize());
    }
    expect(sizes[1]).toBe(sizes[0]);
    const o = DEFAULT_DETECTOR_OPTIONS;
    expect(sizes[1]).toBeLessThan(
      2 * Object.keys(o.weights).length * o.tailWindow + 4 * o.window + 4 * o.maxPeriod + 2000,
    );
  }, 60_000); // 200k points: 50x the largest window; jest's sandbox runs this hot loop several times slower than node
});
