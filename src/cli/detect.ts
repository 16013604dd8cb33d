import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createDetector } from '../anomaly/detector';
import { CsvInputError, detectCsv, type DetectCsvStats } from '../anomaly/csv-io';
import { createLearnedChannel } from '../anomaly/learned';
import { errorMessage } from '../errors';

export const DETECT_USAGE = `Usage: smartcloudops detect --input FILE.csv --output FILE.csv [--onnx-threads N]

Scores a timestamp,value CSV with the streaming anomaly detector and writes
timestamp,value,anomaly_score (NAB layout): one row per input row, in input order.
\`-\` as --input reads standard input; as --output writes standard output (the summary goes to stderr).
--onnx-threads: onnxruntime threads for the learned (ONNX) channel; default 1, 0 = ORT's default.
Timestamps: YYYY-MM-DD HH:MM:SS, ISO 8601, or unix seconds / milliseconds.
Exit codes: 0 done (warnings on stderr), 1 unusable input or output, 2 usage error.`;

export interface DetectOptions {
  input: string;
  output: string;
  onnxThreads: number;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

/** One line per kind of oddity in the input, or none. */
export function describeWarnings(stats: DetectCsvStats): string[] {
  const out: string[] = [];
  const at = (line: number | undefined) => (line === undefined ? '' : ` (first at line ${line})`);
  if (stats.nonNumeric)
    out.push(
      `${plural(stats.nonNumeric, 'row')} with a value that is not a number${at(stats.firstLine.nonNumeric)}: ` +
        'written with anomaly_score 0',
    );
  if (stats.badTimestamps)
    out.push(
      `${plural(stats.badTimestamps, 'row')} with an unreadable timestamp${at(stats.firstLine.badTimestamps)}: ` +
        'written with anomaly_score 0',
    );
  if (stats.outOfOrder)
    out.push(
      `${plural(stats.outOfOrder, 'row')} earlier than the row before${at(stats.firstLine.outOfOrder)}: ` +
        'processed in file order',
    );
  if (stats.repeated)
    out.push(
      `${plural(stats.repeated, 'row')} repeating the timestamp of the row ` +
        `before${at(stats.firstLine.repeated)}: processed in file order`,
    );
  return out;
}

export function warningCount(stats: DetectCsvStats): number {
  return stats.nonNumeric + stats.badTimestamps + stats.outOfOrder + stats.repeated;
}

/** `-` for --input or --output: standard input or output, as Unix tools read it. */
const STDIO = '-';

/** Parse `detect` flags; a usage problem is returned as a message (exit code 2). */
export function parseDetectArgs(args: string[]): { options: DetectOptions } | { help: true } | { problem: string } {
  let values: { input?: string; output?: string; 'onnx-threads'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        input: { type: 'string', short: 'i' },
        output: { type: 'string', short: 'o' },
        'onnx-threads': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    return { problem: errorMessage(err) };
  }
  if (values.help) return { help: true };
  const missing = (['input', 'output'] as const).filter((k) => !values[k]);
  if (missing.length) return { problem: `missing ${missing.map((k) => `--${k}`).join(' and ')}` };
  const input = values.input as string;
  const output = values.output as string;
  if (input !== STDIO && resolve(input) === resolve(output))
    return { problem: '--input and --output must be different files' };
  const threads = values['onnx-threads'] ?? '1';
  if (!/^\d{1,3}$/.test(threads)) return { problem: `--onnx-threads must be a whole number >= 0 (got "${threads}")` };
  return { options: { input, output, onnxThreads: Number(threads) } };
}

/** `smartcloudops detect`: needs no app configuration. Returns the exit code. */
export async function runDetect(args: string[]): Promise<number> {
  const parsed = parseDetectArgs(args);
  if ('help' in parsed) {
    process.stdout.write(`${DETECT_USAGE}\n`);
    return 0;
  }
  if ('problem' in parsed) {
    process.stderr.write(`smartcloudops detect: ${parsed.problem}\n\n${DETECT_USAGE}\n`);
    return 2;
  }
  const { input, output, onnxThreads } = parsed.options;
  const started = process.hrtime.bigint();
  let stats: DetectCsvStats;
  const learned = createLearnedChannel({ intraOpNumThreads: onnxThreads });
  try {
    stats = await detectCsv({
      input: input === STDIO ? { stream: process.stdin, name: 'standard input' } : input,
      output: output === STDIO ? { stream: process.stdout, name: 'standard output' } : output,
      detector: createDetector(),
      learned,
    });
  } catch (err) {
    if (!(err instanceof CsvInputError)) throw err;
    process.stderr.write(`smartcloudops detect: ${err.userMessage}\n`);
    return 1;
  } finally {
    await learned.close();
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  for (const w of describeWarnings(stats)) process.stderr.write(`smartcloudops detect: warning: ${w}\n`);
  const rate = seconds > 0 ? Math.round(stats.rows / seconds) : stats.rows;
  const rssMb = process.resourceUsage().maxRSS / 1024;
  process.stderr.write(
    `smartcloudops detect: ${plural(stats.rows, 'row')} in ${seconds.toFixed(2)} s ` +
      `(${rate.toLocaleString('en-US')} points/s), ${plural(warningCount(stats), 'warning')}, ` +
      `peak RSS ${rssMb.toFixed(0)} MB -> ${output === STDIO ? 'standard output' : output}\n`,
  );
  return 0;
}
