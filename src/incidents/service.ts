import type { Principal } from '../auth/permissions';
import type { AuditLog } from '../audit/types';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import { freshId } from '../store/fresh-id';
import { alertTimes, compareAlert, withTimes } from './alert-order';
import type { Alert, AlertmanagerPayload } from './alertmanager';
import type { AnalysisJob, Incident, IncidentStatus, IncidentStore } from './store';

export interface IngestResult {
  /**
   * The incident the notification opened, joined or changed (else the group's newest); undefined
   * for a group never seen with nothing to record.
   */
  incident?: Incident;
  created: boolean;
  /** New alerts, or alerts whose status changed: the posted message needs an update. */
  changed: boolean;
  resolved: boolean;
  /**
   * Why the new incident's analysis could not start (e.g. the job queue is down); the incident is
   * recorded all the same.
   */
  analysisNotStarted?: string;
}

/** What happened to an incident, for whoever shows it (the incident channel). */
export type IncidentChange = 'created' | 'updated' | 'acked' | 'resolved';
export type IncidentListener = (incident: Incident, change: IncidentChange) => void;

export interface IncidentDeps {
  store: IncidentStore;
  audit: AuditLog;
  clock: Clock;
  /** Called after a new incident is stored: start its analysis (anomaly detection on its service). */
  onCreated?(incident: Incident): Promise<void>;
  /** The random part of new incident ids (6 hex digits; `freshId` skips any taken). Tests inject one. */
  randomId?: () => string;
}

/**
 * Alerts -> incidents. Alertmanager already groups and deduplicates: an incident is one group
 * (`groupKey`) until it resolves, its alerts are kept once per Alertmanager fingerprint, and a
 * notification changes nothing unless it tells something newer than what is known (see `ingest`).
 */
export class IncidentService {
  private readonly listeners = new Set<IncidentListener>();

  constructor(private readonly d: IncidentDeps) {}

