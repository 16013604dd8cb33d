import { evaluateBacktest, runBacktest, scoreLabelled } from '../../src/models/backtest';
import { injectAnomalies } from '../../src/models/inject';
import { MINUTE, T0, dailySeries, never, noisy, oracle } from './backtest-fixtures';

describe('runBacktest', () => {
  const { timestamps, values } = dailySeries(3);
  const series = injectAnomalies(timestamps, values, { seed: 42, warmupPoints: 600 });

  it('a perfect oracle: recall 1 per kind, no false alert, delay 0, NAB 100', async () => {
    const r = await runBacktest(series, oracle(series.labels, 600), { threshold: 0.5 });
    for (const k of Object.values(r.recallByKind)) expect(k).toEqual({ injected: 2, detected: 2, recall: 1 });
    expect(r.recall).toBe(1);
    expect(r.falseAlerts).toBe(0);
    expect(r.falseAlertsPerDay).toBe(0);
    expect(r.medianDelaySeconds).toBe(0);
    expect(r.nab).toBeCloseTo(100, 9);
    expect(r.days).toBeCloseTo((3 * 1440 - 600) / 1440, 9);
  });

  it('a detector that never alerts: recall 0, no false alert, no delay, NAB 0', async () => {
    const r = await runBacktest(series, never, { threshold: 0.5 });
    expect(r.recall).toBe(0);
    for (const k of Object.values(r.recallByKind)) expect(k.recall).toBe(0);
    expect(r.falseAlerts).toBe(0);
    expect(r.medianDelaySeconds).toBeNull();
    expect(r.nab).toBeCloseTo(0, 9);
  });

  it('a noisy detector sits in between: half the anomalies, late, with false alerts', async () => {
    const r = await runBacktest(series, noisy(series.labels, 3), { threshold: 0.5 });
    expect(r.recall).toBe(0.5);
    expect(r.falseAlerts).toBe(3);
    expect(r.falseAlertsPerDay).toBeCloseTo(3 / r.days, 9);
    expect(r.medianDelaySeconds).toBeGreaterThan(0);
    expect(r.medianDelaySeconds).toBeLessThanOrEqual(120);
    expect(r.nab).toBeGreaterThan(0);
    expect(r.nab).toBeLessThan(60);
  });

  it('counts an alert within the tolerance after a window, collapses nearby false alerts into one event', () => {
    const s = new Float64Array(timestamps.length);
    const [a, b] = series.labels;
    s[a.endIndex + 5] = 1; // within the default 10-minute tolerance: detected
    s[b.endIndex + 30] = 1; // past it: a false alert, with its neighbours one event
    s[b.endIndex + 32] = 1;
    s[b.endIndex + 34] = 1;
    s[100] = 1; // during the warm-up: not counted
    const r = evaluateBacktest(series, s, { threshold: 0.5 });
    expect(r.anomalies[0]).toMatchObject({ detected: true, delaySeconds: (a.endIndex + 5 - a.startIndex) * 60 });
    expect(r.anomalies[1].detected).toBe(false);
    expect(r.falseAlerts).toBe(1);
    expect(evaluateBacktest(series, s, { threshold: 0.5, eventGapMs: MINUTE }).falseAlerts).toBe(3);
    expect(evaluateBacktest(series, s, { threshold: 0.5, toleranceMs: 0 }).anomalies[0].detected).toBe(false);
  });

  it('works on a constant series with a simple scorer', async () => {
    const flat = injectAnomalies(timestamps, new Float64Array(timestamps.length).fill(50), {
      seed: 3,
      warmupPoints: 600,
    });
    const r = await runBacktest(flat, async (_ts, v) => v.map((x) => Math.abs(x - 50)), { threshold: 0.5 });
    expect(r.recall).toBe(1);
    expect(r.falseAlerts).toBe(0);
    expect(r.nab).toBeGreaterThan(90);
  });

  it('rejects a scorer that returns the wrong number of scores', async () => {
    await expect(runBacktest(series, async () => new Float64Array(3), { threshold: 0.5 })).rejects.toThrow(/3 scores/);
  });
});

describe('scoreLabelled', () => {
  const timestamps = Float64Array.from({ length: 100 }, (_, i) => T0 + i * MINUTE);
  const at = (i: number) => T0 + i * MINUTE;

  it('counts real periods hit and false-alarm periods alerted again; uncovered periods are left out', () => {
    const scores = new Float64Array(100);
    for (let i = 0; i < 10; i++) scores[i] = NaN; // warming up
    scores[25] = 0.9;
    scores[62] = 0.95;
    const r = scoreLabelled(
      { timestamps, scores },
      [
        { fromMs: at(20), toMs: at(30), label: 'real' },
        { fromMs: at(40), toMs: at(50), label: 'real' },
        { fromMs: at(60), toMs: at(65), label: 'false_alarm' },
        { fromMs: at(70), toMs: at(80), label: 'false_alarm' },
        { fromMs: at(2), toMs: at(8), label: 'real' },
      ],
      0.8,
    );
    expect(r).toMatchObject({ realPeriods: 2, realHits: 1, falseAlarmPeriods: 2, falseAlarmsRaised: 1, uncovered: 1 });
    expect(r.periods[0]).toMatchObject({ covered: true, alerted: true, firstAlertMs: at(25) });
    expect(r.periods[4]).toMatchObject({ covered: false, alerted: false, firstAlertMs: null });
  });
});
