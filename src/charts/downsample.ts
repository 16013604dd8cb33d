/**
 * Downsampling for charts: a chart `buckets` pixels wide cannot show more than a few values per
 * pixel column, and vega slows down badly past a few thousand marks. Per time bucket we keep the
 * first, last, lowest and highest point (M4), in time order, so spikes and dips survive; a bucket
 * holding a NaN keeps one gap row so a break in the data stays a break in the line.
 */
export interface SeriesRow {
  t: number;
  v: number | null;
}

export interface BandRow {
  t: number;
  low: number | null;
  high: number | null;
}

/** Series rows in time order, NaN/Infinity as null (a gap), at most ~4 rows per bucket. */
export function seriesRows(points: ReadonlyArray<readonly [number, number]>, buckets: number): SeriesRow[] {
  const rows = sortByTime(points.filter((p) => Number.isFinite(p[0])).map(([t, v]) => ({ t, v: finiteOrNull(v) })));
  return pick(
    rows,
    buckets,
    (r) => r.v,
    (r) => r.v,
  );
}

/** Expected-band rows in time order; a row missing either bound is a gap in the band. */
export function bandRows(band: ReadonlyArray<readonly [number, number, number]>, buckets: number): BandRow[] {
  const rows = sortByTime(
    band
      .filter((b) => Number.isFinite(b[0]))
      .map(([t, low, high]) => {
        const lo = finiteOrNull(low);
        const hi = finiteOrNull(high);
        if (lo === null || hi === null) return { t, low: null, high: null };
        return { t, low: Math.min(lo, hi), high: Math.max(lo, hi) };
      }),
  );
  return pick(
    rows,
    buckets,
    (r) => r.low,
    (r) => r.high,
  );
}

/** Anomalous points (finite only); many per bucket are thinned to that bucket's extremes. */
export function anomalyRows(points: ReadonlyArray<readonly [number, number]>, buckets: number): SeriesRow[] {
  const rows = sortByTime(
    points.filter((p) => Number.isFinite(p[0]) && Number.isFinite(p[1])).map(([t, v]) => ({ t, v })),
  );
  return pick(
    rows,
    buckets,
    (r) => r.v,
    (r) => r.v,
  );
}

function pick<R extends { t: number }>(
  rows: R[],
  buckets: number,
  lowOf: (r: R) => number | null,
  highOf: (r: R) => number | null,
): R[] {
  const width = Math.max(1, Math.floor(buckets));
  if (rows.length <= width * 4) return rows;
  const t0 = rows[0].t;
  const span = rows[rows.length - 1].t - t0 || 1;
  const out: R[] = [];
  let bucket = -1;
  let first = -1;
  let last = -1;
  let lo = -1;
  let hi = -1;
  let gap = -1;
  const flush = () => {
    const keep = new Set([first, lo, hi, last, gap].filter((i) => i >= 0));
    for (const i of [...keep].sort((a, b) => a - b)) out.push(rows[i]);
  };
  for (let i = 0; i < rows.length; i++) {
    const b = Math.min(width - 1, Math.floor(((rows[i].t - t0) / span) * width));
    if (b !== bucket) {
      if (bucket >= 0) flush();
      bucket = b;
      first = last = lo = hi = gap = -1;
    }
    const low = lowOf(rows[i]);
    const high = highOf(rows[i]);
    if (low === null || high === null) {
      if (gap < 0) gap = i;
      continue;
    }
    if (first < 0) first = i;
    last = i;
    if (lo < 0 || low < (lowOf(rows[lo]) as number)) lo = i;
    if (hi < 0 || high > (highOf(rows[hi]) as number)) hi = i;
  }
  if (bucket >= 0) flush();
  return out;
}

function sortByTime<R extends { t: number }>(rows: R[]): R[] {
  for (let i = 1; i < rows.length; i++) {
    // Array.prototype.sort is stable, so equal timestamps keep their input order.
    if (rows[i].t < rows[i - 1].t) return rows.sort((a, b) => a.t - b.t);
  }
  return rows;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
