import type { Migration } from './types';

/**
 * The model registry (src/models/registry.ts): one row per model, one per version (numbered from 1
 * by the model's `next_version`, taken in the transaction that inserts the version, so numbers are
 * never reused, even after a prune), the aliases (`champion`, `challenger`: one version each) and
 * every alias move, so a rollback knows the champion before the current one. The ONNX bytes live
 * on disk, content-addressed (src/models/blobs.ts); a version names its file by sha256.
 */
export const modelsMigration: Migration = {
  version: 12,
  name: 'models',
  sql: `
    CREATE TABLE models (
      name         TEXT PRIMARY KEY,
      service      TEXT NOT NULL,
      created_at   INTEGER NOT NULL,
      next_version INTEGER NOT NULL DEFAULT 1
    ) WITHOUT ROWID;
    CREATE INDEX models_service ON models (service);
    CREATE TABLE model_versions (
      model        TEXT NOT NULL REFERENCES models(name),
      version      INTEGER NOT NULL CHECK (version >= 1),
      params       TEXT NOT NULL,
      seed         INTEGER NOT NULL,
      data_from    INTEGER NOT NULL,
      data_to      INTEGER NOT NULL,
      data_sha256  TEXT NOT NULL,
      code_version TEXT NOT NULL,
      metrics      TEXT,
      onnx_sha256  TEXT NOT NULL,
      created_at   INTEGER NOT NULL,
      created_by   TEXT NOT NULL,
      PRIMARY KEY (model, version)
    ) WITHOUT ROWID;
    CREATE INDEX model_versions_onnx ON model_versions (onnx_sha256);
    CREATE TABLE model_aliases (
      model   TEXT NOT NULL,
      alias   TEXT NOT NULL CHECK (alias IN ('champion', 'challenger')),
      version INTEGER NOT NULL,
      set_at  INTEGER NOT NULL,
      set_by  TEXT NOT NULL,
      PRIMARY KEY (model, alias),
      FOREIGN KEY (model, version) REFERENCES model_versions(model, version)
    ) WITHOUT ROWID;
    CREATE TABLE model_alias_history (
      id       INTEGER PRIMARY KEY AUTOINCREMENT,
      model    TEXT NOT NULL REFERENCES models(name),
      alias    TEXT NOT NULL,
      version  INTEGER,
      previous INTEGER,
      at       INTEGER NOT NULL,
      by       TEXT NOT NULL
    );
    CREATE INDEX model_alias_history_model ON model_alias_history (model, alias, id);
  `,
};
