/**
 * Has a model's world moved? (issue 15 point 7.) Each distribution of the training reference
 * (./drift-reference: a signal's values, each window feature, the forest's score) is compared with
 * the same distribution over a recent window by the Population Stability Index over the
 * reference's decile bins, PSI = Σ (a_i - e_i) ln(a_i / e_i).
 *
 * Why PSI and how its false-alarm rate is held: PSI is an effect size that on-call engineers
 * already read (0.1 "some", 0.25 "significant" shift) and it is computed from the bin counts
 * alone, so the reference stays a few hundred numbers that travel in the job. Its sampling noise
 * is the problem: with a and e sample shares, PSI / (1/n + 1/m) is about χ²(B - 1) under no change
 * (a symmetrised G-test), so for independent points E[PSI] ≈ (B - 1)(1/n + 1/m); one-minute
 * points and 64-point window features are far from independent, so n and m are replaced by
 * effective sizes, n / τ with τ the integrated autocorrelation time of the reference's bin sequence
 * (under no change the recent points share it; a daily cycle makes τ large). A naive test on 1,440
 * autocorrelated points fires all the time; that is also why a two-sample KS was not taken: its
 * null needs the same correction and it gives no effect size. Bins are then merged, neighbours
 * first, until each expects at least MIN_EXPECTED effective points. A distribution has drifted when both hold:
 *   - the bias-corrected PSI, PSI - (B - 1)(1/n_eff + 1/m_eff), is at least the threshold (0.25),
 *   - and its χ² tail probability is below ALPHA / (number of distributions compared) (Bonferroni).
 * The first keeps small real changes from paging; the second keeps noise at these sample sizes
 * from doing so (tests/models/drift.test.ts: 72 hourly checks of an unchanged fleet, none drifts,
 * every figure under the threshold). A limit: a signal whose daily cycle dominates its noise
 * (request rate, CPU) has τ in the hundreds, so its own values cannot be told apart in one day
 * (bins merge to one); a change there shows in the signals it drives (latency, errors) and in the
 * window features.
 */
import { FEATURE_NAMES } from '../anomaly/features';
import type { Signal } from '../sources/types';
import { autocorrelationTime, binOf, type DistributionName, type DistributionRef } from './drift-reference';

export const DRIFT_THRESHOLD = 0.25;
/** Family-wise false-alarm rate of one check. */
export const ALPHA = 0.01;
/** Effective points each merged bin must expect. */
export const MIN_EXPECTED = 5;
/** Recent rows a distribution needs before it is compared at all. */
export const MIN_RECENT_ROWS = 120;

export interface DistributionDrift {
  name: DistributionName;
  /** Bias-corrected PSI (>= 0): the drift figure. */
  psi: number;
  /** The χ² tail probability of the raw PSI at the effective sizes. */
  p: number;
  /** Bins after merging; 1 means too little effective data to compare. */
  bins: number;
  rows: number;
  effectiveRows: number;
  drifted: boolean;
  /** Medians, reference and recent. */
  median: [number, number];
}

export interface SignalDrift {
  signal: Signal;
  unit: string;
  /** The largest corrected PSI of the signal's distributions. */
  score: number;
  drifted: boolean;
  /** Distributions of the signal that drifted, largest PSI first. */
  moved: DistributionName[];
  level: DistributionDrift;
  distributions: DistributionDrift[];
}

/** Compares one reference distribution with recent values (in time order). `tests`: the Bonferroni divisor. */
export function compareDistribution(
  name: DistributionName,
  ref: DistributionRef,
  values: ArrayLike<number>,
  tests: number,
): DistributionDrift {
  const seq: number[] = [];
  const counts = new Array<number>(ref.counts.length).fill(0);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    const b = binOf(ref.edges, values[i]);
    seq.push(b);
    counts[b]++;
  }
  const n = seq.length;
  const recentMedian = median(values);
  const base = { name, rows: n, median: [ref.median, recentMedian] as [number, number] };
  if (n < MIN_RECENT_ROWS || ref.rows < MIN_RECENT_ROWS)
    return { ...base, psi: 0, p: 1, bins: 1, effectiveRows: 0, drifted: false };
  // Under no change the recent points share the reference's dependence: its τ, not one estimated
  // from the recent points (a shifted series sits in one bin and would look endlessly persistent).
  const tau = ref.effectiveRows > 0 ? ref.rows / ref.effectiveRows : autocorrelationTime(seq);
  const nEff = Math.max(1, n / tau);
  const mEff = Math.max(1, ref.effectiveRows);
  const merged = mergeBins(ref.counts.slice(), counts, Math.min(nEff, mEff));
  const bins = merged.expected.length;
  if (bins < 2) return { ...base, psi: 0, p: 1, bins, effectiveRows: round(nEff), drifted: false };
  const raw = psiOf(merged.expected, merged.actual);
  const noise = (1 / nEff + 1 / mEff) * (bins - 1);
  const p = chiSquareTail(raw / (1 / nEff + 1 / mEff), bins - 1);
  const psi = Math.max(0, raw - noise);
  const drifted = psi >= DRIFT_THRESHOLD && p < ALPHA / Math.max(1, tests);
  return { ...base, psi: round(psi), p, bins, effectiveRows: round(nEff), drifted };
}

