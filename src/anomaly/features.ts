/**
 * Scale-free window features for the learned anomaly model. Every feature is unchanged when the
 * series is multiplied by a positive constant or shifted, so one forest serves latency in ms, CPU
 * in %, and queue depth alike. The last value of the window is the point being scored; the
 * baseline is the window's earlier points, so the point never hides itself.
 */
import { AppError } from '../errors';
import { SlidingExtreme, SortedValues } from './feature-stream';

export const FEATURE_NAMES = [
  /** Robust z of the current value vs the earlier points' median and MAD (signed log). */
  'z_last',
  /** Robust z of the mean of the last `recent` points (signed log). */
  'z_recent_mean',
  /** (mean of the recent half - mean of the older half) / robust scale (signed log). */
  'mean_shift',
  /** ln(std of the recent half / std of the older half), clipped to ±10. */
  'spread_log_ratio',
  /** Current lag-1 difference vs the earlier lag-1 differences' median and MAD (signed log). */
  'diff_z',
  /** Share of earlier points below the current one, 0..1 (ties count half). */
  'rank_last',
  /** Where the window's maximum sits: 0 oldest .. 1 current. */
  'argmax_pos',
  /** Where the window's minimum sits: 0 oldest .. 1 current. */
  'argmin_pos',
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;
/** Fewest finite values a window may have. */
export const MIN_POINTS = 8;
const DEFAULT_RECENT = 5;
const DEFAULT_WINDOW = 64;
/** The z given to a change when the baseline has no spread at all (a flat line that moves). */
const FLAT_Z = 1e6;
const SPREAD_CLIP = 10;
const MAD_TO_SIGMA = 1.4826;
const MEAN_ABS_TO_SIGMA = 1.2533;

export interface WindowFeatureOptions {
  /** Points in the "recent mean" feature (default 5). */
  recent?: number;
}

/**
 * Features of the last value of `values` against the rest of the window. Non-finite values are
 * ignored. Writes into `out` at `offset` when given (e.g. one row of a batch), else a new array.
 */
export function windowFeatures(
  values: ArrayLike<number>,
  opts: WindowFeatureOptions = {},
  out: Float32Array = new Float32Array(FEATURE_COUNT),
  offset = 0,
): Float32Array {
  const recent = checkRecent(opts.recent);
  const v = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) v[n++] = values[i];
  if (n < MIN_POINTS)
    throw new AppError('bad_request', `windowFeatures: need at least ${MIN_POINTS} finite values (got ${n})`);
  if (offset < 0 || offset + FEATURE_COUNT > out.length)
    throw new AppError(
      'bad_request',
      `windowFeatures: no room for ${FEATURE_COUNT} features at offset ${offset} of ${out.length}`,
    );
  computeFeatures(v, n, recent, new Float64Array(n), out, offset);
  return out;
}

export interface FeatureWindowOptions extends WindowFeatureOptions {
  /** Points kept, the current one included (default 64). */
  size?: number;
  /**
   * Points needed before features are produced (default: `size`, so every row is computed over the
   * same number of points as in training). At least 8.
   */
  minPoints?: number;
}

/**
 * The streaming form of windowFeatures: keeps the last `size` finite values in a ring buffer
 * (O(size) memory, no allocation per point besides the returned row) and gives the features of
 * each new point once enough points are in. The baseline and its lag-1 steps are also kept
 * sorted as points come and go, so a point costs O(size) shifts and scans instead of four sorts;
 * the rows equal windowFeatures' exactly.
 */
export class FeatureWindow {
  readonly size: number;
  readonly minPoints: number;
  private readonly recent: number;
  /** The last `size` points twice over (slot i and i + size), so the window is one run of it. */
  private readonly ring: Float64Array;
  private readonly baseline: SortedValues;
  private readonly steps: SortedValues;
  private readonly highest: SlidingExtreme;
  private readonly lowest: SlidingExtreme;
  private head = 0;
  private count = 0;
  /** Points pushed so far (positions for the extremes). */
  private pushed = 0;

  constructor(opts: FeatureWindowOptions = {}) {
    this.size = opts.size ?? DEFAULT_WINDOW;
    this.minPoints = opts.minPoints ?? this.size;
    this.recent = checkRecent(opts.recent);
    if (!Number.isInteger(this.size) || this.size < MIN_POINTS)
      throw new AppError(
        'bad_request',
        `FeatureWindow: size must be a whole number >= ${MIN_POINTS} (got ${opts.size})`,
      );
    if (!Number.isInteger(this.minPoints) || this.minPoints < MIN_POINTS || this.minPoints > this.size) {
      throw new AppError(
        'bad_request',
        `FeatureWindow: minPoints must be a whole number in ${MIN_POINTS}..size (got ${opts.minPoints})`,
      );
    }
    this.ring = new Float64Array(2 * this.size);
    this.baseline = new SortedValues(this.size);
    this.steps = new SortedValues(this.size);
    this.highest = new SlidingExtreme(this.size, true);
    this.lowest = new SlidingExtreme(this.size, false);
  }

