import { createRng } from '../../src/anomaly/iforest';
import { SortedWindow } from '../../src/anomaly/detectors/sorted-window';

describe('SortedWindow', () => {
  it.each([3, 4, 17, 64, 1000])(
    'agrees with a brute-force sorted copy of the last %i values (ties, evictions, outside probes)',
    (capacity) => {
      const rng = createRng(capacity);
      const w = new SortedWindow(capacity);
      const history: number[] = [];
      for (let i = 0; i < 3000; i++) {
        const v = Math.floor(rng.next() * 50) / 5; // many ties
        const window = history
          .slice(-capacity + 1)
          .concat(v)
          .sort((a, b) => a - b);
        // A caller-supplied rank (as TailCalibrator passes) must give the same window as none.
        if (i % 2) w.push(v, w.rank(v));
        else w.push(v);
        history.push(v);
        for (const probe of [v, v + 0.1, -1, 100, window[0]]) {
          expect(w.countAtLeast(probe)).toBe(window.filter((x) => x >= probe).length);
          expect(w.rank(probe)).toBe(window.filter((x) => x < probe).length);
        }
        const mid = window.length >> 1;
        expect(w.median()).toBeCloseTo(window.length % 2 ? window[mid] : (window[mid - 1] + window[mid]) / 2, 12);
        expect(w.nthLargest(1)).toBe(window[window.length - 1]);
      }
    },
  );
});
