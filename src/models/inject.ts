/**
 * Anomalies injected into a copy of a service's own history at known places (issue 15, point 2b):
 * the backtest scores a detector version on them. Deterministic from a seed: the same series, seed
 * and options give the same values and labels, bit for bit.
 *
 * Each anomaly is sized against the series' robust scale around it (1.4826 x the median absolute
 * deviation around the local median), floored so a flat series still gets a visible anomaly. The
 * part after `warmupPoints` is cut into equal slots, one anomaly per slot at a seeded offset, each
 * at most 40% of its slot long: anomalies never overlap and at least half a slot separates them.
 */
import { createRng, type Rng } from '../anomaly/iforest/rng';

export type AnomalyKind = 'spike' | 'level_shift' | 'trend' | 'variance_change';

export const ANOMALY_KINDS: readonly AnomalyKind[] = ['spike', 'level_shift', 'trend', 'variance_change'];

/** One injected anomaly; indices and times both ends inclusive. */
export interface InjectedLabel {
  kind: AnomalyKind;
  startMs: number;
  endMs: number;
  startIndex: number;
  endIndex: number;
}

export interface InjectOptions {
  seed: number;
  /** Points at the start the detector needs to warm up: no anomaly starts before this index. */
  warmupPoints: number;
  /** Kinds to inject (default all four). */
  kinds?: readonly AnomalyKind[];
  /** Anomalies of each kind (default 2). */
  perKind?: number;
  /** Length in points of the lasting kinds (level shift, trend, variance change); default 60. */
  durationPoints?: number;
}

export interface InjectedSeries {
  timestamps: Float64Array;
  values: Float64Array;
  labels: InjectedLabel[];
  warmupPoints: number;
}

export class InjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InjectError';
  }
}

/** Sizes in robust scales: spike height, level-shift step, trend end height, variance factor. */
export const SIZES = Object.freeze({ spike: 8, level_shift: 5, trend: 6, variance_change: 4 });

/** Points on each side of an anomaly whose robust scale sizes it. */
const LOCAL_POINTS = 240;
/** The smallest slot (points) an anomaly is placed in. */
const MIN_SLOT = 10;
/** MAD -> standard deviation for Gaussian noise. */
const MAD_TO_SD = 1.4826;

export function median(xs: ArrayLike<number>): number {
  const v = Array.from(xs).filter(Number.isFinite);
  if (v.length === 0) return NaN;
  v.sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** MAD_TO_SD x the median absolute deviation around the median (0 for a flat stretch). */
export function robustScale(xs: ArrayLike<number>): { median: number; scale: number } {
  const med = median(xs);
  const dev = Array.from(xs, (x) => Math.abs(x - med));
  const mad = median(dev);
  return { median: med, scale: Number.isFinite(mad) ? MAD_TO_SD * mad : 0 };
}

/** The scale an anomaly is sized by: local robust scale, floored by a quarter of the global one and 2% of the level. */
function sizingScale(values: Float64Array, start: number, end: number, globalScale: number): number {
  const local = robustScale(values.subarray(Math.max(0, start - LOCAL_POINTS), end + 1 + LOCAL_POINTS));
  const level = Number.isFinite(local.median) ? Math.abs(local.median) : 0;
  const scale = Math.max(local.scale, 0.25 * globalScale, 0.02 * level);
  return scale > 0 ? scale : 1;
}

function gauss(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** +1 or -1 from the seed, up when going down would push a non-negative series below zero. */
function direction(rng: Rng, values: Float64Array, start: number, end: number, size: number, nonNeg: boolean): number {
  const down = rng.next() < 0.5;
  if (!down) return 1;
  if (!nonNeg) return -1;
  let lo = Infinity;
  for (let i = start; i <= end; i++) if (values[i] < lo) lo = values[i];
  return lo - size < 0 ? 1 : -1;
}

interface Placed {
  kind: AnomalyKind;
  start: number;
  end: number;
}

/** One slot per anomaly after the warm-up, kinds in a seeded order, each at a seeded offset in its slot. */
function place(n: number, kinds: readonly AnomalyKind[], opts: Required<InjectOptions>, rng: Rng): Placed[] {
  const order: AnomalyKind[] = [];
  for (let r = 0; r < opts.perKind; r++) order.push(...kinds);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const usable = n - opts.warmupPoints;
  const slot = Math.floor(usable / Math.max(1, order.length));
  if (order.length > 0 && slot < MIN_SLOT) {
    throw new InjectError(
      `too short to inject ${order.length} anomalies: ${usable} points after a warm-up of ` +
        `${opts.warmupPoints}, at least ${MIN_SLOT * order.length} needed`,
    );
  }
  const maxLen = Math.max(1, Math.floor(0.4 * slot));
  return order.map((kind, k) => {
    const len =
      kind === 'spike' ? Math.min(1 + rng.int(3), maxLen) : Math.max(1, Math.min(opts.durationPoints, maxLen));
    const slack = Math.floor(0.5 * slot) - len;
    const start = opts.warmupPoints + k * slot + (slack > 0 ? rng.int(slack + 1) : 0);
    return { kind, start, end: start + len - 1 };
  });
}

function apply(values: Float64Array, p: Placed, scale: number, rng: Rng, nonNeg: boolean): void {
  const { kind, start, end } = p;
  const len = end - start + 1;
  if (kind === 'variance_change') {
    const own = robustScale(values.subarray(start, end + 1));
    const boost = Math.sqrt(Math.max(0, scale * scale - own.scale * own.scale));
    const f = SIZES.variance_change;
    for (let i = start; i <= end; i++) {
      let v = own.median + (values[i] - own.median + boost * gauss(rng)) * f;
      if (nonNeg && v < 0) v = -v;
      values[i] = v;
    }
    return;
  }
  const size = SIZES[kind] * scale;
  const sign = direction(rng, values, start, end, size, nonNeg);
  for (let i = start; i <= end; i++) {
    const ramp = kind === 'trend' ? (i - start + 1) / len : 1;
    values[i] += sign * size * ramp;
  }
}

/** A copy of the series with anomalies injected, and where they are. */
export function injectAnomalies(
  timestamps: ArrayLike<number>,
  values: ArrayLike<number>,
  options: InjectOptions,
): InjectedSeries {
  if (timestamps.length !== values.length) throw new InjectError('timestamps and values differ in length');
  const opts: Required<InjectOptions> = {
    seed: options.seed,
    warmupPoints: Math.max(0, Math.floor(options.warmupPoints)),
    kinds: options.kinds ?? ANOMALY_KINDS,
    perKind: options.perKind ?? 2,
    durationPoints: options.durationPoints ?? 60,
  };
  const ts = Float64Array.from(timestamps);
  const original = Float64Array.from(values);
  const out = Float64Array.from(values);
  const rng = createRng(opts.seed);
  const placed = place(out.length, opts.kinds, opts, rng);
  const globalScale = robustScale(original).scale;
  const nonNeg = original.every((v) => !(v < 0));
  for (const p of placed) apply(out, p, sizingScale(original, p.start, p.end, globalScale), rng, nonNeg);
  const labels = placed.map(({ kind, start, end }) => ({
    kind,
    startMs: ts[start],
    endMs: ts[end],
    startIndex: start,
    endIndex: end,
  }));
  return { timestamps: ts, values: out, labels, warmupPoints: opts.warmupPoints };
}
