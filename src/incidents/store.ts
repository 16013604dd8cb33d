import type { Db } from '../store/store';
import type { Alert } from './alertmanager';

export type IncidentStatus = 'open' | 'acked' | 'resolved';

export interface Incident {
  id: string;
  groupKey: string;
  status: IncidentStatus;
  title: string;
  service: string | null;
  severity: string | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  externalUrl: string | null;
  createdAt: number;
  updatedAt: number;
  resolvedAt: number | null;
  ackedBy: string | null;
  resolvedBy: string | null;
  alerts: Array<{
    fingerprint: string;
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    startsAt: string | null;
    generatorUrl: string | null;
  }>;
  timeline: Array<{ at: number; actor: string; event: string; detail: Record<string, unknown> }>;
}

/** An alert as stored, with the incident that holds it. */
export interface KnownAlert {
  incidentId: string;
  status: 'firing' | 'resolved';
  startsAt: string | null;
  endsAt: string | null;
}

/** A job as the queue knows it: ids start again when the queue backend or its name changes, creation times do not. */
export interface AnalysisJob {
  id: string;
}

interface Row {
  id: string;
  group_key: string;
  status: IncidentStatus;
  title: string;
  service: string | null;
  severity: string | null;
  labels: string;
  annotations: string;
  external_url: string | null;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
  acked_by: string | null;
  resolved_by: string | null;
}

/** Incidents in SQLite; status changes are compare-and-set, like remediation requests. */
export class IncidentStore {
  private readonly s;

  constructor(private readonly db: Db) {
    this.s = {
      openByGroup: db.prepare<[string], { id: string; status: IncidentStatus }>(
        "SELECT id, status FROM incidents WHERE group_key = ? AND status != 'resolved'",
      ),
      latestByGroup: db.prepare<[string], { id: string; status: IncidentStatus }>(
        'SELECT id, status FROM incidents WHERE group_key = ? ORDER BY rowid DESC LIMIT 1',
      ),
      latestAlert: db.prepare<[string, string], KnownAlert>(
        `SELECT a.incident_id AS incidentId, a.status, a.starts_at AS startsAt, a.ends_at AS endsAt
        FROM incidents i JOIN incident_alerts a ON a.incident_id = i.id AND a.fingerprint = ? ` +
          `WHERE i.group_key = ? ORDER BY i.rowid DESC LIMIT 1`,
      ),
      status: db.prepare<[string], { status: IncidentStatus }>('SELECT status FROM incidents WHERE id = ?'),
      get: db.prepare<[string], Row>('SELECT * FROM incidents WHERE id = ?'),
      insert: db.prepare(
        `INSERT INTO incidents (id, group_key, status, title, service, severity, labels, annotations, ` +
          `external_url, created_at, updated_at)
        VALUES (@id, @group_key, 'open', @title, @service, @severity, @labels, @annotations, @external_url, @at, @at)`,
      ),
      alert: db.prepare<[string, string], { status: string }>(
        'SELECT status FROM incident_alerts WHERE incident_id = ? AND fingerprint = ?',
      ),
      upsertAlert: db.prepare(
        `INSERT INTO incident_alerts (incident_id, fingerprint, status, labels, annotations, starts_at, ` +
          `ends_at, generator_url, updated_at)
        VALUES (@incident_id, @fingerprint, @status, @labels, @annotations, @starts_at, @ends_at, @generator_url, @at)
        ON CONFLICT(incident_id, fingerprint) DO UPDATE SET status = excluded.status, labels = excluded.labels, ` +
          `annotations = excluded.annotations,
          starts_at = excluded.starts_at, ends_at = excluded.ends_at, generator_url = excluded.generator_url, ` +
          `updated_at = excluded.updated_at`,
      ),
      alerts: db.prepare<
        [string],
        {
          fingerprint: string;
          status: 'firing' | 'resolved';
          labels: string;
          starts_at: string | null;
          generator_url: string | null;
        }
      >(
        'SELECT fingerprint, status, labels, starts_at, generator_url FROM incident_alerts ' +
          'WHERE incident_id = ? ORDER BY starts_at',
      ),
      firing: db.prepare<[string], { n: number }>(
        "SELECT COUNT(*) AS n FROM incident_alerts WHERE incident_id = ? AND status = 'firing'",
      ),
      timeline: db.prepare<[string], { at: number; actor: string; event: string; detail: string }>(
        'SELECT at, actor, event, detail FROM incident_timeline WHERE incident_id = ? ORDER BY seq',
      ),
      note: db.prepare('INSERT INTO incident_timeline (incident_id, at, actor, event, detail) VALUES (?, ?, ?, ?, ?)'),
      move: db.prepare<[IncidentStatus, number, string | null, string | null, number | null, string, IncidentStatus]>(
        'UPDATE incidents SET status = ?, updated_at = ?, acked_by = COALESCE(?, acked_by), ' +
          'resolved_by = COALESCE(?, resolved_by), resolved_at = COALESCE(?, resolved_at) ' +
          'WHERE id = ? AND status = ?',
      ),
      touch: db.prepare<[number, string]>('UPDATE incidents SET updated_at = ? WHERE id = ?'),
      list: db.prepare<[{ status: string; limit: number }], Row>(
        "SELECT * FROM incidents WHERE (@status = 'any' OR status = @status) ORDER BY created_at DESC LIMIT @limit",
      ),
      openCount: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM incidents WHERE status != 'resolved'"),
      overlapping: db.prepare<
        [string, number, number],
        { id: string; group_key: string; status: IncidentStatus; created_at: number; resolved_at: number | null }
      >(
        'SELECT id, group_key, status, created_at, resolved_at FROM incidents ' +
          'WHERE service = ? AND created_at <= ? AND (resolved_at IS NULL OR resolved_at >= ?) ORDER BY created_at',
      ),
      linkAnalysis: db.prepare<[string, string, number]>(
        'INSERT OR REPLACE INTO incident_analyses (job_id, incident_id, queued_at) VALUES (?, ?, ?)',
      ),
      analysed: db.prepare<[string], { incident_id: string }>(
        'SELECT incident_id FROM incident_analyses WHERE job_id = ?',
      ),
    };
  }

  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** The group's open incident, id and status only: read on every notification, so no alerts or timeline. */
  openByGroup(groupKey: string): { id: string; status: IncidentStatus } | undefined {
    return this.s.openByGroup.get(groupKey);
  }

