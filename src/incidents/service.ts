import { randomBytes } from 'node:crypto';
import type { Principal } from '../auth/permissions';
import type { AuditLog } from '../auth/types';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { AlertmanagerPayload } from './alertmanager';
import type { Incident, IncidentStatus, IncidentStore } from './store';

export interface IngestResult {
  /** Undefined when a resolution arrives for a group with no open incident (nothing to do). */
  incident?: Incident;
  created: boolean;
  /** New alerts, or alerts whose status changed: the posted message needs an update. */
  changed: boolean;
  resolved: boolean;
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
}

/**
 * Alerts -> incidents. Alertmanager already groups and deduplicates: an incident is one group
 * (`groupKey`) until it resolves, its alerts are kept once per Alertmanager fingerprint, and a
 * repeat notification changes nothing unless an alert is new or changed status.
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

  async ingest(payload: AlertmanagerPayload): Promise<IngestResult> {
    const { store, clock } = this.d;
    const at = clock();
    const result = store.transaction((): IngestResult => {
      let incident = store.openByGroup(payload.groupKey);
      let created = false;
      if (!incident) {
        if (payload.status === 'resolved') {
          // A resolution for a group we never saw open (or already resolved): nothing to open.
          return { created: false, changed: false, resolved: false };
        }
        const labels = { ...payload.commonLabels };
        const id = `i${randomBytes(3).toString('hex')}`;
        store.create({
          id, groupKey: payload.groupKey, labels, annotations: payload.commonAnnotations, externalUrl: payload.externalURL ?? null, at,
          title: payload.commonAnnotations.summary ?? labels.alertname ?? payload.groupLabels.alertname ?? 'alert',
          service: labels.service ?? labels.job ?? null, severity: labels.severity ?? null,
        });
        store.note(id, at, 'alertmanager', 'opened', { receiver: payload.receiver, alerts: payload.alerts.length });
        created = true;
        incident = { id, status: 'open' };
      }
      let changed = created;
      for (const alert of payload.alerts) {
        const before = store.upsertAlert(incident.id, alert, at);
        if (before !== alert.status) {
          changed = true;
          if (!created) store.note(incident.id, at, 'alertmanager', before === undefined ? 'alert added' : `alert ${alert.status}`, { fingerprint: alert.fingerprint, alertname: alert.labels.alertname });
        }
      }
      let resolved = false;
      if (payload.status === 'resolved' && store.firingCount(incident.id) === 0) {
        resolved = store.move(incident.id, incident.status, 'resolved', at, 'alertmanager');
        if (resolved) store.note(incident.id, at, 'alertmanager', 'resolved');
      }
      return { incident: store.get(incident.id) as Incident, created, changed, resolved };
    });
    if (result.incident && result.changed) this.emit(result.incident, result.created ? 'created' : result.resolved ? 'resolved' : 'updated');
    if (result.created && result.incident) await this.d.onCreated?.(result.incident);
    return result;
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

  private decide(actor: Principal, id: string, to: 'acked' | 'resolved', from: IncidentStatus[]): Incident {
    const { store, clock, audit } = this.d;
    const at = clock();
    const incident = this.get(id);
    const moved = from.includes(incident.status) && store.transaction(() => {
      if (!store.move(incident.id, incident.status, to, at, actor.id)) return false;
      store.note(incident.id, at, actor.id, to === 'acked' ? 'acknowledged' : 'resolved', { by: actor.name });
      return true;
    });
    if (!moved) throw new AppError('conflict', `Incident ${incident.id} is ${incident.status}; it cannot be ${to === 'acked' ? 'acknowledged' : 'resolved'} now.`);
    audit.record({ actor: actor.id, action: `incident.${to === 'acked' ? 'ack' : 'resolve'}`, outcome: 'ok', target: `incident:${incident.id}` });
    const updated = this.get(incident.id);
    this.emit(updated, to);
    return updated;
  }

  private emit(incident: Incident, change: IncidentChange): void {
    for (const listener of this.listeners) listener(incident, change);
  }
}
