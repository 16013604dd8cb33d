/**
 * Promote and roll back a model over REST (issue 15 point 5): each runs the `promote_model` /
 * `rollback_model` command as the caller, which makes a remediation request (the model executor's
 * plan, the catalog's approval policy), and answers as POST /api/v1/remediations does:
 * `{request_id, state, plan}`, 201 while it waits for approval, 202 when it started. It is then
 * approved, denied and read at /api/v1/remediations/{id}.
 */
import { z } from 'zod';
import { COMMANDS } from '../../../commands/catalog';
import { defineRoute, type ApiRoute } from '../../route';
import { commandResult, refused, slotsOf, type V1Context } from './command';
import { createdAnswer, createdSchema } from './remediations';

const promote = slotsOf('promote_model');
const modelName = z.strictObject({
  name: promote.model.unwrap().max(64, 'at most 64 characters').describe('the model name'),
});

const responses = {
  201: {
    description:
      'the request was recorded and waits for approval (`pending_approval`); approve it at ' +
      'POST /api/v1/remediations/{request_id}/approve. The plan names the champion before and after and the ' +
      'alerts the new version would have raised or dropped over the last days.',
    schema: createdSchema,
  },
  202: { description: 'the request needed no approval (action catalog) and its job started', schema: createdSchema },
  503: {
    description: 'the request is approved but the job queue (Redis) is not answering: it starts when it is back',
    schema: createdSchema,
  },
  ...refused,
  500: { description: 'the command failed', schema: commandResult },
};

const why =
  'A promotion changes what pages people: it is a request like a remediation (RBAC, the action catalog’s ' +
  'approval policy, one execution, audit). Refused with 400 when the model or version does not exist, the ' +
  'version failed its evaluation, it is the champion already, or there is no previous champion to roll back to.';

export function modelRequestRoutes({ run, remediation }: V1Context): ApiRoute[] {
  return [
    defineRoute({
      tag: 'models',
      method: 'POST',
      url: '/api/v1/models/:name/promote',
      summary: 'Request to serve a model version (champion)',
      description: `Runs \`${COMMANDS.promote_model.usage}\` as the caller. ${why}`,
      access: { permission: COMMANDS.promote_model.permission, by: 'commands' },
      params: modelName,
      body: z.strictObject({ version: promote.version.unwrap().min(1, 'at least 1') }),
      responses,
      handler: async ({ req, reply, principal, params, body }) =>
        run(
          req,
          reply,
          principal,
          'promote_model',
          { model: params.name, version: body.version },
          { answer: createdAnswer(remediation) },
        ),
    }),
    defineRoute({
      tag: 'models',
      method: 'POST',
      url: '/api/v1/models/:name/rollback',
      summary: 'Request to serve the previous champion again',
      description: `Runs \`${COMMANDS.rollback_model.usage}\` as the caller. ${why}`,
      access: { permission: COMMANDS.rollback_model.permission, by: 'commands' },
      params: modelName,
      responses,
      handler: async ({ req, reply, principal, params }) =>
        run(req, reply, principal, 'rollback_model', { model: params.name }, { answer: createdAnswer(remediation) }),
    }),
  ];
}
