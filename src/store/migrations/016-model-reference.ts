import type { Migration } from './types';

/**
 * Drift (issue 15 point 7): a version's training reference (JSON, src/models/drift-reference.ts;
 * NULL for versions trained before), its latest drift check (JSON figure and the slot time it was
 * for, so an older slot's result never overwrites a newer one) and whether it is drifting now: the
 * flag is flipped by a conditional UPDATE, so one process posts one card per drift episode.
 */
export const modelReferenceMigration: Migration = {
  version: 16,
  name: 'model-reference',
  sql: `
    ALTER TABLE model_versions ADD COLUMN reference TEXT;
    ALTER TABLE model_versions ADD COLUMN drift TEXT;
    ALTER TABLE model_versions ADD COLUMN drift_at INTEGER;
    ALTER TABLE model_versions ADD COLUMN drifting INTEGER NOT NULL DEFAULT 0;
  `,
};
