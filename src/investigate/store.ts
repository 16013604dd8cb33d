/**
 * Investigations as kept (migration 017): who asked what, its state, and once finished the
 * investigation object. The job id is the investigation's id. REST reads one back, a postmortem
 * takes an incident's latest, and the LLM's daily token cap is the sum of the day's `tokens`.
 * Control plane only: it needs the store.
 */
import type { InvestigationJson } from '../ports/investigation';
import type { Db } from '../store/store';

export type InvestigationStatus = InvestigationJson['status'];

export interface InvestigationRecord {
  id: string;
  service?: string;
  question?: string;
  incidentId?: string;
  requestedBy: string;
  status: InvestigationStatus;
  createdAt: number;
  finishedAt?: number;
  /** The investigation object once done. */
  result?: InvestigationJson;
  summary?: string;
  error?: string;
}

interface Row {
  id: string;
  service: string | null;
  question: string | null;
  incident_id: string | null;
  requested_by: string;
  status: InvestigationStatus;
  created_at: number;
  finished_at: number | null;
  result: string | null;
  summary: string | null;
  error: string | null;
}

export class InvestigationStore {
  constructor(private readonly db: Db) {}

  /** Records a new investigation as queued; the same id again changes nothing. */
  create(r: Pick<InvestigationRecord, 'id' | 'service' | 'question' | 'incidentId' | 'requestedBy' | 'createdAt'>) {
    this.db
      .prepare(
        `INSERT OR IGNORE INTO investigations (id, service, question, incident_id, requested_by, status, created_at)
         VALUES (?, ?, ?, ?, ?, 'queued', ?)`,
      )
      .run(r.id, r.service ?? null, r.question ?? null, r.incidentId ?? null, r.requestedBy, r.createdAt);
  }

  running(id: string): void {
    this.db.prepare(`UPDATE investigations SET status = 'running' WHERE id = ? AND status = 'queued'`).run(id);
  }

  finish(id: string, result: InvestigationJson, summary: string, at: number): void {
    this.db
      .prepare(
        `UPDATE investigations SET status = 'done', finished_at = ?, source = ?, tokens = ?, result = ?, summary = ?,
         error = NULL WHERE id = ?`,
      )
      .run(at, result.source, Math.round(result.tokens), JSON.stringify(result), summary, id);
  }

  fail(id: string, error: string, at: number): void {
    this.db
      .prepare(`UPDATE investigations SET status = 'failed', finished_at = ?, error = ? WHERE id = ?`)
      .run(at, error.slice(0, 500), id);
  }

  get(id: string): InvestigationRecord | undefined {
    const row = this.db.prepare<[string], Row>('SELECT * FROM investigations WHERE id = ?').get(id);
    return row && hydrate(row);
  }

  /** The incident's latest finished investigation, if any. */
  latestForIncident(incidentId: string): InvestigationRecord | undefined {
    const row = this.db
      .prepare<[string], Row>(
        `SELECT * FROM investigations WHERE incident_id = ? AND status = 'done'
         ORDER BY created_at DESC, rowid DESC LIMIT 1`,
      )
      .get(incidentId);
    return row && hydrate(row);
  }

  /** LLM tokens spent by investigations created at or after `fromMs`. */
  tokensSince(fromMs: number): number {
    const row = this.db
      .prepare<[number], { total: number | null }>(
        'SELECT SUM(tokens) AS total FROM investigations WHERE created_at >= ?',
      )
      .get(fromMs);
    return row?.total ?? 0;
  }
}

function hydrate(row: Row): InvestigationRecord {
  return {
    id: row.id,
    ...(row.service !== null ? { service: row.service } : {}),
    ...(row.question !== null ? { question: row.question } : {}),
    ...(row.incident_id !== null ? { incidentId: row.incident_id } : {}),
    requestedBy: row.requested_by,
    status: row.status,
    createdAt: row.created_at,
    ...(row.finished_at !== null ? { finishedAt: row.finished_at } : {}),
    ...(row.result !== null ? { result: JSON.parse(row.result) as InvestigationJson } : {}),
    ...(row.summary !== null ? { summary: row.summary } : {}),
    ...(row.error !== null ? { error: row.error } : {}),
  };
}
