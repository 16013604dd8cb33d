/**
 * Streaming CSV in and out for `smartcloudops detect`: reads `timestamp,value` line by line and
 * writes `timestamp,value,anomaly_score` (NAB layout), one row per input row, in input order,
 * with the timestamp and value echoed exactly as given. Memory stays flat whatever the file size:
 * one input chunk and one output batch at a time, the reader paused while the output drains.
 */
import { createReadStream, createWriteStream, unlinkSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { AppError } from '../errors';
import type { LearnedChannel } from './learned';
import { scoreChunkScores } from './run';
import type { StreamDetector } from './types';
import { readLines, type LineReader } from './io/lines';
import { parseTimestampMs } from './io/timestamp';

export { parseTimestampMs };

/** Bad input the user can fix (empty file, wrong header, unreadable file): shown as one sentence. */
export class CsvInputError extends AppError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('bad_request', message, options);
    this.name = 'CsvInputError';
  }
}

export interface DetectCsvStats {
  /** Data rows read and written. */
  rows: number;
  /** Rows whose value is not a finite number: written with anomaly_score 0. */
  nonNumeric: number;
  /** Rows whose timestamp is not a date-time or unix time: written with anomaly_score 0. */
  badTimestamps: number;
  /** Rows with a timestamp earlier than the row before (processed in file order all the same). */
  outOfOrder: number;
  /** Rows with the same timestamp as the row before. */
  repeated: number;
  /** 1-based line of the first row of each kind, for the message. */
  firstLine: { nonNumeric?: number; badTimestamps?: number; outOfOrder?: number; repeated?: number };
}

/**
 * A stream in place of a file (`detect --input -` / `--output -`): named in messages, never closed or deleted by us.
 */
export interface NamedStream<S> {
  stream: S;
  name: string;
}

export interface DetectCsvOptions {
  input: string | NamedStream<Readable>;
  output: string | NamedStream<Writable>;
  detector: StreamDetector;
  /** The detector's learned (ONNX) channel; without it that channel stays silent. */
  learned?: LearnedChannel;
  /** Rows scored together (one ONNX call per chunk; default 4096). */
  chunkRows?: number;
  /** Output batch size in characters before a write (default 64 KiB). */
  batchChars?: number;
}

export const OUTPUT_HEADER = 'timestamp,value,anomaly_score';

const NUMBER = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/** A finite number from the value field (plain decimal or exponent notation), else NaN. */
export function parseValue(text: string): number {
  const t = text.length > 1 && text.charCodeAt(0) === 34 && text.endsWith('"') ? text.slice(1, -1) : text;
  return NUMBER.test(t) ? Number(t) : NaN;
}

/**
 * Splits a row into the raw timestamp field and the raw rest (the value; anything after a second
 * unquoted comma stays in it, so a malformed row reads as a non-numeric value).
 */
function splitRow(line: string): [string, string] {
  if (line.charCodeAt(0) === 34) {
    const close = line.indexOf('",', 1);
    if (close >= 0) return [line.slice(0, close + 1), line.slice(close + 2)];
  }
  const comma = line.indexOf(',');
  return comma < 0 ? [line, ''] : [line.slice(0, comma), line.slice(comma + 1)];
}

function unquote(field: string): string {
  const t = field.trim();
  return t.length > 1 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replace(/""/g, '"') : t;
}

