/**
 * `smartcloudops detect` through the built CLI (npm test builds dist/ first): NAB layout out, one
 * row per input row in order, exact timestamps; documented exit codes and one-sentence messages
 * for bad input; flat memory on a large file.
 */
import { once } from 'node:events';
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nabPaths } from '../../bench/nab/paths';
import { parseTimestampMs } from '../../src/anomaly/csv-io';
import { runCli, type RunResult } from '../helpers/cli';

const dir = mkdtempSync(join(tmpdir(), 'sco-detect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function rows(path: string): string[][] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split(/\r?\n/)
    .map((l) => l.split(','));
}

function expectNoStack(r: RunResult): void {
  expect(r.stderr).not.toMatch(/\n\s+at .+:\d+/);
  expect(r.stderr).not.toMatch(/Error:/);
}

async function detect(
  input: string,
  output: string,
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<RunResult> {
  const r = await runCli(['detect', '--input', input, '--output', output], { env, timeoutMs });
  expectNoStack(r);
  return r;
}

const SUMMARY = new RegExp(
  String.raw`^smartcloudops detect: ([\d,]+) rows? in [\d.]+ s \(([\d,]+) points\/s\), ` +
    String.raw`([\d,]+) warnings?, peak RSS (\d+) MB -> `,
  'm',
);

describe('smartcloudops detect (built CLI)', () => {
  it('scores a NAB file: NAB layout, one row per input row in order, exact timestamps, scores in [0,1]', async () => {
    // a real NAB file with repeated timestamps
    const input = join(nabPaths().dataDir, 'realAdExchange', 'exchange-2_cpc_results.csv');
    const output = join(dir, 'exchange.out.csv');
    const r = await detect(input, output);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const inRows = rows(input);
    const outRows = rows(output);
    expect(outRows[0]).toEqual(['timestamp', 'value', 'anomaly_score']);
    expect(outRows).toHaveLength(inRows.length);
    for (let i = 1; i < inRows.length; i++) {
      expect(outRows[i].slice(0, 2)).toEqual(inRows[i]);
      const score = Number(outRows[i][2]);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(1);
    }
    const m = SUMMARY.exec(r.stderr);
    expect(m?.[1]).toBe((inRows.length - 1).toLocaleString('en-US'));
    expect(r.stderr).toMatch(
      /warning: \d+ rows? repeating the timestamp of the row before \(first at line \d+\): processed in file order/,
    );
  });

  it('accepts ISO 8601 and unix seconds / milliseconds and echoes them as given', async () => {
    const lines = [
      '2024-03-01T10:00:00Z',
      '2024-03-01T10:00:30.250+00:00',
      '2024-03-01 10:01:00',
      '1709287290',
      '1709287320000',
      '1709287350.5',
      '2024-03-01T11:03:00+01:00',
    ];
    const input = file('mixed.csv', `timestamp,value\n${lines.map((t, i) => `${t},${i + 0.5}`).join('\n')}\n`);
    const output = join(dir, 'mixed.out.csv');
    const r = await detect(input, output);
    expect(r.code).toBe(0);
    expect(
      rows(output)
        .slice(1)
        .map((c) => c[0]),
    ).toEqual(lines);
    expect(r.stderr).not.toContain('warning:');
    expect(SUMMARY.exec(r.stderr)?.[3]).toBe('0');
  });

  it('an empty file exits 1 with a message and writes no output', async () => {
    const output = join(dir, 'empty.out.csv');
    const r = await detect(file('empty.csv', ''), output);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^smartcloudops detect: .*empty\.csv is empty: expected a header line "timestamp,value" and data rows\n$/,
    );
    expect(existsSync(output)).toBe(false);
  });

  it('a header without rows exits 1', async () => {
    const output = join(dir, 'header.out.csv');
    const r = await detect(file('header.csv', 'timestamp,value\n\n'), output);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/header\.csv has a header but no data rows\n$/);
    expect(existsSync(output)).toBe(false);
  });

  it('a header that is not timestamp,value exits 1 and quotes it', async () => {
    const r = await detect(
      file('badheader.csv', 'time,val,extra\n2024-01-01 00:00:00,1,2\n'),
      join(dir, 'badheader.out.csv'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the first line must be the header "timestamp,value", got "time,val,extra"');
  });

  it('non-numeric and NaN values are written with score 0 and counted in a warning', async () => {
    const body = [
      '2024-01-01 00:00:00,1',
      '2024-01-01 00:01:00,NaN',
      '2024-01-01 00:02:00,abc',
      '2024-01-01 00:03:00,',
      '2024-01-01 00:04:00,2.5',
      '2024-01-01 00:05:00,"1,5"',
    ];
    const output = join(dir, 'nan.out.csv');
    const r = await detect(file('nan.csv', `timestamp,value\n${body.join('\n')}\n`), output);
    expect(r.code).toBe(0);
    const out = readFileSync(output, 'utf8').trimEnd().split('\n');
    expect(out).toEqual(['timestamp,value,anomaly_score', ...body.map((l) => `${l},0`)]);
    expect(r.stderr).toContain(
      'warning: 4 rows with a value that is not a number (first at line 3): written with anomaly_score 0',
    );
    expect(SUMMARY.exec(r.stderr)?.[3]).toBe('4');
  });

  it('unsorted and repeated timestamps are processed in file order, counted and reported', async () => {
    const body = [
      '2024-01-01 00:00:00,1',
      '2024-01-01 00:05:00,2',
      '2024-01-01 00:05:00,3',
      '2024-01-01 00:01:00,4',
      '2024-01-01 00:10:00,5',
      'yesterday,6',
    ];
    const output = join(dir, 'order.out.csv');
    const r = await detect(file('order.csv', `timestamp,value\r\n${body.join('\r\n')}\r\n`), output);
    expect(r.code).toBe(0);
    expect(
      rows(output)
        .slice(1)
        .map((c) => c.slice(0, 2).join(',')),
    ).toEqual(body);
    expect(r.stderr).toContain('warning: 1 row earlier than the row before (first at line 5): processed in file order');
    expect(r.stderr).toContain(
      'warning: 1 row repeating the timestamp of the row before (first at line 4): processed in file order',
    );
    expect(r.stderr).toContain(
      'warning: 1 row with an unreadable timestamp (first at line 7): written with anomaly_score 0',
    );
  });

  it('a missing or unreadable input exits 1 naming the file', async () => {
    const missing = await detect(join(dir, 'nope.csv'), join(dir, 'nope.out.csv'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^smartcloudops detect: cannot read .*nope\.csv: no such file\n$/);
    const directory = await detect(dir, join(dir, 'dir.out.csv'));
    expect(directory.code).toBe(1);
    expect(directory.stderr).toContain('it is a directory');
  });

  it('an unwritable output exits 1 naming the file', async () => {
    const r = await detect(
      file('ok.csv', 'timestamp,value\n2024-01-01 00:00:00,1\n'),
      join(dir, 'no-such-dir', 'out.csv'),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/cannot write .*out\.csv: no such file/);
  });

  describe('issue 13.18: `-` is standard input and output', () => {
    const csv = 'timestamp,value\n2024-01-01 00:00:00,1\n2024-01-01 00:05:00,2.5\n2024-01-01 00:10:00,x\n';
    const cwd = () => mkdtempSync(join(dir, 'stdio-'));

    it('--output - writes the scores to stdout (the summary to stderr) and no file named -', async () => {
      const where = cwd();
      const r = await runCli(['detect', '--input', file('stdio.csv', csv), '--output', '-'], { cwd: where });
      expectNoStack(r);
      expect(r.code).toBe(0);
      const out = r.stdout
        .trimEnd()
        .split('\n')
        .map((l) => l.split(','));
      expect(out[0]).toEqual(['timestamp', 'value', 'anomaly_score']);
      expect(out.slice(1).map((c) => c.slice(0, 2))).toEqual([
        ['2024-01-01 00:00:00', '1'],
        ['2024-01-01 00:05:00', '2.5'],
        ['2024-01-01 00:10:00', 'x'],
      ]);
      expect(out.slice(1).every((c) => Number(c[2]) >= 0 && Number(c[2]) <= 1)).toBe(true);
      expect(r.stderr).toMatch(/3 rows in .* -> standard output/);
      expect(existsSync(join(where, '-'))).toBe(false);
    });

    it('--input - reads stdin; both at once make a filter; bad stdin is one sentence and exit 1', async () => {
      const where = cwd();
      const piped = await runCli(['detect', '--input', '-', '--output', '-'], { input: csv, cwd: where });
      expect(piped.code).toBe(0);
      expect(piped.stdout.split('\n')[0]).toBe('timestamp,value,anomaly_score');
      expect(piped.stdout.trimEnd().split('\n')).toHaveLength(4);
      const toFile = join(where, 'from-stdin.csv');
      expect((await runCli(['detect', '--input', '-', '--output', toFile], { input: csv })).code).toBe(0);
      expect(rows(toFile)).toHaveLength(4);
      const empty = await runCli(['detect', '--input', '-', '--output', '-'], { input: '' });
      expect(empty.code).toBe(1);
      expect(empty.stderr).toBe(
        'smartcloudops detect: standard input is empty: expected a header line "timestamp,value" and data rows\n',
      );
      expect(readdirSync(where)).toEqual(['from-stdin.csv']);
    });
  });

  it.each([
    [['detect'], 'missing --input and --output'],
    [['detect', '--input', 'a.csv'], 'missing --output'],
    [['detect', '--output', 'b.csv'], 'missing --input'],
    [['detect', '--input', 'a.csv', '--output', 'b.csv', '--fast'], "Unknown option '--fast'"],
    [['detect', '--input', 'same.csv', '--output', './same.csv'], '--input and --output must be different files'],
  ])('usage errors exit 2 with the usage: %j', async (args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`smartcloudops detect: ${message}`);
    expect(r.stderr).toContain('Usage: smartcloudops detect --input FILE.csv --output FILE.csv');
    expectNoStack(r);
  });

  it('streams a 1,000,000-row file with flat memory (heap capped at 96 MB)', async () => {
    const write = async (name: string, n: number) => {
      const path = join(dir, name);
      const out = createWriteStream(path);
      out.write('timestamp,value\n');
      const t0 = Date.UTC(2020, 0, 1);
      let chunk = '';
      for (let i = 0; i < n; i++) {
        const iso = new Date(t0 + i * 60_000).toISOString();
        chunk +=
          `${iso.slice(0, 10)} ${iso.slice(11, 19)},` +
          `${(50 + 10 * Math.sin(i / 100) + (i % 7919 === 0 ? 40 : 0)).toFixed(3)}\n`;
        if (chunk.length > 1 << 20) {
          if (!out.write(chunk)) await once(out, 'drain');
          chunk = '';
        }
      }
      out.end(chunk);
      await once(out, 'finish');
      return path;
    };
    const env = { NODE_OPTIONS: '--max-old-space-size=96' };
    const small = await detect(await write('small.csv', 50_000), join(dir, 'small.out.csv'), env, 60_000);
    const big = await detect(await write('big.csv', 1_000_000), join(dir, 'big.out.csv'), env, 180_000);
    expect([small.code, big.code]).toEqual([0, 0]);
    let count = 0;
    for await (const line of createInterface({
      input: createReadStream(join(dir, 'big.out.csv')),
      crlfDelay: Infinity,
    }))
      if (line) count++;
    expect(count).toBe(1_000_001);
    const rss = (r: RunResult) => Number(SUMMARY.exec(r.stderr)?.[4]);
    expect(SUMMARY.exec(big.stderr)?.[1]).toBe('1,000,000');
    // 20x the rows, about the same peak memory: nothing grows with the file
    expect(rss(big) - rss(small)).toBeLessThan(40);
  }, 240_000);
});

describe('detect timestamp parsing', () => {
  it.each([
    ['2014-04-10 07:15:00', Date.UTC(2014, 3, 10, 7, 15)],
    ['2014-04-10T07:15:00', Date.UTC(2014, 3, 10, 7, 15)],
    ['2014-04-10T07:15:00.250Z', Date.UTC(2014, 3, 10, 7, 15, 0, 250)],
    ['2014-04-10 07:15:00.000000', Date.UTC(2014, 3, 10, 7, 15)],
    ['2014-04-10T09:15:00+02:00', Date.UTC(2014, 3, 10, 7, 15)],
    ['2014-04-10T02:15-0500', Date.UTC(2014, 3, 10, 7, 15)],
    ['2014-04-10', Date.UTC(2014, 3, 10)],
    ['1397114100', Date.UTC(2014, 3, 10, 7, 15)],
    ['1397114100000', Date.UTC(2014, 3, 10, 7, 15)],
    [' 2014-04-10 07:15:00 ', Date.UTC(2014, 3, 10, 7, 15)],
  ])('%s', (text, ms) => {
    expect(parseTimestampMs(text)).toBe(ms);
  });

  it.each([
    '',
    'yesterday',
    '2014-02-30 00:00:00',
    '2014-13-01 00:00:00',
    '2014-04-10 24:00:00',
    '2014-04-10 07:61:00',
    '2014/04/10 07:15:00',
    '-5',
  ])('rejects %j', (text) => {
    expect(parseTimestampMs(text)).toBeNaN();
  });
});
