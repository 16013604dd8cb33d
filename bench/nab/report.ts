/** Formatting shared by the NAB bench's reports (run.ts, cv-run.ts). */
import { median, per1000, type AlertCount, type Delays, type QuietDay } from './oncall';

export function fmtThr(t: number): string {
  return Number.isFinite(t) ? String(Number(t.toPrecision(6))) : String(t);
}

/** A number with fixed digits, or 'n/a' for null/NaN. */
export function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits);
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** "mean (min-max)" of the finite values, or the value alone when there is one. */
export function spread(xs: ReadonlyArray<number | null>, digits = 2): string {
  const v = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (v.length === 0) return 'n/a';
  if (v.length === 1) return v[0].toFixed(digits);
  return `${mean(v).toFixed(digits)} (${Math.min(...v).toFixed(digits)}-${Math.max(...v).toFixed(digits)})`;
}

export function table(header: string[], rows: string[][], rightAlign: number[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (rightAlign.includes(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** On-call figures of one run at one choice of detector and threshold(s). */
export interface OnCallStats {
  /** Scored rows (after probation) of the files without windows (NAB's artificialNoAnomaly). */
  noAnomaly: AlertCount;
  delays: Delays;
}

/**
 * Rows of the on-call table: one column per variant, each cell the value over the runs given
 * (several forest seeds: mean (min-max)).
 */
export function onCallRows(variants: ReadonlyArray<readonly OnCallStats[]>): string[][] {
  const cell = (f: (s: OnCallStats) => number, digits = 2) => variants.map((runs) => spread(runs.map(f), digits));
  return [
    ['false alert rows per 1,000 points, no-anomaly files', ...cell((s) => per1000(s.noAnomaly).rows)],
    ['false alert events per 1,000 points, no-anomaly files', ...cell((s) => per1000(s.noAnomaly).events)],
    ['  (alert rows / events / scored points)', ...variants.map((runs) => runs.map(countText).join('; '))],
    ['labelled windows detected', ...variants.map((runs) => runs.map(detectedText).join('; '))],
    ['median detection delay from window start, rows', ...cell((s) => median(s.delays.rows), 1)],
    ['median detection delay from window start, minutes', ...cell((s) => median(s.delays.minutes), 1)],
    ['median delay after the window middle (~ the anomaly), rows', ...cell((s) => median(s.delays.fromMiddle), 1)],
  ];
}

function countText(s: OnCallStats): string {
  return `${s.noAnomaly.alertRows} / ${s.noAnomaly.events} / ${s.noAnomaly.points.toLocaleString('en-US')}`;
}

function detectedText(s: OnCallStats): string {
  return `${s.delays.detected}/${s.delays.windows}`;
}

/** One line per quiet-day run: alerts per 1,000 points and the noisiest series. */
export function quietDayLine(label: string, day: QuietDay): string {
  const r = per1000(day.total);
  const noisy = day.noisiest
    .slice(0, 4)
    .map((n) => `${n.series} ${n.count.events}`)
    .join(', ');
  return (
    `${label}: ${fmt(r.rows)} alert rows and ${fmt(r.events)} alert events per 1,000 points ` +
    `(${day.total.alertRows} rows, ${day.total.events} events in ${day.total.points.toLocaleString('en-US')} points, ` +
    `${day.series} series)${noisy ? `; most events: ${noisy}` : ''}`
  );
}