/** The raw field as a valid CSV field (quoted if it holds a comma or quote that is not already quoted). */
function csvField(raw: string): string {
  if (!/[",\r\n]/.test(raw) || /^"(?:[^"]|"")*"$/.test(raw)) return raw;
  return `"${raw.replace(/"/g, '""')}"`;
}

function describeOpenError(path: string, err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EISDIR'
          ? 'it is a directory'
          : err instanceof Error
            ? err.message
            : String(err);
  return `${path}: ${why}`;
}

/** Formats a score for the output: finite and clamped to [0, 1], shortest round-trip text. */
function formatScore(score: number): string {
  if (!(score > 0)) return '0';
  return score >= 1 ? '1' : String(score);
}

/** One detectCsv run: its options, its streams and how far it got. */
interface CsvRun {
  options: DetectCsvOptions;
  input: string;
  output: string;
  outputFile: string | undefined;
  batchChars: number;
  chunkRows: number;
  stats: DetectCsvStats;
  source: Readable;
  lines: LineReader;
  out: Writable | null;
  batch: string;
  headerSeen: boolean;
  lineNo: number;
  prevTs: number;
  settled: boolean;
  outOpened: boolean;
  waiting: boolean;
  /** Rows are scored a chunk at a time (the learned channel is one ONNX call per chunk), in order. */
  chunk: Chunk;
  scoring: Promise<void>;
  chunksInFlight: number;
  resolve: (stats: DetectCsvStats) => void;
  reject: (err: unknown) => void;
}

function fail(r: CsvRun, err: unknown): void {
  if (r.settled) return;
  r.settled = true;
  r.lines.close();
  if (typeof r.options.input === 'string') r.source.destroy();
  if (r.out && r.outputFile !== undefined) {
    r.out.destroy();
    if (r.outOpened) {
      try {
        unlinkSync(r.outputFile); // no half-written output left behind
      } catch {
        // already gone
      }
    }
  }
  r.reject(err);
}

function readError(r: CsvRun, err: unknown): void {
  fail(r, new CsvInputError(`cannot read ${describeOpenError(r.input, err)}`, { cause: err }));
}

function flush(r: CsvRun): void {
  if (!r.out || r.batch === '') return;
  const ok = r.out.write(r.batch);
  r.batch = '';
  if (!ok && !r.waiting) {
    // backpressure: stop reading until the output has drained (lines already split still come)
    r.waiting = true;
    r.lines.pause();
    r.out.once('drain', () => {
      r.waiting = false;
      r.lines.resume();
    });
  }
}

function openOutput(r: CsvRun): Writable {
  const { options, output } = r;
  if (typeof options.output !== 'string') {
    const stream = options.output.stream;
    stream.on('error', (err) =>
      fail(r, new CsvInputError(`cannot write ${describeOpenError(output, err)}`, { cause: err })),
    );
    return stream;
  }
  const stream = createWriteStream(options.output);
  stream.once('open', () => (r.outOpened = true));
  stream.on('error', (err) =>
    fail(r, new CsvInputError(`cannot write ${describeOpenError(output, err)}`, { cause: err })),
  );
  return stream;
}

function note(r: CsvRun, kind: keyof DetectCsvStats['firstLine']): void {
  r.stats[kind]++;
  r.stats.firstLine[kind] ??= r.lineNo;
}

function scoreRows(r: CsvRun, c: Chunk): void {
  const { options } = r;
  r.chunksInFlight++;
  if (r.chunksInFlight > 1) r.lines.pause(); // one chunk waits at most; the reader resumes when it starts
  r.scoring = r.scoring
    .then(async () => {
      if (r.settled) return;
      const scores = await scoreChunkScores(
        options.detector,
        options.learned,
        c.ts.subarray(0, c.size),
        c.values.subarray(0, c.size),
      );
      for (let i = 0; i < scores.length; i++) {
        r.batch += `${c.text[i]},${formatScore(scores[i])}\n`;
        if (r.batch.length >= r.batchChars) flush(r);
      }
      r.chunksInFlight--;
      if (r.chunksInFlight <= 1 && !r.waiting) r.lines.resume();
    })
    .catch((err: unknown) => fail(r, err));
}

function onRow(r: CsvRun, line: string): void {
  const [tsRaw, valueRaw] = splitRow(line);
  const ts = parseTimestampMs(tsRaw.charCodeAt(0) === 34 ? unquote(tsRaw) : tsRaw);
  const value = parseValue(valueRaw);
  if (Number.isNaN(ts)) note(r, 'badTimestamps');
  else {
    if (ts < r.prevTs) note(r, 'outOfOrder');
    else if (ts === r.prevTs) note(r, 'repeated');
    r.prevTs = ts;
  }
  if (Number.isNaN(value)) note(r, 'nonNumeric');
  r.stats.rows++;
  const { chunk } = r;
  chunk.ts[chunk.size] = ts;
  chunk.values[chunk.size] = value;
  const field = csvField(valueRaw);
  // The row as written back: the line itself when it reads so already (most rows; no new string).
  const same = field === valueRaw && tsRaw.length + 1 + valueRaw.length === line.length;
  chunk.text[chunk.size++] = same ? line : `${tsRaw},${field}`;
  if (chunk.size === r.chunkRows) {
    scoreRows(r, chunk);
    r.chunk = newChunk(r.chunkRows);
  }
}

function onLine(r: CsvRun, raw: string): void {
  if (r.settled) return;
  r.lineNo++;
  try {
    const line = r.lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
    if (line.trim() === '') return;
    if (!r.headerSeen) {
      const header = line.split(',').map(unquote);
      if (header.length !== 2 || header[0].toLowerCase() !== 'timestamp' || header[1].toLowerCase() !== 'value') {
        const got = line.length > 80 ? `${line.slice(0, 80)}…` : line;
        fail(r, new CsvInputError(`${r.input}: the first line must be the header "timestamp,value", got "${got}"`));
        return;
      }
      r.headerSeen = true;
      return;
    }
    if (!r.out) {
      r.out = openOutput(r);
      r.batch = `${OUTPUT_HEADER}\n`;
    }
    onRow(r, line);
  } catch (err) {
    fail(r, err);
  }
}

function onClose(r: CsvRun): void {
  if (r.settled) return;
  if (!r.headerSeen)
    return fail(r, new CsvInputError(`${r.input} is empty: expected a header line "timestamp,value" and data rows`));
  if (!r.out) return fail(r, new CsvInputError(`${r.input} has a header but no data rows`));
  const stream = r.out;
  if (r.chunk.size > 0) scoreRows(r, r.chunk);
  r.scoring.then(
    () => {
      if (r.settled) return;
      flush(r);
      // end()'s callback also runs on a write error (before or after 'error'): only a clean finish resolves.
      stream.end((err?: Error | null) => {
        if (err) return fail(r, new CsvInputError(`cannot write ${describeOpenError(r.output, err)}`, { cause: err }));
        if (r.settled) return;
        r.settled = true;
        r.resolve(r.stats);
      });
    },
    (err: unknown) => fail(r, err),
  );
}

/**
 * Score every row of `input` with `detector` and write the NAB-layout `output`. Resolves with
 * counts of what was odd in the input; rejects with a CsvInputError when the input cannot be used
 * (missing, unreadable, empty, no data rows, wrong header) or the output cannot be written, in
 * which case no output file is left behind.
 */
export function detectCsv(options: DetectCsvOptions): Promise<DetectCsvStats> {
  const input = typeof options.input === 'string' ? options.input : options.input.name;
  const output = typeof options.output === 'string' ? options.output : options.output.name;
  const outputFile = typeof options.output === 'string' ? options.output : undefined;
  const batchChars = options.batchChars ?? 64 * 1024;
  const chunkRows = options.chunkRows ?? 4096;
  const stats: DetectCsvStats = { rows: 0, nonNumeric: 0, badTimestamps: 0, outOfOrder: 0, repeated: 0, firstLine: {} };

  return new Promise<DetectCsvStats>((resolve, reject) => {
    const source =
      typeof options.input === 'string'
        ? createReadStream(options.input, { highWaterMark: 64 * 1024 })
        : options.input.stream;
    const lines = readLines(source, { line: (raw) => onLine(r, raw), end: () => onClose(r) });
    const r: CsvRun = {
      options,
      input,
      output,
      outputFile,
      batchChars,
      chunkRows,
      stats,
      source,
      lines,
      out: null,
      batch: '',
      headerSeen: false,
      lineNo: 0,
      prevTs: NaN,
      settled: false,
      outOpened: false,
      waiting: false,
      chunk: newChunk(chunkRows),
      scoring: Promise.resolve(),
      chunksInFlight: 0,
      resolve,
      reject,
    };
    source.on('error', (err: unknown) => readError(r, err));
  });
}

interface Chunk {
  size: number;
  ts: Float64Array;
  values: Float64Array;
  /** The row's timestamp and value fields as written back. */
  text: string[];
}

function newChunk(rows: number): Chunk {
  return { size: 0, ts: new Float64Array(rows), values: new Float64Array(rows), text: new Array<string>(rows) };
}
