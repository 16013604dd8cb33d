import { PassThrough } from 'node:stream';
import { explainSeries, SIGNAL_RANGE, type AnomalySegment } from '../../src/anomaly/explain';
import type { Detection } from '../../src/anomaly/types';
import { anomalyChartSpecFor, findingChartInput } from '../../src/charts/anomaly-chart';
import { presentAnomalies } from '../../src/present/anomalies';
import { createLogger } from '../../src/log/logger';
import type { Block } from '../../src/reply/model';
import { renderText } from '../../src/reply/render-text';
import { DemoFleet } from '../../src/sources/demo/fleet';
import type { IncidentInfo } from '../../src/sources/demo/incidents';
import { ANOMALY_THRESHOLD, anomaliesProcessor } from '../../src/workers/anomalies';
import type { AnomaliesJobResult, SeriesFinding } from '../../src/jobs/map';

// Seed 42 runs its incident cycle from 08:08 UTC: checkout-api's bad deploy 08:08-09:58,
// payments' error burst 11:03-11:33, search's traffic spike 11:28-12:13 (see src/sources/demo/incidents.ts).
const SEED = 42;
const MIN = 60_000;
const utc = (hhmm: string) => Date.parse(`2026-11-26T${hhmm}:00Z`);

async function detect(
  service: string | undefined,
  metric: string | undefined,
  windowS: number,
  atMs: number,
): Promise<AnomaliesJobResult> {
  const fleet = new DemoFleet({ seed: SEED, clock: () => atMs });
  const run = anomaliesProcessor(fleet, () => atMs, { onnxThreads: 1 });
  return run({
    id: 'j1',
    name: 'detect_anomalies',
    data: { ...(service ? { service } : {}), ...(metric ? { metric } : {}), windowS },
    meta: {},
    attempt: 1,
    log: createLogger({ level: 'error', format: 'json', stream: new PassThrough() }),
    signal: new AbortController().signal,
    progress: async () => {},
  });
}

function incident(service: string, atMs: number): IncidentInfo {
  const found = new DemoFleet({ seed: SEED, clock: () => atMs }).incidentsAt(atMs).find((i) => i.service === service);
  if (!found) throw new Error(`no demo incident on ${service} at ${new Date(atMs).toISOString()}`);
  return found;
}

type Row = { t: number; v?: number | null; low?: number | null; high?: number | null };

/** The values the PNG plots, read from the chart's vega-lite spec: series, band and anomaly layers. */
function plotted(f: SeriesFinding): { series: Row[]; band: Map<number, Row>; anomalies: Set<number> } {
  const spec = anomalyChartSpecFor(findingChartInput(f)) as unknown as {
    layer: Array<{ mark: { type: string }; data: { values: Row[] } }>;
  };
  const layer = (type: string) => spec.layer.find((l) => l.mark.type === type)?.data.values ?? [];
  return {
    series: layer('line'),
    band: new Map(layer('area').map((r) => [r.t, r])),
    anomalies: new Set(layer('point').map((r) => r.t)),
  };
}

const inSegment = (t: number, segments: AnomalySegment[]) => segments.some((s) => t >= s.startMs && t <= s.endMs);

function tableRows(result: AnomaliesJobResult): string[][] {
  const table = presentAnomalies(result).blocks.find((b): b is Extract<Block, { type: 'table' }> => b.type === 'table');
  return table?.rows ?? [];
}

