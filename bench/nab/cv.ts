/**
 * Leave-one-category-out cross-validation of detector configurations with the NAB rule (pure: no
 * I/O, no detector). Each candidate configuration's scores of every file are computed once (per
 * forest seed) by the caller and passed in as FileRows; for each category held out, the candidate
 * AND the threshold are chosen by maximising the NAB raw score on the other categories' files
 * (= their normalised score, which has the same denominator for every candidate), then applied
 * unchanged to the held-out files. Pooled = every file scored with its fold's choice, normalised
 * the NAB way over all files. In-sample = the best candidate and threshold over all files at once.
 */
import {
  PROFILES,
  optimizeThreshold,
  scoreAt,
  sweepOrder,
  type FileRows,
  type FileScore,
  type Profile,
} from '../../src/anomaly/nab-score';

/** The category of a `<category>/<name>.csv` entry. */
export function categoryOf(rel: string): string {
  return rel.slice(0, rel.lastIndexOf('/'));
}

export interface RawScore {
  raw: number;
  nullRaw: number;
  perfectRaw: number;
  /** 100 (raw - null) / (perfect - null); null when the files have no window (perfect = null). */
  normalized: number | null;
}

export interface Choice {
  /** Index into the candidates. */
  candidate: number;
  threshold: number;
}

export interface FoldResult extends RawScore, Choice {
  /** The held-out category. */
  category: string;
  files: string[];
  windows: number;
  /** The chosen candidate's normalised score on the other categories (where it was chosen). */
  trainNormalized: number | null;
  tpWindows: number;
  fnWindows: number;
  fpRows: number;
  perFile: Record<string, FileScore>;
}

export interface CvResult {
  categories: string[];
  folds: FoldResult[];
  /** Every file with its fold's choice, normalised over all files. */
  pooled: RawScore;
  /** The best candidate and threshold over all files. */
  inSample: RawScore & Choice;
  /** Each candidate with its own threshold optimised over all files. */
  perCandidate: Array<RawScore & { threshold: number }>;
  /** Per file: the choice of the fold that held it out. */
  choiceOf: Record<string, Choice>;
}

/** Null and perfect raw scores of a set of files (as scoreFiles computes them). */
export function bounds(files: readonly FileRows[], prof: Profile): { nullRaw: number; perfectRaw: number } {
  const scorable = files.reduce((s, f) => s + f.nScorableWindows, 0);
  const windows = files.reduce((s, f) => s + f.nWindows, 0);
  return { nullRaw: 0.0 - prof.fn * scorable, perfectRaw: prof.tp * windows };
}

export function normalize(raw: number, b: { nullRaw: number; perfectRaw: number }): RawScore {
  const span = b.perfectRaw - b.nullRaw;
  return { raw, ...b, normalized: span !== 0 ? (100.0 * (raw - b.nullRaw)) / span : null };
}

/**
 * The sweep order (nab-score `sweepOrder`) of the files kept by `keep`, derived from the order of
 * all files: the full order filtered and renumbered is the subset's own (ties stay in file order).
 */
export function subsetOrder(
  files: readonly FileRows[],
  full: readonly number[],
  keep: (fileIndex: number) => boolean,
): number[] {
  const total = files.reduce((s, f) => s + f.scores.length, 0);
  const map = new Int32Array(total).fill(-1);
  let at = 0;
  let next = 0;
  files.forEach((f, i) => {
    const kept = keep(i);
    for (let j = 0; j < f.scores.length; j++, at++) if (kept) map[at] = next++;
  });
  const out: number[] = [];
  for (const g of full) if (map[g] >= 0) out.push(map[g]);
  return out;
}

/** The candidate and threshold maximising the raw score on `files` (ties: the earlier candidate). */
function choose(
  runs: ReadonlyArray<readonly FileRows[]>,
  orders: ReadonlyArray<readonly number[]>,
  keep: (fileIndex: number) => boolean,
  prof: Profile,
): Choice & { raw: number } {
  let best: Choice & { raw: number } = { candidate: -1, threshold: NaN, raw: -Infinity };
  runs.forEach((files, c) => {
    const subset = files.filter((_, i) => keep(i));
    const order = subset.length === files.length ? orders[c] : subsetOrder(files, orders[c], keep);
    const threshold = optimizeThreshold(subset, prof, order);
    const { raw } = scoreAt(subset, prof, threshold);
    if (raw > best.raw) best = { candidate: c, threshold, raw };
  });
  return best;
}

/**
 * Cross-validates candidates. `runs[c][i]` is candidate c's FileRows of file i: the same files in
 * the same order for every candidate. Folds follow the files' categories (`<category>/<name>.csv`).
 */
export function crossValidate(runs: ReadonlyArray<readonly FileRows[]>, prof: Profile = PROFILES.standard): CvResult {
  if (runs.length === 0) throw new Error('crossValidate: no candidates');
  const rels = runs[0].map((f) => f.rel);
  for (const files of runs) {
    if (files.length !== rels.length || files.some((f, i) => f.rel !== rels[i]))
      throw new Error('crossValidate: every candidate must score the same files in the same order');
  }
  const cats = rels.map(categoryOf);
  const categories = [...new Set(cats)];
  if (categories.length < 2) throw new Error('crossValidate: needs at least two categories');
  const orders = runs.map((files) => sweepOrder(files));
  const all = runs[0];

  const folds: FoldResult[] = [];
  const choiceOf: Record<string, Choice> = {};
  let pooledRaw = 0;
  for (const category of categories) {
    const held = (i: number) => cats[i] === category;
    const pick = choose(runs, orders, (i) => !held(i), prof);
    const train = all.filter((_, i) => !held(i));
    const test = runs[pick.candidate].filter((_, i) => held(i));
    const { raw, totals, perFile } = scoreAt(test, prof, pick.threshold);
    pooledRaw += raw;
    for (const f of test) choiceOf[f.rel] = { candidate: pick.candidate, threshold: pick.threshold };
    folds.push({
      category,
      files: test.map((f) => f.rel),
      windows: test.reduce((s, f) => s + f.nWindows, 0),
      candidate: pick.candidate,
      threshold: pick.threshold,
      trainNormalized: normalize(pick.raw, bounds(train, prof)).normalized,
      ...normalize(raw, bounds(test, prof)),
      tpWindows: totals.tpWindows,
      fnWindows: totals.fnWindows,
      fpRows: totals.fpRows,
      perFile,
    });
  }
  const whole = bounds(all, prof);
  const perCandidate = runs.map((files, c) => {
    const threshold = optimizeThreshold(files, prof, orders[c]);
    return { threshold, ...normalize(scoreAt(files, prof, threshold).raw, whole) };
  });
  let best = 0;
  perCandidate.forEach((p, c) => {
    if (p.raw > perCandidate[best].raw) best = c;
  });
  return {
    categories,
    folds,
    pooled: normalize(pooledRaw, whole),
    inSample: { candidate: best, ...perCandidate[best] },
    perCandidate,
    choiceOf,
  };
}
