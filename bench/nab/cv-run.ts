/**
 * `npm run bench:nab -- --cv`: leave-one-category-out cross-validation (cv.ts) of a grid of
 * detector configurations on the shared NAB files, per forest seed, with the on-call figures
 * (oncall.ts) at the thresholds chosen. Each candidate scores every file once per seed (in-process,
 * through `scoreSeries`); the folds reuse those scores.
 */
import { readFileSync } from 'node:fs';
import { ALERT_THRESHOLD } from '../../src/anomaly/detector';
import { buildFileRows, type FileRows } from '../../src/anomaly/nab-score';
import { categoryOf, crossValidate, type Choice, type CvResult } from './cv';
import {
  NO_ALERTS,
  NO_DELAYS,
  addCounts,
  addDelays,
  countAlerts,
  detectionDelays,
  firstScoredRow,
  quietDayAlerts,
  type QuietDay,
} from './oncall';
import { fmt, fmtThr, onCallRows, quietDayLine, spread, table, type OnCallStats } from './report';
import { learnedScores, scoreSeries, withSeed, type Series, type TuneOptions } from './series';

export interface Candidate {
  name: string;
  options: TuneOptions;
}

/** The grid's levels: the long window and the two knobs that move the score most inside a window. */
const GRID = { window: [300, 400, 600, 800], refractoryHalfLife: [100, 150, 200], tailDepth: [4, 4.5, 5] };
/** Knobs with a narrow peak at their default, stepped one at a time from the defaults. */
const STEPS = { levelWindow: [8, 16], varianceWindow: [24, 48] };

/**
 * The default candidates: the defaults first (the "#0 fixed" line), then the full grid GRID
 * (36 option sets; the defaults are its in-sample best, so they appear twice and the earlier wins
 * ties), then one step either side of the defaults on each STEPS knob. The grid spans each knob on
 * both sides of the defaults, so a fold's choice is not confined to the neighbourhood the
 * defaults were picked from. About 3 minutes for 3 forest seeds on 2 cores (candidates share one
 * learned channel's scores per seed).
 */
export const DEFAULT_CANDIDATES: readonly Candidate[] = Object.freeze([
  { name: 'defaults', options: {} },
  ...GRID.window.flatMap((window) =>
    GRID.refractoryHalfLife.flatMap((refractoryHalfLife) =>
      GRID.tailDepth.map((tailDepth) => ({
        name: `window ${window}, refractoryHalfLife ${refractoryHalfLife}, tailDepth ${tailDepth}`,
        options: { window, refractoryHalfLife, tailDepth },
      })),
    ),
  ),
  ...Object.entries(STEPS).flatMap(([knob, levels]) =>
    levels.map((level) => ({ name: `${knob} ${level}`, options: { [knob]: level } })),
  ),
]);

/**
 * `--candidates FILE.json`: an array of option sets (detector overrides, `learned` for the learned
 * channel's options or false), each optionally with a `name`; or of `{ name, options }` objects.
 */
export function parseCandidates(text: string, source = 'candidates'): Candidate[] {
  const list = JSON.parse(text) as unknown;
  if (!Array.isArray(list) || list.length === 0) throw new Error(`${source}: expected a non-empty JSON array`);
  return list.map((item: unknown, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new Error(`${source}[${i}]: expected an object of detector options`);
    const { name, options, ...rest } = item as { name?: unknown; options?: unknown };
    const opts = (options !== undefined && Object.keys(rest).length === 0 ? options : rest) as TuneOptions;
    if (typeof opts !== 'object' || opts === null) throw new Error(`${source}[${i}].options: expected an object`);
    const label = typeof name === 'string' ? name : JSON.stringify(opts) === '{}' ? 'defaults' : JSON.stringify(opts);
    return { name: label, options: opts };
  });
}

export function readCandidates(path: string): Candidate[] {
  return parseCandidates(readFileSync(path, 'utf8'), path);
}

export interface SeedRun {
  seed: number;
  cv: CvResult;
  /** Candidate #0 alone: only the threshold is chosen per fold (its options were not chosen by this CV). */
  fixed: CvResult;
  onCall: { cv: OnCallStats; inSample: OnCallStats };
  /** Candidate #0 and the in-sample choice (when another) on the quiet demo day at ALERT_THRESHOLD. */
  quiet: Array<{ candidate: number; day: QuietDay }>;
  seconds: number;
}

/**
 * Every candidate's scores of every series for one forest seed (`scores[c][i]`). The learned
 * channel's scores are computed once per distinct learned configuration and replayed; candidates
 * without it are seed-independent and kept in `memo` across seeds.
 */
