import { ALERT_THRESHOLD, createDetector } from '../../anomaly/detector';
import { explainSeries, SIGNAL_RANGE, type AnomalySegment } from '../../anomaly/explain';
import { createLearnedChannel } from '../../anomaly/learned';
import { scoreChunk } from '../../anomaly/run';
import type { MetricsSource, Signal } from '../../sources/types';
import type { SignalAnomaly } from './observations';

/**
 * One signal's anomalies in a window, scored the way the anomalies job scores them (src/anomaly/run.ts:
 * the learned channel, then the detector point by point; src/anomaly/explain.ts: the segments) over a
 * fixed history grid, so two questions a little apart see the same minutes alike.
 */
const MIN_STEP_MS = 60_000;
/** Points of history before the window: a day at a minute's step, enough for the learned channel to train. */
const WARMUP_POINTS = 1440;
const WINDOW_POINTS = 240;

export interface DetectOptions {
  onnxThreads?: number;
  /**
   * On: the learned channel too. Off by default: on both eval sets (`npm run eval:investigate`) it changed
   * no answer, and without it an investigation is about 3.5x faster and never loads the ONNX runtime.
   */
  learned?: boolean;
}

export function stepFor(window: { fromMs: number; toMs: number }): number {
  const span = window.toMs - window.fromMs;
  return Math.max(MIN_STEP_MS, Math.ceil(span / WINDOW_POINTS / MIN_STEP_MS) * MIN_STEP_MS);
}

function historyStart(toMs: number, stepMs: number): number {
  const grid = WINDOW_POINTS * stepMs;
  return Math.floor((toMs - (WARMUP_POINTS + WINDOW_POINTS) * stepMs) / grid) * grid;
}

/** The signal's anomaly in the window (its first segment's onset, its worst point), or undefined. */
export async function detectSignal(
  source: MetricsSource,
  service: string,
  signal: Signal,
  window: { fromMs: number; toMs: number },
  options: DetectOptions = {},
): Promise<SignalAnomaly | undefined> {
  const stepMs = stepFor(window);
  const startMs = Math.min(historyStart(window.toMs, stepMs), window.fromMs);
  const series = await source.query({ service, signal, startMs, endMs: window.toMs, stepMs });
  if (series.points.length === 0) return undefined;
  const learned =
    options.learned !== true ? undefined : createLearnedChannel({ intraOpNumThreads: options.onnxThreads ?? 1 });
  let detections;
  try {
    detections = await scoreChunk(
      createDetector(),
      learned,
      series.points.map(([t]) => t),
      series.points.map(([, v]) => v),
    );
  } finally {
    await learned?.close();
  }
  const explained = explainSeries({
    points: series.points,
    detections,
    windowStartMs: window.fromMs,
    threshold: ALERT_THRESHOLD,
    range: SIGNAL_RANGE[signal],
  });
  return anomalyOf(service, signal, explained.segments, stepMs);
}

/**
 * A segment counts when it lasts MIN_POINTS steps and lies outside its band: the detector's one- or
 * two-point blips on a quiet series are noise, an incident holds a signal off its band for minutes.
 */
export const MIN_POINTS = 3;

function anomalyOf(
  service: string,
  signal: Signal,
  segments: readonly AnomalySegment[],
  stepMs: number,
): SignalAnomaly | undefined {
  const lasting = segments.filter((s) => s.direction !== 'within' && (s.endMs - s.startMs) / stepMs + 1 >= MIN_POINTS);
  if (lasting.length === 0) return undefined;
  const first = lasting[0];
  const worst = lasting.reduce((w, s) => (excess(s) > excess(w) ? s : w));
  const minutes = lasting.reduce((sum, s) => sum + (s.endMs - s.startMs + stepMs) / 60_000, 0);
  return {
    service,
    signal,
    onsetMs: first.startMs,
    direction: worst.direction,
    ...(worst.ratio !== undefined ? { ratio: worst.ratio } : {}),
    before: (worst.peak.low + worst.peak.high) / 2,
    peak: worst.peak.value,
    minutes,
    ongoing: segments[segments.length - 1].ongoing,
  };
}

/** How far a segment's worst point is from the middle of its band, relative to the middle. */
export function excess(s: AnomalySegment): number {
  const mid = (s.peak.low + s.peak.high) / 2;
  return mid > 0 ? Math.abs(s.peak.value - mid) / mid : 0;
}
