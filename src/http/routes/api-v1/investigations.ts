/**
 * Investigations (DESIGN.md): `POST /api/v1/investigations {"service"?, "incident_id"?, "question"?}`
 * queues one through the `investigate` command (RBAC, catalog names checked as chat's are) and
 * answers 202 `{"id"}`; `GET /api/v1/investigations/:id` answers the investigation object, or its
 * state while it is queued or running.
 */
import { z } from 'zod';
import { AppError } from '../../../errors';
import type { InvestigationStore } from '../../../investigate/store';
import { ROOT_CAUSE_KINDS } from '../../../ports/investigation';
import { defineRoute, errorSchema, type ApiRoute } from '../../route';
import { command, id, slotsOf, type V1Context } from './command';

const slots = slotsOf('investigate');

const hypothesisSchema = z.object({
  service: z.string(),
  kind: z.enum(ROOT_CAUSE_KINDS),
  confidence: z.number(),
  evidence: z.array(
    z.object({ tool: z.string().describe('the tool whose result the claim rests on'), claim: z.string() }),
  ),
});
const investigationSchema = z
  .object({
    id: z.string(),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    verdict: z.enum(['root_cause', 'inconclusive']).optional().describe('once done'),
    root_cause: z
      .object({ service: z.string(), kind: z.enum(ROOT_CAUSE_KINDS), confidence: z.number(), summary: z.string() })
      .nullable()
      .optional(),
    hypotheses: z.array(hypothesisSchema).optional(),
    suggested_actions: z
      .array(z.object({ command: z.string() }))
      .optional()
      .describe('commands worth trying; each goes through the normal request and approval flow'),
    runbooks: z.array(z.object({ name: z.string(), title: z.string(), path: z.string().optional() })).optional(),
    source: z.enum(['rules', 'llm']).optional(),
    tokens: z.number().optional(),
    duration_ms: z.number().optional(),
    summary: z.string().optional().describe('the answer for people'),
    error: z.string().optional().describe('why it failed'),
  })
  .meta({ title: 'Investigation' });

export function investigationRoutes(ctx: V1Context, investigations: InvestigationStore): ApiRoute[] {
  return [
    command('investigate', {
      tag: 'investigations',
      method: 'POST',
      url: '/api/v1/investigations',
      summary: 'Start an investigation',
      description:
        'Read-only: finds the root cause of a problem on a service, an incident or the whole fleet (signals along ' +
        'the dependency graph, changes and events, incidents), with the evidence of each claim.',
      body: z.strictObject({
        service: slots.service,
        incident_id: z
          .string()
          .trim()
          .regex(/^#?[A-Za-z0-9_-]{1,64}$/, 'an incident id such as i3f9a1c')
          .optional()
          .describe('an incident: its service and start frame the window'),
        question: slots.question.unwrap().max(500, 'at most 500 characters').optional(),
      }),
      success: 202,
      successDoc: {
        description: 'the investigation was queued: read it at GET /api/v1/investigations/{id}',
        schema: z.object({ id: z.string() }).meta({ title: 'InvestigationStarted' }),
      },
      handler: async ({ req, reply, principal, body }) => {
        const incident = body.incident_id?.replace(/^#/, '').toLowerCase();
        const question = incident ? `${body.question ?? 'investigate'} (incident ${incident})` : body.question;
        const intentSlots = { ...(body.service ? { service: body.service } : {}), ...(question ? { question } : {}) };
        return ctx.run(req, reply, principal, 'investigate', intentSlots, {
          answer: (out) => (out.job ? { status: 202, body: { id: out.job.id } } : undefined),
        });
      },
    }),
    defineRoute({
      tag: 'investigations',
      method: 'GET',
      url: '/api/v1/investigations/:id',
      summary: 'One investigation: the investigation object once done, its state before',
      access: { permission: 'read', by: 'route' },
      params: id('investigation'),
      responses: {
        200: { description: 'the investigation', schema: investigationSchema },
        404: { description: 'no such investigation', schema: errorSchema },
      },
      handler: async ({ params }) => {
        const kept = investigations.get(params.id);
        if (kept?.result) return { ...kept.result, status: 'done' as const, summary: kept.summary };
        if (kept?.status === 'failed') return { id: kept.id, status: 'failed' as const, error: kept.error };
        const job = await ctx.queue.get(params.id);
        if (!job || job.name !== 'investigate') throw new AppError('not_found', `No investigation ${params.id}.`);
        if (job.state === 'failed' || job.state === 'cancelled')
          return { id: job.id, status: 'failed' as const, error: job.error ?? `the job was ${job.state}` };
        return { id: job.id, status: job.state === 'active' ? ('running' as const) : ('queued' as const) };
      },
    }),
  ];
}
