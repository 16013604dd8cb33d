import type { Detection, StreamDetector } from './types';
import type { Component } from './detectors/component';
import { RobustZ, ShortVsLong } from './detectors/robust';
import { HoltForecast } from './detectors/forecast';
import { SeasonalBaseline } from './detectors/seasonal';
import { RecordRatio, TailCalibrator } from './detectors/calibrate';

/**
 * Streaming anomaly detector: an ensemble of detector families, one parameter set for every series.
 *
 * - Point channel: a value must be unexpected under every model that is ready - the sliding
 *   median/MAD (robust-z), a Holt forecast and a daily seasonal baseline - so the statistic is the
 *   smallest of their z-scores (a peak explained by the time of day is not an anomaly).
 * - Level-shift channel: median of the last few points against the long-window median.
 * - Variance channel: log ratio of recent to usual spread.
 * Each channel's statistic is calibrated per series against its own decaying records
 * (RecordRatio), the strongest channel wins, and a refractory decay stops one event from firing
 * row after row.
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
  /** Per-point decay of each channel's short- and long-memory records (closer to 1 = longer). */
  recordDecay: number;
  longRecordDecay: number;
  /** Weight of the long-memory record in the geometric mix (0..1). */
  longRecordWeight: number;
  /** Steepness of the record-ratio -> score curve. */
  sharpness: number;
  /** Points before any channel may score. */
  warmup: number;
  /** Half-life, in points, of the suppression applied after a high score. */
  refractoryHalfLife: number;
  /** Weight per channel (0 turns one off). */
  weights: { point: number; 'level-shift': number; variance: number };
  calibration: 'record' | 'tail';
  tailWindow: number;
  tailK: number;
  tailDepth: number;
  tailBlock: number;
}

export const DEFAULT_DETECTOR_OPTIONS: Readonly<DetectorOptions> = Object.freeze({
  window: 400,
  levelWindow: 12,
  varianceWindow: 32,
  holtAlpha: 0.3,
  holtBeta: 0.02,
  seasonalAlpha: 0.1,
  maxPeriod: 1440,
  recordDecay: 0.9995,
  longRecordDecay: 0.99995,
  longRecordWeight: 0.3,
  sharpness: 4,
  warmup: 100,
  refractoryHalfLife: 200,
  weights: Object.freeze({ point: 1, 'level-shift': 1, variance: 1 }),
  calibration: 'tail',
  tailWindow: 5000,
  tailK: 5,
  tailDepth: 6,
  tailBlock: 1,
});

export interface AnomalyDetector extends StreamDetector {
  /** Numbers held in internal buffers (bounded by the windows; for memory tests). */
  stateSize(): number;
}

function checkOptions(o: DetectorOptions): void {
  for (const [k, min] of [['window', 8], ['levelWindow', 3], ['varianceWindow', 3], ['maxPeriod', 4], ['warmup', 0]] as const) {
    if (!Number.isInteger(o[k]) || o[k] < min) {
      throw new RangeError(`createDetector: option ${k} must be an integer >= ${min} (got ${String(o[k])})`);
    }
  }
  for (const k of ['recordDecay', 'longRecordDecay'] as const) {
    if (!(o[k] > 0 && o[k] <= 1)) throw new RangeError(`createDetector: ${k} must be in (0, 1] (got ${o[k]})`);
  }
  if (!(o.longRecordWeight >= 0 && o.longRecordWeight <= 1)) throw new RangeError('createDetector: longRecordWeight must be in [0, 1]');
  if (!(o.refractoryHalfLife > 0)) throw new RangeError('createDetector: refractoryHalfLife must be > 0');
  if (!(o.sharpness > 0)) throw new RangeError('createDetector: sharpness must be > 0');
}

const BAND_SDS = 3;

export function createDetector(options: Partial<DetectorOptions> = {}): AnomalyDetector {
  const o: DetectorOptions = { ...DEFAULT_DETECTOR_OPTIONS, ...options,
    weights: { ...DEFAULT_DETECTOR_OPTIONS.weights, ...options.weights } };
  checkOptions(o);
  const robust = new RobustZ(o.window, Math.min(o.window, Math.max(8, o.warmup >> 1)));
  const point: Component[] = [
    robust,
    new HoltForecast(o.holtAlpha, o.holtBeta, 0.01, Math.min(50, o.warmup)),
    new SeasonalBaseline(o.seasonalAlpha, 0.01, o.maxPeriod, 64),
  ];
  const collective = [new ShortVsLong('level-shift', robust, o.levelWindow), new ShortVsLong('variance', robust, o.varianceWindow)];
  const calib = () => new RecordRatio(o.recordDecay, o.warmup, o.sharpness, o.longRecordDecay, o.longRecordWeight);
  const pointCalib = calib();
  const collectiveCalib = collective.map(calib);
  const collectiveWeights = collective.map((c) => o.weights[c.name]);
  const tail = () => new TailCalibrator(o.tailWindow, o.tailK, o.warmup, o.tailDepth, o.tailBlock);
  const pointTail = tail();
  const collectiveTail = collective.map(tail);
  const refractoryDecay = Math.pow(0.5, 1 / o.refractoryHalfLife);
  let suppress = 0;

  return {
    update(timestampMs: number, value: number): Detection {
      if (!Number.isFinite(value) || !Number.isFinite(timestampMs)) {
        return { score: 0, detector: 'none', reason: 'non-finite input skipped' };
      }
      // Point channel: the most lenient ready model decides (and explains).
      let stat = Infinity;
      let lenient: Component = robust;
      const pm = (o as unknown as { pointMask?: number }).pointMask ?? 7;
      for (let j = 0; j < point.length; j++) {
        const c = point[j];
        const z = c.update(timestampMs, value);
        if ((pm & (1 << j)) && !Number.isNaN(c.spread) && z < stat) {
          stat = z;
          lenient = c;
        }
      }
      let best = 0;
      let driver: Component = lenient;
      if (o.calibration === 'tail') {
        let p = o.weights.point > 0 ? pointTail.update(stat === Infinity ? 0 : stat) : 1;
        for (let i = 0; i < collective.length; i++) {
          const pi = collectiveWeights[i] > 0 ? collectiveTail[i].update(collective[i].update(timestampMs, value)) : 1;
          if (pi < p) {
            p = pi;
            driver = collective[i];
          }
        }
        best = pointTail.surprise(p * ((o as unknown as { bonf?: number }).bonf ?? 3));
      } else best = o.weights.point * pointCalib.update(stat === Infinity ? 0 : stat);
      for (let i = 0; i < collective.length && o.calibration !== 'tail'; i++) {
        const s = collectiveWeights[i] * collectiveCalib[i].update(collective[i].update(timestampMs, value));
        if (s > best) {
          best = s;
          driver = collective[i];
        }
      }
      const score = Math.min(1, Math.max(0, best * (1 - suppress)));
      suppress = Math.max(suppress * refractoryDecay, score);
      const det: Detection = { score, detector: best > 0 ? driver.name : 'none' };
      if (Number.isFinite(driver.center) && Number.isFinite(driver.spread)) {
        det.expected = { low: driver.center - BAND_SDS * driver.spread, high: driver.center + BAND_SDS * driver.spread };
      }
      if (best > 0) det.reason = driver.describe();
      return det;
    },
    stateSize: () => [...point, ...collective].reduce((n, c) => n + c.stateSize(), 0),
  };
}
