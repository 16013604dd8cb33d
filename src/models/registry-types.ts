/** MLflow's aliases: one version each; `champion` serves detection, `challenger` scores in shadow. */
export const MODEL_ALIASES = ['champion', 'challenger'] as const;
export type ModelAlias = (typeof MODEL_ALIASES)[number];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface TrainingWindow {
  fromMs: number;
  toMs: number;
}

/** What a training run hands the registry (the version number and created_at are the registry's). */
export interface RegisterInput {
  service: string;
  /** Defaults to `<service>-detector`. */
  name?: string;
  params: JsonObject;
  seed: number;
  window: TrainingWindow;
  /** sha256 of the training data, as the trainer hashed it. */
  dataSha256: string;
  codeVersion: string;
  /** The person who asked for the training, `user:ID`. */
  createdBy: string;
  onnx: Uint8Array;
  /** Evaluation metrics, when known already; usually set later with setMetrics. */
  metrics?: JsonObject;
  /** The train_model job it came from: a second registration of the same job returns the first. */
  jobId?: string;
  /** The training reference for drift checks (src/models/drift-reference.ts). */
  reference?: JsonObject;
}

/** A version's latest drift check (src/app/drift.ts). */
export interface DriftFigure {
  /** Largest bias-corrected PSI. */
  score: number;
  drifted: boolean;
  /** Signals that moved. */
  moved: string[];
  /** End of the window checked (ms). */
  at: number;
}

export interface ModelVersion {
  name: string;
  version: number;
  params: JsonObject;
  seed: number;
  window: TrainingWindow;
  dataSha256: string;
  codeVersion: string;
  metrics: JsonObject | null;
  onnxSha256: string;
  createdAt: number;
  createdBy: string;
  /** The train_model job it came from, if any. */
  jobId?: string;
  /** Whether a drift reference was kept at training (absent for versions trained before). */
  hasReference?: boolean;
  /** The latest drift check, if any. */
  drift?: DriftFigure;
}

export interface ModelRecord {
  name: string;
  service: string;
  createdAt: number;
  champion: number | null;
  challenger: number | null;
  /** Oldest first. */
  versions: ModelVersion[];
}

export interface AliasMove {
  alias: ModelAlias;
  /** null: the alias was cleared. */
  version: number | null;
  previous: number | null;
  at: number;
  by: string;
}

export interface SetAliasOptions {
  /** Compare-and-set: the version the alias must point at now (null: unset); omitted: no check. */
  expected?: number | null;
  by: string;
  at: number;
}

export interface Difference {
  key: string;
  a: Json | undefined;
  b: Json | undefined;
  differs: boolean;
}

export interface Comparison {
  name: string;
  a: ModelVersion;
  b: ModelVersion;
  /** Flattened keys (`forest.trees`), sorted; `differs` marks the ones that changed. */
  params: Difference[];
  metrics: Difference[];
}

export interface PruneResult {
  /** `name@version` of each version deleted. */
  versions: string[];
  /** Paths of blob and temp files deleted. */
  files: string[];
}

/** GET /api/v1/models (DESIGN.md, HTTP side-app). Times are ISO 8601. */
export interface ModelsJson {
  models: ModelJson[];
}

export interface ModelJson {
  name: string;
  service: string;
  champion: number | null;
  challenger: number | null;
  versions: ModelVersionJson[];
}

export interface ModelVersionJson {
  version: number;
  created_at: string;
  created_by: string;
  params: JsonObject;
  metrics: JsonObject | null;
  data: { from: string; to: string; sha256: string };
  onnx_sha256: string;
  /** The latest drift check: largest PSI, whether it drifted, what moved, when (ISO). */
  drift?: { score: number; drifted: boolean; moved: string[]; at: string };
}
