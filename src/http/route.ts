import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Permission, Principal } from '../auth/permissions';
import { AppError, type ErrorCode } from '../errors';
import type { RateLimiter } from '../auth/rate-limit';
import type { Authn } from './authn';

/**
 * A route is declared once, as data: its zod schemas validate the request (400 with one message
 * per field), its access rule authenticates and authorizes it (authn.ts), and the OpenAPI
 * document (openapi.ts) is generated from the same declaration, so docs cannot drift from code.
 */

/**
 * Who may call a route. `public`: anyone. `authenticated`: any principal. A permission checked
 * `by: 'route'` is enforced here before the handler; `by: 'commands'` is enforced by the command
 * layer (the same check chat uses) and only documented here.
 */
export type Access = 'public' | 'authenticated' | { permission: Permission; by: 'route' | 'commands' };

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

type None = z.ZodUndefined;

export interface RouteInput<P, Q, B> {
  req: FastifyRequest;
  reply: FastifyReply;
  /** The caller; for public routes the anonymous principal (no permissions). */
  principal: Principal;
  params: P;
  query: Q;
  body: B;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
}

export interface RouteSpec<P extends z.ZodType = None, Q extends z.ZodType = None, B extends z.ZodType = None> {
  method: Method;
  /** Fastify pattern, e.g. `/api/v1/jobs/:id`. */
  url: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Success and route-specific answers; 400/401/403 are added from the schemas and access rule. */
  responses: Record<number, ResponseDoc>;
  handler(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** A route with its types erased, as the plugin and the OpenAPI generator see it. */
export type ApiRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

/** Declare a route; only here for inference (the handler's params, query and body are typed from the schemas). */
export function defineRoute<P extends z.ZodType = None, Q extends z.ZodType = None, B extends z.ZodType = None>(
  spec: RouteSpec<P, Q, B>,
): ApiRoute {
  return spec as unknown as ApiRoute;
}

export const ANONYMOUS: Principal = Object.freeze({
  id: 'anonymous',
  name: 'anonymous',
  role: 'viewer',
  permissions: new Set<Permission>(),
});

/** The error body every route answers with (server.ts uses the same shape). */
export const errorSchema = z
  .object({
    error: z.string().describe('stable code, e.g. bad_request, unauthorized, forbidden, not_found'),
    message: z.string(),
    fields: z.record(z.string(), z.string()).optional().describe('for bad_request: field path -> what is wrong'),
    request_id: z.string().optional(),
  })
  .meta({ title: 'Error' });

/** The 403 of a route that calls `requireSession`, for its OpenAPI responses. */
export const SESSION_REQUIRED: ResponseDoc = {
  description: 'an API key was used: this needs a login session (POST /auth/login)',
  schema: errorSchema,
};

const STATUS: Partial<Record<ErrorCode, number>> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
};

/** Calls a principal may make a minute (RATE_LIMIT_API_PER_MIN), and what counts the refusals. */
export interface ApiLimits {
  limiter: RateLimiter;
  onLimited(): void;
}

/** 429 with Retry-After, counted (REST routes, and the dashboard's decisions). */
export function tooMany(
  req: FastifyRequest,
  reply: FastifyReply,
  limits: ApiLimits,
  retryAfterS: number,
): FastifyReply {
  limits.onLimited();
  return reply
    .status(429)
    .header('retry-after', String(retryAfterS))
    .send({
      error: 'rate_limited',
      message: `At most ${limits.limiter.perMinute} calls a minute per caller; try again in ${retryAfterS} s.`,
      request_id: req.id,
    });
}

/** The answer for an AppError a handler threw; unknown errors return undefined and reach the server's 500 handler. */
export function appErrorReply(err: unknown, req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  if (!(err instanceof AppError)) return undefined;
  const status = STATUS[err.code];
  if (!status) return undefined;
  if (status === 401) void reply.header('www-authenticate', 'Bearer realm="smartcloudops"');
  return reply.status(status).send({ error: err.code, message: err.userMessage, request_id: req.id });
}

/** Zod issues as `{ "field.path": "what is wrong" }`; the root is named after where it came from. */
export function fieldErrors(error: z.ZodError, root: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields[[...issue.path, key].map(String).join('.')] ??= 'unknown field';
      continue;
    }
    const path = issue.path.length ? issue.path.map(String).join('.') : root;
    fields[path] ??= issue.message;
  }
  return fields;
}

function badRequest(
  req: FastifyRequest,
  reply: FastifyReply,
  where: string,
  fields: Record<string, string>,
): FastifyReply {
  const list = Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return reply
    .status(400)
    .send({ error: 'bad_request', message: `invalid ${where}: ${list}`, fields, request_id: req.id });
}

/** Registers declared routes: authenticate, validate, run, and turn AppErrors into their HTTP answers. */
export const routesPlugin: FastifyPluginAsync<{ routes: ApiRoute[]; authn: Authn; limits?: ApiLimits }> = async (
  app,
  { routes, authn, limits },
) => {
  for (const spec of routes) {
    app.route({
      method: spec.method,
      url: spec.url,
      handler: async (req, reply) => {
        let principal = ANONYMOUS;
        if (spec.access !== 'public') {
          const permission =
            typeof spec.access === 'object' && spec.access.by === 'route' ? spec.access.permission : undefined;
          const found = await authn.require(req, reply, permission);
          if (!found) return reply;
          principal = found;
          const limited = limits?.limiter.take(found.id);
          if (limited && !limited.ok) return tooMany(req, reply, limits as ApiLimits, limited.retryAfterS);
        }
        const input: Record<'params' | 'query' | 'body', unknown> = {
          params: undefined,
          query: undefined,
          body: undefined,
        };
        for (const where of ['params', 'query', 'body'] as const) {
          const schema = spec[where];
          if (!schema) continue;
          const parsed = schema.safeParse(req[where]);
          if (!parsed.success)
            return badRequest(req, reply, where === 'body' ? 'request body' : where, fieldErrors(parsed.error, where));
          input[where] = parsed.data;
        }
        try {
          const result = await spec.handler({
            req,
            reply,
            principal,
            params: input.params,
            query: input.query,
            body: input.body,
          });
          return reply.sent ? reply : result;
        } catch (err) {
          const answered = appErrorReply(err, req, reply);
          if (answered) return answered;
          throw err;
        }
      },
    });
  }
};
