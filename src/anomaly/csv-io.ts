/**
 * Streaming CSV in and out for `smartcloudops detect`: reads `timestamp,value` line by line and
 * writes `timestamp,value,anomaly_score` (NAB layout), one row per input row, in input order,
 * with the timestamp and value echoed exactly as given. Memory stays flat whatever the file size:
 * one input chunk and one output batch at a time, the reader paused while the output drains.
 */
import { createReadStream, createWriteStream, unlinkSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { createInterface } from 'node:readline';
import { AppError } from '../errors';
import type { LearnedChannel } from './learned';
import { scoreChunk } from './run';
import type { StreamDetector } from './types';
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

/** A stream in place of a file (`detect --input -` / `--output -`): named in messages, never closed or deleted by us. */
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

/**
 * Score every row of `input` with `detector` and write the NAB-layout `output`. Resolves with
 * counts of what was odd in the input; rejects with a CsvInputError when the input cannot be used
 * (missing, unreadable, empty, no data rows, wrong header) or the output cannot be written, in
 * which case no output file is left behind.
 */
export function detectCsv(options: DetectCsvOptions): Promise<DetectCsvStats> {
  const { detector } = options;
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
    const lines = createInterface({ input: source, crlfDelay: Infinity });
    let out: Writable | null = null;
    let batch = '';
    let headerSeen = false;
    let lineNo = 0;
    let prevTs = NaN;
    let settled = false;
    let outOpened = false;

    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      lines.close();
      if (typeof options.input === 'string') source.destroy();
      if (out && outputFile !== undefined) {
        out.destroy();
        if (outOpened) {
          try {
            unlinkSync(outputFile); // no half-written output left behind
          } catch {
            // already gone
          }
        }
      }
      reject(err);
    };
    const readError = (err: unknown) =>
      fail(new CsvInputError(`cannot read ${describeOpenError(input, err)}`, { cause: err }));

    let waiting = false;
    const flush = () => {
      if (!out || batch === '') return;
      const ok = out.write(batch);
      batch = '';
      if (!ok && !waiting) {
        // backpressure: stop reading until the output has drained (lines already split still come)
        waiting = true;
        lines.pause();
        out.once('drain', () => {
          waiting = false;
          lines.resume();
        });
      }
    };

    const openOutput = (): Writable => {
      if (typeof options.output !== 'string') {
        const stream = options.output.stream;
        stream.on('error', (err) =>
          fail(new CsvInputError(`cannot write ${describeOpenError(output, err)}`, { cause: err })),
        );
        return stream;
      }
      const stream = createWriteStream(options.output);
      stream.once('open', () => (outOpened = true));
      stream.on('error', (err) =>
        fail(new CsvInputError(`cannot write ${describeOpenError(output, err)}`, { cause: err })),
      );
      return stream;
    };

    const note = (kind: keyof DetectCsvStats['firstLine']) => {
      stats[kind]++;
      stats.firstLine[kind] ??= lineNo;
    };

    // Rows are scored a chunk at a time (the learned channel is one ONNX call per chunk), in order.
    let chunk = newChunk(chunkRows);
    let scoring: Promise<void> = Promise.resolve();
    let chunksInFlight = 0;
    const scoreRows = (c: Chunk) => {
      chunksInFlight++;
      if (chunksInFlight > 1) lines.pause(); // one chunk waits at most; the reader resumes when it starts
      scoring = scoring
        .then(async () => {
          if (settled) return;
          const detections = await scoreChunk(
            detector,
            options.learned,
            c.ts.subarray(0, c.size),
            c.values.subarray(0, c.size),
          );
          for (let i = 0; i < detections.length; i++) {
            batch += `${c.text[i]},${formatScore(detections[i].score)}\n`;
            if (batch.length >= batchChars) flush();
          }
          chunksInFlight--;
          if (chunksInFlight <= 1 && !waiting) lines.resume();
        })
        .catch(fail);
    };

    const onRow = (line: string) => {
      const [tsRaw, valueRaw] = splitRow(line);
      const ts = parseTimestampMs(tsRaw.charCodeAt(0) === 34 ? unquote(tsRaw) : tsRaw);
      const value = parseValue(valueRaw);
      if (Number.isNaN(ts)) note('badTimestamps');
      else {
        if (ts < prevTs) note('outOfOrder');
        else if (ts === prevTs) note('repeated');
        prevTs = ts;
      }
      if (Number.isNaN(value)) note('nonNumeric');
      stats.rows++;
      chunk.ts[chunk.size] = ts;
      chunk.values[chunk.size] = value;
      chunk.text[chunk.size++] = `${tsRaw},${csvField(valueRaw)}`;
      if (chunk.size === chunkRows) {
        scoreRows(chunk);
        chunk = newChunk(chunkRows);
      }
    };

    lines.on('line', (raw: string) => {
      if (settled) return;
      lineNo++;
      try {
        const line = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
        if (line.trim() === '') return;
        if (!headerSeen) {
          const header = line.split(',').map(unquote);
          if (header.length !== 2 || header[0].toLowerCase() !== 'timestamp' || header[1].toLowerCase() !== 'value') {
            fail(
              new CsvInputError(
                `${input}: the first line must be the header "timestamp,value", got "${line.length > 80 ? `${line.slice(0, 80)}…` : line}"`,
              ),
            );
            return;
          }
          headerSeen = true;
          return;
        }
        if (!out) {
          out = openOutput();
          batch = `${OUTPUT_HEADER}\n`;
        }
        onRow(line);
      } catch (err) {
        fail(err);
      }
    });

    source.on('error', readError);
    lines.on('error', readError);

    lines.on('close', () => {
      if (settled) return;
      if (!headerSeen)
        return fail(new CsvInputError(`${input} is empty: expected a header line "timestamp,value" and data rows`));
      if (!out) return fail(new CsvInputError(`${input} has a header but no data rows`));
      const stream = out;
      if (chunk.size > 0) scoreRows(chunk);
      scoring.then(() => {
        if (settled) return;
        flush();
        // end()'s callback also runs on a write error (before or after 'error'): only a clean finish resolves.
        stream.end((err?: Error | null) => {
          if (err) return fail(new CsvInputError(`cannot write ${describeOpenError(output, err)}`, { cause: err }));
          if (settled) return;
          settled = true;
          resolve(stats);
        });
      }, fail);
    });
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
