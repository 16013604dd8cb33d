/**
 * The NAB cross-validation plumbing (bench/nab/cv.ts, cv-run.ts, oncall.ts) on a tiny NAB-like
 * dataset written to a temp dir: two categories with labelled windows and one without. Candidates
 * are built so that the best choice on all files differs from the best on each fold's training
 * categories: a fold must choose (and set its threshold) without its held-out category.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bounds, crossValidate, normalize, subsetOrder } from '../../bench/nab/cv';
import { DEFAULT_CANDIDATES, parseCandidates, runSeed, scoreCandidates } from '../../bench/nab/cv-run';
import { DEFAULT_DETECTOR_OPTIONS } from '../../src/anomaly/detector';
import { countAlerts, detectionDelays, firstScoredRow, median } from '../../bench/nab/oncall';
import { learnedScores, loadSeries, scoreSeries, type Series } from '../../bench/nab/series';
import {
  PROFILES,
  buildFileRows,
  optimizeThreshold,
  scoreFiles,
  sweepOrder,
  type FileRows,
} from '../../src/anomaly/nab-score';
import { createRng } from '../../src/anomaly/iforest/rng';

const ROWS = 400;
const STEP_MS = 300_000;
/** Category -> files -> window (start row, length) or none. */
const LAYOUT: Record<string, Array<[number, number] | null>> = {
  catA: [
    [200, 30],
    [250, 40],
    [300, 20],
  ],
  catB: [
    [220, 30],
    [280, 30],
  ],
  quiet: [null, null],
};

