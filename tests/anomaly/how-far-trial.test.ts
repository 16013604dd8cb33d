import type { AnomalySegment } from '../../src/anomaly/explain';
import { presentAnomalies } from '../../src/present/anomalies';
import type { App } from '../../src/app/control';
import type { Block } from '../../src/reply/model';
import type { AnomaliesJobResult, SeriesFinding } from '../../src/jobs/map';
import { testApp } from '../helpers/app';

const AT = Date.UTC(2026, 10, 26, 8, 28);

/** The table's rows as objects, by header. */
function rows(result: AnomaliesJobResult): Array<Record<string, string>> {
  const table = presentAnomalies(result).blocks.find((b): b is Extract<Block, { type: 'table' }> => b.type === 'table');
  if (!table) throw new Error('no table in the reply');
  return table.rows.map((r) => Object.fromEntries(table.columns.map((c, i) => [c, r[i]])));
}

/** A number as the table prints it, in the metric's unit (ms, %, /s). */
const num = (s: string) => Number(/-?[\d.]+/.exec(s)?.[0]);

/**
 * What a reader takes from a row: the printed peak is past the printed edge on the side "how far"
 * names, by a printed amount > 0.
 */
function expectRowAgrees(row: Record<string, string>): void {
  const [low, high] = row.expected.split('–').map(num);
  const peak = num(row.peak);
  const far = /^([+−])([\d.]+) (?:ms|pp|%|\/s)?\s*(above|below)(?: \(([\d.]+)× the (top|bottom)\))?$/.exec(
    row['how far'].replace(/(\d)\/s/, '$1 /s'),
  );
  if (row['how far'].startsWith('unusual')) {
    expect([row, peak >= low && peak <= high]).toEqual([row, true]);
    return;
  }
  expect([row, far !== null]).toEqual([row, true]);
  const [, , amount, side, times] = far as RegExpExecArray;
  expect([row, Number(amount) > 0]).toEqual([row, true]);
  expect([row, side === 'above' ? peak > high : peak < low]).toEqual([row, true]);
  if (times !== undefined) expect([row, side === 'above' ? Number(times) > 1 : Number(times) < 1]).toEqual([row, true]);
}

function finding(
  unit: string,
  signal: SeriesFinding['signal'],
  segment: Pick<AnomalySegment, 'direction' | 'peak' | 'beyond' | 'ratio'>,
): AnomaliesJobResult {
  const s: AnomalySegment = {
    startMs: AT - 600_000,
    endMs: AT - 600_000,
    startedBefore: false,
    ongoing: false,
    maxScore: 0.2,
    ...segment,
  };
  const f: SeriesFinding = {
    service: 'inventory',
    signal,
    unit,
    anomalous: true,
    points: [[segment.peak.t, segment.peak.value]],
    band: [[segment.peak.t, segment.peak.low, segment.peak.high]],
    anomalies: [[segment.peak.t, segment.peak.value]],
    segments: [s],
    maxScore: 0.2,
    latest: segment.peak.value,
  };
  return { atMs: AT, windowS: 86_400, threshold: 0.48, findings: [f] };
}

describe('issue 13.10 (trial): the table\'s peak, expected band and "how far" agree as printed', () => {
  it.each([
    // Seen on the demo fleet (24 h windows): "30 ms | 19 ms–30 ms | +0.2 ms above (1.0× the top)".
    [
      'ms, a fraction past the top',
      'ms',
      'latency_p50',
      {
        direction: 'above',
        peak: { t: AT - 600_000, value: 30.16, low: 19.2, high: 29.96, score: 0.1 },
        beyond: 0.2,
        ratio: 30.16 / 29.96,
      },
    ],
    // "0.3% | 0.0%–0.3% | +0.01 pp above (1.0× the top)".
    [
      'a ratio a hair past the top',
      'ratio',
      'error_rate',
      {
        direction: 'above',
        peak: { t: AT - 600_000, value: 0.00312, low: 0, high: 0.00301, score: 0.7 },
        beyond: 0.00011,
        ratio: 0.00312 / 0.00301,
      },
    ],
    // "21% | 22%–51% | −0.96 pp below (1.0× the bottom)".
    [
      'a ratio just under the bottom',
      'ratio',
      'cpu',
      {
        direction: 'below',
        peak: { t: AT - 600_000, value: 0.2104, low: 0.22, high: 0.51, score: 0.12 },
        beyond: 0.0096,
        ratio: 0.2104 / 0.22,
      },
    ],
    [
      'req/s a hair past the top',
      'req/s',
      'request_rate',
      {
        direction: 'above',
        peak: { t: AT - 600_000, value: 140.04, low: 67.8, high: 140.01, score: 0.3 },
        beyond: 0.03,
        ratio: 140.04 / 140.01,
      },
    ],
    [
      'ms, far past the top',
      'ms',
      'latency_p99',
      {
        direction: 'above',
        peak: { t: AT - 600_000, value: 1863.4, low: 21.3, high: 472.7, score: 0.35 },
        beyond: 1390.7,
        ratio: 1863.4 / 472.7,
      },
    ],
  ] as const)('%s', (_name, unit, signal, segment) => {
    const [row] = rows(finding(unit, signal, segment as unknown as AnomalySegment));
    expectRowAgrees(row);
  });

  describe('on the demo fleet', () => {
    let app: App;
    beforeAll(async () => {
      ({ app } = await testApp({}, AT));
      await app.startWorkers();
    });
    afterAll(async () => {
      await app.close();
    });

    it('payments p99 over 2 h (a peak 9 ms past a 557 ms top) reads as past the top', async () => {
      const job = await app.queue.add('detect_anomalies', {
        service: 'payments',
        metric: 'p99 latency',
        windowS: 7200,
      });
      const done = await app.queue.waitUntilFinished(job.id, 120_000);
      expect(done.state).toBe('completed');
      const table = rows(done.result as AnomaliesJobResult);
      expect(table.length).toBeGreaterThan(0);
      for (const row of table) expectRowAgrees(row);
    });
  });
});
