/**
 * The facts of one incident for its postmortem: the incident and its alerts, its latest finished
 * investigation, the remediations requested on the services it touched while it lasted (who asked,
 * who approved, what came of it), and the impact read from the metrics source. Read only.
 */
import type { Clock } from '../../clock';
import type { Incident } from '../../incidents/store';
import type { StoredRequest } from '../../remediation/store';
import { isModelAction } from '../../remediation/types';
import type { MetricsSource } from '../../sources/types';
import type { InvestigationRecord } from '../store';
import { gatherImpact } from './impact';
import type { ActionTaken, InvestigationFacts, PostmortemFacts, ServiceImpact, TimelineEntry } from './types';
import { inline, KIND_WORDS, OBJECTIVE_WORDS } from './words';

/** Remediation requests a postmortem lists at most. */
const MAX_ACTIONS = 50;
/** Alerts whose start the timeline shows at most (the rest are counted). */
const MAX_ALERTS = 10;

export interface GatherDeps {
  /** Throws AppError('not_found') for an unknown incident (IncidentService.get). */
  incidents: { get(id: string): Incident };
  investigations: { latestForIncident(incidentId: string): InvestigationRecord | undefined };
  remediations: {
    createdBetween(fromMs: number, toMs: number, limit: number): StoredRequest[];
    approvalsOf(id: string): Array<{ person: string; name: string; at: number }>;
  };
  source: MetricsSource;
  /** A principal or person id as people read it (src/identity/names.ts). */
  names: (principalId: string) => string;
  clock: Clock;
}

export async function gatherPostmortem(incidentId: string, deps: GatherDeps): Promise<PostmortemFacts> {
  const incident = deps.incidents.get(incidentId);
  const nowMs = deps.clock();
  const record = deps.investigations.latestForIncident(incident.id);
  const investigation = record?.result ? investigationFacts(record) : undefined;
  const { alertAtMs, toMs, ongoing } = incidentSpan(incident, nowMs);
  const impactServices = [...new Set([incident.service, investigation?.rootCause?.service])].filter(
    (s): s is string => typeof s === 'string' && s.length > 0,
  );
  const impact = await gatherImpact(deps.source, impactServices, alertAtMs, toMs);
  const window: PostmortemFacts['window'] = {
    fromMs: impact.fromMs,
    toMs,
    ongoing,
    alertAtMs,
    ...(impact.onsetService ? { onsetService: impact.onsetService } : {}),
  };
  const touched = touchedServices(incident, investigation);
  const actions = deps.remediations
    .createdBetween(window.fromMs, window.toMs, MAX_ACTIONS)
    .filter((r) => r.state !== 'planned' && !isModelAction(r.action))
    .filter((r) => touched.length === 0 || touched.includes(r.target))
    .map((r) => actionTaken(r, deps))
    .sort((a, b) => a.requestedAtMs - b.requestedAtMs);
  const byWhom = (event: string) => {
    const entry = [...incident.timeline].reverse().find((t) => t.event === event);
    return entry ? personIn(entry, deps.names) : undefined;
  };
  const opened = incident.timeline.find((t) => t.event === 'opened');
  return {
    incident: {
      id: incident.id,
      title: incident.title,
      service: incident.service,
      severity: incident.severity,
      status: incident.status,
      createdAtMs: incident.createdAt,
      resolvedAtMs: incident.resolvedAt,
      ...(incident.ackedBy ? { ackedBy: byWhom('acknowledged') ?? deps.names(incident.ackedBy) } : {}),
      ...(incident.resolvedBy ? { resolvedBy: byWhom('resolved') ?? deps.names(incident.resolvedBy) } : {}),
      alertnames: [...new Set(incident.alerts.map((a) => a.labels.alertname).filter(Boolean))],
      externalUrl: incident.externalUrl,
      ...(typeof opened?.detail.follows === 'string' ? { follows: opened.detail.follows } : {}),
    },
    window,
    nowMs,
    timeline: [
      ...onsetEntry(window, impact.services),
      ...timeline(incident, investigation, record, actions, deps.names),
    ].sort((a, b) => a.atMs - b.atMs),
    impact: impact.services,
    ...(investigation ? { investigation } : {}),
    actions,
  };
}

