/**
 * What a promotion or rollback request is about, resolved when it is asked (so the plan and the
 * approval are about fixed versions), and the checks that refuse it: the model and version exist,
 * the version did not fail its evaluation, it is not the champion already, a rollback has a
 * previous champion to go back to.
 */
import { AppError } from '../../errors';
import type { ModelRegistry } from '../registry';
import type { Json, JsonObject, ModelVersion } from '../registry-types';

import type { ModelAction } from '../../remediation/types';

/** The request's params: the version to serve, and the champion it replaces as seen when asked (absent: none). */
export interface ModelRequestParams {
  version: number;
  from?: number;
}

/** What the registry must answer for these requests (ModelRegistry). */
export type PromotionRegistry = Pick<
  ModelRegistry,
  'get' | 'version' | 'aliasesOf' | 'previousChampion' | 'setAlias' | 'clearAlias' | 'onnx'
>;

/** The champion a request replaces now: rollback's target is the previous champion. Throws a clear refusal. */
export function resolveModelRequest(
  registry: Pick<ModelRegistry, 'get' | 'previousChampion'>,
  action: ModelAction,
  model: string,
  version?: number,
): ModelRequestParams {
  const record = registry.get(model);
  const from = record.champion ?? undefined;
  if (action === 'rollback_model') {
    const previous = registry.previousChampion(model);
    if (previous === undefined) {
      throw new AppError(
        'bad_request',
        from === undefined
          ? `${model} has no champion, so there is nothing to roll back; \`promote ${model} VERSION\` serves one.`
          : `${model} has no previous champion to roll back to: v${from} is the first version that served.`,
      );
    }
    return { version: previous, ...(from !== undefined ? { from } : {}) };
  }
  if (version === undefined)
    throw new AppError('bad_request', `Which version of ${model}? e.g. \`promote ${model} 2\`.`);
  return { version, ...(from !== undefined ? { from } : {}) };
}

/** The version, checked for serving; `from` the champion the request saw. Throws a clear refusal. */
export function checkServable(
  registry: PromotionRegistry,
  action: ModelAction,
  model: string,
  params: ModelRequestParams,
): ModelVersion {
  const v = registry.version(model, params.version);
  const champion = registry.aliasesOf(model).champion;
  if ((params.from ?? null) !== champion) {
    throw new AppError(
      'conflict',
      `The champion of ${model} moved since this was asked (now ${champion === null ? 'none' : `v${champion}`}); ` +
        'ask again.',
    );
  }
  if (champion === v.version) throw new AppError('bad_request', `v${v.version} is already the champion of ${model}.`);
  // A rollback goes back to a version that served; a promotion must have passed its evaluation.
  if (action === 'promote_model') {
    const failed = evaluationFailure(v);
    if (failed) throw new AppError('bad_request', `${model} v${v.version} cannot be promoted: ${failed}`);
  }
  return v;
}

/**
 * Why the version cannot be promoted for its evaluation, or undefined: not evaluated yet, or the
 * evaluation failed. A scorecard that recommends keeping the champion does not refuse: it is one
 * signal over the training window, noisy between runs, so the plan says so loudly and the approver
 * decides (evaluationWarning).
 */
export function evaluationFailure(v: ModelVersion): string | undefined {
  const m = v.metrics;
  if (m === null) return 'it has not been evaluated yet; try again once its scorecard is in.';
  if (typeof m.evaluation_error === 'string') return `its evaluation failed (${m.evaluation_error}).`;
  return undefined;
}

/** The plan's warning when the scorecard against the champion it replaces recommends keeping that champion. */
export function evaluationWarning(v: ModelVersion, champion: number | null): string | undefined {
  const card = asObject(v.metrics?.scorecard);
  if (!card || card.recommendation !== 'keep_champion' || card.champion !== champion) return undefined;
  return `⚠ its scorecard recommends keeping v${champion}: ${String(card.reason)}`;
}

/** The scorecard's advice, when it does not refuse (e.g. "Keep v1: v2 scores 50 against 50…"). */
export function evaluationNote(v: ModelVersion): string | undefined {
  const card = asObject(v.metrics?.scorecard);
  return typeof card?.reason === 'string' ? card.reason : undefined;
}

function asObject(j: Json | undefined): JsonObject | undefined {
  return j !== null && typeof j === 'object' && !Array.isArray(j) ? j : undefined;
}