export async function scoreCandidates(
  series: readonly Series[],
  candidates: readonly Candidate[],
  seed: number,
  memo: Map<string, Float64Array[]> = new Map(),
): Promise<Float64Array[][]> {
  const learnedCache = new Map<string, Float64Array[]>();
  const out: Float64Array[][] = [];
  for (const c of candidates) {
    const options = withSeed(c.options, seed);
    const key = JSON.stringify(options);
    const known = options.learned === false ? memo.get(key) : undefined;
    if (known) {
      out.push(known);
      continue;
    }
    const scores: Float64Array[] = [];
    const learnedKey = JSON.stringify(options.learned);
    let learned = options.learned === false ? undefined : learnedCache.get(learnedKey);
    if (options.learned !== false && !learned) {
      const lo = options.learned ?? {};
      learned = [];
      for (const s of series) learned.push(await learnedScores(s, lo));
      learnedCache.set(learnedKey, learned);
    }
    for (const [i, s] of series.entries()) scores.push(await scoreSeries(s, options, { learned: learned?.[i] }));
    if (options.learned === false) memo.set(key, scores);
    out.push(scores);
  }
  return out;
}

/** On-call figures with each file scored by its chosen candidate at its chosen threshold. */
export function onCallStats(
  series: readonly Series[],
  scores: ReadonlyArray<readonly Float64Array[]>,
  choice: (rel: string) => Choice,
): OnCallStats {
  const windowsPerCategory = new Map<string, number>();
  for (const s of series)
    windowsPerCategory.set(categoryOf(s.rel), (windowsPerCategory.get(categoryOf(s.rel)) ?? 0) + s.spans.length);
  let noAnomaly = { ...NO_ALERTS };
  let delays = { ...NO_DELAYS };
  series.forEach((s, i) => {
    const { candidate, threshold } = choice(s.rel);
    const sc = scores[candidate][i];
    if (windowsPerCategory.get(categoryOf(s.rel)) === 0)
      noAnomaly = addCounts(noAnomaly, countAlerts(sc, threshold, firstScoredRow(sc.length)));
    else delays = addDelays(delays, detectionDelays(s, sc, threshold));
  });
  return { noAnomaly, delays };
}

