/**
 * The NAB scoring rule, mirroring shared/nab/nab_score.py (the reference) operation for
 * operation, so both give the same thresholds and the same scores:
 *
 * - the first min(floor(p * N), p * 5000) rows of a file (probation, p = 0.15) are not scored;
 * - a row at offset k in a window of width w has y = -(w - k) / w and is worth
 *   A_TP * tanh(-2.5 y) / tanh(2.5); only the best (earliest) detection of a window counts and a
 *   window without one costs -A_FN;
 * - a detected row outside every window is worth A_FP * tanh(-2.5 y) with y = (i - e) / (w - 1)
 *   after a window that ended at row e (width w > 1), else -A_FP (tanh clamped to -1 past y = 3);
 * - normalised = 100 (raw - null) / (perfect - null), null = -A_FN * scorable windows,
 *   perfect = A_TP * all windows;
 * - optimised: one threshold per profile over all files together, every distinct score a
 *   candidate, ties going to the highest threshold; "nothing detected" is 1.1 (or just above the
 *   top score when that is >= 1.1).
 *
 * Pure (no I/O): `bench/nab/` reads NAB's files with it and `src/models/backtest.ts` scores injected
 * anomalies with it.
 */

/** Python `math.nextafter(x, +inf)`. */
export function nextUp(x: number): number {
  if (Number.isNaN(x) || x === Infinity) return x;
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}

export type ProfileName = 'standard' | 'reward_low_FP_rate' | 'reward_low_FN_rate';

export interface Profile {
  tp: number;
  fp: number;
  fn: number;
}

export const PROFILES: Readonly<Record<ProfileName, Readonly<Profile>>> = Object.freeze({
  standard: { tp: 1.0, fp: 0.11, fn: 1.0 },
  reward_low_FP_rate: { tp: 1.0, fp: 0.22, fn: 1.0 },
  reward_low_FN_rate: { tp: 1.0, fp: 0.11, fn: 2.0 },
});

export const PROFILE_ORDER: readonly ProfileName[] = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'];

export const DEFAULT_PROBATION = 0.15;

/** A window as row indices into its file, both ends inclusive. */
export interface Span {
  start: number;
  end: number;
}

/** The scorable rows of one file (after probation), ready to be scored at any threshold. */
export interface FileRows {
  rel: string;
  scores: Float64Array;
  /** Unweighted value of each scorable row (positive inside a window, negative outside). */
  shape: Float64Array;
  /** Window index (into the file's sorted spans) of each scorable row, -1 outside windows. */
  window: Int32Array;
  nWindows: number;
  nScorableWindows: number;
}

export interface FileScore {
  raw: number;
  tpWindows: number;
  fnWindows: number;
  fpRows: number;
  tpRows: number;
}

export interface ProfileScore extends Omit<FileScore, 'raw'> {
  threshold: number;
  raw: number;
  nullRaw: number;
  perfectRaw: number;
  /** 0 = no detections, 100 = every window at its first row; null when perfect = null. */
  normalized: number | null;
  perFile: Record<string, FileScore>;
}

export interface NabScore {
  files: number;
  windows: number;
  scorableRows: number;
  mode: 'fixed' | 'optimized';
  profiles: Partial<Record<ProfileName, ProfileScore>>;
}

/** Unweighted position value: tanh(-2.5 y), clamped to -1 beyond y = 3. */
export function shape(y: number): number {
  return y > 3.0 ? -1.0 : Math.tanh(-2.5 * y);
}

const SHAPE_AT_START = shape(-1.0);

/** Rows of the probationary period: min(floor(p * n), p * 5000), as nab_score.py computes it. */
export function probationLength(n: number, probation = DEFAULT_PROBATION): number {
  return Math.min(Math.floor(probation * n), probation * 5000);
}

/**
 * Window spans from timestamp keys (equal keys = equal timestamps): the start is the first row with
 * the start timestamp, the end the first row at or after it with the end timestamp.
 */
