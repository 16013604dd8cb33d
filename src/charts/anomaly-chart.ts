import { parse, View } from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import { AppError } from '../errors';
import { anomalyRows, bandRows, seriesRows } from './downsample';
import { rasterizeSvg } from './rasterize';
import { anomalyChartSpec, noDataSpec, toVega, type ChartLayout } from './spec';

export interface AnomalyChartInput {
  title: string;
  /** Y axis title, e.g. 'ms' or 'req/s'. */
  unit?: string;
  /** [timestamp ms, value]; NaN values are gaps. Any order; sorted by time here. */
  points: Array<[number, number]>;
  /** [timestamp ms, low, high]: the band the detector expected the value in. */
  band?: Array<[number, number, number]>;
  /** [timestamp ms, value] of the points to mark as anomalous. */
  anomalies?: Array<[number, number]>;
  /** PNG width in pixels (default 800). */
  width?: number;
  /** PNG height in pixels (default 300). */
  height?: number;
}

export const CHART_DEFAULT_WIDTH = 800;
export const CHART_DEFAULT_HEIGHT = 300;
const MIN_SIZE = 120;
const MAX_SIZE = 4000;

/**
 * The chart as SVG (vega-lite -> vega -> SVG). Long series are downsampled to about one bucket per
 * pixel column first; a series with no finite value gives a 'No data' chart instead.
 * Same input, same SVG: no clock, no randomness, UTC time axis.
 */
export async function renderAnomalyChartSvg(input: AnomalyChartInput): Promise<string> {
  const view = new View(parse(toVega(anomalyChartSpecFor(input))), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** The vega-lite spec the chart is drawn from; its layers' data are the values plotted. */
export function anomalyChartSpecFor(input: AnomalyChartInput): TopLevelSpec {
  const layout: ChartLayout = {
    title: input.title ?? '',
    ...(input.unit ? { unit: input.unit } : {}),
    width: size('width', input.width, CHART_DEFAULT_WIDTH),
    height: size('height', input.height, CHART_DEFAULT_HEIGHT),
  };
  const buckets = layout.width;
  const series = seriesRows(input.points ?? [], buckets);
  return series.some((r) => r.v !== null)
    ? anomalyChartSpec(layout, {
        series,
        band: bandRows(input.band ?? [], buckets),
        anomalies: anomalyRows(input.anomalies ?? [], buckets),
      })
    : noDataSpec(layout);
}

/**
 * The chart of one series' explained result (src/anomaly/explain): the same points, bands and
 * segments the text reports.
 */
export function findingChartInput(
  f: { service: string; signal: string; unit: string } & Pick<AnomalyChartInput, 'points' | 'band' | 'anomalies'>,
): AnomalyChartInput {
  return { title: `${f.service} · ${f.signal}`, unit: f.unit, points: f.points, band: f.band, anomalies: f.anomalies };
}

/** The chart as a PNG of exactly `width` x `height` pixels, text drawn with the shipped fonts. */
export async function renderAnomalyChart(input: AnomalyChartInput): Promise<Buffer> {
  return rasterizeSvg(await renderAnomalyChartSvg(input));
}

function size(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < MIN_SIZE || value > MAX_SIZE) {
    throw new AppError(
      'bad_request',
      `chart ${name} must be a whole number of pixels from ${MIN_SIZE} to ${MAX_SIZE}, got ${value}`,
    );
  }
  return value;
}
