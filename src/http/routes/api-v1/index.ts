import type { ApiRoute } from '../../route';
import { auditRoute } from './audit';
import { createRun, type ApiV1Deps, type V1Context } from './command';
import { anomalyAndIncidentRoutes, jobRoutes, modelRoutes } from './commands';
import { feedbackRoute } from './feedback';
import { modelFileRoute } from './models';
import { modelRequestRoutes } from './model-requests';
import { experimentRoutes } from './experiments';
import { modelScoreRoute } from './model-score';
import { modelDetailRoute } from './model-detail';
import { remediationRoutes } from './remediations';
import { runbookRoutes } from './runbooks';
import { investigationRoutes } from './investigations';
import { postmortemRoute } from './postmortem';

export type { ApiV1Deps } from './command';

/**
 * `/api/v1/*`: REST over the same command layer as chat. Each route turns its path and body
 * (validated by zod schemas built from the intent contract's own slot schemas) into an Intent and
 * calls `commands.handle` as the authenticated principal, so RBAC, catalog checks and behaviour
 * are the ones chat has. The answer is `{outcome, job?, reply}`, with the HTTP status from the outcome.
 * `command.ts` holds `run` and the route builder, `commands.ts` the jobs, anomalies, incidents and
 * models routes, `remediations.ts` the remediation requests, `audit.ts` the audit log.
 */
export function apiV1Routes(deps: ApiV1Deps): ApiRoute[] {
  const { commands, queue, audit, remediation, models, modelDetail, runbooks, investigations } = deps;
  const run = createRun({ commands, audit });
  const jobGone = (jobId: string) => async () => (await queue.get(jobId)) === undefined;
  const ctx: V1Context = { commands, queue, audit, remediation, models, run, jobGone };
  return [
    ...jobRoutes(ctx),
    ...anomalyAndIncidentRoutes(ctx),
    postmortemRoute(ctx),
    ...remediationRoutes(ctx),
    ...modelRoutes(ctx),
    ...modelRequestRoutes(ctx),
    modelFileRoute(models),
    ...experimentRoutes(ctx),
    modelScoreRoute(models),
    ...(modelDetail ? [modelDetailRoute(ctx, modelDetail)] : []),
    feedbackRoute(ctx),
    ...(runbooks ? runbookRoutes(ctx, runbooks) : []),
    ...(investigations ? investigationRoutes(ctx, investigations) : []),
    auditRoute(audit),
  ];
}
