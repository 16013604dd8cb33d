/**
 * The training reference of a model version (issue 15 point 7): per signal, the decile bin edges
 * and bin counts of what the model saw at training: the signal's own values (`level`), each
 * window feature the forest uses and the forest's score, plus how many independent rows those
 * counts are worth (`effectiveRows`: one-minute points are far from independent). Built from the
 * same rows as the forest, so it is deterministic: the same history, params and seed give the same
 * reference, number for number. Kept in the version record (migration 016), not in the ONNX file,
 * so the bytes of a bundle (and `reproduce`) do not change. Pure: a worker builds and reads it.
 */
import { FEATURE_COUNT, FEATURE_NAMES } from '../anomaly/features';
import type { Signal } from '../sources/types';

export const REFERENCE_FORMAT = 1;
/** Deciles: 9 inner edges, 10 bins (fewer when values tie). */
export const REFERENCE_BINS = 10;

/** One distribution: bins (-inf, e0], (e0, e1], …, (e_last, +inf), with the training rows in each. */
export interface DistributionRef {
  edges: number[];
  counts: number[];
  rows: number;
  /** rows / the integrated autocorrelation time of the bin sequence. */
  effectiveRows: number;
  median: number;
}

export type DistributionName = 'level' | 'score' | (typeof FEATURE_NAMES)[number];

export interface SignalReference {
  signal: Signal;
  level: DistributionRef;
  score: DistributionRef;
  features: Partial<Record<(typeof FEATURE_NAMES)[number], DistributionRef>>;
}

export interface ModelReference {
  format: typeof REFERENCE_FORMAT;
  bins: number;
  signals: SignalReference[];
}

/** Six significant digits: compact JSON, and the counts are taken against the rounded edges. */
const round = (x: number) => Number(x.toPrecision(6));

/** The bin of x: how many edges lie below it. */
export function binOf(edges: readonly number[], x: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (edges[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Finite values only (NaN points of a gap are not part of any distribution). */
function finite(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) out[n++] = values[i];
  return out.slice(0, n);
}

/** Decile edges, counts and effective size of `values` (in time order). */
export function distributionRef(values: ArrayLike<number>, bins = REFERENCE_BINS): DistributionRef {
  const v = finite(values);
  const sorted = Float64Array.from(v).sort();
  const n = sorted.length;
  const edges: number[] = [];
  for (let q = 1; q < bins && n > 0; q++) {
    const e = round(sorted[Math.min(n - 1, Math.floor((q * n) / bins))]);
    if (!edges.length || e > edges[edges.length - 1]) edges.push(e);
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  const seq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    seq[i] = binOf(edges, v[i]);
    counts[seq[i]]++;
  }
  return {
    edges,
    counts,
    rows: n,
    effectiveRows: round(n / autocorrelationTime(seq)),
    median: n ? round(sorted[Math.floor(n / 2)]) : NaN,
  };
}

/**
 * Integrated autocorrelation time τ = 1 + 2 Σ ρ_k of a sequence, the sum taken over the initial
 * positive run of lags (Geyer's initial positive sequence, on single lags) and stopped when ρ_k
 * falls below 0.05 (noise) or at n / 4. A sequence of independent draws gives τ ≈ 1; a daily cycle
 * sampled each minute gives hundreds. The effective sample size is n / τ.
 */
export function autocorrelationTime(seq: ArrayLike<number>): number {
  const n = seq.length;
  if (n < 8) return 1;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += seq[i];
  mean /= n;
  const d = new Float64Array(n);
  let c0 = 0;
  for (let i = 0; i < n; i++) {
    d[i] = seq[i] - mean;
    c0 += d[i] * d[i];
  }
  if (!(c0 > 0)) return n; // constant: one value's worth of information
  let tau = 1;
  const maxLag = Math.floor(n / 4);
  for (let k = 1; k <= maxLag; k++) {
    let c = 0;
    for (let i = k; i < n; i++) c += d[i] * d[i - k];
    const rho = c / c0;
    if (rho < 0.05) break;
    tau += 2 * rho;
  }
  return Math.min(tau, n);
}

/**
 * A signal's reference from its training values, the feature rows the forest was trained on
 * (row-major, FEATURE_COUNT columns) and the forest's scores of those rows.
 */
export function signalReference(
  signal: Signal,
  values: ArrayLike<number>,
  features: { data: ArrayLike<number>; rows: number },
  scores: ArrayLike<number>,
): SignalReference {
  const column = (j: number) => {
    const out = new Float64Array(features.rows);
    for (let i = 0; i < features.rows; i++) out[i] = features.data[i * FEATURE_COUNT + j];
    return out;
  };
  const feats: SignalReference['features'] = {};
  FEATURE_NAMES.forEach((name, j) => (feats[name] = distributionRef(column(j))));
  return { signal, level: distributionRef(values), score: distributionRef(scores), features: feats };
}

/** Reads a stored reference; undefined for none or one this release cannot read. */
export function parseReference(json: unknown): ModelReference | undefined {
  const r = json as ModelReference | null | undefined;
  if (!r || r.format !== REFERENCE_FORMAT || !Array.isArray(r.signals) || !r.signals.length) return undefined;
  return r;
}
