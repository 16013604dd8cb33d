import type { Migration } from './types';

/**
 * The train_model job a version came from: one registration per job (unique), so the completed
 * event seen by several serve processes, or by a follower and the registrar, registers it once.
 */
export const modelJobsMigration: Migration = {
  version: 13,
  name: 'model-jobs',
  sql: `
    ALTER TABLE model_versions ADD COLUMN job_id TEXT;
    CREATE UNIQUE INDEX model_versions_job ON model_versions (job_id) WHERE job_id IS NOT NULL;
  `,
};