/** Per-signal comparison: the signal's values, each feature column and the scores. */
export function compareSignal(
  signal: Signal,
  unit: string,
  ref: import('./drift-reference').SignalReference,
  recent: { values: ArrayLike<number>; features: Record<string, ArrayLike<number>>; scores: ArrayLike<number> },
  tests: number,
): SignalDrift {
  const level = compareDistribution('level', ref.level, recent.values, tests);
  const distributions = [level, compareDistribution('score', ref.score, recent.scores, tests)];
  for (const f of FEATURE_NAMES) {
    const r = ref.features[f];
    if (r && recent.features[f]) distributions.push(compareDistribution(f, r, recent.features[f], tests));
  }
  const moved = distributions
    .filter((d) => d.drifted)
    .sort((a, b) => b.psi - a.psi)
    .map((d) => d.name);
  const score = Math.max(0, ...distributions.map((d) => d.psi));
  return { signal, unit, score, drifted: moved.length > 0, moved, level, distributions };
}

/** Distributions compared per signal: level, score and each feature. */
export const DISTRIBUTIONS_PER_SIGNAL = 2 + FEATURE_NAMES.length;

/** Merges neighbouring bins (the smallest with its smaller neighbour) until each expects MIN_EXPECTED points. */
function mergeBins(refCounts: number[], actual: number[], size: number) {
  const expected = refCounts;
  const act = actual.slice();
  const total = expected.reduce((s, c) => s + c, 0);
  const need = (MIN_EXPECTED * total) / size;
  while (expected.length > 1) {
    let i = 0;
    for (let j = 1; j < expected.length; j++) if (expected[j] < expected[i]) i = j;
    if (expected[i] >= need) break;
    const k = i === 0 ? 1 : i === expected.length - 1 ? i - 1 : expected[i - 1] <= expected[i + 1] ? i - 1 : i + 1;
    const [lo, hi] = [Math.min(i, k), Math.max(i, k)];
    expected.splice(lo, 2, expected[lo] + expected[hi]);
    act.splice(lo, 2, act[lo] + act[hi]);
  }
  return { expected, actual: act };
}

/** PSI of two count vectors, each share smoothed by half a count per bin (no log of zero). */
function psiOf(expected: number[], actual: number[]): number {
  const b = expected.length;
  const m = expected.reduce((s, c) => s + c, 0);
  const n = actual.reduce((s, c) => s + c, 0);
  let psi = 0;
  for (let i = 0; i < b; i++) {
    const e = (expected[i] + 0.5) / (m + 0.5 * b);
    const a = (actual[i] + 0.5) / (n + 0.5 * b);
    psi += (a - e) * Math.log(a / e);
  }
  return psi;
}

/** P(χ²_k > x) by Wilson–Hilferty's cube-root normal approximation (good to a few % in the tail used here). */
export function chiSquareTail(x: number, k: number): number {
  if (!(x > 0)) return 1;
  const z = (Math.cbrt(x / k) - (1 - 2 / (9 * k))) / Math.sqrt(2 / (9 * k));
  return normalTail(z);
}

/** P(Z > z), Z standard normal (Abramowitz–Stegun 7.1.26 erfc, |error| < 1.5e-7). */
function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

function median(values: ArrayLike<number>): number {
  const v = Array.from(values)
    .filter(Number.isFinite)
    .sort((a, b) => a - b);
  return v.length ? round(v[Math.floor(v.length / 2)]) : NaN;
}

const round = (x: number) => Number(x.toPrecision(4));
