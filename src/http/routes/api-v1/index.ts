import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../../auth/permissions';
import type { AuditLog } from '../../../auth/types';
import { COMMANDS } from '../../../commands/catalog';
import type { CommandContext, CommandOutcome } from '../../../commands/context';
import type { Commands } from '../../../commands/handler';
import { notBuiltMessage } from '../../../commands/help';
import { mayRun } from '../../../commands/rbac';
import { intentSchema, makeIntent, type IntentName, type SlotsOf } from '../../../intent/schema';
import type { JobInfo, JobQueue } from '../../../queue/types';
import type { RemediationService } from '../../../remediation/service';
import { planSchema, remediationSchema, REMEDIATION_STATES } from '../../../remediation/view';
import { summary, type Reply } from '../../../reply/model';
import type { Jobs } from '../../../workers/jobs';
import { defineRoute, errorSchema, type ApiRoute, type ResponseDoc, type RouteSpec } from '../../route';

/**
 * `/api/v1/*`: REST over the same command layer as chat. Each route turns its path and body
 * (validated by zod schemas built from the intent contract's own slot schemas) into an Intent and
 * calls `commands.handle` as the authenticated principal, so RBAC, catalog checks and behaviour
 * are the ones chat has. The answer is `{outcome, job?, reply}`, with the HTTP status from the outcome.
 */
export interface ApiV1Deps {
  commands: Commands;
  queue: JobQueue<Jobs>;
  audit: AuditLog;
  remediation: RemediationService;
}

type IntentOption = (typeof intentSchema.options)[number];
type SlotShape<N extends IntentName> = Extract<
  IntentOption,
  { shape: { intent: z.ZodLiteral<N> } }
>['shape']['slots']['shape'];

/** The zod schemas of an intent's slots (src/intent/schema.ts): REST validates with exactly what chat does. */
function slotsOf<N extends IntentName>(name: N): SlotShape<N> {
  const option = intentSchema.options.find((o) => o.shape.intent.value === name);
  if (!option) throw new Error(`no intent ${name} in the intent schema`);
  return option.shape.slots.shape as unknown as SlotShape<N>;
}

const STATUS: Record<CommandOutcome['outcome'], number> = {
  replied: 200,
  enqueued: 202,
  denied: 403,
  invalid: 400,
  unknown: 400,
  unavailable: 503,
  error: 500,
};
const ERROR_CODE: Record<number, string> = {
  400: 'bad_request',
  403: 'forbidden',
  404: 'not_found',
  500: 'internal',
  503: 'unavailable',
};

/** Replies as JSON: chart bytes become base64. */
function replyJson(r: Reply) {
  return {
    tone: r.tone,
    blocks: r.blocks.map((b) => (b.type === 'image' && b.png ? { ...b, png: b.png.toString('base64') } : b)),
  };
}

function jobJson(j: JobInfo<Jobs>) {
  const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
  return {
    id: j.id,
    name: j.name,
    state: j.state,
    progress: j.progress,
    attempts_made: j.attemptsMade,
    max_attempts: j.maxAttempts,
    requested_by: j.meta.requestedBy ?? null,
    created_at: iso(j.createdAt),
    started_at: iso(j.startedAt),
    finished_at: iso(j.finishedAt),
    ...(j.error !== undefined ? { error: j.error } : {}),
    ...(j.result !== undefined ? { result: j.result } : {}),
  };
}

const blockSchema = z.looseObject({ type: z.string() });
const commandResult = z
  .object({
    outcome: z.enum(['replied', 'enqueued', 'denied', 'invalid', 'unknown', 'unavailable', 'error']),
    job: z
      .looseObject({ id: z.string(), name: z.string() })
      .optional()
      .describe('the job the command started, or the job asked about'),
    reply: z
      .object({ tone: z.enum(['info', 'success', 'warning', 'error']), blocks: z.array(blockSchema) })
      .describe('the platform-neutral Reply chat would render'),
    error: z.string().optional(),
    message: z.string().optional(),
  })
  .meta({ title: 'CommandResult' });

const createdSchema = z
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

const id = (what: string) =>
  z.strictObject({
    id: slotsOf('job_status').job_id.unwrap().max(128, 'at most 128 characters').describe(`the ${what} id`),
  });
const refused = {
  400: {
    description: 'invalid for the command layer (unknown service, bounds, missing slot), or not found',
    schema: commandResult,
  },
  403: { description: 'the command layer refused: the principal lacks the permission', schema: commandResult },
};

