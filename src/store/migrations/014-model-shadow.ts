import type { Migration } from './types';

/**
 * Shadow runs (issue 15 point 4): each detection job that carried a challenger, recorded once by
 * the control plane (the job id is unique, so several serve processes seeing the completed event
 * record it once): the champion's alerts and the challenger's would-be alerts on the same window.
 */
export const modelShadowMigration: Migration = {
  version: 14,
  name: 'model-shadow',
  sql: `
    CREATE TABLE model_shadow_runs (
      id                 INTEGER PRIMARY KEY AUTOINCREMENT,
      job_id             TEXT NOT NULL UNIQUE,
      model              TEXT NOT NULL,
      service            TEXT NOT NULL,
      champion_version   INTEGER NOT NULL,
      challenger_version INTEGER NOT NULL,
      window_from        INTEGER NOT NULL,
      window_to          INTEGER NOT NULL,
      champion_alerts    TEXT NOT NULL,
      challenger_alerts  TEXT NOT NULL,
      at                 INTEGER NOT NULL
    );
    CREATE INDEX model_shadow_runs_model ON model_shadow_runs (model, challenger_version, at);
  `,
};
