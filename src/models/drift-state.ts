/**
 * Drift on the version record (migration 016), control plane only: the training reference a
 * drift_check carries, the latest figure (an older slot's result never overwrites a newer one) and
 * the drift episode, flipped by conditional UPDATEs so that, however many processes see a result,
 * one of them posts the card when a version starts drifting, and again only after it recovered.
 */
import type { Db } from '../store/store';
import { parseReference, type ModelReference } from './drift-reference';
import type { DriftFigure } from './registry-types';

/** The version's training reference; null when it was trained before references were kept. */
export function referenceOf(db: Db, name: string, version: number): ModelReference | null {
  const json = db
    .prepare('SELECT reference FROM model_versions WHERE model = ? AND version = ?')
    .pluck()
    .get(name, version) as string | null | undefined;
  return json ? (parseReference(JSON.parse(json)) ?? null) : null;
}

export interface DriftRecorded {
  /** False: a newer check was recorded already, this one changed nothing. */
  recorded: boolean;
  /** True for exactly one caller when the version starts a drift episode (and `claimCard` was asked). */
  card: boolean;
}

/**
 * Records a check's figure and moves the episode: a drifted figure claims the card (when
 * `claimCard`: this process can post it) if the version was not drifting; a clean one ends the
 * episode. One immediate transaction, so two processes never both claim.
 */
export function recordDrift(
  db: Db,
  name: string,
  version: number,
  figure: DriftFigure,
  options: { claimCard: boolean },
): DriftRecorded {
  return db
    .transaction((): DriftRecorded => {
      const updated = db
        .prepare(
          `UPDATE model_versions SET drift = ?, drift_at = ?
          WHERE model = ? AND version = ? AND (drift_at IS NULL OR drift_at <= ?)`,
        )
        .run(JSON.stringify(figure), figure.at, name, version, figure.at);
      if (updated.changes === 0) return { recorded: false, card: false };
      if (!figure.drifted) {
        db.prepare('UPDATE model_versions SET drifting = 0 WHERE model = ? AND version = ?').run(name, version);
        return { recorded: true, card: false };
      }
      if (!options.claimCard) return { recorded: true, card: false };
      const claimed = db
        .prepare('UPDATE model_versions SET drifting = 1 WHERE model = ? AND version = ? AND drifting = 0')
        .run(name, version);
      return { recorded: true, card: claimed.changes === 1 };
    })
    .immediate();
}
