/**
 * Calibration of a trained forest's scores as tail probabilities, fixed at training time from the
 * scores of the training rows. It follows the detector's online TailCalibrator
 * (src/anomaly/detectors/calibrate.ts): the empirical share of rows scoring at or above a score, and
 * past the k-th largest training score u an exponential tail fitted to the top k (mean excess
 * beta = mean(top k) - u): p = k / rows * exp(-(score - u) / beta). The empirical part is kept as a
 * small table (score, p) at fixed tail probabilities, interpolated linearly in log p.
 *
 * The scores are in-sample (each row was in the subsample of a few trees), so the table is slightly
 * optimistic; with ψ = 128 of thousands of rows a row sits in well under one tree on average.
 */
import { DEFAULT_DETECTOR_OPTIONS } from '../anomaly/detector';

export interface ScoreCalibration {
  /** Training rows the calibration was built from. */
  rows: number;
  /** [score, share of training rows scoring at or above it], score ascending, share descending. */
  table: Array<[number, number]>;
  /** The exponential tail past the k-th largest training score `u`. */
  tail: { k: number; u: number; beta: number };
}

/** Tail probabilities of the table (besides 1 at the lowest score and k / rows at u). */
const TABLE_P = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 5e-4, 2e-4, 1e-4];

/** Builds the calibration from the training rows' scores (float32, as ONNX gives them). */
export function calibrate(scores: ArrayLike<number>, k = DEFAULT_DETECTOR_OPTIONS.tailK): ScoreCalibration {
  const sorted = Float64Array.from(scores, (s) => Math.fround(s)).sort();
  const m = sorted.length;
  if (m < 10 * k) throw new RangeError(`calibrate: need at least ${10 * k} scores (got ${m})`);
  const u = sorted[m - k];
  let top = 0;
  for (let i = m - k; i < m; i++) top += sorted[i];
  const table: Array<[number, number]> = [[sorted[0], 1]];
  for (const p of TABLE_P) {
    const at = m - Math.round(p * m); // p * m rows score at or above sorted[at]
    if (p * m <= k || at <= 0) continue;
    table.push([sorted[at], shareAtOrAbove(sorted, sorted[at])]);
  }
  table.push([u, shareAtOrAbove(sorted, u)]);
  return { rows: m, table, tail: { k, u, beta: top / k - u } };
}

/**
 * Tail probability of a forest score under the calibration: 1 at or below the lowest training
 * score, the interpolated share up to u, the exponential tail beyond (0 when the top k are tied,
 * as in TailCalibrator). NaN for NaN.
 */
export function tailProbability(c: ScoreCalibration, score: number): number {
  if (Number.isNaN(score)) return NaN;
  const s = Math.fround(score);
  const { k, u, beta } = c.tail;
  if (s > u) return beta > 0 ? (k / c.rows) * Math.exp(-(s - u) / beta) : 0;
  const t = c.table;
  if (s <= t[0][0]) return 1;
  let j = 1;
  while (j < t.length - 1 && t[j][0] < s) j++;
  const [s0, p0] = t[j - 1];
  const [s1, p1] = t[j];
  if (s === s1 || !(s1 > s0)) return p1;
  const f = (s - s0) / (s1 - s0);
  return Math.exp(Math.log(p0) + f * (Math.log(p1) - Math.log(p0)));
}

function shareAtOrAbove(sorted: Float64Array, s: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  return (sorted.length - lo) / sorted.length;
}
