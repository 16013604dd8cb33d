/**
 * `feedback TARGET real|false_alarm` (issue 15, point 6): the control plane resolves the target to
 * the series window it is about, at the time of the feedback, and stores one label per (target,
 * person) (src/models/feedback.ts). Targets: `job:<id>` (a finished detect_anomalies job: its
 * anomalous findings' segments), `incident:<id>` (the incident's service, created .. resolved or
 * now); a bare id is an incident's when the store has one by that id, else a job's.
 */
import { personOf } from '../auth/permissions';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { IncidentService } from '../incidents/service';
import type { Incident } from '../incidents/store';
import type { AnomaliesJobResult, Jobs } from '../jobs/map';
import { parseTarget, type FeedbackLabel, type FeedbackStore, type FeedbackWindow } from '../models/feedback';
import { presentFeedback } from '../present/feedback';
import type { JobQueue } from '../queue/types';
import { reply, text } from '../reply/model';
import type { CommandContext, CommandOutcome } from './context';

export interface FeedbackDeps {
  queue: JobQueue<Jobs>;
  incidents: IncidentService;
  feedback: FeedbackStore;
  clock: Clock;
}

interface Resolved {
  target: string;
  windows: FeedbackWindow[];
  model: { name: string; version: number } | null;
}

export async function giveFeedback(
  ctx: CommandContext,
  deps: FeedbackDeps,
  slots: { target: string; label: FeedbackLabel },
): Promise<CommandOutcome> {
  let resolved: Resolved;
  try {
    resolved = await resolveTarget(deps, slots.target);
  } catch (err) {
    if (!(err instanceof AppError) || (err.code !== 'not_found' && err.code !== 'bad_request')) throw err;
    return {
      outcome: 'invalid',
      ...(err.code === 'not_found' ? { notFound: true } : {}),
      reply: reply('warning', text(err.userMessage)),
    };
  }
  const by = personOf(ctx.actor);
  const before = deps.feedback.get(resolved.target, by)?.label;
  const record = deps.feedback.record({ ...resolved, label: slots.label, by, at: deps.clock() });
  ctx.log.info('feedback recorded', {
    target: record.target,
    label: record.label,
    service: record.service,
    changed: before !== undefined && before !== record.label,
  });
  return { outcome: 'replied', reply: presentFeedback(record, before), feedback: record };
}

/** What a typed target names: `job:<id>`, `incident:<id>`, or a bare id (an incident's first, else a job's). */
export async function resolveTarget(deps: FeedbackDeps, typed: string): Promise<Resolved> {
  const raw = typed.trim().replace(/^#/, '');
  const parsed = parseTarget(
    raw.replace(/^(inc|incident)[:-]?(?=i[0-9a-f]{6}$)/i, 'incident:').replace(/^job-/i, 'job:'),
  );
  if (parsed?.kind === 'incident') return incidentWindow(deps, parsed.id);
  if (parsed?.kind === 'job') return jobWindow(deps, parsed.id);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(raw))
    throw new AppError('bad_request', `I can't read “${typed}” as a job or incident id (try \`feedback 12 real\`).`);
  if (incidentExists(deps.incidents, raw)) return incidentWindow(deps, raw);
  const job = await deps.queue.get(raw);
  if (job) return jobWindow(deps, raw);
  throw new AppError('not_found', `There is no job or incident ${raw} to give feedback on (\`jobs\`, \`incidents\`).`);
}

function incidentExists(incidents: IncidentService, id: string): boolean {
  try {
    incidents.get(id);
    return true;
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') return false;
    throw err;
  }
}

async function jobWindow(deps: FeedbackDeps, id: string): Promise<Resolved> {
  const job = await deps.queue.get(id);
  if (!job) throw new AppError('not_found', `There is no job ${id} (\`jobs\` lists the recent ones).`);
  if (job.name !== 'detect_anomalies')
    throw new AppError('bad_request', `Job ${id} is a ${job.name} job: feedback is about anomaly jobs and incidents.`);
  if (job.state !== 'completed' || !job.result)
    throw new AppError('bad_request', `Job ${id} is ${job.state}: give feedback once it has found something.`);
  const result = job.result as AnomaliesJobResult;
  const windows: FeedbackWindow[] = [];
  for (const f of result.findings) {
    if (!f.anomalous || !f.segments.length) continue;
    windows.push({
      service: f.service,
      signal: f.signal,
      fromMs: f.sinceMs ?? Math.min(...f.segments.map((s) => s.startMs)),
      toMs: Math.max(...f.segments.map((s) => (s.ongoing ? Math.max(s.endMs, result.atMs) : s.endMs))),
    });
  }
  if (!windows.length)
    throw new AppError('bad_request', `Job ${id} flagged no anomaly: there is nothing to label as real or false.`);
  const m = result.model;
  return { target: `job:${id}`, windows, model: m && 'name' in m ? { name: m.name, version: m.version } : null };
}

async function incidentWindow(deps: FeedbackDeps, id: string): Promise<Resolved> {
  const incident = deps.incidents.get(id);
  if (!incident.service)
    throw new AppError('bad_request', `Incident ${incident.id} names no service: there is no series to label.`);
  const starts = incident.alerts.map((a) => (a.startsAt ? Date.parse(a.startsAt) : NaN)).filter(Number.isFinite);
  const fromMs = Math.min(incident.createdAt, ...starts);
  const toMs = Math.max(fromMs, incident.resolvedAt ?? deps.clock());
  return {
    target: `incident:${incident.id}`,
    windows: [{ service: incident.service, fromMs, toMs }],
    model: await analysisModel(deps, incident),
  };
}

/** The model version that scored the incident's analysis, when its job is still known. */
async function analysisModel(deps: FeedbackDeps, incident: Incident): Promise<Resolved['model']> {
  const entry = [...incident.timeline]
    .reverse()
    .find((t) => t.event === 'analysis' && typeof t.detail.job === 'string');
  if (!entry) return null;
  const job = await deps.queue.get(entry.detail.job as string).catch(() => undefined);
  const m = job?.name === 'detect_anomalies' ? (job.result as AnomaliesJobResult | undefined)?.model : undefined;
  return m && 'name' in m ? { name: m.name, version: m.version } : null;
}
