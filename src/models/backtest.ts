/**
 * The backtest of one detector version on a series with injected anomalies (./inject.ts), issue 15
 * point 2b. An alert is a point whose score is >= the version's threshold (NaN never alerts).
 *
 * - An anomaly is detected when an alert falls in its window or within `toleranceMs` after it
 *   (default 10 steps of the series); its delay is first alert - start, in seconds.
 * - A false alert is an alert outside every window + tolerance, after the warm-up; alerts closer
 *   than `eventGapMs` (default 5 steps) are one event, as on-call sees them. Per day over the
 *   scored part (warm-up excluded).
 * - The NAB-style score is NAB's standard profile (TP 1, FP 0.11, FN 1, sigmoid position
 *   weighting) with src/anomaly/nab-score.ts, the windows being the anomalies + tolerance, rows
 *   from the warm-up on, no further probation: 0 = a detector that never alerts, 100 = each
 *   anomaly alerted at its first point and nothing else.
 */
import { buildFileRows, scoreFiles, type Span } from '../anomaly/nab-score';
import { ANOMALY_KINDS, median, type AnomalyKind, type InjectedLabel, type InjectedSeries } from './inject';

/** Scores of a series, one per point (NaN while warming up). */
export type Scorer = (timestamps: Float64Array, values: Float64Array) => Promise<Float64Array>;

export interface BacktestOptions {
  threshold: number;
  /** An alert this long after an anomaly's end still detects it (default 10 steps). */
  toleranceMs?: number;
  /** False alerts closer than this are one event (default 5 steps). */
  eventGapMs?: number;
}

export interface AnomalyOutcome extends InjectedLabel {
  detected: boolean;
  /** Seconds from the anomaly's start to its first alert; null when missed. */
  delaySeconds: number | null;
}

export interface KindRecall {
  injected: number;
  detected: number;
  /** detected / injected; null when none of this kind was injected. */
  recall: number | null;
}

export interface BacktestResult {
  threshold: number;
  toleranceMs: number;
  eventGapMs: number;
  recallByKind: Record<AnomalyKind, KindRecall>;
  /** All kinds together; null with no anomaly. */
  recall: number | null;
  falseAlerts: number;
  /** Length of the scored part (after the warm-up), in days. */
  days: number;
  falseAlertsPerDay: number;
  /** Median over detected anomalies; null when none was detected. */
  medianDelaySeconds: number | null;
  /** NAB standard profile, normalised 0..100 (below 0 when worse than never alerting); null with no anomaly. */
  nab: number | null;
  anomalies: AnomalyOutcome[];
}

const DAY_MS = 86_400_000;

/** The series' step: the median difference of consecutive timestamps (1 minute when unknown). */
export function stepMs(timestamps: ArrayLike<number>): number {
  const d: number[] = [];
  for (let i = 1; i < timestamps.length; i++) d.push(timestamps[i] - timestamps[i - 1]);
  const m = median(d);
  return Number.isFinite(m) && m > 0 ? m : 60_000;
}

/** Each label's window + tolerance as index spans, cut short of the next label so they stay disjoint. */
function toleranceSpans(ts: Float64Array, labels: readonly InjectedLabel[], toleranceMs: number): Span[] {
  return labels.map((l, k) => {
    const limit = k + 1 < labels.length ? labels[k + 1].startIndex - 1 : ts.length - 1;
    let end = l.endIndex;
    while (end < limit && ts[end + 1] <= l.endMs + toleranceMs) end++;
    return { start: l.startIndex, end };
  });
}

function outcomes(ts: Float64Array, alert: Uint8Array, labels: readonly InjectedLabel[], spans: Span[]) {
  return labels.map((l, k): AnomalyOutcome => {
    for (let i = spans[k].start; i <= spans[k].end; i++) {
      if (alert[i]) return { ...l, detected: true, delaySeconds: (ts[i] - l.startMs) / 1000 };
    }
    return { ...l, detected: false, delaySeconds: null };
  });
}

