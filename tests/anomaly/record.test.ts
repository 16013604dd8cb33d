import { ALERT_THRESHOLD, createDetector } from '../../src/anomaly/detector';
import { RecordBreak } from '../../src/anomaly/detectors/record';
import { createRng } from '../../src/anomaly/iforest/rng';

const STEP = 60_000;

function feed(r: RecordBreak, values: number[]): number[] {
  return values.map((v, i) => {
    r.update(i * STEP, v);
    return r.pValue();
  });
}

describe('RecordBreak (the record channel)', () => {
  it('rates a value far past the range seen so far by how rare such breaks have been', () => {
    const rand = createRng(1).next;
    const r = new RecordBreak(300, 0.02, 5000);
    const p = feed(
      r,
      Array.from({ length: 1300 }, () => 100 + rand()),
    );
    // A bounded series stops setting records: no break counted once the range is known.
    expect(Math.min(...p.slice(400))).toBe(1);
    expect(r.update(1300 * STEP, 120)).toBeGreaterThan(1); // 20 above a range of about 1
    expect(r.pValue()).toBeLessThanOrEqual(2 / 1000);
    expect(r.describe()).toMatch(/above the highest value so far/);
    expect(r.center - 3 * r.spread).toBeCloseTo(100, 1);
    expect(r.center + 3 * r.spread).toBeCloseTo(101, 1);
  });

  it('does not count a steady ramp or a change inside the tolerance', () => {
    const ramp = new RecordBreak(300, 0.02, 5000);
    expect(
      feed(
        ramp,
        Array.from({ length: 3000 }, (_, i) => i),
      ).every((p) => p === 1),
    ).toBe(true);
    const small = new RecordBreak(10, 0.02, 5000);
    feed(
      small,
      Array.from({ length: 100 }, (_, i) => i % 2),
    );
    small.update(100 * STEP, 1.01); // 1% of the range past the record
    expect(small.pValue()).toBe(1);
    small.update(101 * STEP, -0.5);
    expect(small.pValue()).toBeLessThan(0.05);
    expect(small.describe()).toMatch(/below the lowest value so far/);
  });

  it('forgets a record after its horizon, with memory that does not grow', () => {
    const forgetful = new RecordBreak(10, 0.02, 1000);
    const forever = new RecordBreak(10, 0.02, Infinity);
    const values = Array.from({ length: 3000 }, (_, i) => (i === 50 ? 1000 : i % 10));
    feed(forgetful, values);
    feed(forever, values);
    forgetful.update(3000 * STEP, 20);
    forever.update(3000 * STEP, 20);
    expect(forgetful.pValue()).toBeLessThan(0.01); // the spike at 50 is out of the last 1,000 points
    expect(forever.pValue()).toBe(1); // 20 is well inside [0, 1000]
    const size = forgetful.stateSize();
    feed(
      forgetful,
      Array.from({ length: 20_000 }, (_, i) => i % 7),
    );
    expect(forgetful.stateSize()).toBe(size);
    expect(size).toBe(2 * 2); // two numbers per block of 500 points
  });

  it('makes the detector alert on a value past every earlier one that the other channels find ordinary', () => {
    // A bimodal series (0 or 10, small noise): 10.6 is a typical distance from the median for the
    // window, but 6% of the range above the highest value seen.
    const rand = createRng(2).next;
    const values = Array.from({ length: 3000 }, (_, i) => (i % 3 === 0 ? 0 : 10) + 0.05 * rand());
    values[2500] = 10.6;
    const score = (det: ReturnType<typeof createDetector>) => values.map((v, i) => det.update(i * STEP, v));
    const withRecord = score(createDetector());
    const without = score(createDetector({ weights: { record: 0 } }));
    expect(without[2500].score).toBeLessThan(ALERT_THRESHOLD);
    expect(withRecord[2500].score).toBeGreaterThanOrEqual(ALERT_THRESHOLD);
    expect(withRecord[2500].detector).toBe('record');
    expect(withRecord[2500].reason).toMatch(/above the highest value so far/);
    expect(withRecord[2500].expected?.high).toBeCloseTo(10.05, 1);
  });
});
