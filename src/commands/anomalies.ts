import type { AnomalySegment } from '../anomaly/explain';
import { personOf } from '../auth/permissions';
import type { JobQueue } from '../queue/types';
import { buttons, context, header, reply, series, table, text, type Block, type Reply } from '../reply/model';
import type { AnomaliesJobResult, Jobs } from '../workers/jobs';
import type { CommandContext, CommandOutcome } from './context';
import { ago, duration, windowWords } from './format';

const DEFAULT_WINDOW_S = 3600;

export async function requestAnomalies(ctx: CommandContext, queue: JobQueue<Jobs>, slots: { service?: string; metric?: string; window_s?: number }): Promise<CommandOutcome> {
  const windowS = slots.window_s ?? DEFAULT_WINDOW_S;
  const job = await queue.add(
    'detect_anomalies',
    { windowS, ...(slots.service ? { service: slots.service } : {}), ...(slots.metric ? { metric: slots.metric } : {}) },
    { meta: { requestedBy: personOf(ctx.actor), platform: ctx.platform, channel: ctx.channel, ...(ctx.thread ? { thread: ctx.thread } : {}) } },
  );
  const what = `${slots.metric ?? 'every golden signal'} of ${slots.service ?? 'every service'}`;
  return {
    outcome: 'enqueued',
    job: { id: job.id, name: job.name },
    reply: reply('info', text(`Looking for anomalies in ${what} over ${windowWords(windowS)}…`), context(`job ${job.id}`), buttons([{ label: 'Cancel', command: `cancel ${job.id}`, style: 'danger' }])),
  };
}

/** Segments shown per series in the table; the rest are counted. */
const ROWS_PER_SERIES = 3;

/** The reply for a finished detection: text, table and charts all read the same findings (src/anomaly/explain). */
export function presentAnomalies(result: AnomaliesJobResult): Reply {
  const anomalous = result.findings.filter((f) => f.anomalous).sort((a, b) => topScore(b) - topScore(a));
  const scope = `${result.findings.length} series over ${windowWords(result.windowS)}`;
  if (anomalous.length === 0) {
    return reply('success', header(`No anomalies in ${scope}`), context(`threshold ${result.threshold}; as of ${stamp(result.atMs)} UTC`));
  }
  const rows: string[][] = [];
  for (const f of anomalous) {
    const worstFirst = [...f.segments].sort((a, b) => b.maxScore - a.maxScore);
    for (const s of worstFirst.slice(0, ROWS_PER_SERIES)) {
      rows.push([f.service, f.signal, when(s, result.atMs), fmt(s.peak.value, f.unit), `${fmt(s.peak.low, f.unit)}–${fmt(s.peak.high, f.unit)}`, howFar(s, f.unit), s.maxScore.toFixed(2)]);
    }
    if (worstFirst.length > ROWS_PER_SERIES) rows.push([f.service, f.signal, `+${worstFirst.length - ROWS_PER_SERIES} more`, '', '', '', '']);
  }
  const blocks: Block[] = [header(`${anomalous.length} anomalous of ${scope}`), table(['service', 'signal', 'when', 'peak', 'expected', 'how far', 'score'], rows)];
  for (const f of anomalous) {
    blocks.push(series(`${f.service} ${f.signal}${f.reason ? `: ${f.reason}` : ''}`, f.points.map(([, v]) => v), f.unit));
    const alt = `${f.service} ${f.signal} with the expected band and ${f.anomalies.length} anomalous point(s) in ${f.segments.length} segment(s) marked`;
    if (f.chartPng) blocks.push({ type: 'image', title: `${f.service} ${f.signal}`, png: Buffer.from(f.chartPng, 'base64'), alt });
  }
  const detectors = [...new Set(anomalous.map((f) => f.detector).filter(Boolean))];
  blocks.push(
    context(
      `an anomaly is a run of points outside the expected band (held at what was expected when it began) or scoring ${result.threshold} or more · ${detectors.length ? `detectors: ${detectors.join(', ')} · ` : ''}as of ${stamp(result.atMs)} UTC`,
    ),
  );
  return reply('warning', ...blocks);
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
  const times = s.ratio !== undefined ? ` (${s.ratio >= 10 ? Math.round(s.ratio) : s.ratio.toFixed(1)}× the ${s.direction === 'above' ? 'top' : 'bottom'})` : '';
  return `${sign}${difference(s.beyond, unit)} ${s.direction}${times}`;
}

/** A difference in the metric's unit: percentage points for ratios. */
function difference(v: number, unit: string): string {
  if (unit === 'ratio') return `${(v * 100).toFixed(v < 0.01 ? 2 : v < 0.1 ? 1 : 0)} pp`;
  if (unit === 'ms' && v < 10) return `${v.toFixed(1)} ms`;
  return fmt(v, unit);
}

function fmt(v: number, unit: string): string {
  if (!Number.isFinite(v)) return '–';
  if (unit === 'ratio') return `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
  if (unit === 'ms') return `${Math.round(v)} ms`;
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)}${unit === 'req/s' ? '/s' : ''}`;
}

function stamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
