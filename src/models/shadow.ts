/**
 * The shadow record (migration 014): one row per detection job that carried a challenger, written
 * by the control plane when the job completes. The job id is unique, so every serve process may
 * try and only the first one records it. Control plane only (it needs the store).
 */
import type { Db } from '../store/store';

/** One alert (an anomalous segment) of one series, as the record keeps it. */
export interface ShadowAlert {
  signal: string;
  startMs: number;
  endMs: number;
  maxScore: number;
}

export interface ShadowRun {
  jobId: string;
  model: string;
  service: string;
  championVersion: number;
  challengerVersion: number;
  /** The window the job judged: (fromMs, toMs]. */
  window: { fromMs: number; toMs: number };
  championAlerts: ShadowAlert[];
  challengerAlerts: ShadowAlert[];
  at: number;
}

interface Row {
  job_id: string;
  model: string;
  service: string;
  champion_version: number;
  challenger_version: number;
  window_from: number;
  window_to: number;
  champion_alerts: string;
  challenger_alerts: string;
  at: number;
}

export class ShadowStore {
  constructor(private readonly db: Db) {}

  /** Record a run; false when this job was recorded already (by this or another process). */
  record(run: ShadowRun): boolean {
    const changes = this.db
      .prepare(
        `INSERT INTO model_shadow_runs (job_id, model, service, champion_version, challenger_version, window_from,
          window_to, champion_alerts, challenger_alerts, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (job_id) DO NOTHING`,
      )
      .run(
        run.jobId,
        run.model,
        run.service,
        run.championVersion,
        run.challengerVersion,
        run.window.fromMs,
        run.window.toMs,
        JSON.stringify(run.championAlerts),
        JSON.stringify(run.challengerAlerts),
        run.at,
      ).changes;
    return changes === 1;
  }

  /** The runs of a model's challenger version recorded at or after `sinceMs`, oldest first. */
  runs(model: string, challengerVersion: number, sinceMs = 0): ShadowRun[] {
    const rows = this.db
      .prepare(`SELECT * FROM model_shadow_runs WHERE model = ? AND challenger_version = ? AND at >= ? ORDER BY at, id`)
      .all(model, challengerVersion, sinceMs) as Row[];
    return rows.map(toRun);
  }

  /** How many runs are recorded for a job id (0 or 1: the column is unique). */
  count(jobId: string): number {
    return this.db.prepare('SELECT COUNT(*) FROM model_shadow_runs WHERE job_id = ?').pluck().get(jobId) as number;
  }
}

function toRun(r: Row): ShadowRun {
  return {
    jobId: r.job_id,
    model: r.model,
    service: r.service,
    championVersion: r.champion_version,
    challengerVersion: r.challenger_version,
    window: { fromMs: r.window_from, toMs: r.window_to },
    championAlerts: JSON.parse(r.champion_alerts) as ShadowAlert[],
    challengerAlerts: JSON.parse(r.challenger_alerts) as ShadowAlert[],
    at: r.at,
  };
}
