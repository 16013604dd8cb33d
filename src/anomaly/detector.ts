import type { Detection, StreamDetector } from './types';
import type { Component } from './detectors/component';
import { RobustZ, ShortVsLong } from './detectors/robust';
import { HoltForecast } from './detectors/forecast';
import { SeasonalBaseline } from './detectors/seasonal';
import { TailCalibrator } from './detectors/calibrate';
import { RecordBreak } from './detectors/record';

/**
 * Streaming anomaly detector: an ensemble of detector families, one parameter set for every series.
 *
 * Channels (each a non-negative statistic per point):
 * - point: a value must be unexpected under every ready model - the sliding median/MAD
 *   (robust-z), a Holt forecast and a daily seasonal baseline - so it is the smallest of their
 *   z-scores (a peak explained by the time of day or by the trend is not an anomaly);
 * - seasonal: the seasonal z alone (the value is normal overall but not for this time of day);
 * - level-shift: median of the last few points against the long-window median;
 * - variance: log ratio of recent to usual spread;
 * - record: the value passes the highest or lowest of the last `recordHorizon` points by more than
 *   `recordTolerance` of their range (Numenta's "spatial anomaly" rule; rated by how rare such
 *   breaks have been on this series, not by a fitted tail);
 * - forest: the learned model's score, computed outside (ONNX, see ./learned) and passed in.
 * Each statistical channel is calibrated against its own history as a tail probability (TailCalibrator), so
 * one threshold fits series of any scale or tail weight. The smallest p-value (raised to the
 * channel's weight, Bonferroni-corrected) gives score = -log10(p) / tailDepth in [0, 1], and a
 * refractory decay keeps one event from firing row after row (NAB charges every extra row).
 * Memory per series is O(window + tailWindow + daily period), independent of the history.
 */
export interface DetectorOptions {
  /** Points in the long sliding window (robust median/MAD). */
  window: number;
  /** Points in the short windows for level shifts and variance changes. */
  levelWindow: number;
  varianceWindow: number;
  /** Holt smoothing factors for level and trend. */
  holtAlpha: number;
  holtBeta: number;
  /** Smoothing of the seasonal profile across days. */
  seasonalAlpha: number;
  /** Largest daily period (points per day) the seasonal baseline keeps. */
  maxPeriod: number;
  /** Points of channel history the tail calibration keeps, and how many top values fit the tail. */
  tailWindow: number;
  tailK: number;
  /** -log10(p) that maps to score 1. */
  tailDepth: number;
  /** Points before any channel may score. */
  warmup: number;
  /** Half-life, in points, of the suppression applied after a high score. */
  refractoryHalfLife: number;
  /** Record channel: fraction of the range a value must pass the record by, points before it
   * may fire, and how many points a record is remembered for (memory: 2 numbers per 500 points). */
  recordTolerance: number;
  recordMinPoints: number;
  recordHorizon: number;
  /** Trust per channel: p-values are raised to this power (0 turns a channel off). */
  weights: Record<ChannelName, number>;
}

export type ChannelName = 'point' | 'seasonal' | 'level-shift' | 'variance' | 'record' | 'forest';

export const DEFAULT_DETECTOR_OPTIONS: Readonly<DetectorOptions> = Object.freeze({
  window: 600,
  levelWindow: 12,
  varianceWindow: 32,
  holtAlpha: 0.3,
  holtBeta: 0.02,
  seasonalAlpha: 0.1,
  maxPeriod: 1440,
  tailWindow: 4000,
  tailK: 5,
  tailDepth: 4.5,
  warmup: 100,
  refractoryHalfLife: 150,
  recordTolerance: 0.02,
  recordMinPoints: 300,
  recordHorizon: 5000,
  weights: Object.freeze({
    point: 1,
    seasonal: 0.5,
    'level-shift': 1,
    variance: 1,
    record: 4,
    forest: 0.6,
  }),
});

/**
 * Scores at or above this are alerts. It is the threshold that maximised the NAB standard profile
 * over the 41 shared NAB files with the default options, rounded down (0.508451 with the learned
 * channel at its defaults, `npm run bench:nab`; refit it if the options change).
 */
export const ALERT_THRESHOLD = 0.508;

export interface AnomalyDetector extends StreamDetector {
  score(timestampMs: number, value: number, learned?: number): number;
  /** Numbers held in internal buffers (bounded by the windows; for memory tests). */
  stateSize(): number;
}

