import { Resvg } from '@resvg/resvg-js';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  chartFileName,
  renderAnomalyChart,
  renderAnomalyChartSvg,
  saveChart,
  type AnomalyChartInput,
} from '../../src/charts';
import { anomalyRows, bandRows, seriesRows } from '../../src/charts/downsample';
import { CHART_FONT_FILES, findFontsDir } from '../../src/charts/fonts';
import { AppError } from '../../src/errors';
import {
  countPixels,
  decodePng,
  isDark,
  isRed,
  isSeriesBlue,
  PNG_SIGNATURE,
  readHeader,
  regionsDiffer,
  type Region,
} from './png';

const T0 = Date.UTC(2025, 10, 26, 0, 0);
const MIN = 60_000;

/** A day of 5-minute points around 200 ms with a band of +-30 and a burst at 15:00. */
function day(): Required<Pick<AnomalyChartInput, 'points' | 'band' | 'anomalies'>> {
  const points: Array<[number, number]> = [];
  const band: Array<[number, number, number]> = [];
  const anomalies: Array<[number, number]> = [];
  for (let i = 0; i < 288; i++) {
    const t = T0 + i * 5 * MIN;
    const v = 200 + 10 * Math.sin(i / 7) + (i >= 180 && i < 186 ? 200 : 0);
    points.push([t, v]);
    band.push([t, 170, 230]);
    if (v > 230) anomalies.push([t, v]);
  }
  return { points, band, anomalies };
}

/**
 * renderAnomalyChartSvg(input) in a fresh node with TZ set (jest's process.env is a copy, so TZ
 * can't change in-process).
 */
function svgInChild(tz: string, input: AnomalyChartInput): string {
  const script =
    `
    const { transformSync } = require('@swc/core');
    const fs = require('node:fs');
    require.extensions['.ts'] = (m, file) => m._compile(transformSync(fs.readFileSync(file, 'utf8'), ` +
    `{ filename: file, module: { type: 'commonjs' }, ` +
    `jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }).code, file);
    if (new Date(0).getTimezoneOffset() === 0 && process.env.TZ !== 'UTC') throw new Error('TZ not applied');
    require(${JSON.stringify(path.resolve(__dirname, '../../src/charts/anomaly-chart.ts'))})
      .renderAnomalyChartSvg(JSON.parse(process.argv[1]))
      .then((svg) => process.stdout.write(svg));`;
  const out = spawnSync(process.execPath, ['-e', script, JSON.stringify(input)], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, TZ: tz },
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (out.status !== 0) throw new Error(`child render failed in ${tz}: ${out.stderr}`);
  return out.stdout;
}

const TITLE: Region = { x0: 0, y0: 0, x1: 400, y1: 32 };