  /** Be told of every new incident and every change to one (listeners must not throw). */
  onChange(listener: IncidentListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Add a timeline entry (e.g. the analysis' outcome) and tell listeners. */
  note(id: string, actor: string, event: string, detail: Record<string, unknown> = {}): Incident {
    const incident = this.get(id);
    this.d.store.note(incident.id, this.d.clock(), actor, event, detail);
    const updated = this.get(incident.id);
    this.emit(updated, 'updated');
    return updated;
  }

  /**
   * Take one notification (Alertmanager's webhook, or the monitor's, `source: 'monitor'`, which the
   * timeline then names). Each alert is compared with the newest known state of its fingerprint
   * in the group (`compareAlert`), so the outcome does not depend on the order Alertmanager's
   * notifications arrive in: an older state changes nothing, a resolution updates the incident
   * that holds its episode, and a new alert or a new episode joins the group's unresolved incident
   * or opens one. An incident is resolved when all its alerts are; nothing resolved is reopened.
   */
  async ingest(payload: AlertmanagerPayload, options: { source?: string } = {}): Promise<IngestResult> {
    const { store, clock } = this.d;
    const at = clock();
    // Who the timeline names: Alertmanager, or the monitor's notifications (src/incidents/monitor.ts).
    const actor = options.source ?? 'alertmanager';
    const { result, touched } = store.transaction(() => {
      const touched = new Map<string, { created: boolean; changed: boolean; resolved: boolean }>();
      const apply = (incidentId: string, alert: Alert, note: boolean) => {
        const before = store.upsertAlert(incidentId, alert, at);
        const entry = touched.get(incidentId) ?? { created: false, changed: false, resolved: false };
        touched.set(incidentId, entry);
        if (before === alert.status) return;
        entry.changed = true;
        if (note)
          store.note(incidentId, at, actor, before === undefined ? 'alert added' : `alert ${alert.status}`, {
            fingerprint: alert.fingerprint,
            alertname: alert.labels.alertname,
          });
      };

      const joining: Alert[] = [];
      for (const alert of payload.alerts) {
        const stored = store.latestAlert(payload.groupKey, alert.fingerprint);
        const known = stored && alertTimes(stored, at);
        const times = alertTimes(alert, at, known);
        const verdict = compareAlert(known, times);
        if (verdict === 'new' || verdict === 'episode') joining.push(withTimes(alert, times));
        else if (stored && (verdict === 'update' || verdict === 'same'))
          apply(stored.incidentId, withTimes(alert, times), true);
      }
      // The group's unresolved incident takes new alerts and new episodes; without one they open one.
      let joined = store.openByGroup(payload.groupKey)?.id;
      if (joining.length) {
        const created = joined === undefined;
        joined ??= this.create(payload, joining.length, at, actor);
        if (created) touched.set(joined, { created: true, changed: true, resolved: false });
        for (const alert of joining) apply(joined, alert, !created);
      }

      for (const [id, entry] of touched) {
        const status = store.status(id);
        if (
          status &&
          status !== 'resolved' &&
          store.firingCount(id) === 0 &&
          store.move(id, status, 'resolved', at, actor)
        ) {
          store.note(id, at, actor, 'resolved');
          entry.resolved = true;
        }
      }
      // The incident the notification is about: the one it opened or joined, else the one it
      // changed, else the group's newest.
      const mainId =
        joined ?? [...touched].find(([, e]) => e.changed)?.[0] ?? store.latestByGroup(payload.groupKey)?.id;
      const main = mainId ? touched.get(mainId) : undefined;
      const result: IngestResult = {
        ...(mainId ? { incident: store.get(mainId) as Incident } : {}),
        created: main?.created ?? false,
        changed: main?.changed ?? false,
        resolved: main?.resolved ?? false,
      };
      return { result, touched };
    });
    for (const [id, entry] of touched) {
      if (entry.changed)
        this.emit(
          id === result.incident?.id ? result.incident : this.get(id),
          entry.created ? 'created' : entry.resolved ? 'resolved' : 'updated',
        );
    }
    if (result.created && result.incident) {
      const why = await this.analyse(result.incident);
      if (why) return { ...result, incident: this.get(result.incident.id), analysisNotStarted: why };
    }
    return result;
  }

  /**
   * Start a new incident's analysis. The incident is already recorded, and it matters more than
   * its analysis: a failure (the job queue down) is kept on the timeline and returned, never
   * thrown, so the webhook still answers 200 (a retried notification would find the incident
   * known and start nothing either).
   */
  private async analyse(incident: Incident): Promise<string | undefined> {
    try {
      await this.d.onCreated?.(incident);
      return undefined;
    } catch (err) {
      const reason = err instanceof AppError ? err.userMessage : 'the analysis job could not be queued';
      this.note(incident.id, 'analysis', 'analysis not started', { reason });
      return reason;
    }
  }

  /** A new incident for the group, from the notification's common labels; returns its id. */
  private create(payload: AlertmanagerPayload, alerts: number, at: number, actor: string): string {
    const { store } = this.d;
    const previous = store.latestByGroup(payload.groupKey)?.id;
    const labels = { ...payload.commonLabels };
    const id = freshId('i', (candidate) => store.status(candidate) !== undefined, this.d.randomId);
    store.create({
      id,
      groupKey: payload.groupKey,
      labels,
      annotations: payload.commonAnnotations,
      externalUrl: payload.externalURL ?? null,
      at,
      title: payload.commonAnnotations.summary ?? labels.alertname ?? payload.groupLabels.alertname ?? 'alert',
      service: labels.service ?? labels.job ?? null,
      severity: labels.severity ?? null,
    });
    store.note(id, at, actor, 'opened', {
      receiver: payload.receiver,
      alerts,
      ...(previous ? { follows: previous } : {}),
    });
    return id;
  }

  get(id: string): Incident {
    const incident = this.d.store.get(id.replace(/^#/, '').toLowerCase());
    if (!incident) throw new AppError('not_found', `There is no incident ${id}.`);
    return incident;
  }

  list(status?: IncidentStatus, limit = 20): Incident[] {
    return this.d.store.list(status ?? 'any', limit);
  }

  ack(actor: Principal, id: string): Incident {
    return this.decide(actor, id, 'acked', ['open']);
  }

  resolve(actor: Principal, id: string): Incident {
    return this.decide(actor, id, 'resolved', ['open', 'acked']);
  }

  openCount(): number {
    return this.d.store.openCount();
  }

  /** The id of the incident this job analyses (see `./analysis`), undefined for any other job. */
  analysedBy(job: AnalysisJob): string | undefined {
    return this.d.store.analysedIncident(job);
  }

  private decide(actor: Principal, id: string, to: 'acked' | 'resolved', from: IncidentStatus[]): Incident {
    const { store, clock, audit } = this.d;
    const at = clock();
    const incident = this.get(id);
    const moved =
      from.includes(incident.status) &&
      store.transaction(() => {
        if (!store.move(incident.id, incident.status, to, at, actor.id)) return false;
        store.note(incident.id, at, actor.id, to === 'acked' ? 'acknowledged' : 'resolved', { by: actor.name });
        return true;
      });
    if (!moved)
      throw new AppError(
        'conflict',
        `Incident ${incident.id} is ${incident.status}; ` +
          `it cannot be ${to === 'acked' ? 'acknowledged' : 'resolved'} now.`,
      );
    audit.record({
      actor: actor.id,
      action: `incident.${to === 'acked' ? 'ack' : 'resolve'}`,
      outcome: 'ok',
      target: `incident:${incident.id}`,
    });
    const updated = this.get(incident.id);
    this.emit(updated, to);
    return updated;
  }

  private emit(incident: Incident, change: IncidentChange): void {
    for (const listener of this.listeners) listener(incident, change);
  }
}
