import { ANOMALY_KINDS, InjectError, injectAnomalies, robustScale } from '../../src/models/inject';
import { MINUTE, T0, dailySeries } from './backtest-fixtures';

describe('injectAnomalies', () => {
  const { timestamps, values } = dailySeries(3);
  const opts = { seed: 42, warmupPoints: 600 };

  it('is deterministic: same seed, same series and labels; another seed, other places', () => {
    const a = injectAnomalies(timestamps, values, opts);
    const b = injectAnomalies(timestamps, values, opts);
    expect(Array.from(b.values)).toEqual(Array.from(a.values));
    expect(b.labels).toEqual(a.labels);
    const c = injectAnomalies(timestamps, values, { ...opts, seed: 43 });
    expect(c.labels.map((l) => l.startIndex)).not.toEqual(a.labels.map((l) => l.startIndex));
  });

  it('does not touch its input and labels 2 of each kind, after the warm-up, apart, with times', () => {
    const before = Array.from(values);
    const { labels } = injectAnomalies(timestamps, values, opts);
    expect(Array.from(values)).toEqual(before);
    for (const kind of ANOMALY_KINDS) expect(labels.filter((l) => l.kind === kind)).toHaveLength(2);
    expect(labels[0].startIndex).toBeGreaterThanOrEqual(600);
    for (let k = 0; k < labels.length; k++) {
      const l = labels[k];
      expect(l.endIndex).toBeGreaterThanOrEqual(l.startIndex);
      expect(l.startMs).toBe(T0 + l.startIndex * MINUTE);
      expect(l.endMs).toBe(T0 + l.endIndex * MINUTE);
      if (k > 0) expect(l.startIndex - labels[k - 1].endIndex).toBeGreaterThan(60);
    }
  });

  it('each kind changes the series visibly inside its label and nowhere else', () => {
    const out = injectAnomalies(timestamps, values, opts);
    const scale = robustScale(values.subarray(0, 600)).scale;
    const inside = new Uint8Array(values.length);
    for (const l of out.labels) {
      let maxDiff = 0;
      for (let i = l.startIndex; i <= l.endIndex; i++) {
        inside[i] = 1;
        maxDiff = Math.max(maxDiff, Math.abs(out.values[i] - values[i]));
      }
      expect({ kind: l.kind, visible: maxDiff > 3 * scale }).toEqual({ kind: l.kind, visible: true });
    }
    for (let i = 0; i < values.length; i++) if (!inside[i]) expect(out.values[i]).toBe(values[i]);
  });

  it('kinds have their shapes: a short spike, a lasting step, a ramp, wider noise', () => {
    const out = injectAnomalies(timestamps, values, opts);
    const diff = (i: number) => out.values[i] - values[i];
    for (const l of out.labels) {
      const len = l.endIndex - l.startIndex + 1;
      if (l.kind === 'spike') expect(len).toBeLessThanOrEqual(3);
      else expect(len).toBe(60);
      if (l.kind === 'level_shift') expect(diff(l.startIndex)).toBeCloseTo(diff(l.endIndex), 9);
      if (l.kind === 'trend')
        expect(Math.abs(diff(l.endIndex))).toBeGreaterThan(10 * Math.abs(diff(l.startIndex)) - 1e-9);
      if (l.kind === 'variance_change') {
        const inj = robustScale(out.values.subarray(l.startIndex, l.endIndex + 1)).scale;
        const orig = robustScale(values.subarray(l.startIndex, l.endIndex + 1)).scale;
        expect(inj).toBeGreaterThan(2 * orig);
      }
    }
  });

  it('a constant series still gets visible anomalies', () => {
    const flat = new Float64Array(timestamps.length).fill(50);
    const out = injectAnomalies(timestamps, flat, opts);
    expect(out.labels).toHaveLength(8);
    for (const l of out.labels) {
      let maxDiff = 0;
      for (let i = l.startIndex; i <= l.endIndex; i++) maxDiff = Math.max(maxDiff, Math.abs(out.values[i] - 50));
      expect(maxDiff).toBeGreaterThanOrEqual(1);
    }
    const zeros = injectAnomalies(timestamps, new Float64Array(timestamps.length), opts);
    expect(zeros.values.every((v) => v >= 0)).toBe(true);
    expect(Math.max(...zeros.values)).toBeGreaterThan(1);
  });

  it('any step: five-minute points work the same way', () => {
    const ts = Float64Array.from(timestamps.subarray(0, 2000), (_, i) => T0 + i * 5 * MINUTE);
    const out = injectAnomalies(ts, values.subarray(0, 2000), { seed: 1, warmupPoints: 200, durationPoints: 24 });
    expect(out.labels[0].endMs - out.labels[0].startMs).toBe(
      (out.labels[0].endIndex - out.labels[0].startIndex) * 5 * MINUTE,
    );
  });

  it('refuses a series too short for the anomalies asked', () => {
    expect(() =>
      injectAnomalies(timestamps.subarray(0, 100), values.subarray(0, 100), { seed: 1, warmupPoints: 50 }),
    ).toThrow(InjectError);
  });
});