/** Text, table and chart of one result agree with each other and with the series. */
function expectAgreement(result: AnomaliesJobResult, f: SeriesFinding): void {
  const { series, band, anomalies } = plotted(f);
  expect(series.length).toBe(f.points.length);
  const range = SIGNAL_RANGE[f.signal];
  for (const r of series) {
    const b = band.get(r.t);
    expect(b).toBeDefined();
    // The band stays within what the metric can be (no error rate below 0 or above 100%).
    expect(b?.low).toBeGreaterThanOrEqual(range.min);
    expect(b?.high).toBeLessThanOrEqual(range.max);
    const outside = (r.v as number) > (b?.high as number) || (r.v as number) < (b?.low as number);
    // A point drawn outside its band is marked, and marked points are exactly the reported segments' points.
    if (outside) expect(anomalies.has(r.t)).toBe(true);
    expect(anomalies.has(r.t)).toBe(inSegment(r.t, f.segments));
  }
  const rows = tableRows(result).filter((row) => row[0] === f.service && row[1] === f.signal);
  expect(rows.length).toBe(Math.min(3, f.segments.length) + (f.segments.length > 3 ? 1 : 0));
  for (const s of f.segments) {
    // Each segment is reported for a reason: outside its band, or a score at the threshold.
    expect(s.direction !== 'within' || s.maxScore >= ANOMALY_THRESHOLD).toBe(true);
    // The peak and its band are the chart's own values at that minute, on the side the text names.
    expect(band.get(s.peak.t)).toMatchObject({ low: s.peak.low, high: s.peak.high });
    if (s.direction === 'above') expect(s.peak.value).toBeGreaterThan(s.peak.high);
    if (s.direction === 'below') expect(s.peak.value).toBeLessThan(s.peak.low);
    expect(s.beyond).toBeCloseTo(
      s.direction === 'above' ? s.peak.value - s.peak.high : s.direction === 'below' ? s.peak.low - s.peak.value : 0,
      9,
    );
  }
  for (const row of rows.filter((r) => !r[2].startsWith('+'))) {
    const s = f.segments.find((x) => x.maxScore.toFixed(2) === row[6]);
    expect(s).toBeDefined();
    expect(row[5]).toContain(s?.direction === 'within' ? 'within band' : s?.direction === 'above' ? 'above' : 'below');
  }
  expect(renderText(presentAnomalies(result))).not.toMatch(/inside band/);
}

describe('issue 13.10: anomaly explanations agree with the chart', () => {
  const cases: Array<{
    name: string;
    service: string;
    metric: string;
    windowS: number;
    at: string;
    during: string;
    above: boolean;
  }> = [
    {
      name: 'payments error burst, ongoing (1 h)',
      service: 'payments',
      metric: 'error_rate',
      windowS: 3600,
      at: '11:20',
      during: '11:20',
      above: true,
    },
    {
      name: 'payments error burst, over (2 h)',
      service: 'payments',
      metric: 'error_rate',
      windowS: 7200,
      at: '11:40',
      during: '11:20',
      above: true,
    },
    {
      name: 'search p50 under a traffic spike (1 h)',
      service: 'search',
      metric: 'latency_p50',
      windowS: 3600,
      at: '12:05',
      during: '12:00',
      above: true,
    },
    {
      name: 'checkout-api p99 after a bad deploy (1 h)',
      service: 'checkout-api',
      metric: 'latency_p99',
      windowS: 3600,
      at: '09:00',
      during: '09:00',
      above: true,
    },
  ];

  it.each(cases)(
    '$name: one segment spans the incident, and text, table and chart agree',
    async ({ service, metric, windowS, at, during, above }) => {
      const result = await detect(service, metric, windowS, utc(at));
      const f = result.findings[0];
      expectAgreement(result, f);
      const known = incident(service, utc(during));
      // The whole incident is one anomaly (not its first point only), on the side the values went.
      const covering = f.segments.filter(
        (s) => s.startMs <= known.sinceMs + 3 * MIN && s.endMs >= Math.min(known.untilMs, utc(at)) - 2 * MIN,
      );
      expect(covering).toHaveLength(1);
      expect(covering[0].direction).toBe(above ? 'above' : 'below');
      expect(covering[0].ongoing).toBe(known.untilMs > utc(at));
      // Every minute of the incident inside the window is drawn as anomalous.
      const { anomalies } = plotted(f);
      for (const [t] of f.points)
        if (t >= known.sinceMs + 3 * MIN && t < known.untilMs) expect(anomalies.has(t)).toBe(true);
    },
  );

  // Before the fix, inventory's error rate had a minute marked over 1 h and not over 2 h at 11:20.
  it.each(['inventory', 'payments'])(
    'the same minutes of %s are anomalous over 1 h and over 2 h, against the same band (every signal)',
    async (service) => {
      const at = utc('11:20');
      const [hour, twoHours] = [await detect(service, undefined, 3600, at), await detect(service, undefined, 7200, at)];
      expect(hour.findings.map((f) => `${f.service} ${f.signal}`)).toEqual(
        twoHours.findings.map((f) => `${f.service} ${f.signal}`),
      );
      expect(hour.findings.filter((f) => f.anomalous).length).toBeGreaterThan(0);
      hour.findings.forEach((f, i) => {
        const wide = twoHours.findings[i];
        const band = new Map(wide.band.map(([t, low, high]) => [t, [low, high]]));
        const marked = new Set(wide.anomalies.map(([t]) => t));
        expect(f.anomalies.filter(([t]) => !marked.has(t))).toEqual([]);
        expect(wide.anomalies.filter(([t]) => t >= f.points[0][0]).length).toBe(f.anomalies.length);
        for (const [t, low, high] of f.band) expect(band.get(t)).toEqual([low, high]);
        expect(f.segments.map((s) => s.startMs)).toEqual(
          wide.segments.filter((s) => s.endMs >= f.points[0][0]).map((s) => s.startMs),
        );
      });
    },
    120_000,
  );
});