describe('renderAnomalyChart', () => {
  it('renders a PNG of the requested size (signature and IHDR parsed by hand)', async () => {
    const png = await renderAnomalyChart({ title: 'p99', unit: 'ms', ...day() });
    expect(png.subarray(0, 8)).toEqual(PNG_SIGNATURE);
    expect(readHeader(png)).toEqual({ width: 800, height: 300, bitDepth: 8, colorType: 6, interlace: 0 });

    const small = await renderAnomalyChart({ title: 'p99', ...day(), width: 480, height: 200 });
    expect(readHeader(small)).toMatchObject({ width: 480, height: 200 });
  });

  it('draws the title: the title region differs from the same chart without one', async () => {
    const withTitle = decodePng(await renderAnomalyChart({ title: 'checkout-api p99 latency', unit: 'ms', ...day() }));
    const without = decodePng(await renderAnomalyChart({ title: '', unit: 'ms', ...day() }));
    expect(regionsDiffer(withTitle, without, TITLE)).toBe(true);
    expect(countPixels(withTitle, isDark, TITLE)).toBeGreaterThan(100);
    expect(countPixels(without, isDark, TITLE)).toBe(0);
  });

  it('draws text only because it ships fonts: the same SVG rasterised without them has no text at all', async () => {
    const svg = await renderAnomalyChartSvg({ title: 'checkout-api p99 latency', unit: 'ms', ...day() });
    expect(svg).toContain('font-family="DejaVu Sans"');

    const ours = decodePng(await renderAnomalyChart({ title: 'checkout-api p99 latency', unit: 'ms', ...day() }));
    const bare = new Resvg(svg, { background: '#ffffff', font: { loadSystemFonts: false } }).render();
    const bareImage = decodePng(bare.asPng());
    // The decoder agrees with resvg's own raw pixels (opaque background, so no premultiplication).
    expect(Buffer.from(bareImage.pixels).equals(Buffer.from(bare.pixels))).toBe(true);

    expect(countPixels(ours, isDark, TITLE)).toBeGreaterThan(100);
    expect(countPixels(bareImage, isDark, TITLE)).toBe(0);
    // Title, tick labels, axis titles and legend are all the dark ink; without fonts none is left.
    expect(countPixels(ours, isDark)).toBeGreaterThan(countPixels(ours, isDark, TITLE) + 200);
    expect(countPixels(bareImage, isDark)).toBe(0);
  });

  it('marks anomalies in red, and only when there are some', async () => {
    const { points, band, anomalies } = day();
    const marked = decodePng(await renderAnomalyChart({ title: 'p99', points, band, anomalies }));
    const plain = decodePng(await renderAnomalyChart({ title: 'p99', points, band }));
    expect(countPixels(marked, isRed)).toBeGreaterThan(50);
    expect(countPixels(plain, isRed)).toBe(0);
    expect(countPixels(plain, isSeriesBlue)).toBeGreaterThan(200);
  });

  it('shades the expected band in light blue', async () => {
    const { points, band } = day();
    const isBand = (r: number, g: number, b: number) =>
      Math.abs(r - 211) < 8 && Math.abs(g - 231) < 8 && Math.abs(b - 241) < 8;
    const shaded = decodePng(await renderAnomalyChart({ title: 'p99', points, band }));
    const bare = decodePng(await renderAnomalyChart({ title: 'p99', points }));
    expect(countPixels(shaded, isBand)).toBeGreaterThan(10_000);
    // Only anti-aliased edges of the line come near that colour without a band.
    expect(countPixels(bare, isBand)).toBeLessThan(200);
  });

  it('shows NaN values as a gap in the line, not a crash', async () => {
    // Flat series; the middle third (about x = 300..520 in an 800px chart) is NaN.
    const points: Array<[number, number]> = Array.from({ length: 300 }, (_, i) => [
      T0 + i * MIN,
      i >= 100 && i < 200 ? NaN : 50 + (i % 2),
    ]);
    const png = await renderAnomalyChart({ title: 'gappy', points });
    const img = decodePng(png);
    expect(countPixels(img, isSeriesBlue, { x0: 0, y0: 0, x1: 250, y1: img.height })).toBeGreaterThan(100);
    expect(countPixels(img, isSeriesBlue, { x0: 360, y0: 0, x1: 460, y1: img.height })).toBe(0);
    expect(countPixels(img, isSeriesBlue, { x0: 560, y0: 0, x1: 800, y1: img.height })).toBeGreaterThan(100);

    // NaN in the band and in anomalies is tolerated too.
    await expect(
      renderAnomalyChart({
        title: 'gappy',
        points,
        band: [
          [T0, NaN, 60],
          [T0 + MIN, 40, 60],
        ],
        anomalies: [[T0, NaN]],
      }),
    ).resolves.toBeInstanceOf(Buffer);
  });

  it.each([
    ['no points', [] as Array<[number, number]>],
    [
      'only NaN points',
      [
        [T0, NaN],
        [T0 + MIN, NaN],
      ] as Array<[number, number]>,
    ],
  ])('draws a "no data" chart for %s', async (_, points) => {
    const svg = await renderAnomalyChartSvg({ title: 'p99', points, anomalies: [[T0, 1]] });
    expect(svg).toContain('No data for this time range');
    const png = await renderAnomalyChart({ title: 'p99', points });
    expect(readHeader(png)).toMatchObject({ width: 800, height: 300 });
    const img = decodePng(png);
    const notWhite = (r: number, g: number, b: number) => r < 200 && g < 200 && b < 200;
    expect(countPixels(img, notWhite, { x0: 250, y0: 120, x1: 550, y1: 200 })).toBeGreaterThan(50);
  });

  it('charts 100k points from a downsampled series that keeps the spikes', async () => {
    const n = 100_000;
    const points: Array<[number, number]> = Array.from({ length: n }, (_, i) => [
      T0 + i * 1000,
      i === 54_321 ? 5000 : 100 + (i % 10),
    ]);
    points[77_777][1] = NaN;
    const rows = seriesRows(points, 800);
    expect(rows.length).toBeLessThanOrEqual(800 * 5);
    expect(Math.max(...rows.map((r) => r.v ?? -Infinity))).toBe(5000);
    expect(Math.min(...rows.map((r) => r.v ?? Infinity))).toBe(100);
    expect(rows.filter((r) => r.v === null)).toHaveLength(1);
    expect(rows.every((r, i) => i === 0 || r.t >= rows[i - 1].t)).toBe(true);

    const svg = await renderAnomalyChartSvg({ title: '100k', points });
    expect(svg).toContain('5,000');
    expect(readHeader(await renderAnomalyChart({ title: '100k', points }))).toMatchObject({ width: 800, height: 300 });
  });

  it('is deterministic, and labels time in UTC whatever the host time zone', async () => {
    const input = { title: 'p99', unit: 'ms', ...day() };
    const first = await renderAnomalyChart(input);
    expect((await renderAnomalyChart(input)).equals(first)).toBe(true);

    // Render in child processes whose host zone is far from UTC: labels must not move.
    const inZone = (tz: string) => svgInChild(tz, input);
    const utc = inZone('UTC');
    expect(inZone('Asia/Kolkata')).toBe(utc);
    expect(inZone('America/Los_Angeles')).toBe(utc);
    expect(utc).toBe(await renderAnomalyChartSvg(input));
    expect(utc).toContain('>Time (UTC)<');
    expect(utc).toContain('>03:00<');
    expect(utc).toContain('>Nov 26<');
  });

  it('refuses sizes it cannot draw with a bad_request error', async () => {
    await expect(renderAnomalyChart({ title: 'p99', points: [], width: 10 })).rejects.toMatchObject({
      code: 'bad_request',
    });
    await expect(renderAnomalyChart({ title: 'p99', points: [], height: 1.5 })).rejects.toBeInstanceOf(AppError);
  });
});

