/**
 * One explanation of a scored series, from which the reply's text, its table and its chart are
 * all drawn, so they cannot disagree: per point the band that was expected (clamped to what the
 * metric can be), and the anomalous segments, maximal runs of points that are outside their band
 * or score at or above the threshold. While a segment lasts, its band is the one expected just
 * before it began (the detector's own band soon adapts to an incident and would hide it).
 */
import type { Signal } from '../sources/types';
import type { Detection } from './types';

/** The values a golden signal can take: nothing is negative, and a ratio of a whole is at most 1. */
export const SIGNAL_RANGE: Record<Signal, { min: number; max: number }> = {
  latency_p50: { min: 0, max: Infinity },
  latency_p99: { min: 0, max: Infinity },
  request_rate: { min: 0, max: Infinity },
  error_rate: { min: 0, max: 1 },
  // cpu is a share of the cores requested: a pod can use more than it requested.
  cpu: { min: 0, max: Infinity },
  memory: { min: 0, max: 1 },
};

/** A segment keeps the band from before it for at most this many points, then takes the live one. */
export const MAX_HOLD_POINTS = 240;

export interface Band {
  low: number;
  high: number;
}

/** One anomalous segment; times are the first and last point in it. */
export interface AnomalySegment {
  startMs: number;
  endMs: number;
  /** Whether it started before the window (startMs is then the true start, earlier than the chart). */
  startedBefore: boolean;
  /** Whether the series' last point is in it (still going). */
  ongoing: boolean;
  /** Where the worst point sits against its band; 'within' when every point is inside (the score flagged it). */
  direction: 'above' | 'below' | 'within';
  /** The worst point in the window (so it is on the chart): farthest outside its band, else the highest score. */
  peak: { t: number; value: number; low: number; high: number; score: number };
  /**
   * How far the peak is past the band's edge on its side, in the metric's unit (>= 0);
   * and peak / edge when the edge is > 0.
   */
  beyond: number;
  ratio?: number;
  /** The highest score in the whole segment (also before the window), and what drove it. */
  maxScore: number;
  detector?: string;
  reason?: string;
}

export interface SeriesExplanation {
  /** The window's points, [t, value]. */
  points: Array<[number, number]>;
  /** [t, low, high] for the window's points that have a band (the band they were judged against). */
  band: Array<[number, number, number]>;
  /** [t, value] of the window's points inside a segment. */
  anomalies: Array<[number, number]>;
  /** Segments with at least one point in the window, oldest first. */
  segments: AnomalySegment[];
  /** Highest score in the window or in a segment reaching into it. */
  maxScore: number;
}

export interface ExplainInput {
  /** Every scored point, history first, in time order; `detections[i]` is the score of `points[i]`. */
  points: ReadonlyArray<readonly [number, number]>;
  detections: readonly Detection[];
  windowStartMs: number;
  threshold: number;
  range: { min: number; max: number };
}

interface Judged {
  t: number;
  v: number;
  d: Detection;
  band?: Band;
  flagged: boolean;
}

/**
 * Explain a series scored from the start of its history: the whole history is judged (so a
 * window's explanation does not depend on where the window starts), then cut to the window.
 */
export function explainSeries(input: ExplainInput): SeriesExplanation {
  const judged = judge(input);
  const inWindow = judged.filter((p) => p.t >= input.windowStartMs);
  const segments: AnomalySegment[] = [];
  let run: Judged[] = [];
  const close = (ongoing: boolean) => {
    const shown = run.filter((p) => p.t >= input.windowStartMs);
    if (shown.length) segments.push(segmentOf(run, shown, ongoing, run[0].t < input.windowStartMs));
    run = [];
  };
  for (const p of judged) {
    if (!Number.isFinite(p.v)) continue;
    if (p.flagged) run.push(p);
    else if (run.length) close(false);
  }
  if (run.length) close(true);
  return {
    points: inWindow.map((p) => [p.t, p.v]),
    band: inWindow.flatMap((p) => (p.band ? [[p.t, p.band.low, p.band.high] as [number, number, number]] : [])),
    anomalies: inWindow.filter((p) => p.flagged).map((p) => [p.t, p.v]),
    segments,
    maxScore: Math.max(
      inWindow.reduce((m, p) => Math.max(m, p.d.score), 0),
      ...segments.map((s) => s.maxScore),
    ),
  };
}