/** From the first alert's start (Alertmanager's `startsAt`, often before the incident opened) to its end. */
function incidentSpan(incident: Incident, nowMs: number): { alertAtMs: number; toMs: number; ongoing: boolean } {
  const starts = incident.alerts
    .map((a) => (a.startsAt ? Date.parse(a.startsAt) : NaN))
    .filter((t) => Number.isFinite(t) && t <= incident.createdAt);
  const alertAtMs = Math.min(incident.createdAt, ...starts);
  const ongoing = incident.resolvedAt === null;
  return { alertAtMs, toMs: Math.max(alertAtMs + 1, incident.resolvedAt ?? nowMs), ongoing };
}

function investigationFacts(record: InvestigationRecord): InvestigationFacts {
  const r = record.result as NonNullable<InvestigationRecord['result']>;
  return {
    id: record.id,
    ...(record.finishedAt !== undefined ? { finishedAtMs: record.finishedAt } : {}),
    verdict: r.verdict,
    rootCause: r.root_cause,
    hypotheses: r.hypotheses,
    ...(record.summary ? { summary: record.summary } : {}),
    suggestedActions: r.suggested_actions.map((a) => a.command),
    runbooks: r.runbooks,
  };
}

/** The incident's service and the ones its investigation blamed: actions on them belong to the incident. */
function touchedServices(incident: Incident, investigation: InvestigationFacts | undefined): string[] {
  const out = new Set<string>();
  if (incident.service) out.add(incident.service);
  if (investigation?.rootCause) out.add(investigation.rootCause.service);
  for (const h of investigation?.hypotheses ?? []) if (h.confidence >= 0.5) out.add(h.service);
  return [...out];
}

function commandOf(r: StoredRequest): string {
  if (r.action === 'scale') return `scale ${r.target} ${String(r.params.replicas ?? '')}`.trim();
  if (r.action === 'runbook') return `runbook ${String(r.params.runbook ?? '')} on ${r.target}`;
  return `${r.action} ${r.target}`;
}

function actionTaken(r: StoredRequest, deps: GatherDeps): ActionTaken {
  const approvals = deps.remediations
    .approvalsOf(r.id)
    .map((a) => ({ name: nameOr(deps.names, a.person, a.name), atMs: a.at }));
  return {
    id: r.id,
    action: r.action,
    target: r.target,
    command: commandOf(r),
    state: r.state === 'denied' && r.decidedBy === r.requestedBy ? 'withdrawn' : r.state,
    requestedBy: nameOr(deps.names, r.requestedBy, r.requestedBy.replace(/^[a-z]+:/, '')),
    requestedAtMs: r.createdAt,
    approvals,
    ...(r.state === 'denied' && r.decidedBy ? { decidedBy: nameOr(deps.names, r.decidedBy, r.decidedBy) } : {}),
    ...((r.state === 'denied' || r.state === 'expired') && r.decidedAt !== undefined
      ? { decidedAtMs: r.decidedAt }
      : {}),
    ...(r.startedAt !== null ? { startedAtMs: r.startedAt } : {}),
    ...(r.finishedAt !== null ? { finishedAtMs: r.finishedAt } : {}),
    ...(r.result ? { result: r.result.summary } : {}),
    ...(r.result?.verified ? { verified: r.result.verified } : {}),
  };
}

/** A person's name now, else the name kept with the record (`names` gives the id back when it knows none). */
function nameOr(names: GatherDeps['names'], id: string, kept: string): string {
  const now = names(id);
  return now !== id ? now : kept;
}

function personIn(entry: Incident['timeline'][number], names: GatherDeps['names']): string {
  return typeof entry.detail.by === 'string' ? entry.detail.by : names(entry.actor);
}

