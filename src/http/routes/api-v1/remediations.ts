/**
 * Remediation requests answer as data (DESIGN.md): the new request `{request_id, state, plan}`
 * (202 when its job started, else 201), the request object after approve or deny (202 when the
 * approval started the job), and `GET /api/v1/remediations/:id`. Refusals answer like any command.
 */
import { z } from 'zod';
import { COMMANDS } from '../../../commands/catalog';
import type { CommandOutcome } from '../../../commands/context';
import { planSchema, remediationSchema, REMEDIATION_STATES } from '../../../remediation/view';
import { summary } from '../../../reply/model';
import { defineRoute, errorSchema, type ApiRoute, type ResponseDoc } from '../../route';
import { blockSchema, commandResult, refused, replyJson, slotsOf, type V1Context } from './command';

export const createdSchema = z
  .object({
    request_id: z.string(),
    state: z.enum(REMEDIATION_STATES),
    plan: planSchema,
    job: z.object({ id: z.string(), name: z.string() }).optional().describe('the job, when it started'),
    reply: z.object({ tone: z.string(), blocks: z.array(blockSchema) }).describe('the plan card chat would show'),
  })
  .meta({ title: 'RemediationCreated' });
const decidedSchema = remediationSchema
  .extend({
    job: z.object({ id: z.string(), name: z.string() }).optional(),
    message: z.string().describe('what happened, in one sentence'),
  })
  .meta({ title: 'RemediationDecided' });

const remediate = slotsOf('remediate');

// One form of request id for every route (`#` and case as chat takes them).
const requestIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^#?r[0-9a-f]{6}$/i, 'a request id such as r3f9a1c')
    .describe('the remediation request id'),
});
// 503 when the queue could not take the job: the request is recorded and starts when the queue is back.
const started = (out: CommandOutcome) => (out.outcome === 'enqueued' ? 202 : out.outcome === 'unavailable' ? 503 : 200);
const unavailable = (out: CommandOutcome) => (out.outcome === 'unavailable' ? { error: 'unavailable' } : {});

function decisionRoute({ run, remediation }: V1Context, intent: 'approve' | 'deny', summaryText: string): ApiRoute {
  const decided = (out: CommandOutcome) =>
    out.request
      ? {
          status: started(out),
          body: {
            ...remediation.view(out.request),
            ...(out.job ? { job: out.job } : {}),
            ...unavailable(out),
            message: summary(out.reply),
          },
        }
      : undefined;
  const responses: Record<number, ResponseDoc> = {
    200: { description: 'the request after the decision', schema: decidedSchema },
    ...refused,
    404: { description: 'no such request', schema: commandResult },
    500: { description: 'the command failed', schema: commandResult },
  };
  if (intent === 'approve') {
    responses[202] = {
      description: 'the last approval: its job started (follow it at GET /api/v1/jobs/{id})',
      schema: decidedSchema,
    };
    responses[503] = {
      description:
        'the last approval is recorded but the job queue (Redis) is not answering: ' +
        'the job starts by itself when it is back',
      schema: decidedSchema,
    };
  }
  const who =
    intent === 'approve'
      ? 'Needs `remediation.approve`. A person approves once, whichever token, API key or chat link they use, ' +
        'and never their own request.'
      : 'Needs `remediation.approve`, except that the requester (with any of their credentials) ' +
        'may withdraw their own request.';
  return defineRoute({
    tag: 'remediations',
    method: 'POST',
    url: `/api/v1/remediations/:id/${intent}`,
    summary: summaryText,
    description: `Runs the \`${intent}\` command (\`${COMMANDS[intent].usage}\`) as the caller. ${who}`,
    access: { permission: COMMANDS[intent].permission, by: 'commands' },
    params: requestIdParams,
    responses,
    handler: async ({ req, reply, principal, params }) =>
      run(
        req,
        reply,
        principal,
        intent,
        { request_id: params.id.replace(/^#/, '').toLowerCase() },
        { answer: decided, missing: async () => !remediation.exists(params.id) },
      ),
  });
}

function createRoute({ run, remediation }: V1Context): ApiRoute {
  return defineRoute({
    tag: 'remediations',
    method: 'POST',
    url: '/api/v1/remediations',
    summary: 'Request a remediation',
    description:
      `Runs the \`remediate\` command (\`${COMMANDS.remediate.usage}\`) as the caller: plans it, checks policy, ` +
      'and waits for approval when the action catalog asks for it.',
    access: { permission: COMMANDS.remediate.permission, by: 'commands' },
    body: z.strictObject({
      action: remediate.action.unwrap(),
      target: remediate.target.unwrap(),
      replicas: remediate.replicas,
      runbook: remediate.runbook,
      dry_run: remediate.dry_run,
    }),
    responses: {
      201: {
        description:
          'the request was recorded: it waits for approval (`pending_approval`), is a dry run (`planned`), ' +
          'or is approved and starts when the queue takes it',
        schema: createdSchema,
      },
      202: { description: 'the request needed no approval and its job started', schema: createdSchema },
      503: {
        description:
          'the request is recorded and approved, but the job queue (Redis) is not answering: ' +
          'it starts by itself when it is back',
        schema: createdSchema,
      },
      ...refused,
      500: { description: 'the command failed', schema: commandResult },
    },
    handler: async ({ req, reply, principal, body }) =>
      run(req, reply, principal, 'remediate', body, { answer: createdAnswer(remediation) }),
  });
}

/** A new request as REST answers it: 201 waiting, 202 started, 503 approved but not queued yet. */
export function createdAnswer(remediation: V1Context['remediation']) {
  return (out: CommandOutcome) => {
    if (!out.request) return undefined;
    const r = remediation.view(out.request);
    return {
      status: out.outcome === 'enqueued' ? 202 : out.outcome === 'unavailable' ? 503 : 201,
      body: {
        request_id: r.id,
        state: r.state,
        plan: r.plan,
        ...(out.job ? { job: out.job } : {}),
        ...unavailable(out),
        reply: replyJson(out.reply),
      },
    };
  };
}

function getRoute({ remediation }: V1Context): ApiRoute {
  return defineRoute({
    tag: 'remediations',
    method: 'GET',
    url: '/api/v1/remediations/:id',
    summary: 'One remediation request: state, who asked, approvals, result',
    access: { permission: 'read', by: 'route' },
    params: requestIdParams,
    responses: {
      200: { description: 'the request', schema: remediationSchema },
      404: { description: 'no such request', schema: errorSchema },
    },
    handler: async ({ params }) => remediation.view(params.id),
  });
}

export function remediationRoutes(ctx: V1Context): ApiRoute[] {
  return [
    createRoute(ctx),
    getRoute(ctx),
    decisionRoute(ctx, 'approve', 'Approve a remediation request'),
    decisionRoute(ctx, 'deny', 'Deny a remediation request'),
  ];
}
