import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { authorize, type Permission, type Principal } from '../auth/permissions';
import { refusal } from '../commands/rbac';
import type { Auth } from '../auth/types';
import { AppError } from '../errors';

/**
 * Who is calling an HTTP route: credentials from the headers through `auth.authenticate` (JWT or
 * API key), then the one policy check (`authorize`). Every refusal answers the standard way (401
 * with `WWW-Authenticate`, or 403) and is written to the audit log, so a probe leaves a trail.
 */
export interface Authn {
  /** The principal, or undefined after answering 401 (nothing presented, or it failed). */
  authenticate(req: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined>;
  /** `authenticate`, then `authorize` when a permission is named; undefined after answering 401 or 403. */
  require(req: FastifyRequest, reply: FastifyReply, permission?: Permission): Promise<Principal | undefined>;
  /** `require` as a fastify preHandler, for routes declared outside route.ts; read the result with `principalOf`. */
  requirePermission(permission?: Permission): preHandlerAsyncHookHandler;
  /** Answer 403 for a refusal the route itself decides (e.g. someone else's API key), and audit it. */
  forbid(
    req: FastifyRequest,
    reply: FastifyReply,
    principal: Principal,
    message: string,
    detail?: Record<string, unknown>,
  ): FastifyReply;
}

const principals = new WeakMap<FastifyRequest, Principal>();

/** The principal a `requirePermission` hook authenticated for this request. */
export function principalOf(req: FastifyRequest): Principal | undefined {
  return principals.get(req);
}

export const REALM = 'Bearer realm="smartcloudops"';
const HOW =
  'send an access token (Authorization: Bearer <token>) or an API key ' +
  '(X-API-Key: <key>, or Authorization: Bearer <key>)';

/** The route pattern, never the raw URL: ids in paths stay out of the audit target. */
export function routeOf(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? req.url.split('?')[0]}`;
}

export function createAuthn(auth: Auth): Authn {
  /** `why` is the auth core's reason (e.g. "token expired"): recorded, never sent, and never a credential. */
  function unauthorized(
    req: FastifyRequest,
    reply: FastifyReply,
    reason: 'missing' | 'invalid',
    why?: string,
  ): FastifyReply {
    auth.audit.record({
      actor: 'anonymous',
      action: 'http.denied',
      outcome: 'denied',
      target: routeOf(req),
      ip: req.ip,
      detail: { status: 401, reason, ...(why ? { why } : {}) },
    });
    const message =
      reason === 'missing' ? `authentication required: ${HOW}` : 'the token or API key is invalid, expired or revoked';
    return reply
      .status(401)
      .header('www-authenticate', reason === 'missing' ? REALM : `${REALM}, error="invalid_token"`)
      .send({ error: 'unauthorized', message, request_id: req.id });
  }

  const authn: Authn = {
    async authenticate(req, reply) {
      try {
        const principal = auth.authenticate(req.headers);
        if (principal) return principal;
        unauthorized(req, reply, 'missing');
        return undefined;
      } catch (err) {
        if (err instanceof AppError && err.code === 'unauthorized') {
          unauthorized(req, reply, 'invalid', err.message);
          return undefined;
        }
        if (err instanceof AppError && err.code === 'unavailable') {
          void reply.status(503).send({ error: 'unavailable', message: err.userMessage, request_id: req.id });
          return undefined;
        }
        throw err;
      }
    },

    async require(req, reply, permission) {
      const principal = await authn.authenticate(req, reply);
      if (!principal || !permission || authorize(principal, permission)) return principal;
      authn.forbid(req, reply, principal, refusal(principal, permission), { permission });
      return undefined;
    },

    requirePermission(permission) {
      return async (req, reply) => {
        const principal = await authn.require(req, reply, permission);
        if (!principal) return reply;
        principals.set(req, principal);
        return undefined;
      };
    },

    forbid(req, reply, principal, message, detail = {}) {
      auth.audit.record({
        actor: principal.id,
        action: 'http.denied',
        outcome: 'denied',
        target: routeOf(req),
        ip: req.ip,
        detail: { status: 403, ...detail },
      });
      return reply.status(403).send({ error: 'forbidden', message, request_id: req.id });
    },
  };
  return authn;
}

/** Password, profile and key changes need a login session: an API key may not change its owner's account. */
export function requireSession(
  authn: Authn,
  req: FastifyRequest,
  reply: FastifyReply,
  principal: Principal,
): string | undefined {
  if (principal.id.startsWith('user:') && principal.userId) return principal.userId;
  authn.forbid(req, reply, principal, 'this needs a login session (POST /auth/login), not an API key', {
    reason: 'session required',
  });
  return undefined;
}