/** Alert events outside every span after the warm-up; alerts within `gapMs` of the previous one join its event. */
function falseAlertEvents(ts: Float64Array, alert: Uint8Array, spans: Span[], from: number, gapMs: number): number {
  let events = 0;
  let lastMs = -Infinity;
  let k = 0;
  for (let i = from; i < ts.length; i++) {
    while (k < spans.length && spans[k].end < i) k++;
    const inside = k < spans.length && spans[k].start <= i;
    if (!alert[i] || inside) continue;
    if (ts[i] - lastMs > gapMs) events++;
    lastMs = ts[i];
  }
  return events;
}

function recallByKind(list: readonly AnomalyOutcome[]): Record<AnomalyKind, KindRecall> {
  const out = {} as Record<AnomalyKind, KindRecall>;
  for (const kind of ANOMALY_KINDS) {
    const of = list.filter((o) => o.kind === kind);
    const detected = of.filter((o) => o.detected).length;
    out[kind] = { injected: of.length, detected, recall: of.length ? detected / of.length : null };
  }
  return out;
}

function nabScore(scores: ArrayLike<number>, spans: Span[], from: number, threshold: number): number | null {
  if (spans.length === 0) return null;
  const rows = Float64Array.from(Array.prototype.slice.call(scores, from) as number[]);
  const shifted = spans.map((s) => ({ start: s.start - from, end: s.end - from }));
  const file = buildFileRows('backtest', rows, shifted, 0);
  return scoreFiles([file], { profiles: ['standard'], threshold }).profiles.standard?.normalized ?? null;
}

/** The backtest figures of `scores` (one per point of `series`) at `options.threshold`. */
export function evaluateBacktest(
  series: InjectedSeries,
  scores: ArrayLike<number>,
  options: BacktestOptions,
): BacktestResult {
  const ts = series.timestamps;
  if (scores.length !== ts.length) throw new Error(`scorer gave ${scores.length} scores for ${ts.length} points`);
  const step = stepMs(ts);
  const toleranceMs = options.toleranceMs ?? 10 * step;
  const eventGapMs = options.eventGapMs ?? 5 * step;
  const { threshold } = options;
  const alert = new Uint8Array(ts.length);
  for (let i = 0; i < ts.length; i++) alert[i] = scores[i] >= threshold ? 1 : 0;
  const from = Math.min(series.warmupPoints, ts.length);
  const spans = toleranceSpans(ts, series.labels, toleranceMs);
  const anomalies = outcomes(ts, alert, series.labels, spans);
  const falseAlerts = falseAlertEvents(ts, alert, spans, from, eventGapMs);
  const days = from < ts.length ? (ts[ts.length - 1] - ts[from] + step) / DAY_MS : 0;
  const delays = anomalies.filter((o) => o.delaySeconds !== null).map((o) => o.delaySeconds as number);
  const detected = anomalies.filter((o) => o.detected).length;
  return {
    threshold,
    toleranceMs,
    eventGapMs,
    recallByKind: recallByKind(anomalies),
    recall: anomalies.length ? detected / anomalies.length : null,
    falseAlerts,
    days,
    falseAlertsPerDay: days > 0 ? falseAlerts / days : 0,
    medianDelaySeconds: delays.length ? median(delays) : null,
    nab: nabScore(scores, spans, from, threshold),
    anomalies,
  };
}

/** Score the injected series with `scorer` and evaluate it. */
export async function runBacktest(
  series: InjectedSeries,
  scorer: Scorer,
  options: BacktestOptions,
): Promise<BacktestResult> {
  const scores = await scorer(series.timestamps.slice(), series.values.slice());
  return evaluateBacktest(series, scores, options);
}

export { scoreLabelled } from './backtest-labelled';
export type { LabelledOutcome, LabelledPeriod, LabelledResult, PeriodLabel, TimedScores } from './backtest-labelled';
