import type { Spec as VegaSpec } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BandRow, SeriesRow } from './downsample';
import { CHART_FONT_FAMILY } from './fonts';

export const CHART_COLORS = {
  series: '#1f5fa8',
  band: '#9ecae1',
  anomaly: '#d62728',
  title: '#1a1a1a',
  text: '#4a4a4a',
  grid: '#ebebeb',
  axis: '#9a9a9a',
  muted: '#8a8a8a',
} as const;

export interface ChartLayout {
  title: string;
  unit?: string;
  width: number;
  height: number;
}

export interface ChartRows {
  series: SeriesRow[];
  band: BandRow[];
  anomalies: SeriesRow[];
}

type LayerList = NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']>;
type LegendEntry = { label: string; color: string };

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

const LEGEND = {
  band: { label: 'expected', color: CHART_COLORS.band },
  series: { label: 'value', color: CHART_COLORS.series },
  anomaly: { label: 'anomaly', color: CHART_COLORS.anomaly },
} as const;

const LEGEND_STYLE = {
  title: null,
  orient: 'top',
  direction: 'horizontal',
  symbolType: 'circle',
  symbolSize: 70,
  symbolOpacity: 1,
  symbolStrokeWidth: 0,
  labelFontSize: 11,
  labelColor: CHART_COLORS.text,
  padding: 0,
  offset: 6,
} as const;

/** Lines with this few rows also get point markers, so isolated values between gaps stay visible. */
const MARKERS_UP_TO = 60;

/** Time labels in UTC, 24-hour, coarsening with the zoom level (vega's time multi-format). */
const UTC_LABELS = {
  milliseconds: '%H:%M:%S.%L',
  seconds: '%H:%M:%S',
  minutes: '%H:%M',
  hours: '%H:%M',
  date: '%b %d',
  week: '%b %d',
  month: '%b %Y',
  quarter: '%b %Y',
  year: '%Y',
};

/** The vega-lite spec of an anomaly chart: expected band (area), series (line), anomalies (red points). */
export function anomalyChartSpec(layout: ChartLayout, rows: ChartRows): TopLevelSpec {
  const x = {
    field: 't',
    type: 'temporal' as const,
    // A utc scale also makes vega format the labels in UTC, whatever the host's TZ.
    scale: { type: 'utc' as const },
    axis: {
      title: 'Time (UTC)',
      format: UTC_LABELS,
      tickCount: Math.max(2, Math.round(layout.width / 110)),
      labelOverlap: true,
      labelFlush: true,
    },
  };
  const format = numberFormat(rows);
  const yAxis = {
    title: layout.unit || 'value',
    tickCount: Math.max(2, Math.round(layout.height / 60)),
    ...(format ? { format } : {}),
  };
  const y = (field: string) => ({
    field,
    type: 'quantitative' as const,
    scale: { zero: false, nice: true },
    axis: yAxis,
  });

  const shown: LegendEntry[] = [LEGEND.series];
  if (rows.band.length) shown.unshift(LEGEND.band);
  if (rows.anomalies.length) shown.push(LEGEND.anomaly);
  const color = (entry: LegendEntry) => ({
    datum: entry.label,
    type: 'nominal' as const,
    scale: { domain: shown.map((l) => l.label), range: shown.map((l) => l.color) },
    // A lone series needs no key: the title and the axis say what it is.
    legend: shown.length < 2 ? null : LEGEND_STYLE,
  });

  const layers: LayerList = [];
  if (rows.band.length) {
    layers.push({
      data: { values: rows.band },
      mark: { type: 'area', opacity: 0.45, invalid: 'break-paths-filter-domains' },
      encoding: { x, y: y('low'), y2: { field: 'high' }, color: color(LEGEND.band) },
    });
  }
  layers.push({
    data: { values: rows.series },
    mark: {
      type: 'line',
      strokeWidth: 1.6,
      strokeJoin: 'round',
      // Null values break the line instead of being bridged.
      invalid: 'break-paths-filter-domains',
      point: rows.series.length <= MARKERS_UP_TO ? { filled: true, size: 18, color: CHART_COLORS.series } : false,
    },
    encoding: { x, y: y('v'), color: color(LEGEND.series) },
  });
  if (rows.anomalies.length) {
    layers.push({
      data: { values: rows.anomalies },
      mark: { type: 'point', filled: true, shape: 'circle', size: 56, opacity: 1, stroke: '#ffffff', strokeWidth: 1 },
      encoding: { x, y: y('v'), color: color(LEGEND.anomaly) },
    });
  }
  return { $schema: SCHEMA, ...frame(layout), layer: layers };
}

/** The same frame with a centred message, for a series with no finite values. */
export function noDataSpec(layout: ChartLayout): TopLevelSpec {
  return {
    $schema: SCHEMA,
    ...frame(layout),
    data: { values: [{ message: 'No data for this time range' }] },
    mark: { type: 'text', fontSize: 14, color: CHART_COLORS.muted, align: 'center', baseline: 'middle' },
    encoding: { text: { field: 'message', type: 'nominal' } },
  };
}

/** vega-lite -> vega, plus the vega-only config vega-lite cannot express: the legend sits top right. */
export function toVega(spec: TopLevelSpec): VegaSpec {
  const vg = compile(spec).spec;
  return { ...vg, config: { ...vg.config, legend: { ...vg.config?.legend, layout: { top: { anchor: 'end' } } } } };
}

/** Size, fonts and look shared by every chart. `fit` + `contains: padding` makes the SVG exactly width x height. */
function frame(layout: ChartLayout) {
  return {
    ...(layout.title ? { title: { text: layout.title, anchor: 'start' as const } } : {}),
    width: layout.width,
    height: layout.height,
    autosize: { type: 'fit' as const, contains: 'padding' as const },
    padding: { top: 12, right: 20, bottom: 10, left: 12 },
    background: '#ffffff',
    config: {
      // Must be a family the rasterizer has files for, or resvg drops the text.
      font: CHART_FONT_FAMILY,
      view: { stroke: null },
      title: { fontSize: 15, fontWeight: 'bold' as const, color: CHART_COLORS.title, offset: 12 },
      axis: {
        labelColor: CHART_COLORS.text,
        labelFontSize: 11,
        titleColor: CHART_COLORS.text,
        titleFontSize: 11,
        titleFontWeight: 'normal' as const,
        gridColor: CHART_COLORS.grid,
        domainColor: CHART_COLORS.axis,
        tickColor: CHART_COLORS.axis,
      },
      axisX: { grid: false },
    },
  };
}

/** SI suffixes (120k, 3.4M) once values get long; vega's tick-based default below that. */
function numberFormat(rows: ChartRows): string | undefined {
  let max = 0;
  for (const r of rows.series) if (r.v !== null) max = Math.max(max, Math.abs(r.v));
  for (const r of rows.band)
    if (r.low !== null && r.high !== null) max = Math.max(max, Math.abs(r.low), Math.abs(r.high));
  for (const r of rows.anomalies) if (r.v !== null) max = Math.max(max, Math.abs(r.v));
  return max >= 100_000 ? '~s' : undefined;
}
