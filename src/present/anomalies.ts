import type { AnomalySegment } from '../anomaly/explain';
import type { AnomaliesJobResult } from '../jobs/map';
import { context, header, reply, series, table, type Block, type Reply } from '../reply/model';
import { feedbackButtons } from './feedback';
import { ago, duration, windowWords } from './format';

/** Segments shown per series in the table; the rest are counted. */
const ROWS_PER_SERIES = 3;

/**
 * The reply for a finished detection: text, table and charts all read the same findings (src/anomaly/explain).
 * With `feedbackTarget` (`job:<id>`), a reply that flags something carries 👍 real / 👎 false alarm buttons.
 */
export function presentAnomalies(result: AnomaliesJobResult, feedbackTarget?: string): Reply {
  const anomalous = result.findings.filter((f) => f.anomalous).sort((a, b) => topScore(b) - topScore(a));
  const scope = `${result.findings.length} series over ${windowWords(result.windowS)}`;
  const missing = result.missing?.length ? [context(`no data for ${result.missing.join(', ')}: not scored`)] : [];
  missing.push(...shadowLine(result));
  if (anomalous.length === 0) {
    return reply(
      'success',
      header(`No anomalies in ${scope}`),
      ...missing,
      context(`threshold ${result.threshold}; ${scoredBy(result)}as of ${stamp(result.atMs)} UTC`),
    );
  }
  const rows: string[][] = [];
  for (const f of anomalous) {
    const worstFirst = [...f.segments].sort((a, b) => b.maxScore - a.maxScore);
    for (const s of worstFirst.slice(0, ROWS_PER_SERIES)) {
      // Precise enough that a peak past the band's edge is printed past it
      // (30.2 ms over a 30.0 ms top, not "30 ms" over "30 ms").
      const extra =
        s.direction === 'within' ? 0 : apart(s.peak.value, s.direction === 'above' ? s.peak.high : s.peak.low, f.unit);
      rows.push([
        f.service,
        f.signal,
        when(s, result.atMs),
        fmt(s.peak.value, f.unit, extra),
        `${fmt(s.peak.low, f.unit, extra)}–${fmt(s.peak.high, f.unit, extra)}`,
        howFar(s, f.unit),
        s.maxScore.toFixed(2),
      ]);
    }
    if (worstFirst.length > ROWS_PER_SERIES)
      rows.push([f.service, f.signal, `+${worstFirst.length - ROWS_PER_SERIES} more`, '', '', '', '']);
  }
  const blocks: Block[] = [
    header(`${anomalous.length} anomalous of ${scope}`),
    table(['service', 'signal', 'when', 'peak', 'expected', 'how far', 'score'], rows),
  ];
  for (const f of anomalous) {
    blocks.push(
      series(
        `${f.service} ${f.signal}${f.reason ? `: ${f.reason}` : ''}`,
        f.points.map(([, v]) => v),
        f.unit,
      ),
    );
    const alt =
      `${f.service} ${f.signal} with the expected band and ${f.anomalies.length} anomalous point(s)` +
      ` in ${f.segments.length} segment(s) marked`;
    if (f.chartPng)
      blocks.push({ type: 'image', title: `${f.service} ${f.signal}`, png: Buffer.from(f.chartPng, 'base64'), alt });
  }
  const detectors = [...new Set(anomalous.map((f) => f.detector).filter(Boolean))];
  if (feedbackTarget) blocks.push(feedbackButtons(feedbackTarget));
  blocks.push(...missing);
  blocks.push(
    context(
      'an anomaly is a run of points outside the expected band (held at what was expected when it began)' +
        ` or scoring ${result.threshold} or more · ` +
        `${detectors.length ? `detectors: ${detectors.join(', ')} · ` : ''}` +
        `${scoredBy(result)}as of ${stamp(result.atMs)} UTC`,
    ),
  );
  return reply('warning', ...blocks);
}

/** Which model version scored, or why the built-in detector did (nothing when the service has no champion). */
function scoredBy(result: AnomaliesJobResult): string {
  const m = result.model;
  if (!m) return '';
  if ('fallback' in m) return `${m.fallback} · `;
  const builtIn = m.builtIn?.length ? ` (built-in detector for ${m.builtIn.join(', ')}: not in the model)` : '';
  return `scored by ${m.name} v${m.version}${builtIn} · `;
}