export function apiV1Routes({ commands, queue, audit, remediation }: ApiV1Deps): ApiRoute[] {
  /**
   * Run an intent as the principal and answer with the outcome's status. `extra` adds fields to a
   * successful answer, or `answer` replaces it (status and body); `missing` turns an `invalid`
   * answer about an id that does not exist into a 404.
   */
  async function run<N extends IntentName>(
    req: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    name: N,
    slots: SlotsOf<N>,
    more: {
      extra?: () => Promise<Record<string, unknown>>;
      missing?: () => Promise<boolean>;
      answer?: (out: CommandOutcome) => { status: number; body: object } | undefined;
    } = {},
  ) {
    const intent = makeIntent(name, slots, 1);
    const ctx: CommandContext = { actor: principal, platform: 'http', channel: 'api', log: req.log2, audit };
    if (!COMMANDS[name as Exclude<N, 'unknown'>].available) {
      // Not built yet: the same refusals as any command (RBAC, names), then 501, never a 200 that does nothing.
      const refusal = await commands.check(ctx, intent);
      if (!refusal)
        return reply.status(501).send({
          error: 'not_implemented',
          message: notBuiltMessage(name as Exclude<N, 'unknown'>),
          request_id: req.id,
        });
    }
    const out = await commands.handle(ctx, intent);
    // The command layer audits its own RBAC refusals, the remediation service its own (`audited`); any other refusal from deeper (e.g. someone else's job) is audited here.
    if (out.outcome === 'denied' && !out.audited && mayRun(principal, name)) {
      audit.record({
        actor: principal.id,
        action: 'http.denied',
        outcome: 'denied',
        target: `${req.method} ${req.routeOptions.url}`,
        ip: req.ip,
        detail: { status: 403, intent: name },
      });
    }
    let status = STATUS[out.outcome];
    if (out.outcome === 'invalid' && more.missing && (await more.missing())) status = 404;
    const body = { outcome: out.outcome, ...(out.job ? { job: out.job } : {}), reply: replyJson(out.reply) };
    // A recorded remediation request answers as itself even when the queue could not take its job (503).
    const answer = status < 400 || (out.outcome === 'unavailable' && out.request) ? more.answer?.(out) : undefined;
    if (answer) return reply.status(answer.status).send(answer.body);
    if (status < 400) return reply.status(status).send({ ...body, ...(more.extra ? await more.extra() : {}) });
    return reply.status(status).send({ ...body, error: ERROR_CODE[status], message: summary(out.reply) });
  }

  const jobGone = (jobId: string) => async () => (await queue.get(jobId)) === undefined;

  function command<
    P extends z.ZodType = z.ZodUndefined,
    Q extends z.ZodType = z.ZodUndefined,
    B extends z.ZodType = z.ZodUndefined,
  >(
    intent: Exclude<IntentName, 'unknown'>,
    options: Omit<RouteSpec<P, Q, B>, 'access' | 'responses'> & { success?: 200 | 202; notFound?: boolean },
  ): ApiRoute {
    const { success = 200, notFound = false, ...spec } = options;
    const info = COMMANDS[intent];
    const unavailable: ResponseDoc = {
      description: "a dependency (the job queue's Redis) is not answering; try again shortly",
      schema: commandResult,
    };
    const responses: Record<number, ResponseDoc> = info.available
      ? {
          [success]: {
            description:
              success === 202 ? 'a job was started: follow it at GET /api/v1/jobs/{id}' : 'the command answered',
            schema: commandResult,
          },
          ...refused,
          500: { description: 'the command failed', schema: commandResult },
          503: unavailable,
        }
      : { ...refused, 501: { description: `not built yet: ${notBuiltMessage(intent)}`, schema: errorSchema } };
    if (notFound) responses[404] = { description: 'no such job', schema: commandResult };
    return defineRoute<P, Q, B>({
      ...spec,
      description: [
        spec.description,
        info.available
          ? `Runs the \`${intent}\` command (\`${info.usage}\`) as the caller.`
          : `Not built yet: answers 501 (\`not_implemented\`) once the caller's permission and the request are checked.`,
      ]
        .filter(Boolean)
        .join(' '),
      access: { permission: info.permission, by: 'commands' },
      responses,
    });
  }

  /**
   * Remediation requests answer as data (DESIGN.md): the new request `{request_id, state, plan}`
   * (202 when its job started, else 201), the request object after approve or deny (202 when the
   * approval started the job), and `GET /api/v1/remediations/:id`. Refusals answer like any command.
   */
  function remediationRoutes(): ApiRoute[] {
    // One form of request id for every route (`#` and case as chat takes them).
    const requestIdParams = z.strictObject({
      id: z
        .string()
        .regex(/^#?r[0-9a-f]{6}$/i, 'a request id such as r3f9a1c')
        .describe('the remediation request id'),
    });
    // 503 when the queue could not take the job: the request is recorded and starts when the queue is back.
    const started = (out: CommandOutcome) =>
      out.outcome === 'enqueued' ? 202 : out.outcome === 'unavailable' ? 503 : 200;
    const unavailable = (out: CommandOutcome) => (out.outcome === 'unavailable' ? { error: 'unavailable' } : {});
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
    const decision = (intent: 'approve' | 'deny', summaryText: string): ApiRoute => {
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
            'the last approval is recorded but the job queue (Redis) is not answering: the job starts by itself when it is back',
          schema: decidedSchema,
        };
      }
      return defineRoute({
        tag: 'remediations',
        method: 'POST',
        url: `/api/v1/remediations/:id/${intent}`,
        summary: summaryText,
        description: `Runs the \`${intent}\` command (\`${COMMANDS[intent].usage}\`) as the caller. ${intent === 'approve' ? 'Needs `remediation.approve`. A person approves once, whichever token, API key or chat link they use, and never their own request.' : 'Needs `remediation.approve`, except that the requester (with any of their credentials) may withdraw their own request.'}`,
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
    };
    return [
      defineRoute({
        tag: 'remediations',
        method: 'POST',
        url: '/api/v1/remediations',
        summary: 'Request a remediation',
        description: `Runs the \`remediate\` command (\`${COMMANDS.remediate.usage}\`) as the caller: plans it, checks policy, and waits for approval when the action catalog asks for it.`,
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
              'the request was recorded: it waits for approval (`pending_approval`), is a dry run (`planned`), or is approved and starts when the queue takes it',
            schema: createdSchema,
          },
          202: { description: 'the request needed no approval and its job started', schema: createdSchema },
          503: {
            description:
              'the request is recorded and approved, but the job queue (Redis) is not answering: it starts by itself when it is back',
            schema: createdSchema,
          },
          ...refused,
          500: { description: 'the command failed', schema: commandResult },
        },
        handler: async ({ req, reply, principal, body }) =>
          run(req, reply, principal, 'remediate', body, {
            answer: (out) => {
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
            },
          }),
      }),
      defineRoute({
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
      }),
      decision('approve', 'Approve a remediation request'),
      decision('deny', 'Deny a remediation request'),
    ];
  }

  const anomalies = slotsOf('detect_anomalies');
  const remediate = slotsOf('remediate');
  const train = slotsOf('train_model');
  const promote = slotsOf('promote_model');
  const modelName = z.strictObject({
    name: promote.model.unwrap().max(64, 'at most 64 characters').describe('the model name'),
  });

  return [
    command('list_jobs', {
      tag: 'jobs',
      method: 'GET',
      url: '/api/v1/jobs',
      summary: 'Recent jobs',
      handler: async ({ req, reply, principal }) =>
        run(
          req,
          reply,
          principal,
          'list_jobs',
          {},
          { extra: async () => ({ jobs: (await queue.list({ limit: 50 })).map(jobJson) }) },
        ),
    }),
    command('job_status', {
      tag: 'jobs',
      method: 'GET',
      url: '/api/v1/jobs/:id',
      summary: 'One job: state, progress, and its result once finished',
      params: id('job'),
      notFound: true,
      handler: async ({ req, reply, principal, params }) =>
        run(
          req,
          reply,
          principal,
          'job_status',
          { job_id: params.id },
          {
            missing: jobGone(params.id),
            extra: async () => {
              const job = await queue.get(params.id);
              return job ? { job: jobJson(job) } : {};
            },
          },
        ),
    }),
    command('cancel_job', {
      tag: 'jobs',
      method: 'POST',
      url: '/api/v1/jobs/:id/cancel',
      summary: 'Cancel a queued or running job',
      description: "Your own jobs need `read`; anyone's need `jobs.cancel_any`.",
      params: id('job'),
      notFound: true,
      handler: async ({ req, reply, principal, params }) =>
        run(req, reply, principal, 'cancel_job', { job_id: params.id }, { missing: jobGone(params.id) }),
    }),
    command('detect_anomalies', {
      tag: 'anomalies',
      method: 'POST',
      url: '/api/v1/anomalies',
      summary: 'Look for anomalies in the golden signals (a job)',
      success: 202,
      body: z.strictObject({
        service: anomalies.service,
        metric: anomalies.metric.unwrap().max(100, 'at most 100 characters').optional(),
        window_s: anomalies.window_s
          .unwrap()
          .max(30 * 86_400, 'at most 30 days')
          .optional(),
      }),
      handler: async ({ req, reply, principal, body }) => run(req, reply, principal, 'detect_anomalies', body),
    }),
    command('list_incidents', {
      tag: 'incidents',
      method: 'GET',
      url: '/api/v1/incidents',
      summary: 'Incidents from alerts',
      query: z.strictObject({ status: z.enum(['open', 'acked', 'resolved']).optional() }),
      handler: async ({ req, reply, principal, query }) => run(req, reply, principal, 'list_incidents', query),
    }),
    command('ack_incident', {
      tag: 'incidents',
      method: 'POST',
      url: '/api/v1/incidents/:id/ack',
      summary: 'Acknowledge an incident',
      params: id('incident'),
      handler: async ({ req, reply, principal, params }) =>
        run(req, reply, principal, 'ack_incident', { incident_id: params.id }),
    }),
    command('resolve_incident', {
      tag: 'incidents',
      method: 'POST',
      url: '/api/v1/incidents/:id/resolve',
      summary: 'Resolve an incident',
      params: id('incident'),
      handler: async ({ req, reply, principal, params }) =>
        run(req, reply, principal, 'resolve_incident', { incident_id: params.id }),
    }),
    ...remediationRoutes(),
    command('list_models', {
      tag: 'models',
      method: 'GET',
      url: '/api/v1/models',
      summary: 'Anomaly models and their versions',
      handler: async ({ req, reply, principal }) => run(req, reply, principal, 'list_models', {}),
    }),
    command('train_model', {
      tag: 'models',
      method: 'POST',
      url: '/api/v1/models/train',
      summary: 'Train an anomaly model',
      body: z.strictObject({
        model: train.model,
        service: train.service,
        window_s: train.window_s
          .unwrap()
          .max(90 * 86_400, 'at most 90 days')
          .optional(),
      }),
      handler: async ({ req, reply, principal, body }) => run(req, reply, principal, 'train_model', body),
    }),
    command('promote_model', {
      tag: 'models',
      method: 'POST',
      url: '/api/v1/models/:name/promote',
      summary: 'Serve a model version',
      params: modelName,
      body: z.strictObject({ version: promote.version.unwrap().min(1, 'at least 1') }),
      handler: async ({ req, reply, principal, params, body }) =>
        run(req, reply, principal, 'promote_model', { model: params.name, version: body.version }),
    }),
    command('rollback_model', {
      tag: 'models',
      method: 'POST',
      url: '/api/v1/models/:name/rollback',
      summary: 'Serve the previous model version',
      params: modelName,
      handler: async ({ req, reply, principal, params }) =>
        run(req, reply, principal, 'rollback_model', { model: params.name }),
    }),
    auditRoute(audit),
  ];
}

const auditEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  outcome: z.enum(['ok', 'denied', 'failed']),
  target: z.string().nullable(),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

/** The audit log, newest first; reads the log directly (no command: nothing to run, only `audit.read` to check). */
function auditRoute(audit: AuditLog): ApiRoute {
  return defineRoute({
    method: 'GET',
    url: '/api/v1/audit',
    tag: 'audit',
    summary: 'The audit log, newest first',
    description: 'Page with `before` = the smallest `seq` of the previous page (`next_before`).',
    access: { permission: 'audit.read', by: 'route' },
    query: z.strictObject({
      limit: z.coerce
        .number({ error: 'expected a whole number' })
        .int('expected a whole number')
        .min(1, 'at least 1')
        .max(500, 'at most 500')
        .optional()
        .describe('entries per page (default 50)'),
      before: z.coerce
        .number({ error: 'expected a whole number' })
        .int('expected a whole number')
        .min(1, 'at least 1')
        .optional()
        .describe('only entries with a smaller seq'),
      actor: z
        .string()
        .min(1)
        .max(200, 'at most 200 characters')
        .optional()
        .describe('e.g. user:ID, apikey:ID, anonymous'),
      action: z
        .string()
        .regex(/^[a-z0-9_.]{1,64}$/, 'a dotted action, e.g. auth.login')
        .optional(),
    }),
    responses: {
      200: {
        description: 'entries',
        schema: z.object({ entries: z.array(auditEntry), next_before: z.number().int().nullable() }),
      },
      403: { description: 'needs audit.read', schema: errorSchema },
    },
    handler: async ({ query }) => {
      const limit = query.limit ?? 50;
      const entries = audit.list({
        limit,
        ...(query.before ? { beforeSeq: query.before } : {}),
        ...(query.actor ? { actor: query.actor } : {}),
        ...(query.action ? { action: query.action } : {}),
      });
      return {
        entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        next_before: entries.length === limit ? entries[entries.length - 1].seq : null,
      };
    },
  });
}
