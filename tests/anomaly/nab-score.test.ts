/**
 * The TypeScript NAB scorer (bench/nab) against the reference, shared/nab/nab_score.py: both score
 * the same generated result files (pseudo-random, quantised with many ties, structured around the
 * windows, binary, perfect, null, all-high) for a subset of the real NAB files and for the
 * hand-made corner cases in tests/fixtures/nab-mini; thresholds must be identical and the
 * normalised scores agree to 0.01 points (in practice to ~1e-12).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  readColumns,
  readLabels,
  scoreResultsDir,
  type ScoreDirOptions,
  type ScoreDirResult,
} from '../../bench/nab/load';
import { nabPaths } from '../../bench/nab/paths';
import { pyDatetimeKey } from '../../bench/nab/py-compat';
import { PROFILE_ORDER, windowSpans, type Span } from '../../src/anomaly/nab-score';
import { createRng } from '../../src/anomaly/iforest/rng';

const run = promisify(execFile);
const NAB = nabPaths();
const MINI = join(__dirname, '..', 'fixtures', 'nab-mini');

const REAL_SUBSET = [
  'artificialNoAnomaly/art_daily_small_noise.csv',
  'artificialWithAnomaly/art_daily_jumpsup.csv',
  'realAdExchange/exchange-2_cpc_results.csv', // repeated timestamps
  'realKnownCause/ec2_request_latency_system_failure.csv', // repeated timestamps
  'realKnownCause/machine_temperature_system_failure.csv', // repeated, and steps back in time once
  'realTraffic/occupancy_t4013.csv', // repeated timestamps
  'realTweets/Twitter_volume_GOOG.csv',
];

/** Deterministic PRNG (mulberry32). */
const rng = (seed: number): (() => number) => createRng(seed).next;

interface FileCtx {
  n: number;
  spans: Span[];
  next: () => number;
}

/** Window-aware scores: graded hits inside most windows, false positives near and far from them. */
function structured({ n, spans, next }: FileCtx): number[] {
  const s = Array.from({ length: n }, () => next() * 0.3);
  for (const { start, end } of spans) {
    const width = end - start + 1;
    if (next() < 0.75) s[start + Math.floor(next() * width)] = 0.5 + next() * 0.5;
    if (next() < 0.5) s[start + Math.floor(next() * width)] = 0.35 + next() * 0.5;
    for (const d of [1, Math.ceil(width / 2), 2 * width, 5 * width])
      if (end + d < n && next() < 0.6) s[end + d] = 0.4 + next() * 0.6;
  }
  for (let i = 0; i < n; i++) if (next() < 0.003) s[i] = next();
  return s;
}

const GENERATORS: Record<string, (ctx: FileCtx) => number[]> = {
  random: ({ n, next }) => Array.from({ length: n }, () => next()),
  quantised: ({ n, next }) => Array.from({ length: n }, () => Math.round(next() * 20) / 20),
  structured,
  binary: (ctx) => structured(ctx).map((v) => (v > 0.6 ? 1 : 0)),
  perfect: ({ n, spans }) => {
    const s = new Array<number>(n).fill(0);
    for (const { start } of spans) s[start] = 1;
    return s;
  },
  null: ({ n }) => new Array<number>(n).fill(0),
  allHigh: ({ n }) => new Array<number>(n).fill(2),
};

const fmt = (v: number) => (Number.isInteger(v) ? v.toFixed(1) : String(v));

/** Write one results folder; `prefixed` uses NAB's own `<category>/<dir>_<name>.csv` names. */
function writeResults(
  root: string,
  name: string,
  dataDir: string,
  labelsPath: string,
  rels: string[],
  seed: number,
  prefixed = false,
): string {
  const dir = join(root, name);
  const labels = readLabels(labelsPath);
  const next = rng(seed);
  for (const rel of rels) {
    const [ts] = readColumns(join(dataDir, rel), ['timestamp']);
    const spans = windowSpans(rel, ts.map(pyDatetimeKey), labels[rel], pyDatetimeKey);
    const scores = GENERATORS[name.replace(/-.*$/, '')]({ n: ts.length, spans, next });
    const out = join(dir, prefixed ? rel.replace(/([^/]+)$/, `${name}_$1`) : rel);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `timestamp,anomaly_score\n${ts.map((t, i) => `${t},${fmt(scores[i])}`).join('\n')}\n`);
  }
  return dir;
}

interface PyProfile {
  threshold: number;
  raw: number;
  null: number;
  perfect: number;
  normalized: number | null;
  tp_windows: number;
  fn_windows: number;
  fp_rows: number;
  per_file: Record<string, { raw: number; tp_windows: number; fn_windows: number; fp_rows: number; tp_rows: number }>;
}
interface PyOut {
  files: number;
  windows: number;
  scorable_rows: number;
  profiles: Record<string, PyProfile>;
}

async function pyScore(opts: ScoreDirOptions, tag: string): Promise<PyOut> {
  const json = join(opts.resultsDir, `..`, `${tag}.json`);
  const args = [
    NAB.scorerPy,
    '--data',
    opts.dataDir,
    '--labels',
    opts.labelsPath,
    '--results',
    opts.resultsDir,
    '--json',
    json,
  ];
  if (opts.files) {
    const list = join(opts.resultsDir, '..', `${tag}-files.txt`);
    writeFileSync(list, `${opts.files.join('\n')}\n`);
    args.push('--files', list);
  }
  if (opts.threshold !== undefined) args.push('--threshold', String(opts.threshold));
  await run('python3', args, { timeout: 60_000 });
  return JSON.parse(readFileSync(json, 'utf8')) as PyOut;
}