function stamp(i: number): string {
  const iso = new Date(Date.UTC(2024, 0, 1) + i * STEP_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

let dir: string;
let series: Series[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sco-nab-cv-'));
  const labels: Record<string, Array<[string, string]>> = {};
  const next = createRng(7).next;
  for (const [cat, files] of Object.entries(LAYOUT)) {
    mkdirSync(join(dir, 'data', cat), { recursive: true });
    files.forEach((w, k) => {
      const rel = `${cat}/f${k}.csv`;
      const lines = ['timestamp,value'];
      for (let i = 0; i < ROWS; i++) {
        const bump = w && i >= w[0] + (w[1] >> 1) && i < w[0] + w[1] ? 25 : 0;
        lines.push(`${stamp(i)},${(50 + 10 * Math.sin(i / 20) + 2 * next() + bump).toFixed(3)}`);
      }
      writeFileSync(join(dir, 'data', rel), `${lines.join('\n')}\n`);
      labels[rel] = w ? [[`${stamp(w[0])}.000000`, `${stamp(w[0] + w[1] - 1)}.000000`]] : [];
    });
  }
  mkdirSync(join(dir, 'labels'));
  writeFileSync(join(dir, 'labels', 'combined_windows.json'), JSON.stringify(labels));
  series = loadSeries({ dataDir: join(dir, 'data'), labelsPath: join(dir, 'labels', 'combined_windows.json') });
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Scores that hit the windows of `hits` categories at their start (0.9) and put a 0.5 false alarm in every file. */
function synthetic(hits: readonly string[], falseAt: number): Float64Array[] {
  return series.map((s) => {
    const sc = new Float64Array(ROWS).fill(0.1);
    sc[falseAt] = 0.5;
    if (hits.includes(s.rel.split('/')[0])) for (const { start } of s.spans) sc[start + 2] = 0.9;
    return sc;
  });
}

const rowsOf = (scores: Float64Array[]): FileRows[] =>
  scores.map((sc, i) => buildFileRows(series[i].rel, sc, series[i].spans));

describe('NAB cross-validation', () => {
  it('loads the dataset with its windows', () => {
    expect(series.map((s) => s.rel)).toEqual([
      'catA/f0.csv',
      'catA/f1.csv',
      'catA/f2.csv',
      'catB/f0.csv',
      'catB/f1.csv',
      'quiet/f0.csv',
      'quiet/f1.csv',
    ]);
    expect(series[1].spans).toEqual([{ start: 250, end: 289 }]);
    expect(series[5].spans).toEqual([]);
  });

  it('chooses candidate and threshold without the held-out category, and pools the NAB way', () => {
    // #0 finds catA's 3 windows, #1 catB's 2: #0 wins in-sample, but with catA held out the rest
    // (catB + quiet) prefers #1, and with catB held out the rest prefers #0.
    const runs = [rowsOf(synthetic(['catA'], 100)), rowsOf(synthetic(['catB'], 100))];
    const cv = crossValidate(runs);
    expect(cv.categories).toEqual(['catA', 'catB', 'quiet']);
    expect(cv.inSample.candidate).toBe(0);
    const fold = (c: string) => cv.folds.find((f) => f.category === c)!;
    expect(fold('catA').candidate).toBe(1);
    expect(fold('catB').candidate).toBe(0);
    for (const f of cv.folds) {
      const chosen = runs[f.candidate];
      const train = chosen.filter((r) => !r.rel.startsWith(`${f.category}/`));
      const test = chosen.filter((r) => r.rel.startsWith(`${f.category}/`));
      // the threshold is the one optimised on the other categories' files only
      expect(f.threshold).toBe(scoreFiles(train, { profiles: ['standard'] }).profiles.standard!.threshold);
      const held = scoreFiles(test, { profiles: ['standard'], threshold: f.threshold }).profiles.standard!;
      expect(f.raw).toBeCloseTo(held.raw, 12);
      expect(f.normalized).toBe(held.normalized);
      for (const r of test) expect(cv.choiceOf[r.rel]).toEqual({ candidate: f.candidate, threshold: f.threshold });
    }
    // held out with the wrong candidate: catA's and catB's windows are all missed
    expect(fold('catA').fnWindows).toBe(3);
    expect(fold('catB').fnWindows).toBe(2);
    expect(fold('quiet').normalized).toBeNull();
    // pooled by hand: every fold's threshold is 0.9 (above the 0.5 false alarms) and every window is
    // missed, so raw = null = -5 windows and the pooled score is 0, while in-sample #0 finds catA's 3
    expect(cv.folds.map((f) => f.threshold)).toEqual([0.9, 0.9, 0.9]);
    const pooledRaw = cv.folds.reduce((s, f) => s + f.raw, 0);
    expect(cv.pooled).toEqual(normalize(pooledRaw, bounds(runs[0], PROFILES.standard)));
    expect(cv.pooled).toEqual({ raw: -5, nullRaw: -5, perfectRaw: 5, normalized: 0 });
    const inSample = scoreFiles(runs[0], { profiles: ['standard'] }).profiles.standard!;
    expect(cv.inSample.normalized).toBe(inSample.normalized);
    expect(cv.inSample.threshold).toBe(inSample.threshold);
    expect(cv.pooled.normalized!).toBeLessThan(cv.inSample.normalized!);
  });

  it('derives a subset sweep order equal to sorting the subset', () => {
    const next = createRng(3).next;
    const files = series.map((s) =>
      buildFileRows(
        s.rel,
        Float64Array.from({ length: ROWS }, () => Math.round(next() * 20) / 20),
        s.spans,
      ),
    );
    const full = sweepOrder(files);
    const keep = (i: number) => i % 3 !== 1;
    const subset = files.filter((_, i) => keep(i));
    expect(subsetOrder(files, full, keep)).toEqual(sweepOrder(subset));
    expect(optimizeThreshold(subset, PROFILES.standard, subsetOrder(files, full, keep))).toBe(
      optimizeThreshold(subset, PROFILES.standard),
    );
  });

  it('counts alert rows and events, and detection delays inside windows', () => {
    expect(countAlerts([0, 1, 1, 0, 1, 0, 0, 1], 0.5)).toEqual({ points: 8, alertRows: 4, events: 3 });
    expect(countAlerts([1, 1, 0, 1], 0.5, 1)).toEqual({ points: 3, alertRows: 2, events: 2 });
    const s = series[0]; // window rows 200..229
    const sc = new Float64Array(ROWS);
    sc[10] = 1; // probation: ignored
    sc[207] = 0.6;
    sc[220] = 0.9;
    const d = detectionDelays(s, sc, 0.5);
    expect(d).toEqual({ windows: 1, detected: 1, rows: [7], minutes: [35], fromMiddle: [-7] });
    expect(detectionDelays(s, sc, 0.95).detected).toBe(0);
    expect(firstScoredRow(ROWS)).toBe(60);
    expect(median([3, 1, 2, 10])).toBe(2.5);
  });

  it('runs the detector per candidate once, reuses seed-free scores, and cross-validates them', async () => {
    const candidates = parseCandidates(
      JSON.stringify([{ learned: false }, { name: 'deep', options: { learned: false, tailDepth: 2 } }]),
    );
    expect(candidates.map((c) => c.name)).toEqual(['{"learned":false}', 'deep']);
    const memo = new Map<string, Float64Array[]>();
    const one = await scoreCandidates(series, candidates, 1, memo);
    const two = await scoreCandidates(series, candidates, 2, memo);
    expect(two[0]).toBe(one[0]); // learned off: the same scores, not recomputed
    expect(one[1][0]).toEqual(await scoreSeries(series[0], { learned: false, tailDepth: 2 }));
    const run = await runSeed(series, candidates, 1, { memo, quietDay: false });
    expect(run.cv.folds).toHaveLength(3);
    expect(run.fixed.folds.map((f) => f.candidate)).toEqual([0, 0, 0]);
    expect(run.fixed.inSample.normalized).toBe(run.cv.perCandidate[0].normalized);
    expect(run.onCall.cv.noAnomaly.points).toBe(2 * (ROWS - 60));
    expect(run.onCall.cv.delays.windows).toBe(5);
  });

  it('replays learned scores exactly as the live learned channel gives them', async () => {
    const learned = { trainRows: 64, trees: 5, sampleSize: 32, window: 16 };
    const cached = await learnedScores(series[1], learned);
    expect(cached.filter(Number.isFinite).length).toBeGreaterThan(ROWS / 2);
    const live = await scoreSeries(series[1], { learned });
    expect(await scoreSeries(series[1], { learned }, { learned: cached })).toEqual(live);
  });

  it('cross-validates the defaults first, then a grid holding them that spans each knob, then steps', () => {
    expect(DEFAULT_CANDIDATES[0]).toEqual({ name: 'defaults', options: {} });
    const rest = DEFAULT_CANDIDATES.slice(1).map((c) => c.options as Record<string, number>);
    expect(new Set(rest.map((o) => JSON.stringify(o))).size).toBe(rest.length);
    const grid = rest.filter((o) => 'window' in o);
    expect(grid).toHaveLength(36);
    const d = DEFAULT_DETECTOR_OPTIONS;
    expect(grid).toContainEqual({
      window: d.window,
      refractoryHalfLife: d.refractoryHalfLife,
      tailDepth: d.tailDepth,
    });
    for (const knob of ['window', 'refractoryHalfLife', 'tailDepth'] as const) {
      const levels = grid.map((o) => o[knob]);
      expect(Math.min(...levels)).toBeLessThan(d[knob]);
      expect(Math.max(...levels)).toBeGreaterThan(d[knob]);
    }
    for (const knob of ['levelWindow', 'varianceWindow'] as const) {
      const steps = rest.filter((o) => knob in o).map((o) => o[knob]);
      expect(Math.min(...steps)).toBeLessThan(d[knob]);
      expect(Math.max(...steps)).toBeGreaterThan(d[knob]);
    }
  });
});
