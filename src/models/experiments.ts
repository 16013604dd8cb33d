/**
 * Experiments (issue 15, point 3): every training run as one comparable row, newest first. A
 * registered version gives its params (and how they differ from the defaults), seed, window, data
 * hash, key scorecard metrics and aliases; a failed or refused train_model job still in the queue's
 * history gives a row without a version, with its error. Plain data: src/present/experiments.ts
 * draws it, GET /api/v1/experiments answers experimentsJson.
 */
import type { Json, JsonObject, ModelAlias, ModelRecord, ModelVersion } from './registry-types';
import { DEFAULT_MODEL_PARAMS, DEFAULT_MODEL_SEED, type ModelParams } from './train';

/** The scorecard figures a row shows (null when the version was not evaluated or the figure is n/a). */
export interface ExperimentMetrics {
  nab: number | null;
  recall: number | null;
  falseAlertsPerDay: number | null;
  medianDelaySeconds: number | null;
  recommendation: string | null;
  /** Why there is no scorecard, when the evaluation failed. */
  evaluationError?: string;
}

export interface Experiment {
  model: string;
  service: string;
  /** null for a training that failed before a version was registered. */
  version: number | null;
  status: 'registered' | 'failed';
  createdAt: number;
  createdBy: string;
  params: Partial<ModelParams>;
  /** The params that differ from DEFAULT_MODEL_PARAMS (empty: all defaults). */
  changed: Partial<ModelParams>;
  seed: number;
  /** The training window; for a failed job only its length is known. */
  window: { fromMs: number | null; toMs: number | null; seconds: number };
  dataSha256: string | null;
  metrics: ExperimentMetrics | null;
  aliases: ModelAlias[];
  jobId: string | null;
  /** For a failed training: the job's error. */
  error?: string;
}

/** A train_model job that failed (the command layer reads them from the queue's history). */
export interface FailedTraining {
  jobId: string;
  service: string;
  model?: string;
  windowS: number;
  params?: Partial<ModelParams>;
  seed?: number;
  toMs?: number;
  requestedBy?: string;
  createdAt: number;
  error?: string;
}

const PARAM_KEYS = Object.keys(DEFAULT_MODEL_PARAMS) as Array<keyof ModelParams>;

/** Only these of `params` whose value is not the default. */
export function changedParams(params: Partial<ModelParams>): Partial<ModelParams> {
  const out: Partial<ModelParams> = {};
  for (const k of PARAM_KEYS) if (params[k] !== undefined && params[k] !== DEFAULT_MODEL_PARAMS[k]) out[k] = params[k];
  return out;
}

const obj = (j: Json | undefined): JsonObject | undefined =>
  j && typeof j === 'object' && !Array.isArray(j) ? j : undefined;
const num = (j: Json | undefined): number | null => (typeof j === 'number' && Number.isFinite(j) ? j : null);

/** The key figures of a version's stored scorecard (src/models/evaluate.ts summary: rows by id). */
export function keyMetrics(metrics: JsonObject | null): ExperimentMetrics | null {
  if (!metrics) return null;
  const card = obj(metrics.scorecard);
  if (!card) {
    const why = typeof metrics.evaluation_error === 'string' ? metrics.evaluation_error : 'no scorecard';
    return {
      nab: null,
      recall: null,
      falseAlertsPerDay: null,
      medianDelaySeconds: null,
      recommendation: null,
      evaluationError: why,
    };
  }
  const rows = Array.isArray(card.rows) ? card.rows.map(obj).filter((r) => r !== undefined) : [];
  const cell = (id: string) => num(rows.find((r) => r.id === id)?.candidate);
  return {
    nab: cell('nab'),
    recall: cell('recall'),
    falseAlertsPerDay: cell('false_alerts_per_day'),
    medianDelaySeconds: cell('median_delay'),
    recommendation: typeof card.recommendation === 'string' ? card.recommendation : null,
  };
}

function versionRow(m: ModelRecord, v: ModelVersion): Experiment {
  const params = v.params as Partial<ModelParams>;
  const aliases: ModelAlias[] = [];
  if (m.champion === v.version) aliases.push('champion');
  if (m.challenger === v.version) aliases.push('challenger');
  return {
    model: m.name,
    service: m.service,
    version: v.version,
    status: 'registered',
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    params,
    changed: changedParams(params),
    seed: v.seed,
    window: {
      fromMs: v.window.fromMs,
      toMs: v.window.toMs,
      seconds: Math.round((v.window.toMs - v.window.fromMs) / 1000),
    },
    dataSha256: v.dataSha256,
    metrics: keyMetrics(v.metrics),
    aliases,
    jobId: v.jobId ?? null,
  };
}

function failedRow(data: FailedTraining): Experiment {
  const params = { ...(data.params ?? {}) };
  return {
    model: data.model ?? `${data.service}-detector`,
    service: data.service,
    version: null,
    status: 'failed',
    createdAt: data.createdAt,
    createdBy: data.requestedBy ?? 'system:smartcloudops',
    params,
    changed: changedParams(params),
    seed: data.seed ?? DEFAULT_MODEL_SEED,
    window: { fromMs: null, toMs: data.toMs ?? null, seconds: data.windowS },
    dataSha256: null,
    metrics: null,
    aliases: [],
    jobId: data.jobId,
    error: data.error ?? 'failed',
  };
}

/**
 * Every version of every model, plus the failed trainings, newest first; `filter` keeps the rows
 * whose model or service has that name.
 */
export function listExperiments(
  models: readonly ModelRecord[],
  failed: readonly FailedTraining[] = [],
  filter?: string,
): Experiment[] {
  const rows = [...models.flatMap((m) => m.versions.map((v) => versionRow(m, v))), ...failed.map(failedRow)];
  return rows
    .filter((r) => filter === undefined || r.model === filter || r.service === filter)
    .sort((a, b) => b.createdAt - a.createdAt || (b.version ?? 0) - (a.version ?? 0));
}

/** GET /api/v1/experiments: `{"experiments": [...]}`, times ISO 8601, keys snake_case. */
export function experimentsJson(rows: readonly Experiment[]) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    experiments: rows.map((r) => ({
      model: r.model,
      service: r.service,
      version: r.version,
      status: r.status,
      created_at: iso(r.createdAt),
      created_by: r.createdBy,
      params: r.params,
      changed_params: r.changed,
      seed: r.seed,
      window: { from: iso(r.window.fromMs), to: iso(r.window.toMs), seconds: r.window.seconds },
      data_sha256: r.dataSha256,
      metrics: r.metrics && {
        nab: r.metrics.nab,
        recall: r.metrics.recall,
        false_alerts_per_day: r.metrics.falseAlertsPerDay,
        median_delay_s: r.metrics.medianDelaySeconds,
        recommendation: r.metrics.recommendation,
        ...(r.metrics.evaluationError !== undefined ? { evaluation_error: r.metrics.evaluationError } : {}),
      },
      aliases: r.aliases,
      job_id: r.jobId,
      ...(r.error !== undefined ? { error: r.error } : {}),
    })),
  };
}