  /** The group's newest incident, whatever its status. */
  latestByGroup(groupKey: string): { id: string; status: IncidentStatus } | undefined {
    return this.s.latestByGroup.get(groupKey);
  }

  /**
   * The newest known state of an alert of the group: the one in the group's newest incident that
   * holds the fingerprint (an alert joins a newer incident only with a newer state).
   */
  latestAlert(groupKey: string, fingerprint: string): KnownAlert | undefined {
    return this.s.latestAlert.get(fingerprint, groupKey);
  }

  /**
   * The incident's status, undefined when there is none with this id (`freshId`'s check, inside the
   * insert's transaction).
   */
  status(id: string): IncidentStatus | undefined {
    return this.s.status.get(id)?.status;
  }

  get(id: string): Incident | undefined {
    const row = this.s.get.get(id);
    return row ? this.hydrate(row) : undefined;
  }

  create(i: {
    id: string;
    groupKey: string;
    title: string;
    service: string | null;
    severity: string | null;
    labels: Record<string, string>;
    annotations: Record<string, string>;
    externalUrl: string | null;
    at: number;
  }): void {
    this.s.insert.run({
      id: i.id,
      group_key: i.groupKey,
      title: i.title,
      service: i.service,
      severity: i.severity,
      labels: JSON.stringify(i.labels),
      annotations: JSON.stringify(i.annotations),
      external_url: i.externalUrl,
      at: i.at,
    });
  }

  /** Stores the alert; returns its previous status (undefined when new). */
  upsertAlert(incidentId: string, alert: Alert, at: number): string | undefined {
    const before = this.s.alert.get(incidentId, alert.fingerprint)?.status;
    this.s.upsertAlert.run({
      incident_id: incidentId,
      fingerprint: alert.fingerprint,
      status: alert.status,
      labels: JSON.stringify(alert.labels),
      annotations: JSON.stringify(alert.annotations),
      starts_at: alert.startsAt ?? null,
      ends_at: alert.endsAt ?? null,
      generator_url: alert.generatorURL ?? null,
      at,
    });
    return before;
  }

  firingCount(incidentId: string): number {
    return this.s.firing.get(incidentId)?.n ?? 0;
  }

  note(incidentId: string, at: number, actor: string, event: string, detail: Record<string, unknown> = {}): void {
    this.s.note.run(incidentId, at, actor, event, JSON.stringify(detail));
    this.s.touch.run(at, incidentId);
  }

  move(id: string, from: IncidentStatus, to: IncidentStatus, at: number, by: string): boolean {
    return (
      this.s.move.run(
        to,
        at,
        to === 'acked' ? by : null,
        to === 'resolved' ? by : null,
        to === 'resolved' ? at : null,
        id,
        from,
      ).changes === 1
    );
  }

  list(status: IncidentStatus | 'any', limit: number): Incident[] {
    return this.s.list.all({ status, limit }).map((r) => this.hydrate(r));
  }

  openCount(): number {
    return this.s.openCount.get()?.n ?? 0;
  }

  /** The service's incidents that were open at some time in [fromMs, toMs], oldest first. */
  overlapping(
    service: string,
    fromMs: number,
    toMs: number,
  ): Array<{ id: string; groupKey: string; status: IncidentStatus; createdAt: number; resolvedAt: number | null }> {
    return this.s.overlapping.all(service, toMs, fromMs).map((r) => ({
      id: r.id,
      groupKey: r.group_key,
      status: r.status,
      createdAt: r.created_at,
      resolvedAt: r.resolved_at,
    }));
  }

  /** Record that this job (by the id it is, or is about to be, queued under) analyses the incident. */
  linkAnalysis(incidentId: string, job: AnalysisJob, at: number): void {
    this.s.linkAnalysis.run(job.id, incidentId, at);
  }

  /** The incident this job analyses, if it is an incident's analysis. */
  analysedIncident(job: AnalysisJob): string | undefined {
    return this.s.analysed.get(job.id)?.incident_id;
  }

  private hydrate(row: Row): Incident {
    return {
      id: row.id,
      groupKey: row.group_key,
      status: row.status,
      title: row.title,
      service: row.service,
      severity: row.severity,
      labels: JSON.parse(row.labels) as Record<string, string>,
      annotations: JSON.parse(row.annotations) as Record<string, string>,
      externalUrl: row.external_url,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      resolvedAt: row.resolved_at,
      ackedBy: row.acked_by,
      resolvedBy: row.resolved_by,
      alerts: this.s.alerts.all(row.id).map((a) => ({
        fingerprint: a.fingerprint,
        status: a.status,
        labels: JSON.parse(a.labels) as Record<string, string>,
        startsAt: a.starts_at,
        generatorUrl: a.generator_url,
      })),
      timeline: this.s.timeline.all(row.id).map((t) => ({
        at: t.at,
        actor: t.actor,
        event: t.event,
        detail: JSON.parse(t.detail) as Record<string, unknown>,
      })),
    };
  }
}
