import { ALERT_THRESHOLD, createDetector } from '../anomaly/detector';
import { createLearnedChannel } from '../anomaly/learned';
import { scoreChunk } from '../anomaly/run';
import { signalsFor } from '../anomaly/metric-words';
import type { Detection } from '../anomaly/types';
import type { Clock } from '../clock';
import { UnrecoverableJobError } from '../errors';
import type { JobContext } from '../queue/types';
import { GOLDEN_SIGNALS, type MetricsSource, type Series } from '../sources/types';
import type { AnomaliesJobData, AnomaliesJobResult, SeriesFinding } from './jobs';

/** A point is anomalous at or above this combined score. */
export const ANOMALY_THRESHOLD = ALERT_THRESHOLD;
/** Points fed to the detector before the window, so it has learned the series by then (NAB's probation is 750). */
const WARMUP_POINTS = 3000;
/** Aim for about this many points in the window itself; never finer than a minute. */
const WINDOW_POINTS = 240;
const MIN_STEP_MS = 60_000;
const MAX_CHARTS = 3;

/** Scores each requested series over its window (after a warm-up) and charts the anomalous ones. */
export function anomaliesProcessor(source: MetricsSource, clock: Clock, options: { onnxThreads: number }) {
  return async (job: JobContext<AnomaliesJobData>): Promise<AnomaliesJobResult> => {
    const atMs = job.data.atMs ?? clock();
    const { windowS } = job.data;
    if (!Number.isInteger(windowS) || windowS <= 0) throw new UnrecoverableJobError(`windowS must be a positive whole number of seconds, got ${String(windowS)}`);
    const signals = signalsFor(job.data.metric);
    if (signals.length === 0) throw new UnrecoverableJobError(`I don't know the metric “${job.data.metric ?? ''}”; try one of ${GOLDEN_SIGNALS.join(', ')} (or words like p99 latency, error rate, traffic, cpu, memory)`);
    const catalog = (await source.services()).map((s) => s.name);
    const services = job.data.service ? [job.data.service] : catalog;
    const unknown = services.find((s) => !catalog.includes(s));
    if (unknown) throw new UnrecoverableJobError(`unknown service “${unknown}”; known: ${catalog.join(', ')}`);

    // One step for warm-up and window alike, so the detector sees one consistent series.
    const stepMs = Math.max(MIN_STEP_MS, Math.ceil((windowS * 1000) / WINDOW_POINTS / MIN_STEP_MS) * MIN_STEP_MS);
    const windowStart = atMs - windowS * 1000;
    const findings: SeriesFinding[] = [];
    const total = services.length * signals.length;
    for (const service of services) {
      for (const sig of signals) {
        if (job.signal.aborted) throw new UnrecoverableJobError('cancelled');
        const series = await source.query({ service, signal: sig, startMs: windowStart - WARMUP_POINTS * stepMs, endMs: atMs, stepMs });
        findings.push(await score(series, windowStart, options.onnxThreads));
        await job.progress({ percent: Math.round((findings.length / total) * 100), message: `scored ${service} ${sig}` });
      }
    }
    const charted = findings.filter((f) => f.anomalous).sort((a, b) => b.maxScore - a.maxScore).slice(0, MAX_CHARTS);
    for (const f of charted) f.chartPng = (await chart(f)).toString('base64');
    return { atMs, windowS, threshold: ANOMALY_THRESHOLD, findings };
  };
}

async function score(series: Series, windowStart: number, onnxThreads: number): Promise<SeriesFinding> {
  const learned = createLearnedChannel({ intraOpNumThreads: onnxThreads });
  let detections: Detection[];
  try {
    detections = await scoreChunk(createDetector(), learned, series.points.map(([t]) => t), series.points.map(([, v]) => v));
  } finally {
    await learned.close();
  }
  const inWindow: Array<{ t: number; v: number; d: Detection }> = [];
  series.points.forEach(([t, v], i) => {
    if (t >= windowStart) inWindow.push({ t, v, d: detections[i] });
  });
  const anomalies = inWindow.filter((p) => p.d.score >= ANOMALY_THRESHOLD);
  const worst = inWindow.reduce<(typeof inWindow)[number] | undefined>((w, p) => (!w || p.d.score > w.d.score ? p : w), undefined);
  const last = inWindow[inWindow.length - 1];
  const expected = worst?.d.expected;
  return {
    service: series.service,
    signal: series.signal,
    unit: series.unit,
    anomalous: anomalies.length > 0,
    maxScore: worst?.d.score ?? 0,
    ...(anomalies.length ? { sinceMs: anomalies[0].t, detector: worst?.d.detector, reason: worst?.d.reason } : {}),
    ...(worst && expected ? { worst: { t: worst.t, value: worst.v, low: expected.low, high: expected.high } } : {}),
    latest: last?.v ?? NaN,
    points: inWindow.map((p) => [p.t, p.v] as [number, number]),
    band: inWindow.filter((p) => p.d.expected).map((p) => [p.t, p.d.expected?.low ?? NaN, p.d.expected?.high ?? NaN] as [number, number, number]),
    anomalies: anomalies.map((p) => [p.t, p.v] as [number, number]),
  };
}

async function chart(f: SeriesFinding): Promise<Buffer> {
  // Loaded on first use: vega and resvg cost ~30 MB that an idle process should not carry.
  const { renderAnomalyChart } = await import('../charts/anomaly-chart.js');
  return renderAnomalyChart({ title: `${f.service} · ${f.signal}`, unit: f.unit, points: f.points, band: f.band, anomalies: f.anomalies });
}
