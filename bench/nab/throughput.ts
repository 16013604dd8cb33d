/**
 * `detect` throughput through the CLI path (spawned `smartcloudops detect`, streaming CSV in and
 * out) on a generated file: points/s on one core (pinned with taskset when available), peak RSS,
 * that every row came out, and the ratio to the CSV streaming alone (same file, same core).
 * `node .bench/bench/nab/throughput.js --rows 10000000` is the 10-million-row flat-memory check.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { printTable, round, tempDir } from '../util';
import { projectRoot } from './paths';

const TARGET_POINTS_PER_S = 200_000;

/** A NAB-format series: daily cycle, noise, a slow drift, rare spikes and level shifts. */
export async function writeSeries(path: string, rows: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('timestamp,value\n');
  let seed = 12345;
  const noise = () => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 4294967296 - 0.5;
  };
  const t0 = Date.UTC(2020, 0, 1);
  let chunk = '';
  let level = 50;
  for (let i = 0; i < rows; i++) {
    if (i % 50_000 === 49_999) level += 15 * noise();
    const spike = i % 9973 === 0 ? 40 : 0;
    const v = level + 10 * Math.sin((2 * Math.PI * i) / 288) + 2 * noise() + spike + i * 1e-6;
    const iso = new Date(t0 + i * 300_000).toISOString();
    chunk += `${iso.slice(0, 10)} ${iso.slice(11, 19)},${v.toFixed(4)}\n`;
    if (chunk.length >= 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

async function countLines(path: string): Promise<number> {
  let n = 0;
  for await (const buf of createReadStream(path)) {
    for (let i = (buf as Buffer).indexOf(10); i >= 0; i = (buf as Buffer).indexOf(10, i + 1)) n++;
  }
  return n;
}

const SUMMARY = /([\d,]+) rows? in ([\d.]+) s \(([\d,]+) points\/s\), ([\d,]+) warnings?, peak RSS (\d+) MB/;

/**
 * What the CSV streaming alone costs: the same file through detect's CSV code (the same build) with a
 * no-op detector, in a child pinned like detect's, so the ratio of the two compares like with like.
 */
async function csvStreamingAlone(pin: string[], input: string, output: string): Promise<number> {
  const script = `const { detectCsv } = require(${JSON.stringify(join(projectRoot(), 'dist', 'anomaly', 'csv-io.js'))});
const [input, output] = process.argv.slice(1);
const started = process.hrtime.bigint();
const detector = { update: () => ({ score: 0, detector: 'none' }) };
detectCsv({ input, output, detector }).then((s) => {
  process.stdout.write(String(Math.round(s.rows / (Number(process.hrtime.bigint() - started) / 1e9))));
});`;
  const [cmd, ...args] = [...pin, process.execPath, '-e', script, input, output];
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  if (code !== 0 || !/^\d+$/.test(stdout)) throw new Error(`CSV-only pass exited ${code}: ${stdout}`);
  return Number(stdout);
}

export async function benchDetectThroughput(options: { rows?: number } = {}): Promise<void> {
  const rows = options.rows ?? 2_000_000;
  const dir = tempDir('sco-bench-detect-');
  const input = join(dir, 'series.csv');
  const output = join(dir, 'scores.csv');
  try {
    await writeSeries(input, rows);
    const bin = join(projectRoot(), 'bin', 'smartcloudops.js');
    const pin = existsSync('/usr/bin/taskset') ? ['taskset', '-c', '0'] : [];
    const [cmd, ...args] = [...pin, process.execPath, bin, 'detect', '--input', input, '--output', output];
    const started = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const [code] = (await once(child, 'close')) as [number | null];
    const wall = Number(process.hrtime.bigint() - started) / 1e9;
    if (code !== 0) throw new Error(`detect exited ${code}: ${stderr.trim()}`);
    const m = SUMMARY.exec(stderr);
    if (!m) throw new Error(`no summary line from detect: ${stderr.trim()}`);
    const pointsPerS = Number(m[3].replace(/,/g, ''));
    const rssMb = Number(m[5]);
    const outRows = (await countLines(output)) - 1;
    const ioPointsPerS = await csvStreamingAlone(pin, input, join(dir, 'io-only.csv'));
    printTable(
      `detect throughput (CLI path, ${rows.toLocaleString('en-US')} generated rows, ` +
        `${(statSync(input).size / 1e6).toFixed(0)} MB in${pin.length ? ', pinned to one core' : ''})`,
      [
        {
          name: 'throughput (in-process timer)',
          value: pointsPerS,
          unit: 'points/s',
          target: `>= ${TARGET_POINTS_PER_S.toLocaleString('en-US')}`,
          pass: pointsPerS >= TARGET_POINTS_PER_S,
        },
        { name: 'wall time incl. start-up', value: round(wall, 2), unit: 's' },
        { name: 'throughput incl. start-up', value: Math.round(rows / wall), unit: 'points/s' },
        { name: 'peak RSS', value: rssMb, unit: 'MB' },
        { name: 'CSV streaming alone (no-op detector)', value: ioPointsPerS, unit: 'points/s' },
        // the same run's two passes: steadier than either figure when other jobs share the cores
        { name: 'detect / CSV streaming alone', value: round(pointsPerS / ioPointsPerS, 3), unit: 'x' },
        { name: 'output rows', value: outRows, target: `= ${rows}`, pass: outRows === rows },
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const { values } = parseArgs({ options: { rows: { type: 'string' } } });
  benchDetectThroughput({ rows: values.rows ? Number(values.rows) : undefined }).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