/** Cross-validation and on-call figures of one forest seed. */
export async function runSeed(
  series: readonly Series[],
  candidates: readonly Candidate[],
  seed: number,
  options: { memo?: Map<string, Float64Array[]>; quietDay?: boolean } = {},
): Promise<SeedRun> {
  const started = process.hrtime.bigint();
  const scores = await scoreCandidates(series, candidates, seed, options.memo);
  const rows: FileRows[][] = scores.map((perFile) =>
    perFile.map((sc, i) => buildFileRows(series[i].rel, sc, series[i].spans)),
  );
  const cv = crossValidate(rows);
  const fixed = rows.length === 1 ? cv : crossValidate(rows.slice(0, 1));
  const onCall = {
    cv: onCallStats(series, scores, (rel) => cv.choiceOf[rel]),
    inSample: onCallStats(series, scores, () => cv.inSample),
  };
  const quiet: SeedRun['quiet'] = [];
  if (options.quietDay !== false) {
    for (const c of new Set([0, cv.inSample.candidate])) {
      const day = await quietDayAlerts(withSeed(candidates[c].options, seed), ALERT_THRESHOLD);
      quiet.push({ candidate: c, day });
    }
  }
  return { seed, cv, fixed, onCall, quiet, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

const tag = (candidates: readonly Candidate[], c: number) => `#${c} ${candidates[c].name}`;

export function seedReport(run: SeedRun, candidates: readonly Candidate[]): string {
  const { cv } = run;
  const lines = [`\n### forest seed ${run.seed} (${run.seconds.toFixed(0)} s)`];
  lines.push(
    table(
      [
        'held-out category',
        'files',
        'windows',
        'chosen on the rest',
        'threshold',
        'score on the rest',
        'raw',
        'TP/FN',
        'FP rows',
        'held-out score',
      ],
      cv.folds.map((f) => [
        f.category,
        String(f.files.length),
        String(f.windows),
        tag(candidates, f.candidate),
        fmtThr(f.threshold),
        fmt(f.trainNormalized),
        fmt(f.raw),
        `${f.tpWindows}/${f.fnWindows}`,
        String(f.fpRows),
        fmt(f.normalized),
      ]),
      [1, 2, 4, 5, 6, 8, 9],
    ),
  );
  lines.push(
    `pooled cross-validated: ${fmt(cv.pooled.normalized)} ` +
      `(raw ${fmt(cv.pooled.raw)}, null ${fmt(cv.pooled.nullRaw)}, perfect ${fmt(cv.pooled.perfectRaw)})   ` +
      `in-sample: ${fmt(cv.inSample.normalized)} ` +
      `(${tag(candidates, cv.inSample.candidate)}, threshold ${fmtThr(cv.inSample.threshold)})   ` +
      `#0 fixed, threshold per fold only: ${fmt(run.fixed.pooled.normalized)}`,
  );
  return lines.join('\n');
}

export function summaryReport(runs: readonly SeedRun[], candidates: readonly Candidate[]): string {
  const seeds = runs.map((r) => r.seed).join(', ');
  const per = (f: (r: SeedRun) => number | null) => {
    const xs = runs.map(f);
    const v = xs.filter((x): x is number => x !== null);
    return [
      v.length ? fmt(v.reduce((a, b) => a + b, 0) / v.length) : 'n/a',
      v.length ? fmt(Math.min(...v)) : 'n/a',
      v.length ? fmt(Math.max(...v)) : 'n/a',
      xs.map((x) => fmt(x)).join(' '),
    ];
  };
  const cats = runs[0].cv.categories;
  const rows = [
    ['pooled cross-validated', ...per((r) => r.cv.pooled.normalized)],
    [`pooled cross-validated, ${tag(candidates, 0)} fixed (threshold only)`, ...per((r) => r.fixed.pooled.normalized)],
    ['in-sample (best candidate and threshold)', ...per((r) => r.cv.inSample.normalized)],
    [`in-sample ${tag(candidates, 0)}`, ...per((r) => r.cv.perCandidate[0].normalized)],
    ...cats.map((c) => [`held out: ${c}`, ...per((r) => r.cv.folds.find((f) => f.category === c)?.normalized ?? null)]),
  ];
  const out = [`\n## NAB standard, cross-validated vs in-sample, over forest seeds ${seeds}`];
  out.push(table(['measure', 'mean', 'min', 'max', 'per seed'], rows, [1, 2, 3]));
  const noWindow = cats.filter((c) => runs[0].cv.folds.find((f) => f.category === c)?.windows === 0);
  for (const c of noWindow) {
    const fs = runs.map((r) => r.cv.folds.find((f) => f.category === c));
    out.push(
      `${c} has no window (held-out normalised score undefined): raw ${fs.map((f) => fmt(f?.raw)).join(' ')}, ` +
        `FP rows ${fs.map((f) => String(f?.fpRows)).join(' ')} per seed; its files count in the pooled score`,
    );
  }
  out.push(`\n## candidates (standard, own threshold over all files; chosen = folds that chose it, all seeds)`);
  out.push(
    table(
      ['candidate', 'in-sample', 'threshold(s)', 'chosen', 'options'],
      candidates.map((c, i) => [
        tag(candidates, i),
        spread(runs.map((r) => r.cv.perCandidate[i].normalized)),
        runs.map((r) => fmtThr(r.cv.perCandidate[i].threshold)).join(' '),
        String(runs.reduce((n, r) => n + r.cv.folds.filter((f) => f.candidate === i).length, 0)),
        JSON.stringify(c.options),
      ]),
      [1, 3],
    ),
  );
  out.push(`\n## on-call view (over seeds ${seeds}: mean (min-max); counts per seed)`);
  out.push(
    table(
      ['measure', 'cross-validated choice (per fold)', 'in-sample choice'],
      onCallRows([runs.map((r) => r.onCall.cv), runs.map((r) => r.onCall.inSample)]),
    ),
  );
  for (const r of runs) {
    for (const q of r.quiet) {
      out.push(
        quietDayLine(
          `quiet demo day, seed ${r.seed}, ${tag(candidates, q.candidate)} at ALERT_THRESHOLD ${ALERT_THRESHOLD}`,
          q.day,
        ),
      );
    }
  }
  return out.join('\n');
}

/** The `--cv` bench: every seed's folds as they finish, then the summary. */
export async function benchCv(options: {
  series: readonly Series[];
  candidates: readonly Candidate[];
  seeds: number;
  write: (text: string) => void;
}): Promise<SeedRun[]> {
  const { series, candidates, seeds, write } = options;
  const started = process.hrtime.bigint();
  write(
    `\n## leave-one-category-out cross-validation (standard profile): for each category, the candidate and the ` +
      `threshold\n   are chosen by the NAB score on the other categories' files, then scored on the held-out ` +
      `category's files\n`,
  );
  write(`${candidates.map((c, i) => `   ${tag(candidates, i)}: ${JSON.stringify(c.options)}`).join('\n')}\n`);
  const memo = new Map<string, Float64Array[]>();
  const runs: SeedRun[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const run = await runSeed(series, candidates, seed, { memo });
    runs.push(run);
    write(`${seedReport(run, candidates)}\n`);
  }
  write(`${summaryReport(runs, candidates)}\n`);
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  write(`\ncross-validation: ${candidates.length} candidates x ${seeds} forest seed(s) in ${secs.toFixed(0)} s\n`);
  return runs;
}