describe('issue 13.10: explainSeries', () => {
  const T0 = Date.UTC(2026, 0, 1);
  /** 100 normal points around 10 (band 8..12), then `incident` points; detections as the detector gives them. */
  function series(
    incident: number[],
    scores: (i: number) => number,
    band: (i: number) => { low: number; high: number },
  ) {
    const values = [...Array.from({ length: 100 }, (_, i) => 10 + (i % 2 ? 0.5 : -0.5)), ...incident, 10, 10];
    const points = values.map((v, i) => [T0 + i * MIN, v] as [number, number]);
    const detections: Detection[] = values.map((_, i) => ({ score: scores(i), detector: 'robust-z', band: band(i) }));
    return { points, detections };
  }

  it(
    'keeps a whole run outside the band as one segment, though the detector scores only its first point and its ' +
      'band follows the values',
    () => {
      const { points, detections } = series(
        Array.from({ length: 30 }, () => 40),
        (i) => (i === 100 ? 0.9 : 0.05),
        (i) => (i <= 100 ? { low: 8, high: 12 } : { low: 8, high: 12 + (i - 100) * 2 }),
      );
      const e = explainSeries({
        points,
        detections,
        windowStartMs: T0 + 60 * MIN,
        threshold: 0.48,
        range: SIGNAL_RANGE.latency_p50,
      });
      expect(e.segments).toHaveLength(1);
      expect(e.segments[0]).toMatchObject({
        startMs: T0 + 100 * MIN,
        endMs: T0 + 129 * MIN,
        direction: 'above',
        beyond: 28,
        ongoing: false,
        maxScore: 0.9,
      });
      expect(e.segments[0].ratio).toBeCloseTo(40 / 12, 9);
      expect(e.anomalies).toHaveLength(30);
      // The band drawn during the run is the one expected when it began.
      for (const [t, low, high] of e.band)
        if (t >= T0 + 100 * MIN && t < T0 + 130 * MIN) expect([low, high]).toEqual([8, 12]);
    },
  );

  it('clamps the band to the metric range: an error rate band never goes below 0', () => {
    const { points, detections } = series(
      [0.001, 0.001],
      () => 0.1,
      () => ({ low: -0.004, high: 0.012 }),
    );
    const e = explainSeries({
      points: points.map(([t, v]) => [t, v / 1000] as [number, number]),
      detections,
      windowStartMs: T0,
      threshold: 0.48,
      range: SIGNAL_RANGE.error_rate,
    });
    expect(Math.min(...e.band.map(([, low]) => low))).toBe(0);
    expect(e.segments).toEqual([]);
  });

  it('reports a high score inside the band as a pattern, never as "inside band"', () => {
    const { points, detections } = series(
      [11],
      (i) => (i === 100 ? 0.7 : 0.05),
      () => ({ low: 8, high: 12 }),
    );
    const e = explainSeries({ points, detections, windowStartMs: T0, threshold: 0.48, range: SIGNAL_RANGE.cpu });
    expect(e.segments).toHaveLength(1);
    expect(e.segments[0]).toMatchObject({ direction: 'within', beyond: 0, maxScore: 0.7 });
    expect(e.segments[0].ratio).toBeUndefined();
  });

  it('gives a segment that began before the window its true start and the score of its onset', () => {
    const { points, detections } = series(
      Array.from({ length: 20 }, () => 3),
      (i) => (i === 100 ? 0.8 : 0.05),
      () => ({ low: 8, high: 12 }),
    );
    const e = explainSeries({
      points,
      detections,
      windowStartMs: T0 + 110 * MIN,
      threshold: 0.48,
      range: SIGNAL_RANGE.cpu,
    });
    expect(e.segments).toHaveLength(1);
    expect(e.segments[0]).toMatchObject({
      startMs: T0 + 100 * MIN,
      startedBefore: true,
      direction: 'below',
      beyond: 5,
      maxScore: 0.8,
    });
    expect(e.segments[0].peak.t).toBeGreaterThanOrEqual(T0 + 110 * MIN);
    expect(e.maxScore).toBe(0.8);
    expect(e.points[0][0]).toBe(T0 + 110 * MIN);
  });
});
