/** Sessions: log in (throttled, one answer for a wrong email and a wrong password), refresh, log out. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Auth, TokenPair } from '../../../auth/types';
import { AppError } from '../../../errors';
import { REALM } from '../../authn';
import { defineRoute, errorSchema, type ApiRoute } from '../../route';
import {
  noTokens,
  password,
  tokenPairSchema,
  tokensOr503,
  tooMany,
  tooManyReply,
  unverifiedClaims,
  WRONG_LOGIN,
  type AuthRouteDeps,
} from './shared';

/**
 * Settles the throttle's reservation for a password check: a failure (or a check that threw)
 * counts, a success clears the pair. Every reserved check ends here, exactly once.
 */
async function settled<T>(auth: Auth, email: string, ip: string, check: Promise<T>): Promise<T> {
  let ok = false;
  try {
    const result = await check;
    ok = Boolean(result);
    return result;
  } finally {
    if (ok) auth.throttle.succeeded(email, ip);
    else auth.throttle.failed(email, ip);
  }
}

/** The user an attempted email belongs to, for the audit target; the typed string itself is never recorded. */
function knownTarget(auth: Auth, email: string): { target?: string } {
  const user = auth.users.findByEmail(email);
  return user ? { target: `user:${user.id}` } : {};
}

/** What a login takes: POST /auth/login, and the dashboard's form (POST /ui/login). */
export const loginBody = z.strictObject({
  email: z.string({ error: 'expected a string' }).min(1, 'required').max(254, 'at most 254 characters'),
  password,
});

/**
 * A password login, throttled and audited, as POST /auth/login and the dashboard's login form do it:
 * the new token pair, or undefined after answering 401, 429 or 503.
 */
export async function passwordLogin(
  { auth, metrics }: Pick<AuthRouteDeps, 'auth' | 'metrics'>,
  req: FastifyRequest,
  reply: FastifyReply,
  body: { email: string; password: string },
): Promise<TokenPair | undefined> {
  const tokens = tokensOr503(auth, req, reply);
  if (!tokens) return undefined;
  const verdict = auth.throttle.reserve(body.email, req.ip);
  if (!verdict.allowed) {
    metrics.authLogins.inc({ outcome: 'locked' });
    auth.audit.record({
      actor: 'anonymous',
      action: 'auth.login',
      outcome: 'denied',
      ip: req.ip,
      ...knownTarget(auth, body.email),
      detail: { reason: 'locked', retry_after_s: verdict.retryAfterS },
    });
    tooManyReply(req, reply, verdict.retryAfterS);
    return undefined;
  }
  const user = await settled(auth, body.email, req.ip, auth.users.verifyPassword(body.email, body.password));
  if (!user) {
    metrics.authLogins.inc({ outcome: 'failed' });
    const target = knownTarget(auth, body.email);
    auth.audit.record({
      actor: 'anonymous',
      action: 'auth.login',
      outcome: 'failed',
      ip: req.ip,
      ...target,
      detail: { reason: target.target ? 'wrong password or disabled' : 'unknown email' },
    });
    void reply
      .status(401)
      .header('www-authenticate', REALM)
      .send({ error: 'unauthorized', message: WRONG_LOGIN, request_id: req.id });
    return undefined;
  }
  const pair = tokens.issue(user);
  metrics.authLogins.inc({ outcome: 'ok' });
  auth.audit.record({
    actor: `user:${user.id}`,
    action: 'auth.login',
    outcome: 'ok',
    ip: req.ip,
    target: `session:${unverifiedClaims(pair.access_token).sid ?? '?'}`,
  });
  return pair;
}

export function loginRoute({ auth, metrics }: AuthRouteDeps): ApiRoute {
  return defineRoute({
    method: 'POST',
    url: '/auth/login',
    tag: 'auth',
    summary: 'Log in with email and password',
    description:
      'A wrong email and a wrong password get the same answer. Repeated failures lock that account from that ' +
      'address, and the address across accounts, with a doubling backoff; many failures from many addresses ' +
      'slow the account down except from the addresses it logged in from (429 with Retry-After).',
    access: 'public',
    body: loginBody,
    responses: {
      200: { description: 'tokens', schema: tokenPairSchema },
      401: { description: WRONG_LOGIN, schema: errorSchema },
      429: tooMany,
      503: noTokens,
    },
    handler: async ({ req, reply, body }) => {
      const pair = await passwordLogin({ auth, metrics }, req, reply, body);
      if (!pair) return reply;
      return reply.header('cache-control', 'no-store').send(pair);
    },
  });
}

export function logoutRoute({ auth }: AuthRouteDeps): ApiRoute {
  return defineRoute({
    method: 'POST',
    url: '/auth/logout',
    tag: 'auth',
    summary: 'Log out: revoke the session of the presented access token',
    description:
      'The refresh token and every access token of the session stop working. ' +
      'API keys are revoked with DELETE /auth/api-keys/{id}.',
    access: 'authenticated',
    responses: {
      204: { description: 'logged out' },
      400: {
        description: 'an API key was used: logout ends a token session (revoke a key with DELETE /auth/api-keys/{id})',
        schema: errorSchema,
      },
      503: noTokens,
    },
    handler: async ({ req, reply, principal }) => {
      // The access token was verified to authenticate this request; its session comes with the principal.
      const sid = principal.sessionId;
      if (!sid) {
        return reply.status(400).send({
          error: 'bad_request',
          message: 'logout ends a token session; to stop an API key, DELETE /auth/api-keys/{id}',
          request_id: req.id,
        });
      }
      const tokens = tokensOr503(auth, req, reply);
      if (!tokens) return reply;
      tokens.revokeSession(sid, 'logout');
      auth.audit.record({
        actor: principal.id,
        action: 'auth.logout',
        outcome: 'ok',
        ip: req.ip,
        target: `session:${sid}`,
      });
      return reply.status(204).send();
    },
  });
}

export function refreshRoute({ auth }: AuthRouteDeps): ApiRoute {
  return defineRoute({
    method: 'POST',
    url: '/auth/refresh',
    tag: 'auth',
    summary: 'Swap a refresh token for a new pair (the old one is spent)',
    description:
      'Presenting a spent refresh token again revokes its whole session: both tokens of every pair in it stop working.',
    access: 'public',
    body: z.strictObject({
      refresh_token: z.string({ error: 'expected a string' }).min(1, 'required').max(4096, 'at most 4096 characters'),
    }),
    responses: {
      200: { description: 'a new pair', schema: tokenPairSchema },
      401: { description: 'invalid, expired, spent or revoked', schema: errorSchema },
      503: noTokens,
    },
    handler: async ({ req, reply, body }) => {
      const tokens = tokensOr503(auth, req, reply);
      if (!tokens) return reply;
      try {
        const pair = tokens.refresh(body.refresh_token);
        const claims = unverifiedClaims(pair.access_token);
        auth.audit.record({
          actor: `user:${claims.sub ?? '?'}`,
          action: 'auth.refresh',
          outcome: 'ok',
          ip: req.ip,
          target: `session:${claims.sid ?? '?'}`,
        });
        return reply.header('cache-control', 'no-store').send(pair);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'unauthorized') throw err;
        auth.audit.record({
          actor: 'anonymous',
          action: 'auth.refresh',
          outcome: 'failed',
          ip: req.ip,
          detail: { reason: err.message },
        });
        return reply.status(401).header('www-authenticate', `${REALM}, error="invalid_token"`).send({
          error: 'unauthorized',
          message: 'the refresh token is invalid, expired or already used; log in again',
          request_id: req.id,
        });
      }
    },
  });
}
