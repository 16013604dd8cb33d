/**
 * What on-call engineers feel, beside the NAB score: false alerts per 1,000 points on series with
 * no anomaly (NAB's artificialNoAnomaly, and the demo fleet on a quiet day), and how long after a
 * labelled window starts the first alert comes. An alert row is a row whose score is >= the
 * threshold (NAB charges every such row); an alert event is a rising edge (a run of alert rows).
 */
import { createDetector } from '../../src/anomaly/detector';
import { createLearnedChannel } from '../../src/anomaly/learned';
import { probationLength } from '../../src/anomaly/nab-score';
import { scoreChunk } from '../../src/anomaly/run';
import { WARMUP_POINTS } from '../../src/anomaly/window';
import { DEMO_SERVICES, DemoFleet } from '../../src/sources/demo';
import { GOLDEN_SIGNALS } from '../../src/sources/types';
import type { Series, TuneOptions } from './series';

export interface AlertCount {
  points: number;
  alertRows: number;
  /** Rising edges: alert rows whose previous row (in the counted range) was not one. */
  events: number;
}

export const NO_ALERTS: Readonly<AlertCount> = Object.freeze({ points: 0, alertRows: 0, events: 0 });

/** Alert rows and events among scores[from..to). */
export function countAlerts(scores: ArrayLike<number>, threshold: number, from = 0, to = scores.length): AlertCount {
  let alertRows = 0;
  let events = 0;
  let prev = false;
  for (let i = from; i < to; i++) {
    const on = scores[i] >= threshold;
    if (on) alertRows++;
    if (on && !prev) events++;
    prev = on;
  }
  return { points: Math.max(0, to - from), alertRows, events };
}

export function addCounts(a: AlertCount, b: AlertCount): AlertCount {
  return { points: a.points + b.points, alertRows: a.alertRows + b.alertRows, events: a.events + b.events };
}

/** Per 1,000 points: alert rows and alert events. */
export function per1000(c: AlertCount): { rows: number; events: number } {
  return c.points > 0
    ? { rows: (1000 * c.alertRows) / c.points, events: (1000 * c.events) / c.points }
    : { rows: NaN, events: NaN };
}

/** The first row NAB scores in a file of n rows (after the probationary period). */
export function firstScoredRow(n: number): number {
  return Math.max(0, Math.min(n, Math.ceil(probationLength(n))));
}

export interface Delays {
  /** Windows with at least one scored row (NAB's scorable windows). */
  windows: number;
  detected: number;
  /** Per detected window: rows and minutes from the window's first row to the first alert inside it. */
  rows: number[];
  minutes: number[];
  /**
   * Rows from the window's middle row to that alert (negative: before it). NAB centres each window
   * on the labelled anomaly, so this is about the delay after the anomaly itself.
   */
  fromMiddle: number[];
}

export const NO_DELAYS: Readonly<Delays> = Object.freeze({
  windows: 0,
  detected: 0,
  rows: [],
  minutes: [],
  fromMiddle: [],
});

/** Detection delays in a series' labelled windows (alerts in the probationary period do not count). */
export function detectionDelays(s: Series, scores: ArrayLike<number>, threshold: number): Delays {
  const first = firstScoredRow(scores.length);
  const out: Delays = { windows: 0, detected: 0, rows: [], minutes: [], fromMiddle: [] };
  for (const { start, end } of s.spans) {
    if (end < first) continue;
    out.windows++;
    for (let i = Math.max(start, first); i <= end; i++) {
      if (scores[i] >= threshold) {
        out.detected++;
        out.rows.push(i - start);
        out.minutes.push((s.ts[i] - s.ts[start]) / 60_000);
        out.fromMiddle.push(i - Math.floor((start + end) / 2));
        break;
      }
    }
  }
  return out;
}

export function addDelays(a: Delays, b: Delays): Delays {
  return {
    windows: a.windows + b.windows,
    detected: a.detected + b.detected,
    rows: [...a.rows, ...b.rows],
    minutes: [...a.minutes, ...b.minutes],
    fromMiddle: [...a.fromMiddle, ...b.fromMiddle],
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The quiet day: the demo fleet (DEMO_SEED's default, 42) with no faults (DEMO_FAULTS=none), every
 * service's six golden signals at the 1-minute step, scored as the anomalies job scores a window
 * (src/anomaly/window.ts: WARMUP_POINTS of history first, the learned channel, then the detector)
 * and counted over the day only.
 */
export const QUIET_DAY = Object.freeze({
  fleetSeed: 42,
  dayStartMs: Date.UTC(2025, 0, 15),
  stepMs: 60_000,
  historyPoints: WARMUP_POINTS,
});

export interface QuietDay {
  total: AlertCount;
  /** Per service/signal, only those with an alert, most events first. */
  noisiest: Array<{ series: string; count: AlertCount }>;
  series: number;
}

export async function quietDayAlerts(options: TuneOptions, threshold: number): Promise<QuietDay> {
  const { fleetSeed, dayStartMs, stepMs, historyPoints } = QUIET_DAY;
  const dayEndMs = dayStartMs + 86_400_000 - stepMs;
  const fleet = new DemoFleet({ seed: fleetSeed, faults: [], clock: () => dayEndMs });
  const { learned: learnedOptions, ...detectorOptions } = options;
  let total: AlertCount = { ...NO_ALERTS };
  const noisiest: QuietDay['noisiest'] = [];
  let series = 0;
  for (const { name: service } of DEMO_SERVICES) {
    for (const signal of GOLDEN_SIGNALS) {
      const { points } = await fleet.query({
        service,
        signal,
        startMs: dayStartMs - historyPoints * stepMs,
        endMs: dayEndMs,
        stepMs,
      });
      const learned = learnedOptions === false ? undefined : createLearnedChannel(learnedOptions);
      const detections = await scoreChunk(
        createDetector(detectorOptions),
        learned,
        points.map(([t]) => t),
        points.map(([, v]) => v),
      ).finally(() => learned?.close());
      const from = points.findIndex(([t]) => t >= dayStartMs);
      const count = countAlerts(
        detections.map((d) => d.score),
        threshold,
        from,
      );
      total = addCounts(total, count);
      series++;
      if (count.alertRows > 0) noisiest.push({ series: `${service}/${signal}`, count });
    }
  }
  noisiest.sort((a, b) => b.count.events - a.count.events || b.count.alertRows - a.count.alertRows);
  return { total, noisiest, series };
}