function topScore(f: { segments: AnomalySegment[] }): number {
  return f.segments.reduce((m, s) => Math.max(m, s.maxScore), 0);
}

/** When a segment began, and for how long (or that it is still going). */
function when(s: AnomalySegment, atMs: number): string {
  const began = `${ago(s.startMs, atMs)}${s.startedBefore ? ' (before the window)' : ''}`;
  if (s.ongoing) return `${began}, ongoing`;
  return s.endMs > s.startMs ? `${began}, lasted ${duration(s.endMs - s.startMs)}` : `${began}, one point`;
}

/** How far the peak is past the band's edge on its side: in the metric's unit, and as a multiple of that edge. */
function howFar(s: AnomalySegment, unit: string): string {
  if (s.direction === 'within') return 'unusual pattern, within band';
  const sign = s.direction === 'above' ? '+' : '−';
  const multiple = s.ratio === undefined ? undefined : times(s.ratio);
  const shown = multiple === undefined ? '' : ` (${multiple}× the ${s.direction === 'above' ? 'top' : 'bottom'})`;
  return `${sign}${difference(s.beyond, unit)} ${s.direction}${shown}`;
}

/**
 * peak / edge, never printed as 1 (which would read "at the edge"): two decimals near 1, left out
 * when even those say 1.00.
 */
function times(ratio: number): string | undefined {
  if (ratio >= 10) return String(Math.round(ratio));
  const one = ratio.toFixed(1);
  if (one !== '1.0') return one;
  const two = ratio.toFixed(2);
  return two === '1.00' ? undefined : two;
}

/** Decimals beyond `fmt`'s usual (at most 3) needed to print a and b differently. */
function apart(a: number, b: number, unit: string): number {
  let extra = 0;
  while (extra < 3 && fmt(a, unit, extra) === fmt(b, unit, extra)) extra++;
  return extra;
}

/** A difference in the metric's unit (percentage points for ratios), never printed as 0 when it is not. */
function difference(v: number, unit: string): string {
  const base =
    unit === 'ratio' ? (v < 0.01 ? 2 : v < 0.1 ? 1 : 0) : unit === 'ms' ? (v < 10 ? 1 : 0) : v >= 100 ? 0 : 1;
  let decimals = base;
  const print = (d: number) =>
    unit === 'ratio'
      ? `${(v * 100).toFixed(d)} pp`
      : `${v.toFixed(d)}${unit === 'ms' ? ' ms' : unit === 'req/s' ? '/s' : ''}`;
  while (decimals < base + 3 && v > 0 && Number((unit === 'ratio' ? v * 100 : v).toFixed(decimals)) === 0) decimals++;
  return print(decimals);
}

/**
 * A value in the metric's unit: percent for ratios, whole ms, one decimal under 100 otherwise;
 * `extra` decimals more.
 */
function fmt(v: number, unit: string, extra = 0): string {
  if (!Number.isFinite(v)) return '–';
  if (unit === 'ratio') return `${(v * 100).toFixed((v < 0.1 ? 1 : 0) + extra)}%`;
  if (unit === 'ms') return `${v.toFixed(extra)} ms`;
  return `${v.toFixed((v >= 100 ? 0 : 1) + extra)}${unit === 'req/s' ? '/s' : ''}`;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** One context line on the challenger scoring in shadow: whether it agrees with what the champion flagged. */
function shadowLine(result: AnomaliesJobResult): Block[] {
  const s = result.shadow;
  if (!s) return [];
  const who = `challenger v${s.version} (shadow)`;
  if ('skipped' in s) return [context(`${who} did not score: ${s.skipped}`)];
  const key = (f: { service: string; signal: string }) => `${f.service} ${f.signal}`;
  const champion = new Set(result.findings.filter((f) => f.anomalous).map(key));
  const challenger = new Set(s.findings.filter((f) => f.anomalous).map(key));
  const more = [...challenger].filter((k) => !champion.has(k));
  const fewer = [...champion].filter((k) => !challenger.has(k));
  if (!more.length && !fewer.length) return [context(`${who} agrees`)];
  const parts = [
    ...(more.length ? [`would also flag ${more.join(', ')}`] : []),
    ...(fewer.length ? [`would not flag ${fewer.join(', ')}`] : []),
  ];
  return [context(`${who} ${parts.join('; ')}`)];
}
