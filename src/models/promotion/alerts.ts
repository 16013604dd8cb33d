/**
 * What a promotion changes for on-call (issue 15 point 5): the alerts the new version would have
 * raised or dropped over the last days, compared with what serves now (the champion, or the
 * built-in detector when there is none). Both run over the same recent history of the service
 * through the anomalies job's detection code: the detector (src/anomaly/detector.ts) with the
 * version's pre-trained learned channel (./serving.ts) or the built-in one, scoreChunk, then
 * explainSeries' anomalous segments at the alert threshold. An alert of one side that overlaps no
 * alert of the other (on the same signal) is raised (new side only) or dropped (old side only).
 */
import { ALERT_THRESHOLD, createDetector } from '../../anomaly/detector';
import { explainSeries, SIGNAL_RANGE } from '../../anomaly/explain';
import { createLearnedChannel, DEFAULT_LEARNED_OPTIONS, type LearnedChannel } from '../../anomaly/learned';
import { scoreChunk } from '../../anomaly/run';
import { AppError } from '../../errors';
import type { MetricsSource, Series, Signal } from '../../sources/types';
import type { LoadedBundle } from '../bundle';
import { createPretrainedChannel } from '../serving';

/** The compared span: the last 3 days. */
export const DIFF_DAYS = 3;
/** Points the span is cut into, as the anomalies job cuts its window (so a 3-day span has its 18-minute step). */
export const DIFF_SPAN_POINTS = 240;
/**
 * Points scored before the span so the detector has learned the series (their alerts are not
 * compared): 3 more days. With the span, ~480 points per signal and side keep the plan's cost bounded.
 */
export const DIFF_WARMUP_POINTS = 240;
/** Example times kept per side. */
const EXAMPLES = 3;

/** One alert as on-call would have seen it: a signal's anomalous segment. */
export interface AlertSpan {
  signal: Signal;
  startMs: number;
  endMs: number;
}

export interface AlertDiff {
  fromMs: number;
  toMs: number;
  stepMs: number;
  /** The signals compared: those either side has its own model for (the rest score identically). */
  signals: Signal[];
  /** Alerts of each side over the span. */
  before: number;
  after: number;
  /** Alerts only the new version gives, and only the old one gives (all of them, oldest first). */
  raised: AlertSpan[];
  dropped: AlertSpan[];
  /** Signals with no data in the span (not compared). */
  missing: Signal[];
}

/** A side of the comparison: a loaded version, or undefined for the built-in detector. */
export type Side = LoadedBundle | undefined;

export async function alertDiff(
  source: MetricsSource,
  input: { service: string; atMs: number; before: Side; after: LoadedBundle },
): Promise<AlertDiff> {
  const { service, atMs, before, after } = input;
  const signals = [...new Set([...signalsOf(after), ...(before ? signalsOf(before) : [])])].sort() as Signal[];
  const spanMs = DIFF_DAYS * 86_400_000;
  const stepMs = Math.max(after.meta.window.stepMs, Math.ceil(spanMs / DIFF_SPAN_POINTS / 60_000) * 60_000);
  const toMs = Math.floor(atMs / stepMs) * stepMs;
  const fromMs = toMs - spanMs;
  const out: AlertDiff = { fromMs, toMs, stepMs, signals, before: 0, after: 0, raised: [], dropped: [], missing: [] };
  for (const signal of signals) {
    const series = await source
      .query({ service, signal, startMs: fromMs - DIFF_WARMUP_POINTS * stepMs, endMs: toMs, stepMs })
      .catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'not_found') return undefined;
        throw err;
      });
    if (!series?.points.length) {
      out.missing.push(signal);
      continue;
    }
    const old = await alertsOf(series, fromMs, before);
    const now = await alertsOf(series, fromMs, after);
    out.before += old.length;
    out.after += now.length;
    out.raised.push(...now.filter((a) => !old.some((b) => overlaps(a, b, stepMs))));
    out.dropped.push(...old.filter((b) => !now.some((a) => overlaps(a, b, stepMs))));
  }
  out.raised.sort((a, b) => a.startMs - b.startMs);
  out.dropped.sort((a, b) => a.startMs - b.startMs);
  return out;
}

const signalsOf = (b: LoadedBundle) => Object.keys(b.scorers) as Signal[];

/** Two alerts are the same event when they overlap, or touch within a step. */
const overlaps = (a: AlertSpan, b: AlertSpan, stepMs: number) =>
  a.signal === b.signal && a.startMs <= b.endMs + stepMs && b.startMs <= a.endMs + stepMs;

/** The anomalous segments a side finds in the span, as the anomalies job would (same detector, same threshold). */
async function alertsOf(series: Series, fromMs: number, side: Side): Promise<AlertSpan[]> {
  const scorer = side?.scorers[series.signal];
  const learned: LearnedChannel = scorer
    ? createPretrainedChannel(scorer, { window: side?.meta.params.window ?? 0 })
    : // As in the anomalies job, the built-in forest learns from the history before the span and scores the span.
      createLearnedChannel({ trainRows: DIFF_WARMUP_POINTS - DEFAULT_LEARNED_OPTIONS.window + 1 });
  try {
    const detections = await scoreChunk(
      createDetector(),
      learned,
      series.points.map(([t]) => t),
      series.points.map(([, v]) => v),
    );
    const explained = explainSeries({
      points: series.points,
      detections,
      windowStartMs: fromMs,
      threshold: ALERT_THRESHOLD,
      range: SIGNAL_RANGE[series.signal] ?? { min: -Infinity, max: Infinity },
    });
    return explained.segments.map((s) => ({ signal: series.signal, startMs: s.startMs, endMs: s.endMs }));
  } finally {
    await learned.close();
  }
}

/** "2 alerts raised (latency_p99 at 11-26 03:10, …)" style words for the plan. */
export function diffWords(diff: AlertDiff, before: string, after: string): string {
  const days = `the last ${DIFF_DAYS} days`;
  if (!diff.signals.length) return `no signal to compare over ${days}.`;
  const list = (spans: AlertSpan[]) =>
    spans
      .slice(0, EXAMPLES)
      .map((s) => `${s.signal} at ${stamp(s.startMs)}`)
      .join(', ') + (spans.length > EXAMPLES ? ', …' : '');
  const parts = [
    `over ${days} (${diff.signals.join(', ')}), ${after} would have raised ${diff.raised.length} alert(s) that ` +
      `${before} did not${diff.raised.length ? ` (${list(diff.raised)})` : ''}`,
    `and dropped ${diff.dropped.length}${diff.dropped.length ? ` (${list(diff.dropped)})` : ''}`,
  ];
  const missing = diff.missing.length ? `; no data for ${diff.missing.join(', ')}` : '';
  return `${parts.join(' ')}: ${diff.before} -> ${diff.after} alerts${missing}.`;
}

/** `11-26 03:10 UTC`. */
export function stamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(5, 16).replace('T', ' ')} UTC`;
}