export function windowSpans(
  rel: string,
  keys: readonly string[],
  windows: ReadonlyArray<readonly [string, string]>,
  key: (t: string) => string,
): Span[] {
  const firstPos = new Map<string, number>();
  keys.forEach((k, i) => {
    if (!firstPos.has(k)) firstPos.set(k, i);
  });
  const spans: Span[] = windows.map(([a, b]) => {
    const ka = key(a);
    const kb = key(b);
    const start = firstPos.get(ka);
    if (start === undefined) throw new NabScoreError(`window start ${a} not found in ${rel}`);
    let end = -1;
    for (let k = start; k < keys.length; k++) {
      if (keys[k] === kb) {
        end = k;
        break;
      }
    }
    if (end < 0) throw new NabScoreError(`window end ${b} not found (after its start) in ${rel}`);
    return { start, end };
  });
  spans.sort((p, q) => p.start - q.start || p.end - q.end);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].start <= spans[i - 1].end) throw new NabScoreError(`overlapping windows in ${rel}`);
  }
  return spans;
}

export class NabScoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NabScoreError';
  }
}

/** Per-row values of one file from its anomaly scores and its (sorted, disjoint) window spans. */
export function buildFileRows(
  rel: string,
  scores: ArrayLike<number>,
  spans: readonly Span[],
  probation = DEFAULT_PROBATION,
): FileRows {
  const n = scores.length;
  const prob = probationLength(n, probation);
  const first = Math.max(0, Math.min(n, Math.ceil(prob)));
  const keep = n - first;
  const out: FileRows = {
    rel,
    scores: new Float64Array(keep),
    shape: new Float64Array(keep),
    window: new Int32Array(keep),
    nWindows: spans.length,
    nScorableWindows: 0,
  };
  const scorable = new Set<number>();
  let wi = 0;
  let lastEnd = -1;
  let lastWidth = 0;
  for (let i = 0; i < n; i++) {
    while (wi < spans.length && spans[wi].end < i) {
      lastEnd = spans[wi].end;
      lastWidth = spans[wi].end - spans[wi].start + 1;
      wi++;
    }
    let val: number;
    let wid = -1;
    if (wi < spans.length && spans[wi].start <= i && i <= spans[wi].end) {
      const { start, end } = spans[wi];
      const width = end - start + 1;
      val = shape(-(end - i + 1) / width) / SHAPE_AT_START;
      wid = wi;
    } else if (lastEnd < 0 || lastWidth <= 1) {
      val = -1.0;
    } else {
      val = shape(Math.abs(i - lastEnd) / (lastWidth - 1));
    }
    if (i < prob) continue;
    const j = i - first;
    out.scores[j] = scores[i];
    out.shape[j] = val;
    out.window[j] = wid;
    if (wid >= 0) scorable.add(wid);
  }
  out.nScorableWindows = scorable.size;
  return out;
}

function rowValue(shp: number, inWindow: boolean, prof: Profile): number {
  return shp * (inWindow ? prof.tp : prof.fp);
}

/** Raw score, totals and per-file detail with detections = rows whose score >= threshold. */
export function scoreAt(
  files: readonly FileRows[],
  prof: Profile,
  threshold: number,
): { raw: number; totals: Omit<FileScore, 'raw'>; perFile: Record<string, FileScore> } {
  let total = 0;
  const totals = { tpWindows: 0, fnWindows: 0, fpRows: 0, tpRows: 0 };
  const perFile: Record<string, FileScore> = {};
  for (const f of files) {
    let fpSum = 0;
    let fpRows = 0;
    let tpRows = 0;
    const best = new Map<number, number>();
    const wins = new Set<number>();
    for (let i = 0; i < f.scores.length; i++) {
      const wid = f.window[i];
      if (wid >= 0) wins.add(wid);
      if (f.scores[i] >= threshold) {
        const v = rowValue(f.shape[i], wid >= 0, prof);
        if (wid < 0) {
          fpSum += v;
          fpRows++;
        } else {
          tpRows++;
          const old = best.get(wid);
          if (old === undefined || v > old) best.set(wid, v);
        }
      }
    }
    let winSum = 0;
    for (const w of wins) winSum += best.get(w) ?? -prof.fn;
    const raw = fpSum + winSum;
    perFile[f.rel] = { raw, tpWindows: best.size, fnWindows: wins.size - best.size, fpRows, tpRows };
    total += raw;
    totals.tpWindows += best.size;
    totals.fnWindows += wins.size - best.size;
    totals.fpRows += fpRows;
    totals.tpRows += tpRows;
  }
  return { raw: total, totals, perFile };
}

