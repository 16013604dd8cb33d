import type { Incident } from '../incidents/store';
import type { Jobs, ServiceStatus, StatusJobResult } from '../jobs/map';
import type { ModelRecord } from '../models/registry-types';
import type { JobInfo } from '../queue/types';
import type { RemediationJson } from '../remediation/view';
import { BURN_RULES } from '../slo/burn-rate';
import type { Objectives, Series, ServiceInfo, Signal } from '../sources/types';
import type {
  ApprovalView,
  FleetView,
  IncidentView,
  JobView,
  ModelView,
  ServiceView,
  SignalView,
} from './dashboard-view';

/**
 * The dashboard's sections as view data (./dashboard-view.ts), from what the domains answer: the
 * status evaluation (src/workers/status.ts) with its series, incidents, pending remediation
 * requests, jobs and models. Pure functions: the hub (src/http/dashboard/hub.ts) reads, these shape.
 */

/** Points in a sparkline: enough for a shape, small enough to push every refresh. */
export const SPARK_POINTS = 40;
/** Timeline entries an incident card shows (the latest). */
export const TIMELINE_ENTRIES = 8;

const SHOWN: Array<{ signal: Signal; label: string; unit: string; limit?: keyof Objectives }> = [
  { signal: 'latency_p99', label: 'p99 latency', unit: 'ms', limit: 'latency_p99_ms' },
  { signal: 'error_rate', label: 'errors', unit: 'ratio', limit: 'error_rate' },
  { signal: 'request_rate', label: 'traffic', unit: 'req/s' },
  { signal: 'cpu', label: 'CPU', unit: 'ratio', limit: 'cpu' },
  { signal: 'memory', label: 'memory', unit: 'ratio', limit: 'memory' },
];

const BURN_WINDOWS = [...new Set(BURN_RULES.flatMap((r) => [r.shortS, r.longS]))].sort((a, b) => a - b);

/** 300 -> 5m, 3600 -> 1h, 259200 -> 3d. */
function windowLabel(s: number): string {
  return s % 86_400 === 0 ? `${s / 86_400}d` : s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`;
}

const finite = (v: number | undefined): number | null => (v !== undefined && Number.isFinite(v) ? v : null);
const iso = (ms: number) => new Date(ms).toISOString();

/** Means of `n` equal buckets (or the values themselves when fewer), rounded to 4 significant digits. */
export function downsample(values: number[], n = SPARK_POINTS): number[] {
  const clean = values.filter((v) => Number.isFinite(v));
  const round = (v: number) => Number(v.toPrecision(4));
  if (clean.length <= n) return clean.map(round);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * clean.length) / n);
    const to = Math.floor(((i + 1) * clean.length) / n);
    const bucket = clean.slice(from, Math.max(to, from + 1));
    out.push(round(bucket.reduce((a, b) => a + b, 0) / bucket.length));
  }
  return out;
}

function serviceView(s: ServiceStatus, series: Series[], info: ServiceInfo | undefined): ServiceView {
  const signals: SignalView[] = SHOWN.map(({ signal, label, unit, limit }) => ({
    signal,
    label,
    unit,
    now: finite(s.latest[signal]),
    limit: limit && info ? finite(info.objectives[limit]) : null,
    points: downsample(series.find((x) => x.signal === signal)?.points.map(([, v]) => v) ?? []),
  }));
  return {
    name: s.name,
    healthy: s.healthy,
    problems: s.problems,
    signals,
    burn: s.slo ? BURN_WINDOWS.map((w) => ({ window: windowLabel(w), rate: finite(s.slo?.rates?.[w]) })) : [],
    firing: s.slo?.firing ?? [],
    sloTarget: s.slo?.target ?? null,
  };
}

/** The fleet: every service's health, golden signals with their sparklines, and burn rates. */
export function fleetView(
  result: StatusJobResult,
  series: ReadonlyMap<string, Series[]>,
  catalog: readonly ServiceInfo[],
): FleetView {
  return {
    at: iso(result.atMs),
    windowS: result.windowS,
    services: result.services.map((s) =>
      serviceView(
        s,
        series.get(s.name) ?? [],
        catalog.find((c) => c.name === s.name),
      ),
    ),
  };
}

/** An open (or acknowledged) incident with the latest entries of its timeline. */
export function incidentView(i: Incident): IncidentView {
  return {
    id: i.id,
    title: i.title,
    status: i.status,
    service: i.service,
    severity: i.severity,
    createdAt: iso(i.createdAt),
    updatedAt: iso(i.updatedAt),
    firing: i.alerts.filter((a) => a.status === 'firing').length,
    alerts: i.alerts.length,
    timeline: i.timeline.slice(-TIMELINE_ENTRIES).map((t) => ({
      at: iso(t.at),
      event: t.event,
      by: t.actor === 'alertmanager' ? null : String(t.detail.by ?? t.actor),
    })),
  };
}

/** A request waiting for approval: what it will do, who asked, who approved so far. */
export function approvalView(r: RemediationJson): ApprovalView {
  return {
    id: r.id,
    action: r.action,
    target: r.target,
    params: Object.entries(r.params)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' '),
    requestedBy: { id: r.requested_by.id, name: r.requested_by.name },
    approvalsNeeded: r.approvals_needed,
    approvals: r.approvals.map((a) => ({ name: a.user.name, at: a.at })),
    calls: r.plan.calls,
    blastRadius: r.plan.blast_radius,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
  };
}

/** A waiting or running job with its progress and steps; `nameOf` shows who asked as people read it. */
export function jobView(j: JobInfo<Jobs>, nameOf: (principalId: string) => string = (id) => id): JobView {
  return {
    id: j.id,
    name: j.name,
    state: j.state,
    percent: j.progress ? Math.round(j.progress.percent) : null,
    message: j.progress?.message ?? null,
    steps: (j.progress?.steps ?? []).map((s) => ({ label: s.label, status: s.status })),
    requestedBy: j.meta.requestedBy ? nameOf(j.meta.requestedBy) : null,
    createdAt: iso(j.createdAt),
  };
}

/** A model: its aliases and its champion's latest drift check. */
export function modelView(m: ModelRecord): ModelView {
  const champion = m.champion === null ? undefined : m.versions.find((v) => v.version === m.champion);
  const drift = champion?.drift;
  return {
    name: m.name,
    service: m.service,
    champion: m.champion,
    challenger: m.challenger,
    versions: m.versions.length,
    drift: drift ? { score: drift.score, drifted: drift.drifted, moved: drift.moved, at: iso(drift.at) } : null,
  };
}
