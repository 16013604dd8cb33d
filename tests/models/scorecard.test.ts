import { buildScorecard, recommend } from '../../src/models/scorecard';
import { injectAnomalies } from '../../src/models/inject';
import { MINUTE, T0, dailySeries, never, noisy, oracle } from './backtest-fixtures';

describe('buildScorecard', () => {
  const { timestamps, values } = dailySeries(3);
  const seed = 42;
  const warmupPoints = 600;
  // The scorecard injects with the same seed and options, so the test's scorers know the same places.
  const { labels } = injectAnomalies(timestamps, values, { seed, warmupPoints });
  const base = { timestamps, values, seed, warmupPoints };

  it('recommends promoting a clearly better candidate, with the rows side by side', async () => {
    const card = await buildScorecard({
      ...base,
      champion: { version: 1, threshold: 0.5, scorer: noisy(labels, 4) },
      candidate: { version: 2, threshold: 0.5, scorer: oracle(labels, warmupPoints) },
    });
    expect(card.recommendation).toBe('promote');
    expect(card.reason).toMatch(/^Promote v2: .*100\.0 against/);
    expect(card.reason.split('. ').length).toBe(1);
    expect(card.injected).toEqual(labels);
    const row = (id: string) => card.rows.find((r) => r.id === id);
    expect(card.rows.map((r) => r.id)).toEqual([
      'recall.spike',
      'recall.level_shift',
      'recall.trend',
      'recall.variance_change',
      'recall',
      'false_alerts_per_day',
      'median_delay',
      'nab',
    ]);
    expect(row('recall')).toMatchObject({ champion: { value: 0.5 }, candidate: { value: 1 }, better: 'higher' });
    expect(row('nab')?.candidate.value).toBeCloseTo(100, 9);
    expect(row('false_alerts_per_day')?.candidate.value).toBe(0);
    expect(card.ruleText).toContain('at least 2 NAB-style points');
  });

  it('keeps the champion against a clearly worse candidate', async () => {
    const card = await buildScorecard({
      ...base,
      champion: { version: 2, threshold: 0.5, scorer: oracle(labels, warmupPoints) },
      candidate: { version: 3, threshold: 0.5, scorer: never },
    });
    expect(card.recommendation).toBe('keep_champion');
    expect(card.reason).toMatch(/^Keep v2: v3 scores 0\.0 against 100\.0/);
  });

  it('keeps the champion when a better score comes with many more false alerts', async () => {
    const card = await buildScorecard({
      ...base,
      champion: { version: 1, threshold: 0.5, scorer: never },
      candidate: { version: 2, threshold: 0.5, scorer: noisy(labels, 7) },
      rule: { maxExtraFalseAlertsPerDay: 0.5 },
    });
    expect(card.candidate.backtest.nab).toBeGreaterThan(2);
    expect(card.recommendation).toBe('keep_champion');
    expect(card.reason).toMatch(/false alerts a day/);
  });

  it('with no champion the version is the first one', async () => {
    const card = await buildScorecard({ ...base, candidate: { version: 1, threshold: 0.5, scorer: noisy(labels, 1) } });
    expect(card.recommendation).toBe('first_version');
    expect(card.reason).toMatch(/^No champion yet: v1 is the first version/);
    expect(card.champion).toBeNull();
    expect(card.rows.every((r) => r.champion === null)).toBe(true);
  });

  it('scores labelled periods on the real history and keeps a champion that catches more incidents', async () => {
    const spike = (i: number): [number, number] => [T0 + i * MINUTE, T0 + (i + 5) * MINUTE];
    const periods = [
      { fromMs: spike(1000)[0], toMs: spike(1000)[1], label: 'real' as const },
      { fromMs: spike(3000)[0], toMs: spike(3000)[1], label: 'false_alarm' as const },
    ];
    // Both versions perfect on the backtest; only the champion alerts at the real incident.
    const withIncident = (extra: number[]) => async (ts: Float64Array, v: Float64Array) => {
      if (!v.every((x, i) => x === values[i])) return oracle(labels, warmupPoints)(ts, v);
      const s = new Float64Array(ts.length);
      for (const i of extra) s[i] = 1;
      return s;
    };
    const card = await buildScorecard({
      ...base,
      labels: periods,
      champion: { version: 1, threshold: 0.5, scorer: withIncident([1002]) },
      candidate: { version: 2, threshold: 0.5, scorer: withIncident([3001]) },
      rule: { minNabGain: -1 },
    });
    const row = (id: string) => card.rows.find((r) => r.id === id);
    expect(row('labelled.real_hits')).toMatchObject({ champion: { value: 1, of: 1 }, candidate: { value: 0, of: 1 } });
    expect(row('labelled.false_alarms')).toMatchObject({
      champion: { value: 0, of: 1 },
      candidate: { value: 1, of: 1 },
    });
    expect(card.recommendation).toBe('keep_champion');
    expect(card.reason).toMatch(/real incidents/);
  });

  it('recommend() states the first failing check', () => {
    const ev = (version: number, nab: number, fa: number) => ({
      version,
      threshold: 0.5,
      labelled: null,
      backtest: { nab, falseAlertsPerDay: fa } as never,
    });
    expect(recommend(ev(2, 51, 0), ev(1, 50, 0)).recommendation).toBe('keep_champion');
    expect(recommend(ev(2, 53, 0.4), ev(1, 50, 0)).recommendation).toBe('promote');
  });
});
