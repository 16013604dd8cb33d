import { personOf } from '../auth/permissions';
import type { JobQueue } from '../queue/types';
import { buttons, context, header, reply, series, table, text, type Block, type Reply } from '../reply/model';
import type { AnomaliesJobResult, Jobs, SeriesFinding } from '../workers/jobs';
import type { CommandContext, CommandOutcome } from './context';
import { ago, windowWords } from './format';

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

export function presentAnomalies(result: AnomaliesJobResult): Reply {
  const anomalous = result.findings.filter((f) => f.anomalous).sort((a, b) => b.maxScore - a.maxScore);
  const scope = `${result.findings.length} series over ${windowWords(result.windowS)}`;
  if (anomalous.length === 0) {
    return reply('success', header(`No anomalies in ${scope}`), context(`threshold ${result.threshold}; as of ${stamp(result.atMs)} UTC`));
  }
  const blocks: Block[] = [
    header(`${anomalous.length} anomalous of ${scope}`),
    table(
      ['service', 'signal', 'since', 'latest', 'expected', 'how far', 'score'],
      anomalous.map((f) => [f.service, f.signal, f.sinceMs ? ago(f.sinceMs, result.atMs) : '', fmt(f.latest, f.unit), f.worst ? `${fmt(f.worst.low, f.unit)}–${fmt(f.worst.high, f.unit)}` : '', distance(f), f.maxScore.toFixed(2)]),
    ),
  ];
  for (const f of anomalous) {
    blocks.push(series(`${f.service} ${f.signal}${f.reason ? `: ${f.reason}` : ''}`, f.points.map(([, v]) => v), f.unit));
    if (f.chartPng) blocks.push({ type: 'image', title: `${f.service} ${f.signal}`, png: Buffer.from(f.chartPng, 'base64'), alt: `${f.service} ${f.signal} with the expected band and ${f.anomalies.length} anomalous point(s) marked` });
  }
  blocks.push(context(`detectors: ${[...new Set(anomalous.map((f) => f.detector).filter(Boolean))].join(', ')} · threshold ${result.threshold} · as of ${stamp(result.atMs)} UTC`));
  return reply('warning', ...blocks);
}

/** How far the worst point sat outside its band, in the band's own widths. */
function distance(f: SeriesFinding): string {
  if (!f.worst) return '';
  const { value, low, high } = f.worst;
  const width = Math.max(high - low, Number.EPSILON);
  if (value > high) return `${((value - high) / width).toFixed(1)}× band above`;
  if (value < low) return `${((low - value) / width).toFixed(1)}× band below`;
  return 'inside band';
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