/**
 * Row order for the threshold sweep: all files' scorable rows concatenated in file order, then
 * sorted by descending score, stable (Python's sort(reverse=True) keeps file order among ties).
 */
export function sweepOrder(files: readonly FileRows[]): number[] {
  const score = concatScores(files);
  return Array.from({ length: score.length }, (_, i) => i).sort((a, b) =>
    score[b] > score[a] ? 1 : score[b] < score[a] ? -1 : a - b,
  );
}

function concatScores(files: readonly FileRows[]): Float64Array {
  const out = new Float64Array(files.reduce((s, f) => s + f.scores.length, 0));
  let at = 0;
  for (const f of files) {
    out.set(f.scores, at);
    at += f.scores.length;
  }
  return out;
}

/** The threshold maximising the raw score over all files together (ties -> the highest). */
export function optimizeThreshold(
  files: readonly FileRows[],
  prof: Profile,
  sorted: readonly number[] = sweepOrder(files),
): number {
  const total = files.reduce((s, f) => s + f.scores.length, 0);
  const score = new Float64Array(total);
  const value = new Float64Array(total);
  const wid = new Int32Array(total); // global window id, -1 outside windows
  let at = 0;
  let winBase = 0;
  let nWin = 0;
  for (const f of files) {
    let maxWid = -1;
    for (let i = 0; i < f.scores.length; i++, at++) {
      const w = f.window[i];
      score[at] = f.scores[i];
      value[at] = rowValue(f.shape[i], w >= 0, prof);
      wid[at] = w >= 0 ? winBase + w : -1;
      if (w > maxWid) maxWid = w;
    }
    winBase += Math.max(f.nWindows, maxWid + 1);
    nWin += f.nScorableWindows;
  }

  const windowPart = new Float64Array(winBase).fill(NaN);
  let fpSum = 0;
  let winSum = -prof.fn * nWin;
  const maxScore = total > 0 ? score[sorted[0]] : 0;
  let bestThr = maxScore < 1.1 ? 1.1 : nextUp(maxScore);
  let bestRaw = fpSum + winSum; // nothing detected
  let k = 0;
  while (k < total) {
    const thr = score[sorted[k]];
    while (k < total && score[sorted[k]] === thr) {
      const r = sorted[k];
      const v = value[r];
      const w = wid[r];
      if (w < 0) fpSum += v;
      else {
        const old = windowPart[w];
        if (Number.isNaN(old)) {
          windowPart[w] = v;
          winSum += v + prof.fn;
        } else if (v > old) {
          windowPart[w] = v;
          winSum += v - old;
        }
      }
      k++;
    }
    const raw = fpSum + winSum;
    if (raw > bestRaw) {
      bestRaw = raw;
      bestThr = thr;
    }
  }
  return bestThr;
}

/** Score prepared files for the given profiles, at a fixed threshold or optimised per profile. */
export function scoreFiles(
  files: readonly FileRows[],
  options: { profiles?: readonly ProfileName[]; threshold?: number } = {},
): NabScore {
  const nWindows = files.reduce((s, f) => s + f.nWindows, 0);
  const nScorable = files.reduce((s, f) => s + f.nScorableWindows, 0);
  const out: NabScore = {
    files: files.length,
    windows: nWindows,
    scorableRows: files.reduce((s, f) => s + f.scores.length, 0),
    mode: options.threshold === undefined ? 'optimized' : 'fixed',
    profiles: {},
  };
  const order = options.threshold === undefined ? sweepOrder(files) : [];
  for (const name of options.profiles ?? PROFILE_ORDER) {
    const prof = PROFILES[name];
    const threshold = options.threshold ?? optimizeThreshold(files, prof, order);
    const { raw, totals, perFile } = scoreAt(files, prof, threshold);
    const nullRaw = 0.0 - prof.fn * nScorable;
    const perfectRaw = prof.tp * nWindows;
    const normalized = perfectRaw - nullRaw !== 0 ? (100.0 * (raw - nullRaw)) / (perfectRaw - nullRaw) : null;
    out.profiles[name] = { threshold, raw, nullRaw, perfectRaw, normalized, ...totals, perFile };
  }
  return out;
}