function checkOptions(o: DetectorOptions): void {
  const ints = [
    ['window', 8],
    ['levelWindow', 3],
    ['varianceWindow', 3],
    ['maxPeriod', 4],
    ['warmup', 0],
    ['tailK', 1],
    ['recordMinPoints', 1],
  ] as const;
  for (const [k, min] of ints) {
    if (!Number.isInteger(o[k]) || o[k] < min) {
      throw new RangeError(`createDetector: option ${k} must be an integer >= ${min} (got ${String(o[k])})`);
    }
  }
  if (!Number.isInteger(o.tailWindow) || o.tailWindow < 10 * o.tailK) {
    throw new RangeError(`createDetector: tailWindow must be an integer >= 10 * tailK (got ${o.tailWindow})`);
  }
  for (const [name, w] of Object.entries(o.weights)) {
    if (!(w >= 0 && Number.isFinite(w)))
      throw new RangeError(`createDetector: weights.${name} must be a finite number >= 0`);
  }
  for (const k of ['holtAlpha', 'holtBeta', 'seasonalAlpha'] as const) {
    if (!(o[k] > 0 && o[k] <= 1)) throw new RangeError(`createDetector: ${k} must be in (0, 1] (got ${o[k]})`);
  }
  if (!(o.refractoryHalfLife > 0)) throw new RangeError('createDetector: refractoryHalfLife must be > 0');
  if (!(o.recordTolerance >= 0)) throw new RangeError('createDetector: recordTolerance must be >= 0');
  if (!(o.recordHorizon >= 1)) throw new RangeError('createDetector: recordHorizon must be >= 1 (Infinity = for ever)');
  if (!(o.tailDepth > 0)) throw new RangeError('createDetector: tailDepth must be > 0');
}

const BAND_SDS = 3;
/** Scores below this carry no `reason` sentence (building it for every point is wasted work). */
const REASON_MIN = 0.2;

function readyStat(c: Component, timestampMs: number, value: number): number {
  const stat = c.update(timestampMs, value);
  return Number.isNaN(c.spread) ? NaN : stat;
}

interface Channel {
  name: ChannelName;
  weight: number;
  /**
   * The largest p-value that can move the score: weight * log10(p) < -log10(active channels), with
   * 5% to spare. A score needs p-values exactly only below it; an explanation needs them all.
   */
  moving: number;
  /** The tail probability of the channel's statistic for this point (then learns it); exact below `exactBelow`. */
  pValue(stat: number, exactBelow: number): number;
  stateSize?(): number;
}

const CHANNEL_ORDER = ['point', 'seasonal', 'level-shift', 'variance', 'record', 'forest'] as const;

/** The channels in CHANNEL_ORDER: a tail calibrator each, but record, which rates its own breaks. */
function createChannels(o: DetectorOptions, record: RecordBreak): Channel[] {
  const active = CHANNEL_ORDER.filter((name) => o.weights[name] > 0).length;
  const moving = (weight: number) => Math.min(1, 1.05 * Math.pow(10, -Math.log10(active) / weight));
  return CHANNEL_ORDER.map((name): Channel => {
    const weight = o.weights[name];
    if (name === 'record') return { name, weight, moving: 1, pValue: () => record.pValue() };
    const smallP = moving(weight);
    const tail = new TailCalibrator(o.tailWindow, o.tailK, o.warmup, smallP);
    return {
      name,
      weight,
      moving: smallP,
      pValue: (stat, exactBelow) => tail.update(stat, exactBelow),
      stateSize: () => tail.stateSize(),
    };
  });
}

/** Options to change from the defaults; `weights` may name only the channels it changes. */
export type DetectorOverrides = Partial<Omit<DetectorOptions, 'weights'>> & {
  weights?: Partial<DetectorOptions['weights']>;
};

/** The defaults with `options` over them, checked. */
function resolveOptions(options: DetectorOverrides): DetectorOptions {
  const o: DetectorOptions = {
    ...DEFAULT_DETECTOR_OPTIONS,
    ...options,
    weights: { ...DEFAULT_DETECTOR_OPTIONS.weights, ...options.weights },
  };
  checkOptions(o);
  return o;
}

const finitePoint = (timestampMs: number, value: number) => Number.isFinite(value) && Number.isFinite(timestampMs);

