import { compareShadow, distinctAlerts } from '../../src/models/shadow-compare';
import type { ShadowRun } from '../../src/models/shadow';

const H = 3_600_000;
const run = (
  at: number,
  champion: Array<[string, number, number]>,
  challenger: Array<[string, number, number]>,
): ShadowRun => ({
  jobId: `j${at}`,
  model: 'payments-detector',
  service: 'payments',
  championVersion: 1,
  challengerVersion: 2,
  window: { fromMs: at - H, toMs: at },
  championAlerts: champion.map(([signal, startMs, endMs]) => ({ signal, startMs, endMs, maxScore: 0.99 })),
  challengerAlerts: challenger.map(([signal, startMs, endMs]) => ({ signal, startMs, endMs, maxScore: 0.99 })),
  at,
});

describe('champion vs challenger over shadow runs', () => {
  const runs = [
    // both flag the error burst; only the challenger flags latency
    run(
      10 * H,
      [['error_rate', 9.5 * H, 9.8 * H]],
      [
        ['error_rate', 9.6 * H, 9.9 * H],
        ['latency_p99', 9.2 * H, 9.3 * H],
      ],
    ),
    // the same burst seen again by a later, overlapping run (counted once), and a champion-only alert
    run(
      10.5 * H,
      [
        ['error_rate', 9.5 * H, 10 * H],
        ['traffic', 10.2 * H, 10.3 * H],
      ],
      [['error_rate', 9.6 * H, 10 * H]],
    ),
  ];

  it('counts a segment seen by several runs once', () => {
    expect(distinctAlerts(runs, 'championAlerts')).toHaveLength(2);
    expect(distinctAlerts(runs, 'championAlerts')[0].endMs).toBe(10 * H);
  });

  it('agreement, incidents caught and feedback through the injected hooks', () => {
    const labels = jest.fn(() => [
      { label: 'real' as const, fromMs: 9.55 * H, toMs: 9.7 * H },
      { label: 'false_alarm' as const, fromMs: 9.25 * H, toMs: 9.26 * H },
    ]);
    const c = compareShadow({
      model: 'payments-detector',
      service: 'payments',
      champion: 1,
      challenger: 2,
      sinceMs: 0,
      runs,
      incidentsOf: () => [{ fromMs: 9.4 * H, toMs: 9.9 * H }],
      labels,
    });
    expect(labels).toHaveBeenCalledWith('payments', 9 * H, 10.5 * H);
    expect(c.runs).toBe(2);
    expect(c.agreement).toEqual({ both: 1, championOnly: 1, challengerOnly: 1, rate: 1 / 3 });
    expect(c.incidents).toBe(1);
    expect(c.labels).toEqual({ real: 1, falseAlarm: 1 });
    expect(c.championScore).toEqual({
      alerts: 2,
      incidentsCaught: 1,
      alertsOutsideIncidents: 1,
      feedback: { realHit: 1, falseAlarms: 0 },
    });
    expect(c.challengerScore).toEqual({
      alerts: 2,
      incidentsCaught: 1,
      alertsOutsideIncidents: 1,
      feedback: { realHit: 1, falseAlarms: 1 },
    });
  });

  it('without a feedback hook the comparison says so (labels null), without runs there is no range', () => {
    const c = compareShadow({ model: 'm', service: 's', champion: 1, challenger: 2, sinceMs: 0, runs: [] });
    expect(c).toMatchObject({ runs: 0, range: null, labels: null, agreement: { rate: null } });
    expect(c.championScore.feedback).toBeUndefined();
  });
});
