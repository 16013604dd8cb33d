import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Principal } from '../../../auth/permissions';
import type { AuditLog } from '../../../audit/types';
import { COMMANDS } from '../../../commands/catalog';
import type { CommandContext, CommandOutcome } from '../../../commands/context';
import type { Commands } from '../../../commands/handler';
import { intentSchema, makeIntent, type IntentName, type SlotsOf } from '../../../intent/schema';
import type { ModelDetailOf } from '../../../models/model-detail';
import type { ModelRegistry } from '../../../models/registry';
import type { JobInfo, JobQueue } from '../../../queue/types';
import type { RemediationService } from '../../../remediation/service';
import type { InvestigationStore } from '../../../investigate/store';
import type { RunbookSearch } from '../../../runbooks/types';
import { summary, type Reply } from '../../../reply/model';
import type { Jobs, TrainModelJobResult } from '../../../jobs/map';
import { defineRoute, type ApiRoute, type ResponseDoc, type RouteSpec } from '../../route';

/** What the /api/v1 routes are built from. */
export interface ApiV1Deps {
  commands: Commands;
  queue: JobQueue<Jobs>;
  audit: AuditLog;
  remediation: RemediationService;
  /** The model registry: GET /api/v1/models and the ONNX files. */
  models: ModelRegistry;
  /** One model with its shadow comparison: GET /api/v1/models/:name. */
  modelDetail?: ModelDetailOf;
  /** The runbook knowledge base: GET /api/v1/runbooks?q=. */
  runbooks?: RunbookSearch;
  /** Investigations as kept: GET /api/v1/investigations/:id. */
  investigations?: InvestigationStore;
}

type IntentOption = (typeof intentSchema.options)[number];
type SlotShape<N extends IntentName> = Extract<
  IntentOption,
  { shape: { intent: z.ZodLiteral<N> } }
>['shape']['slots']['shape'];

/** The zod schemas of an intent's slots (src/intent/schema.ts): REST validates with exactly what chat does. */
export function slotsOf<N extends IntentName>(name: N): SlotShape<N> {
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
export function replyJson(r: Reply) {
  return {
    tone: r.tone,
    blocks: r.blocks.map((b) => (b.type === 'image' && b.png ? { ...b, png: b.png.toString('base64') } : b)),
  };
}

export function jobJson(j: JobInfo<Jobs>) {
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
    worker: j.worker ?? null,
    ...(j.error !== undefined ? { error: j.error } : {}),
    ...(j.result !== undefined ? { result: resultJson(j) } : {}),
  };
}

/**
 * A job's result as REST shows it: a trained model's ONNX bytes are left out (they are served by
 * GET /api/v1/models/:name/versions/:version/model.onnx once registered), their sha256 and size stay.
 */
function resultJson(j: JobInfo<Jobs>): unknown {
  if (j.name !== 'train_model' || j.result === undefined) return j.result;
  const { onnxBase64: _bytes, ...rest } = j.result as TrainModelJobResult;
  return rest;
}

export const blockSchema = z.looseObject({ type: z.string() });
export const commandResult = z
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

export const id = (what: string) =>
  z.strictObject({
    id: slotsOf('job_status').job_id.unwrap().max(128, 'at most 128 characters').describe(`the ${what} id`),
  });
export const refused = {
  400: {
    description: 'invalid for the command layer (unknown service, bounds, missing slot), or not found',
    schema: commandResult,
  },
  403: { description: 'the command layer refused: the principal lacks the permission', schema: commandResult },
};

/** Runs an intent as the principal over the command layer (what every command route calls). */
export function createRun({ commands, audit }: Pick<ApiV1Deps, 'commands' | 'audit'>) {
  /**
   * Run an intent as the principal and answer with the outcome's status. `extra` adds fields to a
   * successful answer, or `answer` replaces it (status, body, content type); `missing` turns an `invalid`
   * answer about an id that does not exist into a 404.
   */
  return async function run<N extends IntentName>(
    req: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    name: N,
    slots: SlotsOf<N>,
    more: {
      extra?: () => Promise<Record<string, unknown>>;
      missing?: () => Promise<boolean>;
      /** `type`: a content type other than JSON (the body is then sent as it is). */
      answer?: (out: CommandOutcome) => { status: number; body: object | string; type?: string } | undefined;
    } = {},
  ) {
    const intent = makeIntent(name, slots, 1);
    const ctx: CommandContext = { actor: principal, platform: 'http', channel: 'api', log: req.log2, audit };
    const out = await commands.handle(ctx, intent);
    // The command layer audits its own RBAC refusals, the remediation service its own (both say `audited`);
    // any other refusal from deeper (e.g. someone else's job) is audited here.
    if (out.outcome === 'denied' && !out.audited) {
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
    if (out.outcome === 'invalid' && (out.notFound || (more.missing && (await more.missing())))) status = 404;
    const body = { outcome: out.outcome, ...(out.job ? { job: out.job } : {}), reply: replyJson(out.reply) };
    // A recorded remediation request answers as itself even when the queue could not take its job (503).
    const answer = status < 400 || (out.outcome === 'unavailable' && out.request) ? more.answer?.(out) : undefined;
    if (answer?.type) void reply.type(answer.type);
    if (answer) return reply.status(answer.status).send(answer.body);
    if (status < 400) return reply.status(status).send({ ...body, ...(more.extra ? await more.extra() : {}) });
    return reply.status(status).send({ ...body, error: ERROR_CODE[status], message: summary(out.reply) });
  };
}
export type Run = ReturnType<typeof createRun>;

/** What the route groups share: the deps, `run`, and whether a job id names no job. */
export interface V1Context extends ApiV1Deps {
  run: Run;
  jobGone: (jobId: string) => () => Promise<boolean>;
}

/** A route that runs one command: its access is the command's permission, its responses the command's outcomes. */
export function command<
  P extends z.ZodType = z.ZodUndefined,
  Q extends z.ZodType = z.ZodUndefined,
  B extends z.ZodType = z.ZodUndefined,
>(
  intent: Exclude<IntentName, 'unknown'>,
  options: Omit<RouteSpec<P, Q, B>, 'access' | 'responses'> & {
    success?: 200 | 201 | 202;
    /** A 404 answer: true for "no such job", or its own description. */
    notFound?: boolean | string;
    /** The success answer when it is data of its own rather than the command's result. */
    successDoc?: ResponseDoc;
  },
): ApiRoute {
  const { success = 200, notFound = false, successDoc, ...spec } = options;
  const info = COMMANDS[intent];
  const unavailable: ResponseDoc = {
    description: "a dependency (the job queue's Redis) is not answering; try again shortly",
    schema: commandResult,
  };
  const responses: Record<number, ResponseDoc> = {
    [success]: successDoc ?? {
      description: success === 202 ? 'a job was started: follow it at GET /api/v1/jobs/{id}' : 'the command answered',
      schema: commandResult,
    },
    ...refused,
    500: { description: 'the command failed', schema: commandResult },
    503: unavailable,
  };
  if (notFound)
    responses[404] = { description: typeof notFound === 'string' ? notFound : 'no such job', schema: commandResult };
  return defineRoute<P, Q, B>({
    ...spec,
    description: [spec.description, `Runs the \`${intent}\` command (\`${info.usage}\`) as the caller.`]
      .filter(Boolean)
      .join(' '),
    access: { permission: info.permission, by: 'commands' },
    responses,
  });
}
