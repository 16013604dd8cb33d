/**
 * The grid anomaly detection scores on, and the one way to score a window with the built-in
 * detector: the detector runs over a fixed history that ends at the window's end, so windows of
 * the same step agree on the same minutes. The `detect_anomalies` worker (src/workers/anomalies.ts)
 * and the investigation tools (src/investigate/tools/) both use it.
 */
import { ALERT_THRESHOLD, createDetector } from './detector';
import { explainSeries, SIGNAL_RANGE, type SeriesExplanation } from './explain';
import { createLearnedChannel, type LearnedChannel } from './learned';
import { scoreChunk } from './run';
import type { Series } from '../sources/types';

/**
 * The detector is always run over a fixed history that ends at the window's end: at least this
 * many points before the largest window of the same step (NAB's probation is 750), so it has learned
 * the series, and windows of the same step (1 h and 2 h) get identical scores for the same minutes.
 */
export const WARMUP_POINTS = 3000;
/** Aim for about this many points in the window itself; never finer than a minute. */
export const WINDOW_POINTS = 240;
export const MIN_STEP_MS = 60_000;

/** The step a window of windowS seconds is scored at (about WINDOW_POINTS points, whole minutes). */
export function windowStep(windowS: number): number {
  return Math.max(MIN_STEP_MS, Math.ceil((windowS * 1000) / WINDOW_POINTS / MIN_STEP_MS) * MIN_STEP_MS);
}

/**
 * Where scoring starts: WARMUP_POINTS + WINDOW_POINTS steps before atMs, rounded down to a
 * multiple of WINDOW_POINTS steps. It does not depend on the window (only on its step), and
 * requests a little apart in time mostly share it, so their scores for the same minutes agree.
 */
export function historyStart(atMs: number, stepMs: number): number {
  const grid = WINDOW_POINTS * stepMs;
  return Math.floor((atMs - (WARMUP_POINTS + WINDOW_POINTS) * stepMs) / grid) * grid;
}

/**
 * Scores a series (history first, ending at the window's end) with the built-in detector and its
 * learned channel, and explains the window from windowStartMs: its points, bands and segments.
 * `learned` replaces the built-in learned channel (a served model's); the caller closes it.
 */
export async function scoreWindow(
  series: Series,
  windowStartMs: number,
  options: { onnxThreads?: number; learned?: LearnedChannel } = {},
): Promise<SeriesExplanation> {
  const learned = options.learned ?? createLearnedChannel({ intraOpNumThreads: options.onnxThreads ?? 1 });
  try {
    const detections = await scoreChunk(
      createDetector(),
      learned,
      series.points.map(([t]) => t),
      series.points.map(([, v]) => v),
    );
    return explainSeries({
      points: series.points,
      detections,
      windowStartMs,
      threshold: ALERT_THRESHOLD,
      range: SIGNAL_RANGE[series.signal] ?? { min: -Infinity, max: Infinity },
    });
  } finally {
    if (!options.learned) await learned.close();
  }
}
