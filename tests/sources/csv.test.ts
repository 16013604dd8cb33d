import { createWriteStream, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/log/logger';
import { buildCatalog, DEFAULT_OBJECTIVES } from '../../src/sources/catalog';
import { CsvSource, parseTimestamp, readRange } from '../../src/sources/csv';
import { testApp } from '../helpers/app';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2024, 0, 15, 10, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'sco-csv-'));
}

function write(dir: string, service: string, signal: string, text: string): string {
  mkdirSync(join(dir, service), { recursive: true });
  const path = join(dir, service, `${signal}.csv`);
  writeFileSync(path, text);
  return path;
}

function capturedLog() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (c: Buffer) => {
    for (const line of c.toString().split('\n'))
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { log: createLogger({ level: 'debug', format: 'json', stream }), lines };
}

describe('CSV timestamps', () => {
  it('reads ISO 8601, YYYY-MM-DD HH:MM:SS and unix seconds, all as UTC unless a zone is given', () => {
    expect(parseTimestamp('2024-01-15T10:00:00Z')).toBe(T0);
    expect(parseTimestamp('2024-01-15T10:00:00')).toBe(T0);
    expect(parseTimestamp('2024-01-15 10:00:00')).toBe(T0);
    expect(parseTimestamp('2024-01-15T12:00:00+02:00')).toBe(T0);
    expect(parseTimestamp('2024-01-15T05:30:00-0430')).toBe(T0);
    expect(parseTimestamp('2024-01-15T10:00:00.250Z')).toBe(T0 + 250);
    expect(parseTimestamp('2024-01-15T10:00')).toBe(T0);
    expect(parseTimestamp('2024-01-15')).toBe(Date.UTC(2024, 0, 15));
    expect(parseTimestamp(String(T0 / 1000))).toBe(T0);
    expect(parseTimestamp(`${T0 / 1000}.5`)).toBe(T0 + 500);
    expect(parseTimestamp(String(T0))).toBe(T0); // milliseconds, by size
  });

  it('refuses what is not a time', () => {
    for (const bad of [
      '',
      'yesterday',
      '2024-02-30 10:00:00',
      '2024-01-15 25:00:00',
      '15/01/2024 10:00',
      '-5',
      '2024-01-15T10:00:00+2',
    ]) {
      expect(parseTimestamp(bad)).toBeUndefined();
    }
  });
});

