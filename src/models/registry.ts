import { AppError } from '../errors';
import { systemClock, type Clock } from '../clock';
import type { Db } from '../store/store';
import type { BlobStore } from './blobs';
import { differences } from './registry-compare';
import { didYouMean } from '../reply/did-you-mean';
import { checkAlias, checkModelName, checkRegisterInput, defaultModelName } from './registry-names';
import type {
  AliasMove,
  Comparison,
  DriftFigure,
  JsonObject,
  ModelAlias,
  ModelRecord,
  ModelVersion,
  PruneResult,
  RegisterInput,
  SetAliasOptions,
} from './registry-types';

interface VersionRow {
  model: string;
  version: number;
  params: string;
  seed: number;
  data_from: number;
  data_to: number;
  data_sha256: string;
  code_version: string;
  metrics: string | null;
  onnx_sha256: string;
  created_at: number;
  created_by: string;
  job_id: string | null;
  reference?: string | null;
  drift?: string | null;
}

interface ModelRow {
  name: string;
  service: string;
  created_at: number;
  next_version: number;
}

interface HistoryRow {
  alias: ModelAlias;
  version: number | null;
  previous: number | null;
  at: number;
  by: string;
}

/** Unreferenced blobs younger than this are spared by prune: a registration may be between blob and row. */
export const DEFAULT_BLOB_GRACE_MS = 10 * 60_000;

/**
 * The model registry (DESIGN.md, Models; migration 012): versions numbered from 1 per model, each
 * with what it was trained from and the sha256 of its ONNX file (kept by `BlobStore`), and MLflow's
 * aliases `champion` and `challenger`, moved by compare-and-set with every move kept, so a rollback
 * knows where to go. Control plane only: it needs the store, so no worker may import it.
 */