/** Largest |TS - Python| difference of the normalised scores seen, for the record. */
let worstNormalized = 0;

function expectAgreement(ts: ScoreDirResult, py: PyOut): void {
  expect(ts.files).toBe(py.files);
  expect(ts.windows).toBe(py.windows);
  expect(ts.scorableRows).toBe(py.scorable_rows);
  for (const name of PROFILE_ORDER) {
    const a = ts.profiles[name];
    const b = py.profiles[name];
    if (!a) throw new Error(`TS scorer has no ${name}`);
    expect({ profile: name, threshold: a.threshold }).toEqual({ profile: name, threshold: b.threshold });
    expect(a.nullRaw).toBeCloseTo(b.null, 9);
    expect(a.perfectRaw).toBeCloseTo(b.perfect, 9);
    expect(a.raw).toBeCloseTo(b.raw, 9);
    expect([a.tpWindows, a.fnWindows, a.fpRows]).toEqual([b.tp_windows, b.fn_windows, b.fp_rows]);
    if (b.normalized === null) expect(a.normalized).toBeNull();
    else {
      const diff = Math.abs((a.normalized ?? NaN) - b.normalized);
      worstNormalized = Math.max(worstNormalized, diff);
      expect(diff).toBeLessThan(0.01);
    }
    expect(Object.keys(a.perFile).sort()).toEqual(Object.keys(b.per_file).sort());
    for (const [rel, f] of Object.entries(b.per_file)) {
      expect(a.perFile[rel].raw).toBeCloseTo(f.raw, 9);
      expect([
        a.perFile[rel].tpWindows,
        a.perFile[rel].fnWindows,
        a.perFile[rel].fpRows,
        a.perFile[rel].tpRows,
      ]).toEqual([f.tp_windows, f.fn_windows, f.fp_rows, f.tp_rows]);
    }
  }
}

describe('NAB scorer (TypeScript) agrees with nab_score.py', () => {
  const root = mkdtempSync(join(tmpdir(), 'sco-nab-score-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    process.stdout.write(`nab-score: largest |normalised TS - Python| = ${worstNormalized.toExponential(2)} points\n`);
  });

  describe('on a subset of the real NAB files', () => {
    const cases = ['random', 'quantised', 'structured', 'binary', 'perfect', 'null'].map((name, i) => {
      const resultsDir = writeResults(
        join(root, 'real'),
        name,
        NAB.dataDir,
        NAB.labelsPath,
        REAL_SUBSET,
        1000 + i,
        name === 'structured',
      );
      const opts: ScoreDirOptions = {
        dataDir: NAB.dataDir,
        labelsPath: NAB.labelsPath,
        resultsDir,
        files: REAL_SUBSET,
      };
      return { name, opts, py: pyScore(opts, `real-${name}`) };
    });
    for (const c of cases) {
      it(`${c.name} scores`, async () => {
        expectAgreement(scoreResultsDir(c.opts), await c.py);
      });
    }

    it('perfect is 100 and null is 0 in every profile, null at threshold 1.1', async () => {
      const perfect = scoreResultsDir(cases.find((c) => c.name === 'perfect')?.opts as ScoreDirOptions);
      const none = scoreResultsDir(cases.find((c) => c.name === 'null')?.opts as ScoreDirOptions);
      for (const name of PROFILE_ORDER) {
        expect(perfect.profiles[name]?.normalized).toBeCloseTo(100, 9);
        expect(none.profiles[name]?.normalized).toBeCloseTo(0, 9);
        expect(none.profiles[name]?.threshold).toBe(1.1);
      }
    });
  });

  describe('on the hand-made corner cases (tests/fixtures/nab-mini)', () => {
    const dataDir = join(MINI, 'data');
    const labelsPath = join(MINI, 'labels.json');
    const rels = Object.keys(readLabels(labelsPath));
    const cases = ['random', 'quantised', 'structured', 'binary', 'perfect', 'allHigh'].map((name, i) => {
      const resultsDir = writeResults(join(root, 'mini'), name, dataDir, labelsPath, rels, 2000 + i, name === 'binary');
      const opts: ScoreDirOptions = { dataDir, labelsPath, resultsDir };
      return { name, opts, py: pyScore(opts, `mini-${name}`) };
    });
    for (const c of cases) {
      it(`${c.name} scores`, async () => {
        expectAgreement(scoreResultsDir(c.opts), await c.py);
      });
    }

    it('scores above 1.1 that are best left undetected give the next float above the top score', async () => {
      const c = cases.find((x) => x.name === 'allHigh');
      const ts = scoreResultsDir(c?.opts as ScoreDirOptions);
      expect(ts.profiles.standard?.threshold).toBeGreaterThan(2);
      expect(ts.profiles.standard?.threshold).toBeLessThan(2 + 1e-12);
    });

    it('a fixed threshold gives the same scores', async () => {
      const c = cases.find((x) => x.name === 'structured');
      const opts = { ...(c?.opts as ScoreDirOptions), threshold: 0.5 };
      const ts = scoreResultsDir(opts);
      expect(ts.mode).toBe('fixed');
      expectAgreement(ts, await pyScore(opts, 'mini-fixed'));
    });

    it('a --files selection by category restricts scoring and normalisation alike', async () => {
      const c = cases.find((x) => x.name === 'random');
      const opts = { ...(c?.opts as ScoreDirOptions), files: ['mini'] };
      expectAgreement(scoreResultsDir(opts), await pyScore(opts, 'mini-files'));
    });
  });
});
