/**
 * Reads a NAB data folder, its labels and a results folder the way nab_score.py does, and scores
 * them with the rule in src/anomaly/nab-score.ts: same file selection, same result-file lookup, same
 * row alignment (by position, timestamp differences reported), same errors.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join, normalize } from 'node:path';
import { pyDatetimeKey, pyFloat, splitCsvLine } from './py-compat';
import {
  DEFAULT_PROBATION,
  NabScoreError,
  buildFileRows,
  scoreFiles,
  windowSpans,
  type FileRows,
  type NabScore,
  type ProfileName,
} from '../../src/anomaly/nab-score';

export type Labels = Record<string, Array<[string, string]>>;

export interface ScoreDirOptions {
  /** Data root holding <category>/<file>.csv. */
  dataDir: string;
  /** combined_windows.json-style labels; its keys are the scored files. */
  labelsPath: string;
  /** Results root holding <category>/<file>.csv or <category>/<prefix>_<file>.csv. */
  resultsDir: string;
  /** Restrict to these `<category>/<name>.csv` entries or category names (nab_score.py --files). */
  files?: readonly string[];
  /** Results file-name prefix; '' for exact names; default: exact, then <basename of resultsDir>_<file>. */
  prefix?: string;
  probation?: number;
  profiles?: readonly ProfileName[];
  /** Fixed threshold; optimised per profile when absent. */
  threshold?: number;
  /** Fail instead of warning when a results file's timestamps differ from the data file's. */
  strictTimestamps?: boolean;
}

export interface ScoreDirResult extends NabScore {
  warnings: string[];
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

/** nab_score.py `read_columns`: the named columns of a CSV, blank rows skipped. */
export function readColumns(path: string, wanted: readonly string[]): string[][] {
  const lines = readFileSync(path, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n|\r/);
  let at = 0;
  if (lines.length === 0 || (lines.length === 1 && lines[0] === '')) throw new NabScoreError(`${path} is empty`);
  const header = splitCsvLine(lines[at++]).map((h) => h.trim());
  const idx = wanted.map((w) => {
    const j = header.indexOf(w);
    if (j < 0) throw new NabScoreError(`${path} has no column '${w}' (header: ${header.join(',')})`);
    return j;
  });
  const cols: string[][] = wanted.map(() => []);
  for (; at < lines.length; at++) {
    if (lines[at] === '') continue;
    const row = splitCsvLine(lines[at]);
    if (row.every((c) => !c.trim())) continue;
    idx.forEach((j, c) => {
      if (j >= row.length)
        throw new NabScoreError(`${path} line ${at + 1} has ${row.length} field(s), no column '${wanted[c]}'`);
      cols[c].push(row[j]);
    });
  }
  return cols;
}

/** nab_score.py `select_files`: `--files` entries (file paths or category names) against the labels. */
export function selectFiles(labelKeys: ReadonlySet<string>, items: readonly string[]): string[] {
  const chosen: string[] = [];
  for (const raw of items) {
    let item = raw.trim();
    if (!item || item.startsWith('#')) continue;
    if (item.startsWith('data/')) item = item.slice('data/'.length);
    item = item.replace(/^\/+|\/+$/g, '');
    let matches: string[];
    if (item.endsWith('.csv')) {
      if (!labelKeys.has(item)) throw new NabScoreError(`--files entry '${item}' is not in the labels file`);
      matches = [item];
    } else {
      matches = [...labelKeys].filter((k) => k.startsWith(`${item}/`));
      if (matches.length === 0) throw new NabScoreError(`--files entry '${item}' matches no labelled file`);
    }
    for (const m of matches) if (!chosen.includes(m)) chosen.push(m);
  }
  return chosen.sort();
}

/** nab_score.py `find_result_csv`. */
export function findResultCsv(resultsDir: string, rel: string, prefix: string | undefined): string {
  const slash = rel.lastIndexOf('/');
  const cat = rel.slice(0, slash);
  const name = rel.slice(slash + 1);
  const candidates =
    prefix !== undefined
      ? [join(resultsDir, cat, (prefix ? `${prefix}_` : '') + name)]
      : [join(resultsDir, cat, name), join(resultsDir, cat, `${basename(normalize(resultsDir))}_${name}`)];
  const found = candidates.find(isFile);
  if (!found) throw new NabScoreError(`no results CSV for ${rel} (looked for: ${candidates.join(', ')})`);
  return found;
}

/** Labelled windows and anomaly scores of one data file, aligned by position. */
export function loadFile(
  rel: string,
  options: ScoreDirOptions,
  windows: Array<[string, string]>,
  warnings: string[],
): FileRows {
  const dataPath = join(options.dataDir, rel);
  if (!isFile(dataPath)) throw new NabScoreError(`data file missing: ${dataPath}`);
  const [tsText] = readColumns(dataPath, ['timestamp']);
  const keys = tsText.map(pyDatetimeKey);
  const resPath = findResultCsv(options.resultsDir, rel, options.prefix);
  const [resTs, scoreText] = readColumns(resPath, ['timestamp', 'anomaly_score']);
  if (scoreText.length !== keys.length)
    throw new NabScoreError(`${resPath} has ${scoreText.length} rows but ${dataPath} has ${keys.length}`);
  const bad: number[] = [];
  for (let k = 0; k < keys.length; k++) if (tsText[k] !== resTs[k] && keys[k] !== pyDatetimeKey(resTs[k])) bad.push(k);
  if (bad.length > 0) {
    const k = bad[0];
    const msg =
      `${bad.length} row(s) of ${resPath} have timestamps differing from ${dataPath} (first: ` +
      `row ${k}, data '${tsText[k]}' vs results '${resTs[k]}'); rows are aligned by position`;
    if (options.strictTimestamps) throw new NabScoreError(msg);
    warnings.push(msg);
  }
  const scores = scoreText.map((s, k) => {
    let v: number;
    try {
      v = pyFloat(s);
    } catch {
      throw new NabScoreError(`bad anomaly_score '${s}' at row ${k} of ${resPath}`);
    }
    if (Number.isNaN(v)) throw new NabScoreError(`NaN anomaly_score at row ${k} of ${resPath}`);
    return v;
  });
  const spans = windowSpans(rel, keys, windows, pyDatetimeKey);
  return buildFileRows(rel, scores, spans, options.probation ?? DEFAULT_PROBATION);
}

export function readLabels(labelsPath: string): Labels {
  return JSON.parse(readFileSync(labelsPath, 'utf8')) as Labels;
}

/** Score a results folder against a data folder and labels, as `nab_score.py` does. */
export function scoreResultsDir(options: ScoreDirOptions): ScoreDirResult {
  const labels = readLabels(options.labelsPath);
  let rels = Object.keys(labels).sort();
  if (options.files) rels = selectFiles(new Set(rels), options.files);
  if (rels.length === 0) throw new NabScoreError('no files to score');
  const warnings: string[] = [];
  const files = rels.map((rel) => loadFile(rel, options, labels[rel], warnings));
  return { ...scoreFiles(files, { profiles: options.profiles, threshold: options.threshold }), warnings };
}
