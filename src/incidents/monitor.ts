/**
 * The monitor's findings as Alertmanager notifications (issue 17 point 1), so a problem the monitor
 * finds takes the alerts' own path (src/incidents/service.ts `ingest`): dedupe by fingerprint, one
 * incident per group until it resolves, the incident channel's card and the investigation in its thread.
 *
 * One group per service (`alertname="MonitorDetected"`, as Alertmanager groups by alertname and service),
 * one alert per signal: a service's problem is one incident whose alerts are the signals that went wrong,
 * and it resolves when every one of them has recovered. Only changes are sent: a signal that starts
 * firing (its alert starts at the problem's onset), and a firing one that is clear again (it ends at the
 * scan). A problem Alertmanager already reported (an incident on the same service open at some time since
 * the problem's onset) opens nothing: the monitor never doubles it.
 */
import { createHash } from 'node:crypto';
import type { MonitorFinding, MonitorScanJobResult, MonitorServiceScan } from '../jobs/map';
import { GOLDEN_SIGNALS, type Signal } from '../sources/types';
import { alertTime } from './alert-order';
import { webhookSchema, type AlertmanagerPayload } from './alertmanager';
import type { IncidentStore } from './store';

export const MONITOR_SOURCE = 'monitor';
export const MONITOR_ALERTNAME = 'MonitorDetected';
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** The group of a service's monitor alerts, written as Alertmanager writes a group key. */
export function monitorGroupKey(service: string): string {
  return `{}/{source="${MONITOR_SOURCE}"}:{alertname="${MONITOR_ALERTNAME}", service=${JSON.stringify(service)}}`;
}

/** A signal's alert: the same fingerprint scan after scan, as Alertmanager's is for the same labels. */
export function monitorFingerprint(service: string, signal: Signal): string {
  return createHash('sha256').update(`${MONITOR_SOURCE}\n${service}\n${signal}`).digest('hex').slice(0, 16);
}

/** What one service's findings come to. */
export type MonitorOutcome =
  | { service: string; kind: 'notify'; payload: AlertmanagerPayload; fired: Signal[]; resolved: Signal[] }
  /** New alerts not sent: Alertmanager reported this service's problem (the incident named). */
  | { service: string; kind: 'reported'; incident: string; signals: Signal[] };

/** What the translation reads of the incident store. */
export type MonitorIncidentReads = Pick<IncidentStore, 'latestAlert' | 'openByGroup' | 'overlapping'>;

/** The notifications a scan's findings call for (none for a service whose alerts are as they should be). */
export function monitorOutcomes(scan: MonitorScanJobResult, store: MonitorIncidentReads): MonitorOutcome[] {
  return scan.services.flatMap((s) => serviceOutcome(s, scan.atMs, store) ?? []);
}

function serviceOutcome(s: MonitorServiceScan, atMs: number, store: MonitorIncidentReads): MonitorOutcome | undefined {
  const groupKey = monitorGroupKey(s.service);
  const known = (signal: Signal) => store.latestAlert(groupKey, monitorFingerprint(s.service, signal));
  const firing = s.findings.filter((f) => f.state === 'firing' && known(f.signal)?.status !== 'firing');
  const clear = GOLDEN_SIGNALS.filter(
    (signal) =>
      !s.findings.some((f) => f.signal === signal) &&
      !(s.missing ?? []).includes(signal) &&
      known(signal)?.status === 'firing',
  );
  if (!firing.length && !clear.length) return undefined;
  const fire = firing.map((f) => ({ finding: f, startsAt: startOf(f, known(f.signal)?.endsAt ?? null) }));
  if (fire.length && !store.openByGroup(groupKey)) {
    // A new incident: not when Alertmanager has reported this service's problem since it began.
    const from = Math.min(...fire.map((f) => f.startsAt));
    const reported = store.overlapping(s.service, from, atMs).find((i) => i.groupKey !== groupKey);
    if (reported) {
      if (!clear.length)
        return { service: s.service, kind: 'reported', incident: reported.id, signals: firing.map((f) => f.signal) };
      fire.length = 0;
    }
  }
  const alerts = [
    ...fire.map(({ finding, startsAt }) => alertOf(s, finding.signal, 'firing', startsAt, undefined, finding)),
    ...clear.map((signal) =>
      alertOf(s, signal, 'resolved', alertTime(known(signal)?.startsAt) ?? atMs, atMs, undefined),
    ),
  ];
  const worst = fire.find((f) => f.finding.rule === 'objective') ?? fire[0];
  const payload = webhookSchema.parse({
    version: '4',
    groupKey,
    status: fire.length ? 'firing' : 'resolved',
    receiver: 'smartcloudops-monitor',
    groupLabels: { alertname: MONITOR_ALERTNAME, service: s.service },
    commonLabels: {
      alertname: MONITOR_ALERTNAME,
      service: s.service,
      source: MONITOR_SOURCE,
      severity: worst?.finding.rule === 'objective' ? 'page' : 'warning',
    },
    commonAnnotations: {
      summary: worst ? `${s.service}: ${worst.finding.summary}` : `${s.service}: signals recovered`,
      detector: detectorWords(s),
    },
    alerts,
  });
  return { service: s.service, kind: 'notify', payload, fired: fire.map((f) => f.finding.signal), resolved: clear };
}

/**
 * A firing alert starts at its problem's onset, but always after its last episode ended (else the
 * alerts' order, src/incidents/alert-order.ts, would take it for that episode told late).
 */
function startOf(f: MonitorFinding, endedAt: string | null): number {
  const ended = alertTime(endedAt);
  return ended !== undefined && f.onsetMs <= ended ? ended + 1000 : f.onsetMs;
}

function alertOf(
  s: MonitorServiceScan,
  signal: Signal,
  status: 'firing' | 'resolved',
  startsAt: number,
  endsAt: number | undefined,
  finding: MonitorFinding | undefined,
) {
  return {
    status,
    labels: { alertname: MONITOR_ALERTNAME, service: s.service, signal, source: MONITOR_SOURCE },
    annotations: finding ? { summary: finding.summary, rule: finding.rule } : { summary: `${signal} recovered` },
    startsAt: new Date(startsAt).toISOString(),
    endsAt: endsAt === undefined ? ZERO_TIME : new Date(endsAt).toISOString(),
    fingerprint: monitorFingerprint(s.service, signal),
  };
}

/** Which model judged the service: its champion, or the built-in detector (and why, when a champion could not). */
function detectorWords(s: MonitorServiceScan): string {
  const m = s.model;
  if (!m) return 'built-in detector';
  if ('fallback' in m) return m.fallback;
  return `${m.name} v${m.version}`;
}