  /** Points currently held. */
  get length(): number {
    return this.count;
  }

  /**
   * Adds a value; returns its features, or undefined while warming up or when the value is not
   * finite (it is skipped).
   */
  push(value: number): Float32Array | undefined {
    const out = new Float32Array(FEATURE_COUNT);
    return this.pushInto(value, out, 0) ? out : undefined;
  }

  /** Like push, writing the features into `out` at `offset` (a row of a batch); returns whether it did. */
  pushInto(value: number, out: Float32Array, offset: number): boolean {
    if (!Number.isFinite(value)) return false;
    this.advanceBaseline();
    this.ring[this.head] = value;
    this.ring[this.head + this.size] = value;
    this.head = (this.head + 1) % this.size;
    if (this.count < this.size) this.count++;
    const oldest = this.pushed - this.count + 1;
    this.highest.push(this.pushed, value, oldest);
    this.lowest.push(this.pushed, value, oldest);
    this.pushed++;
    if (this.count < this.minPoints) return false;
    const base = sortedCentre(this.baseline);
    const rank = (this.baseline.countBelow(value) + 0.5 * this.baseline.countEqual(value)) / this.baseline.length;
    const from = (this.head - this.count + this.size) % this.size;
    writeLevelFeatures(this.ring, from, this.count, this.recent, base, sortedCentre(this.steps), out, offset);
    const iMax = this.highest.position - oldest;
    writeOrderFeatures(rank, iMax, this.lowest.position - oldest, this.count, out, offset);
    return true;
  }

  reset(): void {
    this.head = 0;
    this.count = 0;
    this.baseline.clear();
    this.steps.clear();
    this.highest.clear();
    this.lowest.clear();
  }

  /**
   * Before a new point goes in: the current newest point (and its step) joins the baseline, and
   * when the window is full the oldest point (and the step after it) leaves with it.
   */
  private advanceBaseline(): void {
    if (this.count === 0) return;
    const newest = this.at(this.count - 1);
    if (this.count === this.size) {
      const oldest = this.at(0);
      this.baseline.replace(oldest, newest);
      this.steps.replace(this.at(1) - oldest, newest - this.at(this.count - 2));
      return;
    }
    this.baseline.insert(newest);
    if (this.count >= 2) this.steps.insert(newest - this.at(this.count - 2));
  }

  /** The i-th point held, oldest first. */
  private at(i: number): number {
    return this.ring[(this.head - this.count + i + this.size) % this.size];
  }
}

/**
 * Feature rows for every point of a series once a full window of `size` points is available,
 * e.g. to train a forest on known-normal history. Row i scores point i + size - 1.
 */
export function seriesFeatures(
  values: ArrayLike<number>,
  opts: FeatureWindowOptions = {},
): { data: Float32Array; rows: number; cols: number } {
  const window = new FeatureWindow(opts);
  const data = new Float32Array(values.length * FEATURE_COUNT);
  let rows = 0;
  for (let i = 0; i < values.length; i++) if (window.pushInto(values[i], data, rows * FEATURE_COUNT)) rows++;
  return { data: data.slice(0, rows * FEATURE_COUNT), rows, cols: FEATURE_COUNT };
}

function checkRecent(recent: number | undefined): number {
  const k = recent ?? DEFAULT_RECENT;
  if (!Number.isInteger(k) || k < 1)
    throw new AppError('bad_request', `window features: recent must be a whole number >= 1 (got ${recent})`);
  return k;
}

interface Robust {
  centre: number;
  scale: number;
}

/**
 * The reference: v[0..n) oldest first, n >= MIN_POINTS; scratch has room for n values. Sorts
 * copies of the baseline and its steps for each window; FeatureWindow gets the same from sorted lists.
 */
