import { windowBurn } from '../../src/slo/window-burn';

const T0 = Date.UTC(2026, 10, 26, 9, 0, 0);
const MIN = 60_000;

/** One point a minute from 09:00 for `minutes`, the error ratio at minute m. */
function series(minutes: number, ratioAt: (m: number) => number): Array<[number, number]> {
  return Array.from({ length: minutes + 1 }, (_, m) => [T0 + m * MIN, ratioAt(m)] as [number, number]);
}

describe('the error budget an incident window burned', () => {
  it('averages the burn over the window, finds the worst 5 minutes, and counts the 30-day budget used', () => {
    // 1% errors from 09:20 to 10:20 with a 5-minute spike to 5% at 09:40..09:44; target 99.9% (budget 0.1%).
    const points = series(120, (m) => (m >= 40 && m < 45 ? 0.05 : m >= 20 && m <= 80 ? 0.01 : 0.0005));
    const burn = windowBurn(points, T0 + 20 * MIN, T0 + 80 * MIN, 0.999);
    expect(burn?.points).toBe(61);
    const mean = (56 * 0.01 + 5 * 0.05) / 61;
    expect(burn?.meanErrorRatio).toBeCloseTo(mean, 10);
    expect(burn?.meanBurnRate).toBeCloseTo(mean / 0.001, 6);
    expect(burn?.peakBurnRate).toBeCloseTo(50, 6);
    expect(burn?.peakAtMs).toBe(T0 + 44 * MIN);
    // One hour at the mean burn rate, of a 30-day budget.
    expect(burn?.budgetConsumed).toBeCloseTo(((mean / 0.001) * 60) / (30 * 24 * 60), 9);
  });

  it('reads the trailing window before the window start for the first peaks, and ignores gaps (NaN)', () => {
    const points = series(30, (m) => (m < 10 ? 0.02 : m === 12 ? NaN : 0.001));
    const burn = windowBurn(points, T0 + 10 * MIN, T0 + 30 * MIN, 0.99);
    // At 09:10 the trailing 5 minutes (09:06..09:10) are 4 points at 2% and one at 0.1%.
    expect(burn?.peakAtMs).toBe(T0 + 10 * MIN);
    expect(burn?.peakBurnRate).toBeCloseTo((4 * 0.02 + 0.001) / 5 / 0.01, 9);
    expect(burn?.points).toBe(20);
  });

  it('is undefined with no point in the window, and refuses a target outside (0, 1)', () => {
    expect(
      windowBurn(
        series(10, () => 0.01),
        T0 + 60 * MIN,
        T0 + 90 * MIN,
        0.99,
      ),
    ).toBeUndefined();
    expect(() => windowBurn([], T0, T0 + MIN, 1)).toThrow(RangeError);
  });
});