describe('downsampling', () => {
  it('leaves short series alone except for turning NaN into gaps and sorting by time', () => {
    expect(
      seriesRows(
        [
          [2, 1],
          [1, NaN],
          [3, Infinity],
        ],
        800,
      ),
    ).toEqual([
      { t: 1, v: null },
      { t: 2, v: 1 },
      { t: 3, v: null },
    ]);
    expect(
      bandRows(
        [
          [1, 5, 3],
          [2, NaN, 4],
        ],
        800,
      ),
    ).toEqual([
      { t: 1, low: 3, high: 5 },
      { t: 2, low: null, high: null },
    ]);
    expect(
      anomalyRows(
        [
          [1, NaN],
          [NaN, 2],
          [3, 4],
        ],
        800,
      ),
    ).toEqual([{ t: 3, v: 4 }]);
  });
});

describe('chart fonts', () => {
  it('finds assets/fonts from src/charts (jest) and from dist/charts (tsc build)', () => {
    const root = path.resolve(__dirname, '..', '..');
    const fonts = path.join(root, 'assets', 'fonts');
    expect(findFontsDir(path.join(root, 'src', 'charts'))).toBe(fonts);
    expect(findFontsDir(path.join(root, 'dist', 'charts'))).toBe(fonts);
    for (const f of [...CHART_FONT_FILES, 'LICENSE']) expect(existsSync(path.join(fonts, f))).toBe(true);
    expect(() => findFontsDir(path.parse(root).root)).toThrow(/chart fonts not found/);
  });
});

describe('saveChart', () => {
  const png = Buffer.concat([PNG_SIGNATURE, Buffer.from('rest')]);

  it('writes into the charts directory and returns the path', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpdir(), 'charts-')), 'charts');
    const file = await saveChart(png, dir, 'p99 checkout-api 2025-11-26');
    expect(file).toBe(path.join(dir, 'p99-checkout-api-2025-11-26.png'));
    expect(readFileSync(file)).toEqual(png);
    expect(readdirSync(dir)).toEqual(['p99-checkout-api-2025-11-26.png']);
  });

  it.each(['../../etc/passwd', '/etc/passwd', '..\\..\\windows\\win.ini', 'a/../../b', '..'])(
    'keeps %s inside the charts directory',
    async (name) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'charts-'));
      const file = await saveChart(png, dir, name);
      expect(path.dirname(file)).toBe(dir);
      expect(path.basename(file)).not.toMatch(/\.\.|[/\\]/);
      expect(readdirSync(dir)).toEqual([path.basename(file)]);
    },
  );

  it('sanitises names to a short, safe .png file name', () => {
    expect(chartFileName('../../etc/passwd')).toBe('etc-passwd.png');
    expect(chartFileName('p99.png')).toBe('p99.png');
    expect(chartFileName('.hidden')).toBe('hidden.png');
    expect(chartFileName('')).toBe('chart.png');
    expect(chartFileName('...')).toBe('chart.png');
    expect(chartFileName('x'.repeat(500))).toBe(`${'x'.repeat(100)}.png`);
  });
});
