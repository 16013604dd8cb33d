import type { MatrixSeries } from './client';

/** A Prometheus sample value: Go's float formatting, with "NaN", "+Inf" and "-Inf". */
export function parseSampleValue(text: string): number {
  switch (text) {
    case 'NaN':
      return NaN;
    case '+Inf':
      return Infinity;
    case '-Inf':
      return -Infinity;
    default:
      return text.trim() === '' ? NaN : Number(text);
  }
}

export interface ParsedSamples {
  /** Finite values only, ascending by time. */
  points: Array<[timestampMs: number, value: number]>;
  /** Samples dropped: NaN (e.g. 0/0 for an error ratio without traffic). */
  nan: number;
  /** Samples dropped: ±Inf (e.g. histogram_quantile above the highest bucket). */
  infinite: number;
}

/**
 * The [seconds, "value"] pairs of one series as [ms, number] points. Points carry finite numbers
 * only, so NaN and ±Inf samples are left out (a gap) and counted for a warning.
 */
export function parseSamples(series: MatrixSeries): ParsedSamples {
  const points: ParsedSamples['points'] = [];
  let nan = 0;
  let infinite = 0;
  for (const [seconds, text] of series.values) {
    const value = parseSampleValue(text);
    if (Number.isNaN(value)) nan += 1;
    else if (!Number.isFinite(value)) infinite += 1;
    else points.push([Math.round(seconds * 1000), value]);
  }
  points.sort((a, b) => a[0] - b[0]);
  return { points, nan, infinite };
}

/** {service="x", code="500"} for a log line. */
export function labelsOf(metric: Record<string, string>): string {
  return `{${Object.entries(metric)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}
