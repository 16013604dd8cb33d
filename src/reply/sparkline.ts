const TICKS = '▁▂▃▄▅▆▇█';

/** Unicode sparkline of `values`, downsampled (by mean) to at most `width` characters. */
export function sparkline(values: readonly number[], width = 40): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return '';
  const buckets = downsample(values, width);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const span = max - min;
  return buckets
    .map((v) => {
      if (!Number.isFinite(v)) return ' ';
      if (span === 0) return TICKS[3];
      return TICKS[Math.min(TICKS.length - 1, Math.floor(((v - min) / span) * TICKS.length))];
    })
    .join('');
}

function downsample(values: readonly number[], width: number): number[] {
  if (values.length <= width) return [...values];
  const out: number[] = [];
  for (let i = 0; i < width; i++) {
    const from = Math.floor((i * values.length) / width);
    const to = Math.floor(((i + 1) * values.length) / width);
    let sum = 0;
    let n = 0;
    for (let j = from; j < to; j++) {
      if (!Number.isFinite(values[j])) continue;
      sum += values[j];
      n++;
    }
    out.push(n ? sum / n : NaN);
  }
  return out;
}