export class ModelRegistry {
  private readonly clock: Clock;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    options: { clock?: Clock } = {},
  ) {
    this.clock = options.clock ?? systemClock;
  }

  /**
   * Store the ONNX file, then the version in one transaction that also takes its number. A crash
   * in between leaves at most an orphan blob (prune sweeps it), never a half-registered version.
   */
  async register(input: RegisterInput): Promise<ModelVersion> {
    const name = checkModelName(input.name ?? defaultModelName(input.service));
    checkRegisterInput(input);
    const { sha256 } = await this.blobs.put(input.onnx);
    const version = this.db
      .transaction(() => {
        const done = input.jobId === undefined ? undefined : this.byJob(input.jobId);
        if (done) return done.version;
        const at = this.clock();
        const model = this.modelRow(name);
        if (model && model.service !== input.service) {
          throw new AppError(
            'conflict',
            `the model ${name} belongs to the service ${model.service}, not ${input.service}; give another name`,
          );
        }
        if (!model) {
          this.db
            .prepare('INSERT INTO models (name, service, created_at) VALUES (?, ?, ?)')
            .run(name, input.service, at);
        }
        const v = model?.next_version ?? 1;
        this.db.prepare('UPDATE models SET next_version = ? WHERE name = ?').run(v + 1, name);
        this.db
          .prepare(
            `INSERT INTO model_versions (model, version, params, seed, data_from, data_to, data_sha256, code_version,
              metrics, onnx_sha256, created_at, created_by, job_id, reference)
              VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            name,
            v,
            JSON.stringify(input.params),
            input.seed,
            input.window.fromMs,
            input.window.toMs,
            input.dataSha256,
            input.codeVersion,
            input.metrics === undefined ? null : JSON.stringify(input.metrics),
            sha256,
            at,
            input.createdBy,
            input.jobId ?? null,
            input.reference === undefined ? null : JSON.stringify(input.reference),
          );
        return v;
      })
      .immediate();
    return this.version(name, version);
  }

  /** The version a train_model job registered, if it did. */
  byJob(jobId: string): ModelVersion | undefined {
    const row = this.db.prepare('SELECT * FROM model_versions WHERE job_id = ?').get(jobId) as VersionRow | undefined;
    return row ? toVersion(row) : undefined;
  }

  /** Record (or replace) a version's evaluation metrics. */
  setMetrics(name: string, version: number, metrics: JsonObject): ModelVersion {
    this.version(name, version);
    this.db
      .prepare('UPDATE model_versions SET metrics = ? WHERE model = ? AND version = ?')
      .run(JSON.stringify(metrics), name, version);
    return this.version(name, version);
  }

  /** Every model, by name, with its aliases and versions (oldest first): GET /api/v1/models via toJson. */
  list(): ModelRecord[] {
    const models = this.db.prepare('SELECT * FROM models ORDER BY name').all() as ModelRow[];
    const versions = this.db.prepare('SELECT * FROM model_versions ORDER BY model, version').all() as VersionRow[];
    const aliases = this.db.prepare('SELECT model, alias, version FROM model_aliases').all() as {
      model: string;
      alias: ModelAlias;
      version: number;
    }[];
    return models.map((m) => ({
      name: m.name,
      service: m.service,
      createdAt: m.created_at,
      champion: aliases.find((a) => a.model === m.name && a.alias === 'champion')?.version ?? null,
      challenger: aliases.find((a) => a.model === m.name && a.alias === 'challenger')?.version ?? null,
      versions: versions.filter((v) => v.model === m.name).map(toVersion),
    }));
  }

  get(name: string): ModelRecord {
    const m = this.requireModel(name);
    const versions = this.db
      .prepare('SELECT * FROM model_versions WHERE model = ? ORDER BY version')
      .all(name) as VersionRow[];
    return {
      name,
      service: m.service,
      createdAt: m.created_at,
      ...this.aliasesOf(name),
      versions: versions.map(toVersion),
    };
  }

  /** The models trained for a service (usually one, `<service>-detector`). */
  modelsOf(service: string): string[] {
    return this.db.prepare('SELECT name FROM models WHERE service = ? ORDER BY name').pluck().all(service) as string[];
  }

  version(name: string, version: number): ModelVersion {
    this.requireModel(name);
    const row = this.db.prepare('SELECT * FROM model_versions WHERE model = ? AND version = ?').get(name, version) as
      VersionRow | undefined;
    if (!row) {
      const known = this.db
        .prepare('SELECT version FROM model_versions WHERE model = ? ORDER BY version')
        .pluck()
        .all(name) as number[];
      const has = known.length ? `its versions are ${known.join(', ')}` : 'it has no versions';
      throw new AppError('not_found', `${name} has no version ${version}; ${has}.`);
    }
    return toVersion(row);
  }

  /** The ONNX bytes of a version, verified against the sha256 it was registered with. */
  async onnx(name: string, version: number): Promise<Buffer> {
    const v = this.version(name, version);
    return this.blobs.get(v.onnxSha256, `${name} v${version}`);
  }

  /** The version an alias points at, if any. */
  resolve(name: string, alias: ModelAlias): ModelVersion | undefined {
    const v = this.aliasesOf(name)[alias];
    return v === null ? undefined : this.version(name, v);
  }

  compare(name: string, a: number, b: number): Comparison {
    const va = this.version(name, a);
    const vb = this.version(name, b);
    return {
      name,
      a: va,
      b: vb,
      params: differences(va.params, vb.params),
      metrics: differences(va.metrics, vb.metrics),
    };
  }

  aliasesOf(name: string): Record<ModelAlias, number | null> {
    this.requireModel(name);
    const rows = this.db.prepare('SELECT alias, version FROM model_aliases WHERE model = ?').all(name) as {
      alias: ModelAlias;
      version: number;
    }[];
    const of = (alias: ModelAlias) => rows.find((r) => r.alias === alias)?.version ?? null;
    return { champion: of('champion'), challenger: of('challenger') };
  }

  /**
   * Point an alias at a version, compare-and-set: with `expected` (a version, or null for unset)
   * it refuses when the alias moved meanwhile. Setting it where it already points changes nothing.
   */
  setAlias(name: string, alias: ModelAlias, version: number, options: SetAliasOptions): AliasMove | undefined {
    checkAlias(alias);
    return this.db
      .transaction(() => {
        this.version(name, version);
        const current = this.casCheck(name, alias, options.expected);
        if (current === version) return undefined;
        this.db
          .prepare(
            `INSERT INTO model_aliases (model, alias, version, set_at, set_by) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (model, alias) DO UPDATE SET version = excluded.version, set_at = excluded.set_at,
            set_by = excluded.set_by`,
          )
          .run(name, alias, version, options.at, options.by);
        return this.recordMove(name, { alias, version, previous: current, at: options.at, by: options.by });
      })
      .immediate();
  }

  /** Remove an alias (compare-and-set as setAlias); clearing an unset alias changes nothing. */
  clearAlias(name: string, alias: ModelAlias, options: SetAliasOptions): AliasMove | undefined {
    checkAlias(alias);
    return this.db
      .transaction(() => {
        this.requireModel(name);
        const current = this.casCheck(name, alias, options.expected);
        if (current === null) return undefined;
        this.db.prepare('DELETE FROM model_aliases WHERE model = ? AND alias = ?').run(name, alias);
        return this.recordMove(name, { alias, version: null, previous: current, at: options.at, by: options.by });
      })
      .immediate();
  }

  /** Every move of the model's aliases, newest first. */
  aliasHistory(name: string, alias?: ModelAlias): AliasMove[] {
    this.requireModel(name);
    const rows = this.db
      .prepare(
        `SELECT alias, version, previous, at, by FROM model_alias_history
        WHERE model = ? AND (? IS NULL OR alias = ?) ORDER BY id DESC`,
      )
      .all(name, alias ?? null, alias ?? null) as HistoryRow[];
    return rows.map((r) => ({ ...r }));
  }

  /**
   * The version a rollback goes back to: the most recent champion before the current one (other
   * than it) that still exists; undefined when there is none.
   */
  previousChampion(name: string): number | undefined {
    const current = this.aliasesOf(name).champion;
    const exists = this.db.prepare('SELECT 1 FROM model_versions WHERE model = ? AND version = ?');
    for (const move of this.aliasHistory(name, 'champion')) {
      const v = move.version;
      if (v !== null && v !== current && exists.get(name, v)) return v;
    }
    return undefined;
  }

  /**
   * Bounded retention: per model, delete the versions past the `keep` newest, except those an alias
   * points at and the champion a rollback would go back to; then delete the blob files no version
   * references (orphans of crashed registrations included) once untouched for `graceMs`.
   */
  async prune(options: { keep: number; graceMs?: number }): Promise<PruneResult> {
    if (!Number.isInteger(options.keep) || options.keep < 1) {
      throw new AppError('bad_request', `prune keeps at least 1 version per model, not ${options.keep}`);
    }
    const deleted = this.db.transaction(() => this.deleteOldVersions(options.keep)).immediate();
    const referenced = new Set(
      this.db.prepare('SELECT DISTINCT onnx_sha256 FROM model_versions').pluck().all() as string[],
    );
    const files = await this.blobs.sweep(referenced, Date.now(), options.graceMs ?? DEFAULT_BLOB_GRACE_MS);
    return { versions: deleted, files };
  }

  private deleteOldVersions(keep: number): string[] {
    const deleted: string[] = [];
    const del = this.db.prepare('DELETE FROM model_versions WHERE model = ? AND version = ?');
    for (const name of this.db.prepare('SELECT name FROM models ORDER BY name').pluck().all() as string[]) {
      const aliases = this.aliasesOf(name);
      const spared = new Set([aliases.champion, aliases.challenger, this.previousChampion(name) ?? null]);
      const versions = this.db
        .prepare('SELECT version FROM model_versions WHERE model = ? ORDER BY version DESC')
        .pluck()
        .all(name) as number[];
      for (const v of versions.slice(keep)) {
        if (spared.has(v)) continue;
        del.run(name, v);
        deleted.push(`${name}@${v}`);
      }
    }
    return deleted;
  }

  private casCheck(name: string, alias: ModelAlias, expected: number | null | undefined): number | null {
    const current = this.aliasesOf(name)[alias];
    if (expected !== undefined && expected !== current) {
      const now = current === null ? 'is not set' : `points at v${current}`;
      const was = expected === null ? 'unset' : `at v${expected}`;
      throw new AppError(
        'conflict',
        `the ${alias} of ${name} moved meanwhile: it ${now}, not ${was} as expected; look again and retry.`,
      );
    }
    return current;
  }

  private recordMove(name: string, move: AliasMove): AliasMove {
    this.db
      .prepare('INSERT INTO model_alias_history (model, alias, version, previous, at, by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(name, move.alias, move.version, move.previous, move.at, move.by);
    return move;
  }

  private modelRow(name: string): ModelRow | undefined {
    return this.db.prepare('SELECT * FROM models WHERE name = ?').get(name) as ModelRow | undefined;
  }

  private requireModel(name: string): ModelRow {
    const row = this.modelRow(name);
    if (row) return row;
    const known = this.db.prepare('SELECT name FROM models').pluck().all() as string[];
    throw new AppError('not_found', `There is no model called “${name}”.${didYouMean(name, known)}`);
  }
}

function toVersion(r: VersionRow): ModelVersion {
  return {
    name: r.model,
    version: r.version,
    params: JSON.parse(r.params) as JsonObject,
    seed: r.seed,
    window: { fromMs: r.data_from, toMs: r.data_to },
    dataSha256: r.data_sha256,
    codeVersion: r.code_version,
    metrics: r.metrics === null ? null : (JSON.parse(r.metrics) as JsonObject),
    onnxSha256: r.onnx_sha256,
    createdAt: r.created_at,
    createdBy: r.created_by,
    ...(r.job_id ? { jobId: r.job_id } : {}),
    ...(r.reference ? { hasReference: true } : {}),
    ...(r.drift ? { drift: JSON.parse(r.drift) as DriftFigure } : {}),
  };
}
