/**
 * How the monitor judges one signal at one scan (src/workers/monitor.ts): a point is bad when it is over
 * its objective, or anomalous (src/anomaly/explain.ts: outside its band or scored at the threshold) in
 * the direction that hurts (latency, errors, CPU and memory up; request rate either way). A problem
 * persists when most of the last interval's points are bad; memory also when it climbs steadily to new
 * highs (a leak shows long before it crosses an objective). A firing signal clears only when almost none
 * of the window is bad and memory no longer climbs: two thresholds, so a signal at the edge does not flap.
 *
 * The numbers were tuned on the demo fleet (its schedule, seeds 1-40, and one DEMO_FAULTS file) and
 * checked on seeds and fault files they were not tuned on (tests/monitor/, README "Monitor").
 */
import { ALERT_THRESHOLD } from '../anomaly/detector';
import { explainSeries, SIGNAL_RANGE, type Band } from '../anomaly/explain';
import type { Detection } from '../anomaly/types';
import type { MonitorFinding } from '../jobs/map';
import type { Objectives, Signal } from '../sources/types';
import { SIGNAL_WORDS, signalValue } from '../sources/words';

const MIN = 60_000;

export const MONITOR_RULES = Object.freeze({
  /** A window shorter than this many points never fires. */
  minPoints: 3,
  /** Fires when at least this share of the window's points are bad, clears when at most `clearShare` are. */
  fireShare: 0.6,
  clearShare: 0.2,
  /**
   * Memory climbing: over the last `fitMs` it grows by at least `slope` of its value per minute (a line
   * fitted to the points) and stands `rise` above the median of the hour before the fit.
   */
  climb: { fitMs: 8 * MIN, lookbackMs: 60 * MIN, slope: 0.004, rise: 0.04 },
  /** A firing memory signal stays up while a line over the last `fitMs` still climbs `slope` per minute. */
  keepClimbing: { fitMs: 30 * MIN, slope: 0.002 },
});

/** The objective that bounds a signal, if any. */
const OBJECTIVE: Partial<Record<Signal, Exclude<keyof Objectives, 'availability'>>> = {
  latency_p99: 'latency_p99_ms',
  error_rate: 'error_rate',
  cpu: 'cpu',
  memory: 'memory',
};

export function objectiveOf(signal: Signal, objectives: Objectives): number | undefined {
  const key = OBJECTIVE[signal];
  return key === undefined ? undefined : objectives[key];
}

export interface JudgeInput {
  signal: Signal;
  unit: string;
  /** Scored points up to atMs, time order (the monitor keeps the last 6 hours), and their detections. */
  points: ReadonlyArray<readonly [number, number]>;
  detections: readonly Detection[];
  atMs: number;
  /** The window judged: the points of (atMs - windowMs, atMs]. */
  windowMs: number;
  /** The signal's objective, if it has one. */
  limit?: number;
}

interface Judged {
  t: number;
  v: number;
  over: boolean;
  off: boolean;
  band?: Band;
}

/** The signal's finding at atMs, or undefined when it is clear. */
export function judgeSignal(input: JudgeInput): MonitorFinding | undefined {
  const { signal, points, atMs, windowMs } = input;
  if (points.length === 0) return undefined;
  const judged = judgePoints(input);
  const window = judged.filter((p) => p.t > atMs - windowMs);
  const n = window.length;
  const over = window.filter((p) => p.over).length;
  const off = window.filter((p) => p.off).length;
  const bad = window.filter((p) => p.over || p.off).length;
  const climb = signal === 'memory' ? climbOf(points, atMs) : undefined;
  const { climb: climbRule, keepClimbing, minPoints, fireShare, clearShare } = MONITOR_RULES;
  const climbing = climb !== undefined && climb.slope >= climbRule.slope && climb.rise >= climbRule.rise;
  const fires = (n >= minPoints && bad >= Math.ceil(fireShare * n)) || climbing;
  const stillClimbing = signal === 'memory' && slopeOver(points, atMs, keepClimbing.fitMs) >= keepClimbing.slope;
  if (!fires && bad <= Math.floor(clearShare * n) && !stillClimbing) return undefined;
  const latest = points[points.length - 1][1];
  const base = { signal, state: fires ? ('firing' as const) : ('holding' as const), latest, unit: input.unit };
  const minutes = (k: number) => `for ${k} of the last ${n} minutes`;
  if (over > 0 && over >= off) {
    return {
      ...base,
      rule: 'objective',
      onsetMs: onsetOf(judged, (p) => p.over),
      summary:
        `${SIGNAL_WORDS[signal]} ${signalValue(signal, latest)}, ` +
        `over its ${signalValue(signal, input.limit ?? NaN)} objective ${minutes(over)}`,
    };
  }
  if (off > 0) {
    const last = [...window].reverse().find((p) => p.off);
    const band = last?.band;
    const side = band && last && last.v < band.low ? 'below' : 'above';
    const usual = band
      ? ` its usual ${signalValue(signal, band.low)}–${signalValue(signal, band.high)}`
      : ' its usual band';
    return {
      ...base,
      rule: 'anomaly',
      onsetMs: onsetOf(judged, (p) => p.off),
      summary: `${SIGNAL_WORDS[signal]} ${signalValue(signal, latest)}, ${side}${usual} ${minutes(off)}`,
    };
  }
  const c = climb ?? { slope: slopeOver(points, atMs, MONITOR_RULES.keepClimbing.fitMs), rise: 0 };
  return {
    ...base,
    rule: 'climbing',
    onsetMs: atMs - (climbing ? MONITOR_RULES.climb.fitMs : MONITOR_RULES.keepClimbing.fitMs) + MIN,
    summary:
      `memory ${signalValue(signal, latest)} and climbing ${(c.slope * 100).toFixed(1)}% a minute` +
      (c.rise > 0 ? ` (${Math.round(c.rise * 100)}% above the hour before)` : ''),
  };
}

