import { TailCalibrator } from '../../src/anomaly/detectors/calibrate';
import { createRng } from '../../src/anomaly/iforest';

type Source = (i: number, r: () => number) => number;

/** Statistic streams that reach every path: ties, runs of one value, drifts up and down, gaps. */
const SOURCES: Record<string, Source> = {
  noise: (_i, r) => -Math.log(1 - r()),
  ties: (_i, r) => Math.floor(r() * 4),
  'mostly zero': (_i, r) => (r() < 0.9 ? 0 : r() * 10),
  'constant runs': (i, r) => (Math.floor(i / 700) % 2 ? 3 : 1 + 0.001 * Math.floor(r() * 3)),
  'drift up then down': (i, r) => (i < 3000 ? i / 100 : Math.max(0, 60 - i / 100)) + r(),
  'steadily falling': (i, r) => 1e4 - i + r(),
  'rare spikes and gaps': (i, r) => (i % 997 === 0 ? NaN : i % 331 === 0 ? 1e6 : i % 500 === 0 ? Infinity : r()),
};

describe('TailCalibrator', () => {
  for (const [name, source] of Object.entries(SOURCES)) {
    it(`asked only for small p-values, gives those exactly (${name})`, () => {
      for (const smallP of [0.01, 0.15, 0.6]) {
        const r = createRng(7).next;
        const exact = new TailCalibrator(400, 5, 20);
        const fast = new TailCalibrator(400, 5, 20, smallP);
        for (let i = 0; i < 6000; i++) {
          const x = source(i, r);
          const want = exact.update(x);
          const got = fast.update(x, smallP);
          // Exact below smallP; above it the fast one may say 1 instead.
          if (got !== want && !(got === 1 && want >= smallP)) {
            throw new Error(`${name}, smallP ${smallP}, point ${i}: got ${got}, exact ${want}`);
          }
        }
      }
    });
  }

  it('gives every p-value exactly from the first one asked for exactly', () => {
    const r = createRng(3).next;
    const exact = new TailCalibrator(400, 5, 20);
    const switching = new TailCalibrator(400, 5, 20, 0.1);
    for (let i = 0; i < 3000; i++) {
      const x = SOURCES['mostly zero'](i, r) + SOURCES.noise(i, r);
      const want = exact.update(x);
      const got = i < 1700 ? switching.update(x, 0.1) : switching.update(x);
      if (i >= 1700) expect(got).toBe(want);
    }
    expect(switching.stateSize()).toBe(exact.stateSize());
  });
});
