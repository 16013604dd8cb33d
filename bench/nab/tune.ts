/**
 * How the detector's defaults were chosen: `node .bench/bench/nab/tune.js '{"tailDepth":5}' ...`
 * scores each option set (JSON: detector options, plus `learned` for the learned channel's) on
 * every shared NAB file, standard profile, threshold optimised, and on two fixed halves of the
 * files with the threshold chosen on the other half (held out: a change that only helps with its
 * own threshold is fitting noise). `--seeds N` averages over N forest seeds (a forest is random).
 * `ANALYZE=1` prints, per file, where each window was first detected and the false positives.
 */
import { parseArgs } from 'node:util';
import { nabPaths } from './paths';
import { loadSeries, scoreSeries, withSeed, type Series, type TuneOptions } from './series';
import { PROFILES, buildFileRows, optimizeThreshold, scoreFiles, type FileRows } from '../../src/anomaly/nab-score';

function normalized(files: FileRows[], threshold?: number): number {
  return scoreFiles(files, { profiles: ['standard'], threshold }).profiles.standard?.normalized ?? NaN;
}

/** Which detector drove each point's score, per file (kept only with ANALYZE=1). */
const drivers = new Map<string, string[]>();

function analyze(files: FileRows[]): void {
  const thr = optimizeThreshold(files, PROFILES.standard);
  const tally = new Map<string, { tp: number; fp: number }>();
  const count = (name: string, key: 'tp' | 'fp') => {
    const t = tally.get(name) ?? { tp: 0, fp: 0 };
    t[key]++;
    tally.set(name, t);
  };
  for (const f of files) {
    // FileRows drop the probation rows: line scores up with the drivers from the end.
    const names = drivers.get(f.rel) ?? [];
    const name = (j: number) => names[names.length - f.scores.length + j] ?? '?';
    const fps: string[] = [];
    for (let j = 0; j < f.scores.length; j++) {
      if (f.scores[j] >= thr && f.window[j] < 0) {
        fps.push(`${j}:${f.shape[j].toFixed(2)}:${name(j)}`);
        count(name(j), 'fp');
      }
    }
    const windows: string[] = [];
    for (let w = 0; w < f.nWindows; w++) {
      let first = -1;
      let start = -1;
      let len = 0;
      let max = 0;
      for (let j = 0; j < f.scores.length; j++) {
        if (f.window[j] !== w) continue;
        if (start < 0) start = j;
        len++;
        max = Math.max(max, f.scores[j]);
        if (first < 0 && f.scores[j] >= thr) first = j;
      }
      if (first >= 0) count(name(first), 'tp');
      windows.push(first < 0 ? `MISS(${start}+${len} max ${max.toFixed(2)})` : `${first - start}/${len}`);
    }
    process.stdout.write(`${f.rel}  windows ${windows.join(' ')}  FP ${fps.join(' ')}\n`);
  }
  for (const [n, t] of tally)
    process.stdout.write(`driver ${n}: ${t.tp} windows first detected, ${t.fp} false positives\n`);
}

async function evaluate(series: Series[], options: TuneOptions) {
  const files: FileRows[] = [];
  for (const s of series) {
    const names: string[] = [];
    if (process.env.ANALYZE) drivers.set(s.rel, names);
    const onDetections = process.env.ANALYZE
      ? (ds: ReadonlyArray<{ detector: string }>) => ds.forEach((d) => names.push(d.detector))
      : undefined;
    files.push(buildFileRows(s.rel, await scoreSeries(s, options, { onDetections }), s.spans));
  }
  if (process.env.ANALYZE) analyze(files);
  const halves = [files.filter((_, i) => i % 2 === 0), files.filter((_, i) => i % 2 === 1)];
  const thr = halves.map((h) => optimizeThreshold(h, PROFILES.standard));
  return { all: normalized(files), heldOut: [normalized(halves[0], thr[1]), normalized(halves[1], thr[0])] };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { seeds: { type: 'string', default: '1' } },
  });
  const seeds = Number(values.seeds);
  const series = loadSeries(nabPaths(process.env.NAB_DIR));
  for (const arg of positionals.length ? positionals : ['{}']) {
    const options = JSON.parse(arg) as TuneOptions;
    const runs = [];
    for (let seed = 1; seed <= (options.learned === false ? 1 : seeds); seed++) {
      runs.push(await evaluate(series, withSeed(options, seed)));
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    process.stdout.write(
      `${mean(runs.map((r) => r.all)).toFixed(2)} (${runs.map((r) => r.all.toFixed(2)).join(' ')})  ` +
        `held-out ${mean(runs.map((r) => r.heldOut[0])).toFixed(1)} ` +
        `/ ${mean(runs.map((r) => r.heldOut[1])).toFixed(1)}  ${arg}\n`,
    );
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