/** Each point: over its objective, and anomalous in the direction that hurts. */
function judgePoints(input: JudgeInput): Judged[] {
  const { signal, points, detections, limit } = input;
  const ex = explainSeries({
    points,
    detections,
    windowStartMs: points[0][0],
    threshold: ALERT_THRESHOLD,
    range: SIGNAL_RANGE[signal],
  });
  const bands = new Map(ex.band.map(([t, low, high]) => [t, { low, high }]));
  const flagged = new Set(ex.anomalies.map(([t]) => t));
  return ex.points
    .filter(([, v]) => Number.isFinite(v))
    .map(([t, v]) => {
      const band = bands.get(t);
      const hurts = band !== undefined && (v > band.high || (signal === 'request_rate' && v < band.low));
      return { t, v, over: limit !== undefined && v > limit, off: flagged.has(t) && hurts, ...(band ? { band } : {}) };
    });
}

/** Where the current run of bad points began: back from the newest bad point, across single good ones. */
function onsetOf(judged: readonly Judged[], bad: (p: Judged) => boolean): number {
  let i = judged.length - 1;
  while (i > 0 && !bad(judged[i])) i--;
  let onset = judged[i].t;
  for (let j = i - 1; j >= 0; j--) {
    if (bad(judged[j])) onset = judged[j].t;
    else if (!(j > 0 && bad(judged[j - 1]))) break;
  }
  return onset;
}

/** Memory's climb: the fitted slope over the last fitMs (share of its value a minute), its rise on the hour before. */
function climbOf(points: JudgeInput['points'], atMs: number): { slope: number; rise: number } | undefined {
  const { fitMs, lookbackMs } = MONITOR_RULES.climb;
  const fit = line(
    points.filter(([t]) => t > atMs - fitMs && t <= atMs),
    atMs,
  );
  const before = points.filter(([t]) => t > atMs - fitMs - lookbackMs && t <= atMs - fitMs).map(([, v]) => v);
  if (!fit || fit.n < (fitMs / MIN) * 0.75 || before.length < lookbackMs / MIN / 2) return undefined;
  const base = median(before);
  if (!(fit.now > 0) || !(base > 0)) return undefined;
  return { slope: fit.slope / fit.now, rise: (fit.now - base) / base };
}

/** The fitted slope over the last fitMs as a share of the fitted value per minute (0 without enough points). */
function slopeOver(points: JudgeInput['points'], atMs: number, fitMs: number): number {
  const fit = line(
    points.filter(([t]) => t > atMs - fitMs && t <= atMs),
    atMs,
  );
  return fit && fit.n >= (fitMs / MIN) * 0.75 && fit.now > 0 ? fit.slope / fit.now : 0;
}

/** Least squares over the points, x in minutes before atMs: the slope per minute and the line's value at atMs. */
function line(points: ReadonlyArray<readonly [number, number]>, atMs: number) {
  const n = points.length;
  if (n < 2) return undefined;
  let mx = 0;
  let my = 0;
  for (const [t, v] of points) {
    mx += (t - atMs) / MIN;
    my += v;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  for (const [t, v] of points) {
    const x = (t - atMs) / MIN - mx;
    sxx += x * x;
    sxy += x * (v - my);
  }
  if (sxx === 0) return undefined;
  const slope = sxy / sxx;
  return { n, slope, now: my - slope * mx };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
