import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { AppError } from '../../errors';
import { parseTimestamp } from './timestamp';

export interface BadRow {
  line: number;
  reason: string;
}

export interface RangeRead {
  /** Rows inside [startMs, endMs], ascending by time; a repeated timestamp keeps its last row. */
  points: Array<[timestampMs: number, value: number]>;
  /** Good rows in the whole file, and the span they cover (undefined when none). */
  rows: number;
  firstMs?: number;
  lastMs?: number;
  /** Rows skipped because they did not parse; the first few, for the message. */
  badRows: number;
  examples: BadRow[];
  /** The rows in range were not in time order (they were sorted). */
  unsorted: boolean;
}

const MAX_EXAMPLES = 3;

function cells(line: string): string[] {
  return line.split(',').map((c) =>
    c
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .trim(),
  );
}

/**
 * Read a `timestamp,value` CSV line by line, keeping only the rows in range, so a file far bigger
 * than memory can be queried. Extra columns are ignored (so `detect` output reads too). Rows that
 * do not parse are skipped and counted; a wrong header is an error.
 */
export async function readRange(file: string, startMs: number, endMs: number): Promise<RangeRead> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const kept: Array<[number, number]> = [];
  const result: RangeRead = { points: [], rows: 0, badRows: 0, examples: [], unsorted: false };
  const bad = (line: number, reason: string) => {
    result.badRows += 1;
    if (result.examples.length < MAX_EXAMPLES) result.examples.push({ line, reason });
  };
  let lineNo = 0;
  let header = false;
  try {
    for await (const raw of lines) {
      lineNo += 1;
      const line = (lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw).trim();
      if (line === '') continue;
      const [first = '', second = ''] = cells(line);
      if (!header) {
        if (first.toLowerCase() !== 'timestamp' || second.toLowerCase() !== 'value') {
          throw new AppError(
            'bad_request',
            `${file}: line ${lineNo} should be the header "timestamp,value", ` +
              `got "${line.length > 60 ? `${line.slice(0, 60)}…` : line}"`,
          );
        }
        header = true;
        continue;
      }
      const t = parseTimestamp(first);
      if (t === undefined) {
        bad(lineNo, `timestamp "${first}" is not ISO 8601, YYYY-MM-DD HH:MM:SS or unix seconds`);
        continue;
      }
      const value = second === '' ? NaN : Number(second);
      if (!Number.isFinite(value)) {
        bad(lineNo, `value "${second}" is not a finite number`);
        continue;
      }
      result.rows += 1;
      if (result.firstMs === undefined || t < result.firstMs) result.firstMs = t;
      if (result.lastMs === undefined || t > result.lastMs) result.lastMs = t;
      if (t < startMs || t > endMs) continue;
      const previous = kept.at(-1);
      if (previous !== undefined && t < previous[0]) result.unsorted = true;
      kept.push([t, value]);
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new AppError(
      'unavailable',
      `cannot read ${file}: ${code ?? (err instanceof Error ? err.message : String(err))}`,
      { cause: err },
    );
  } finally {
    lines.close();
    stream.destroy();
  }
  if (!header)
    throw new AppError(
      'bad_request',
      `${file}: the file is empty; expected the header "timestamp,value" and one row per sample`,
    );
  if (result.unsorted) kept.sort((a, b) => a[0] - b[0]); // stable: equal timestamps keep file order
  for (const point of kept) {
    const last = result.points.at(-1);
    if (last !== undefined && last[0] === point[0]) last[1] = point[1];
    else result.points.push(point);
  }
  return result;
}
