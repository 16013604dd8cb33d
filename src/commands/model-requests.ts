/**
 * `promote payments-detector 3` and `rollback payments-detector` (issue 15 point 5): they change
 * what pages people, so they are remediation requests (the `promote_model` / `rollback_model`
 * actions, run by the model executor): the catalog's role and approval policy, one execution, audit.
 * The versions are fixed when asked: the one to serve (for a rollback, the previous champion) and
 * the champion it replaces, so the plan and the approval are about exactly that move.
 */
import { resolveModelRequest } from '../models/promotion/checks';
import { presentModelRequest } from '../present/model-requests';
import type { RemediationService } from '../remediation/service';
import type { ModelAction } from '../remediation/types';
import type { CommandContext, CommandOutcome } from './context';
import type { ModelsView } from './models';
import { refusal, requestOrigin, startedOutcome } from './remediation';

export async function requestModelChange(
  ctx: CommandContext,
  deps: { remediation: RemediationService; models: ModelsView },
  action: ModelAction,
  slots: { model: string; version?: number },
): Promise<CommandOutcome> {
  try {
    const params = resolveModelRequest(deps.models, action, slots.model, slots.version);
    const r = await deps.remediation.request(ctx.actor, {
      action,
      target: slots.model,
      params: { version: params.version, ...(params.from !== undefined ? { from: params.from } : {}) },
      dryRun: false,
      origin: requestOrigin(ctx),
    });
    return startedOutcome(r, presentModelRequest(r));
  } catch (err) {
    return refusal(err);
  }
}