export function createDetector(options: DetectorOverrides = {}): AnomalyDetector {
  const o = resolveOptions(options);
  const robust = new RobustZ(o.window, Math.min(o.window, Math.max(8, o.warmup >> 1)));
  const seasonal = new SeasonalBaseline(o.seasonalAlpha, 0.01, o.maxPeriod, 64);
  const holt = new HoltForecast(o.holtAlpha, o.holtBeta, 0.01, Math.min(50, o.warmup));
  const point: Component[] = [robust, holt, seasonal];
  const recent: Component[] = [robust, holt];
  const levelShift = new ShortVsLong('level-shift', robust, o.levelWindow);
  const variance = new ShortVsLong('variance', robust, o.varianceWindow);
  const record = new RecordBreak(o.recordMinPoints, o.recordTolerance, o.recordHorizon);
  const channels = createChannels(o, record);
  const logActive = Math.log10(channels.filter((c) => c.weight > 0).length);
  const stats = new Float64Array(channels.length);
  const forest = learnedExplainer(robust);
  const explainers: Component[] = [robust, seasonal, levelShift, variance, record, forest];
  const refractoryDecay = Math.pow(0.5, 1 / o.refractoryHalfLife);
  let suppress = 0;
  // What the last step found, for detectionOf: the raw surprise and the channel that drove it.
  let surprise = 0;
  let driver: Component = robust;

  /**
   * Scores a finite point and learns it (the score; `surprise` and `driver` say why). `explain`:
   * the driver is wanted too, so every p-value must be exact, not only those that move the score.
   */
  function step(timestampMs: number, value: number, learned: number, explain: boolean): number {
    // Point channel: the most lenient ready model decides (and explains).
    let pointStat = Infinity;
    let lenient: Component = robust;
    for (const c of point) {
      const z = c.update(timestampMs, value);
      if (!Number.isNaN(c.spread) && z < pointStat) {
        pointStat = z;
        lenient = c;
      }
    }
    // NaN = channel not ready yet: its calibrator neither scores nor learns the point.
    stats[0] = pointStat === Infinity ? NaN : pointStat;
    stats[1] = Number.isNaN(seasonal.spread) ? NaN : seasonal.lastZ;
    stats[2] = readyStat(levelShift, timestampMs, value);
    stats[3] = readyStat(variance, timestampMs, value);
    stats[4] = record.update(timestampMs, value);
    stats[5] = learned;
    explainers[0] = lenient;
    let logP = 0;
    driver = lenient;
    for (let i = 0; i < channels.length; i++) {
      const ch = channels[i];
      if (ch.weight <= 0) continue;
      const p = ch.pValue(stats[i], explain ? 1 : ch.moving);
      if (p === 1) continue; // log10(1) = 0 never lowers logP (most points, on most channels)
      const lp = ch.weight * Math.log10(Math.max(p, 1e-300));
      if (lp < logP) {
        logP = lp;
        driver = explainers[i];
      }
    }
    surprise = Math.min(1, Math.max(0, -(logP + logActive) / o.tailDepth));
    const score = surprise * (1 - suppress);
    suppress = Math.max(suppress * refractoryDecay, score);
    return score;
  }

  return {
    update(timestampMs: number, value: number, learned = NaN): Detection {
      if (!finitePoint(timestampMs, value)) return { score: 0, detector: 'none', reason: 'non-finite input skipped' };
      const score = step(timestampMs, value, learned, true);
      return detectionOf(score, surprise, driver, recent);
    },
    score(timestampMs: number, value: number, learned = NaN): number {
      return finitePoint(timestampMs, value) ? step(timestampMs, value, learned, false) : 0;
    },
    stateSize: () =>
      [...point, levelShift, variance, record].reduce((n, c) => n + c.stateSize(), 0) +
      channels.reduce((n, c) => n + (c.stateSize?.() ?? 0), 0),
  };
}

/** A point's detection: its score, the channel that drove it with that model's band and reason, the recent band. */
function detectionOf(score: number, surprise: number, driver: Component, recent: readonly Component[]): Detection {
  const det: Detection = { score, detector: surprise > 0 ? driver.name : 'none' };
  if (Number.isFinite(driver.center) && Number.isFinite(driver.spread)) {
    det.expected = {
      low: driver.center - BAND_SDS * driver.spread,
      high: driver.center + BAND_SDS * driver.spread,
    };
  }
  const band = recentBand(recent);
  if (band) det.band = band;
  if (score >= REASON_MIN) det.reason = driver.describe();
  return det;
}

/**
 * The band recent history puts the value in: the hull of the sliding median/MAD band and the
 * Holt forecast band (each center +- BAND_SDS spreads). One band whatever channel drove the
 * score, so it does not jump between models from point to point. The seasonal model is left
 * out: it learns an incident that recurs at the same time of day as normal for that time, and a
 * band that widens to hold the incident would hide it on the chart.
 */
function recentBand(models: readonly Component[]): Detection['expected'] {
  let low = Infinity;
  let high = -Infinity;
  for (const c of models) {
    if (!Number.isFinite(c.center) || !Number.isFinite(c.spread)) continue;
    low = Math.min(low, c.center - BAND_SDS * c.spread);
    high = Math.max(high, c.center + BAND_SDS * c.spread);
  }
  return low <= high ? { low, high } : undefined;
}

/** The learned model's channel: its score comes from outside (ONNX, in batches); the band is the robust one. */
function learnedExplainer(robust: Component): Component {
  return {
    name: 'iforest',
    get center() {
      return robust.center;
    },
    get spread() {
      return robust.spread;
    },
    describe: () => 'the isolation forest finds the recent window unusual (shape, not just size)',
    update: () => NaN,
    stateSize: () => 0,
  };
}