function computeFeatures(
  v: Float64Array,
  n: number,
  recent: number,
  scratch: Float64Array,
  out: Float32Array,
  offset: number,
): void {
  const x = v[n - 1];
  const m = n - 1; // earlier points: the baseline
  const base = robustCentre(v, 0, m, scratch);
  // The current step is judged against the baseline's lag-1 differences (centred, so a steady trend is normal).
  for (let i = 1; i < m; i++) scratch[i - 1] = v[i] - v[i - 1];
  const diffs = robustCentreInPlace(scratch, m - 1);
  let below = 0;
  let equal = 0;
  for (let i = 0; i < m; i++) {
    if (v[i] < x) below++;
    else if (v[i] === x) equal++;
  }
  let iMax = 0;
  let iMin = 0;
  for (let i = 1; i < n; i++) {
    if (v[i] > v[iMax]) iMax = i;
    if (v[i] < v[iMin]) iMin = i;
  }
  writeLevelFeatures(v, 0, n, recent, base, diffs, out, offset);
  writeOrderFeatures((below + 0.5 * equal) / m, iMax, iMin, n, out, offset);
}

/**
 * Features 0..4 of the window v[from..from+n) (oldest first), given the robust centre and scale of
 * its baseline and of the baseline's steps.
 */
function writeLevelFeatures(
  v: Float64Array,
  from: number,
  n: number,
  recent: number,
  base: Robust,
  diffs: Robust,
  out: Float32Array,
  offset: number,
): void {
  const end = from + n;
  const x = v[end - 1];
  out[offset] = slog(ratio(x - base.centre, base.scale));

  const k = Math.min(recent, n);
  out[offset + 1] = slog(ratio(mean(v, end - k, end) - base.centre, base.scale));

  const mid = from + (n >> 1);
  const meanOld = mean(v, from, mid);
  const meanNew = mean(v, mid, end);
  out[offset + 2] = slog(ratio(meanNew - meanOld, base.scale));
  const eps = 0.01 * base.scale;
  const sdOld = std(v, from, mid, meanOld) + eps;
  const sdNew = std(v, mid, end, meanNew) + eps;
  out[offset + 3] = sdOld === 0 && sdNew === 0 ? 0 : clip(Math.log(sdNew / sdOld), SPREAD_CLIP);

  out[offset + 4] = slog(ratio(x - v[end - 2] - diffs.centre, diffs.scale));
}

/**
 * Features 5..7 of a window of n points: the current point's rank among the earlier ones, and
 * where the window's (first) maximum and minimum sit, from 0 (oldest) to 1 (current).
 */
function writeOrderFeatures(rank: number, iMax: number, iMin: number, n: number, out: Float32Array, offset: number) {
  out[offset + 5] = rank;
  out[offset + 6] = iMax / (n - 1);
  out[offset + 7] = iMin / (n - 1);
}

/** Median and robust sigma of v[from..to), using scratch. */
function robustCentre(v: Float64Array, from: number, to: number, scratch: Float64Array): Robust {
  const len = to - from;
  for (let i = 0; i < len; i++) scratch[i] = v[from + i];
  return robustCentreInPlace(scratch, len);
}

/**
 * Median and robust sigma of a[0..len), reordering it: 1.4826 MAD, or when more than half the
 * points sit on the median, 1.2533 x the mean absolute deviation; 0 only for a flat line.
 */
function robustCentreInPlace(a: Float64Array, len: number): Robust {
  const s = a.subarray(0, len);
  s.sort();
  const centre = medianSorted(s);
  let absSum = 0;
  for (let i = 0; i < len; i++) {
    s[i] = Math.abs(s[i] - centre);
    absSum += s[i];
  }
  s.sort();
  return { centre, scale: robustSigma(medianSorted(s), absSum, len) };
}

/** robustCentreInPlace for values already held sorted: O(n) merge for the MAD instead of two sorts. */
function sortedCentre(s: SortedValues): Robust {
  const centre = s.median();
  const mad = s.medianDeviation(centre);
  return { centre, scale: robustSigma(mad, mad > 0 ? 0 : s.absDeviationSum(centre), s.length) };
}

/** 1.4826 MAD, or when MAD is 0, 1.2533 x the mean absolute deviation (`absSum` / len). */
function robustSigma(mad: number, absSum: number, len: number): number {
  return mad > 0 ? MAD_TO_SIGMA * mad : (MEAN_ABS_TO_SIGMA * absSum) / len;
}

function medianSorted(s: Float64Array): number {
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function mean(v: Float64Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += v[i];
  return sum / (to - from);
}

function std(v: Float64Array, from: number, to: number, mu: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (v[i] - mu) ** 2;
  return Math.sqrt(sum / (to - from));
}

function ratio(delta: number, scale: number): number {
  if (scale > 0) return delta / scale;
  return delta === 0 ? 0 : Math.sign(delta) * FLAT_Z;
}

/** Signed log: keeps order and sign, tames heavy tails so random splits are not spent on them. */
function slog(z: number): number {
  return Math.sign(z) * Math.log1p(Math.abs(z));
}

function clip(x: number, limit: number): number {
  return x > limit ? limit : x < -limit ? -limit : x;
}