describe('CsvSource', () => {
  let dir: string;
  beforeEach(() => {
    dir = tempDir();
    const rows = Array.from(
      { length: 120 },
      (_, i) =>
        `${iso(T0 + i * MIN)
          .replace('T', ' ')
          .slice(0, 19)},${100 + i}`,
    );
    write(dir, 'checkout-api', 'latency_p99', ['timestamp,value', ...rows].join('\n'));
    write(dir, 'payments', 'cpu', 'timestamp,value\n');
    mkdirSync(join(dir, 'Not A Service'));
    mkdirSync(join(dir, '.hidden'));
    writeFileSync(join(dir, 'README.txt'), 'not a service');
  });

  it('lists sub-folders as services, with catalog objectives when the catalog names them', async () => {
    const { log, lines } = capturedLog();
    const services = buildCatalog({
      services: [
        { name: 'checkout-api', description: 'Checkout.', objectives: { latency_p99_ms: 700, availability: 0.999 } },
        { name: 'elsewhere' },
      ],
    });
    const source = new CsvSource({ dir, services, log });
    expect(source.kind).toBe('csv');
    expect(await source.services()).toEqual([
      {
        name: 'checkout-api',
        description: 'Checkout.',
        objectives: { ...DEFAULT_OBJECTIVES, latency_p99_ms: 700, availability: 0.999 },
      },
      { name: 'payments', description: `CSV data in ${join(dir, 'payments')}`, objectives: { ...DEFAULT_OBJECTIVES } },
    ]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', folder: 'Not A Service' }));
    await expect(source.check()).resolves.toBeUndefined();
  });

  it('returns the rows in range, inclusive, with the native step', async () => {
    const source = new CsvSource({ dir });
    const series = await source.query({
      service: 'checkout-api',
      signal: 'latency_p99',
      startMs: T0 + 10 * MIN,
      endMs: T0 + 20 * MIN,
    });
    expect(series).toMatchObject({ service: 'checkout-api', signal: 'latency_p99', unit: 'ms', stepMs: MIN });
    expect(series.points).toHaveLength(11);
    expect(series.points[0]).toEqual([T0 + 10 * MIN, 110]);
    expect(series.points.at(-1)).toEqual([T0 + 20 * MIN, 120]);
  });

  it('averages rows per step when stepMs is given', async () => {
    const source = new CsvSource({ dir });
    const series = await source.query({
      service: 'checkout-api',
      signal: 'latency_p99',
      startMs: T0,
      endMs: T0 + 59 * MIN,
      stepMs: 15 * MIN,
    });
    expect(series.stepMs).toBe(15 * MIN);
    // (T-15m, T]: the first bucket holds only T0; the rows after T0+45m are an incomplete step.
    expect(series.points).toEqual([
      [T0, 100],
      [T0 + 15 * MIN, 108],
      [T0 + 30 * MIN, 123],
      [T0 + 45 * MIN, 138],
    ]);
  });

  it('skips and counts bad rows, sorts unsorted rows, keeps the last of a repeated time', async () => {
    const file = write(
      dir,
      'search',
      'error_rate',
      [
        '\uFEFFTimestamp,Value,anomaly_score',
        `${T0 / 1000 + 120},0.3,0`,
        `${iso(T0)},0.1,0`,
        'not-a-time,0.5',
        `${iso(T0 + MIN)},lots`,
        '',
        `"${iso(T0 + MIN)}","0.2"`,
        `${iso(T0 + MIN)},0.25`,
        `${iso(T0 + 3 * MIN)},NaN`,
        `${iso(T0 + 10 * HOUR)},0.9`,
      ].join('\r\n'),
    );
    const { log, lines } = capturedLog();
    const source = new CsvSource({ dir, log });
    const series = await source.query({ service: 'search', signal: 'error_rate', startMs: T0, endMs: T0 + HOUR });
    expect(series.points).toEqual([
      [T0, 0.1],
      [T0 + MIN, 0.25],
      [T0 + 2 * MIN, 0.3],
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'csv rows skipped',
        file,
        skipped: 3,
        examples: [
          'line 4: timestamp "not-a-time" is not ISO 8601, YYYY-MM-DD HH:MM:SS or unix seconds',
          'line 5: value "lots" is not a finite number',
          'line 9: value "NaN" is not a finite number',
        ],
      }),
    );
  });

  it('a missing file, an unknown service, a bad header and an empty range are clear errors', async () => {
    const source = new CsvSource({ dir, clock: () => T0 + 50 * HOUR });
    await expect(
      source.query({ service: 'checkout-api', signal: 'cpu', startMs: T0, endMs: T0 + HOUR }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message:
        `no CSV file for checkout-api cpu: expected ${join(dir, 'checkout-api', 'cpu.csv')} with the header ` +
        'timestamp,value',
    });
    await expect(
      source.query({ service: 'inventory', signal: 'cpu', startMs: T0, endMs: T0 + HOUR }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message: 'unknown service "inventory"; known: checkout-api, payments',
    });
    const bad = write(dir, 'checkout-api', 'memory', 'time;value\n2024-01-15 10:00:00;1\n');
    await expect(
      source.query({ service: 'checkout-api', signal: 'memory', startMs: T0, endMs: T0 + HOUR }),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: `${bad}: line 1 should be the header "timestamp,value", got "time;value"`,
    });
    write(dir, 'checkout-api', 'request_rate', '');
    await expect(
      source.query({ service: 'checkout-api', signal: 'request_rate', startMs: T0, endMs: T0 + HOUR }),
    ).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('the file is empty') });
    await expect(
      source.query({ service: 'checkout-api', signal: 'latency_p99', startMs: T0 + 49 * HOUR, endMs: T0 + 50 * HOUR }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message:
        'no data for checkout-api latency_p99 in the last 1h: ' +
        'the file covers 2024-01-15T10:00:00.000Z to 2024-01-15T11:59:00.000Z ' +
        `(${join(dir, 'checkout-api', 'latency_p99.csv')})`,
    });
    await expect(
      source.query({ service: 'payments', signal: 'cpu', startMs: T0, endMs: T0 + HOUR }),
    ).rejects.toMatchObject({ code: 'not_found', message: expect.stringContaining('the file has no readable rows') });
    await expect(readRange(join(dir, 'gone.csv'), 0, 1)).rejects.toMatchObject({
      code: 'unavailable',
      message: `cannot read ${join(dir, 'gone.csv')}: ENOENT`,
    });
  });

  it('refuses a directory that does not exist, at construction', () => {
    expect(() => new CsvSource({ dir: join(dir, 'nope') })).toThrow(
      expect.objectContaining({ code: 'config_invalid', message: expect.stringContaining('is not a directory') }),
    );
  });

  it('streams a big file and keeps only the range', async () => {
    const path = join(dir, 'checkout-api', 'request_rate.csv');
    const out = createWriteStream(path);
    out.write('timestamp,value\n');
    const rows = 300_000;
    for (let i = 0; i < rows; i += 1) out.write(`${(T0 + i * 10_000) / 1000},${i % 97}\n`);
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    const source = new CsvSource({ dir });
    const series = await source.query({
      service: 'checkout-api',
      signal: 'request_rate',
      startMs: T0 + 100 * HOUR,
      endMs: T0 + 101 * HOUR,
    });
    expect(series.points).toHaveLength(361);
    expect(series.stepMs).toBe(10_000);
    expect(series.points[0]).toEqual([T0 + 100 * HOUR, 36_000 % 97]);
  });
});

describe('createSource wiring (METRICS_SOURCE=csv:DIR)', () => {
  it('builds a CsvSource over the folder', async () => {
    const dir = tempDir();
    write(dir, 'checkout-api', 'cpu', `timestamp,value\n${iso(T0)},0.5\n`);
    const { app } = await testApp({ METRICS_SOURCE: `csv:${dir}` });
    try {
      expect(app.source.kind).toBe('csv');
      expect((await app.source.services()).map((s) => s.name)).toEqual(['checkout-api']);
      expect(
        (await app.source.query({ service: 'checkout-api', signal: 'cpu', startMs: T0, endMs: T0 })).points,
      ).toEqual([[T0, 0.5]]);
    } finally {
      await app.close();
    }
  });
});