/** The incident's own entries, its alerts' starts, the investigation's end and every step of its actions. */
function timeline(
  incident: Incident,
  investigation: InvestigationFacts | undefined,
  record: InvestigationRecord | undefined,
  actions: ActionTaken[],
  names: GatherDeps['names'],
): TimelineEntry[] {
  const out: TimelineEntry[] = [];
  const alerts = incident.alerts.filter((a) => a.startsAt && Number.isFinite(Date.parse(a.startsAt)));
  for (const a of alerts.slice(0, MAX_ALERTS))
    out.push({
      atMs: Date.parse(a.startsAt as string),
      text: `Alert ${inline(a.labels.alertname ?? 'alert', 80)} started firing${instance(a.labels)}`,
    });
  if (alerts.length > MAX_ALERTS)
    out.push({ atMs: incident.createdAt, text: `${alerts.length - MAX_ALERTS} more alerts started firing` });
  for (const t of incident.timeline) out.push({ atMs: t.at, text: incidentEntry(incident, t, names) });
  const posted = incident.timeline.some((t) => record && t.detail.job === record.id);
  if (investigation && investigation.finishedAtMs !== undefined && !posted) {
    const cause = investigation.rootCause;
    out.push({
      atMs: investigation.finishedAtMs,
      text:
        `Investigation ${investigation.id} finished: ` +
        (cause
          ? `${KIND_WORDS[cause.kind]} on ${cause.service} (confidence ${cause.confidence.toFixed(2)})`
          : 'inconclusive'),
    });
  }
  for (const a of actions) {
    out.push({ atMs: a.requestedAtMs, text: `${a.requestedBy} requested \`${a.command}\` (${a.id})` });
    for (const approval of a.approvals) out.push({ atMs: approval.atMs, text: `${approval.name} approved ${a.id}` });
    if (a.decidedAtMs !== undefined) out.push({ atMs: a.decidedAtMs, text: decided(a) });
    if (a.startedAtMs !== undefined) out.push({ atMs: a.startedAtMs, text: `\`${a.command}\` (${a.id}) started` });
    if (a.finishedAtMs !== undefined)
      out.push({
        atMs: a.finishedAtMs,
        text: `\`${a.command}\` (${a.id}) ${a.state}${a.result ? `: ${inline(a.result)}` : ''}`,
      });
  }
  // Stable: entries of the same minute keep the order they happened in.
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.atMs - b.e.atMs || a.i - b.i)
    .map(({ e }) => e);
}

/** When the impact began before the first alert: the objectives over their limits from then. */
function onsetEntry(window: PostmortemFacts['window'], impact: ServiceImpact[]): TimelineEntry[] {
  if (!window.onsetService || window.fromMs >= window.alertAtMs) return [];
  const breached = impact
    .find((s) => s.service === window.onsetService)
    ?.breached.filter((b) => b.firstAtMs <= window.fromMs)
    .map((b) => OBJECTIVE_WORDS[b.objective]);
  return [
    {
      atMs: window.fromMs,
      text: `${window.onsetService} went over its objectives${breached?.length ? ` (${breached.join(', ')})` : ''}`,
    },
  ];
}

function decided(a: ActionTaken): string {
  if (a.state === 'expired') return `${a.id} expired before enough approvals`;
  return `${a.decidedBy ?? 'someone'} ${a.state === 'withdrawn' ? 'withdrew' : 'denied'} ${a.id}`;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

function instance(labels: Record<string, string>): string {
  const where = labels.instance ?? labels.pod;
  return where ? ` on ${inline(where, 80)}` : '';
}

function incidentEntry(incident: Incident, t: Incident['timeline'][number], names: GatherDeps['names']): string {
  const d = t.detail;
  const alertname = typeof d.alertname === 'string' ? inline(d.alertname, 80) : 'an alert';
  switch (t.event) {
    case 'opened': {
      const alerts = `${String(d.alerts ?? 1)} alert${d.alerts === 1 ? '' : 's'}`;
      const follows = typeof d.follows === 'string' ? `, following incident ${d.follows}` : '';
      return `Incident ${incident.id} opened from Alertmanager (${alerts})${follows}`;
    }
    case 'alert added':
      return `Alert ${alertname} joined the incident`;
    case 'alert firing':
      return `Alert ${alertname} fired again`;
    case 'alert resolved':
      return `Alert ${alertname} resolved`;
    case 'acknowledged':
      return `Acknowledged by ${personIn(t, names)}`;
    case 'resolved':
      return t.actor === 'alertmanager'
        ? 'Resolved: every alert had resolved (Alertmanager)'
        : `Resolved by ${personIn(t, names)}`;
    case 'analysis not started':
      return `Analysis not started: ${inline(String(d.reason ?? 'unknown reason'))}`;
    default:
      // Our own words (e.g. the notifier's "analysis: bad_deploy on payments (confidence 0.85)").
      return t.actor === 'alertmanager' || t.actor === 'analysis'
        ? oneLine(t.event)
        : `${oneLine(t.event)} (${personIn(t, names)})`;
  }
}
