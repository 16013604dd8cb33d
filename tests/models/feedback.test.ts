import type { App } from '../../src/app/control';
import { FeedbackStore } from '../../src/models/feedback';
import { buildScorecard } from '../../src/models/scorecard';
import { injectAnomalies } from '../../src/models/inject';
import { presentAnomalies } from '../../src/present/anomalies';
import { openStore, type Store } from '../../src/store/store';
import { DURING_BURST, sayTo, testApp } from '../helpers/app';
import { MINUTE, T0, dailySeries, oracle } from './backtest-fixtures';

jest.setTimeout(120_000);

/** issue 15 points 6 and 2a: feedback kept with its window, and scored when a new version is evaluated. */

describe('FeedbackStore', () => {
  let store: Store;
  let feedback: FeedbackStore;
  beforeEach(() => {
    store = openStore(':memory:');
    feedback = new FeedbackStore(store.db);
  });
  afterEach(() => store.close());

  const job12 = {
    target: 'job:12',
    by: 'user:ann',
    at: 5_000,
    windows: [
      { service: 'payments', signal: 'latency_p99' as const, fromMs: 1_000, toMs: 2_000 },
      { service: 'payments', signal: 'error_rate' as const, fromMs: 1_500, toMs: 3_000 },
      { service: 'checkout', signal: 'cpu' as const, fromMs: 1_000, toMs: 1_200 },
    ],
    model: { name: 'payments-detector', version: 1 },
  };

  it('keeps one label per target and person, the latest; labels() gives the windows of a service that overlap', () => {
    expect(feedback.record({ ...job12, label: 'false_alarm' })).toMatchObject({
      service: 'payments',
      signals: ['latency_p99', 'error_rate', 'cpu'],
      fromMs: 1_000,
      toMs: 3_000,
    });
    feedback.record({ ...job12, label: 'real', at: 6_000 });
    expect(feedback.ofTarget('job:12')).toEqual([
      expect.objectContaining({ label: 'real', by: 'user:ann', at: 6_000, model: job12.model }),
    ]);
    feedback.record({ ...job12, by: 'user:bob', label: 'false_alarm' });
    expect(feedback.labels('payments', 0, 10_000)).toEqual([
      { label: 'real', fromMs: 1_000, toMs: 2_000, signal: 'latency_p99' },
      { label: 'real', fromMs: 1_500, toMs: 3_000, signal: 'error_rate' },
      { label: 'false_alarm', fromMs: 1_000, toMs: 2_000, signal: 'latency_p99' },
      { label: 'false_alarm', fromMs: 1_500, toMs: 3_000, signal: 'error_rate' },
    ]);
    expect(feedback.labels('payments', 2_500, 10_000).map((l) => l.signal)).toEqual(['error_rate', 'error_rate']);
    expect(feedback.labels('checkout', 0, 999)).toEqual([]);
    expect(feedback.labels('checkout', 0, 10_000)).toHaveLength(2);
  });

  it('keeps helpful and wrong, but they feed no model; bad input is refused', () => {
    feedback.record({ ...job12, label: 'helpful' });
    expect(feedback.get('job:12', 'user:ann')?.label).toBe('helpful');
    expect(feedback.labels('payments', 0, 10_000)).toEqual([]);
    expect(() => feedback.record({ ...job12, target: 'payments', label: 'real' })).toThrow(/Not a feedback target/);
    expect(() => feedback.record({ ...job12, label: 'meh' as never })).toThrow(/Not a feedback label/);
    expect(() => feedback.record({ ...job12, windows: [], label: 'real' })).toThrow(/No series window/);
  });
});

describe('feedback buttons', () => {
  it('a reply that flags nothing has none', () => {
    const reply = presentAnomalies({ atMs: T0, windowS: 3600, threshold: 0.99, findings: [] }, 'job:1');
    expect(reply.blocks.some((b) => b.type === 'buttons')).toBe(false);
  });
});