/** Each point's band and whether it is anomalous, in one pass over the history. */
function judge(input: ExplainInput): Judged[] {
  const { threshold, range } = input;
  const out: Judged[] = [];
  let hold: Band | undefined;
  let held = 0;
  let lastNormal: Band | undefined;
  input.points.forEach(([t, v], i) => {
    const d = input.detections[i];
    const live = d.band ? clamp(d.band, range) : undefined;
    if (!Number.isFinite(v)) {
      out.push({ t, v, d, flagged: false });
      return;
    }
    const inSegment = out.length > 0 && lastFinite(out)?.flagged === true;
    if (inSegment && held < MAX_HOLD_POINTS) {
      held++;
      const band = hold ?? live;
      const flagged = outside(v, band) || d.score >= threshold;
      out.push({ t, v, d, ...(band ? { band } : {}), flagged });
      if (!flagged) lastNormal = band;
      return;
    }
    const flagged = outside(v, live) || d.score >= threshold;
    if (flagged && !inSegment) {
      // A new segment is judged against what was expected just before it, unless the band has
      // just moved so that only the live one shows what is wrong with this point.
      const before = lastNormal ?? live;
      hold = outside(v, live) && !outside(v, before) ? live : before;
      held = 0;
      const band = hold;
      out.push({ t, v, d, ...(band ? { band } : {}), flagged });
      return;
    }
    // Normal, or a segment too long to keep its old band: the live band from here on.
    if (flagged) {
      hold = live;
    } else {
      lastNormal = live;
    }
    out.push({ t, v, d, ...(live ? { band: live } : {}), flagged });
  });
  return out;
}

function lastFinite(points: Judged[]): Judged | undefined {
  for (let i = points.length - 1; i >= 0; i--) if (Number.isFinite(points[i].v)) return points[i];
  return undefined;
}

/** A segment from all its points (`run`, for its start and score) and those in the window (`shown`, for its peak). */
function segmentOf(run: Judged[], shown: Judged[], ongoing: boolean, startedBefore: boolean): AnomalySegment {
  // The worst point: the farthest outside its band, in band widths (comparable above and below).
  let worst: Judged | undefined;
  let worstExcess = 0;
  for (const p of shown) {
    const e = excess(p.v, p.band);
    if (e > worstExcess) {
      worst = p;
      worstExcess = e;
    }
  }
  const top = run.reduce((a, b) => (b.d.score > a.d.score ? b : a));
  const peak = worst ?? shown.reduce((a, b) => (b.d.score > a.d.score ? b : a));
  const band = peak.band ?? { low: NaN, high: NaN };
  const direction = !worst ? 'within' : peak.v > band.high ? 'above' : 'below';
  const edge = direction === 'above' ? band.high : band.low;
  return {
    startMs: run[0].t,
    endMs: shown[shown.length - 1].t,
    startedBefore,
    ongoing,
    direction,
    peak: { t: peak.t, value: peak.v, low: band.low, high: band.high, score: peak.d.score },
    beyond: direction === 'within' ? 0 : Math.abs(peak.v - edge),
    ...(direction !== 'within' && edge > 0 ? { ratio: peak.v / edge } : {}),
    maxScore: top.d.score,
    ...(top.d.detector !== 'none' ? { detector: top.d.detector } : {}),
    ...(top.d.reason ? { reason: top.d.reason } : {}),
  };
}

/** How far v is outside the band, in band widths (0 inside or without a band). */
function excess(v: number, band: Band | undefined): number {
  if (!band) return 0;
  const width = Math.max(band.high - band.low, 1e-12 * Math.max(1, Math.abs(band.high)));
  if (v > band.high) return (v - band.high) / width;
  if (v < band.low) return (band.low - v) / width;
  return 0;
}

function outside(v: number, band: Band | undefined): boolean {
  return band !== undefined && (v > band.high || v < band.low);
}

function clamp(band: Band, range: { min: number; max: number }): Band {
  const low = Math.min(Math.max(band.low, range.min), range.max);
  const high = Math.min(Math.max(band.high, range.min), range.max);
  return { low: Math.min(low, high), high: Math.max(low, high) };
}