describe('scorecard with feedback', () => {
  const { timestamps, values } = dailySeries(3);
  const seed = 42;
  const warmupPoints = 600;
  const { labels } = injectAnomalies(timestamps, values, { seed, warmupPoints });
  const base = { timestamps, values, seed, warmupPoints };
  const at = (i: number) => T0 + i * MINUTE;
  // On the real (not injected) history: alert where told, else the backtest oracle.
  const alertsAt = (points: number[]) => async (ts: Float64Array, v: Float64Array) => {
    if (!v.every((x, i) => x === values[i])) return oracle(labels, warmupPoints)(ts, v);
    const s = new Float64Array(ts.length);
    for (const i of points) s[i] = 1;
    return s;
  };
  const feedback = [
    { label: 'real' as const, fromMs: at(1000), toMs: at(1010) },
    { label: 'false_alarm' as const, fromMs: at(2000), toMs: at(2010) },
    { label: 'false_alarm' as const, fromMs: at(3000), toMs: at(3010) },
  ];

  it('a false-alarm window where the new version alerts counts against it, and the card says so', async () => {
    const card = await buildScorecard({
      ...base,
      feedback,
      champion: { version: 1, threshold: 0.5, scorer: alertsAt([1003]) },
      candidate: { version: 2, threshold: 0.5, scorer: alertsAt([1003, 2004]) },
      rule: { minNabGain: -1 },
    });
    const row = (id: string) => card.rows.find((r) => r.id === id);
    expect(row('feedback.real_hits')).toMatchObject({ champion: { value: 1, of: 1 }, candidate: { value: 1, of: 1 } });
    expect(row('feedback.false_alarms')).toMatchObject({
      better: 'lower',
      champion: { value: 0, of: 2 },
      candidate: { value: 1, of: 2 },
    });
    expect(card.recommendation).toBe('keep_champion');
    expect(card.reason).toBe('Keep v1: v2 alerts in 1 of the periods people marked false alarm, v1 in 0.');
    expect(card.feedbackText).toBe(
      'feedback: v2 caught 1/1 real, alerted in 1/2 false alarms; v1 caught 1/1 real, alerted in 0/2 false alarms',
    );
  });

  it('without feedback there are no feedback rows and no text', async () => {
    const card = await buildScorecard({ ...base, candidate: { version: 1, threshold: 0.5, scorer: alertsAt([]) } });
    expect(card.rows.some((r) => r.id.startsWith('feedback.'))).toBe(false);
    expect(card.feedbackText).toBeNull();
  });
});

describe('the registrar evaluates a new version on the feedback for its service', () => {
  let app: App;
  beforeEach(async () => {
    ({ app } = await testApp({ DEFAULT_ROLE: 'operator' }, DURING_BURST));
    await app.startWorkers();
  });
  afterEach(async () => {
    await app.close();
  });

  it('the scorecard of a trained version reports the feedback labels inside its window', async () => {
    const hour = 3_600_000;
    const windows = (h: number) => [
      { service: 'payments', fromMs: DURING_BURST - h * hour, toMs: DURING_BURST - (h - 1) * hour },
    ];
    app.feedback.record({
      target: 'incident:i000001',
      label: 'real',
      by: 'user:a',
      at: 1,
      windows: windows(3),
      model: null,
    });
    app.feedback.record({
      target: 'incident:i000002',
      label: 'false_alarm',
      by: 'user:a',
      at: 1,
      windows: windows(6),
      model: null,
    });
    // Another service's label is not this model's evidence.
    app.feedback.record({
      target: 'incident:i000003',
      label: 'false_alarm',
      by: 'user:a',
      at: 1,
      windows: [{ service: 'checkout', fromMs: DURING_BURST - 2 * hour, toMs: DURING_BURST - hour }],
      model: null,
    });
    const trained = await sayTo(app, 'train a model for payments on the last 1 day');
    expect(trained.text()).toMatch(/Trained payments-detector v1/);
    expect(trained.text()).toMatch(/feedback: v1 caught [01]\/1 real, alerted in [01]\/1 false alarms/);
    const card = app.models.version('payments-detector', 1).metrics?.scorecard as { rows: Array<{ id: string }> };
    expect(card.rows.map((r) => r.id)).toEqual(expect.arrayContaining(['feedback.real_hits', 'feedback.false_alarms']));
  });
});
