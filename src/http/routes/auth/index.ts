import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../../../auth/permissions';
import type { Auth, Tokens, User } from '../../../auth/types';
import { ROLES } from '../../../config/schema';
import { AppError } from '../../../errors';
import type { Metrics } from '../../../telemetry/metrics';
import { REALM, requireSession, type Authn } from '../../authn';
import { defineRoute, errorSchema, SESSION_REQUIRED, type ApiRoute } from '../../route';

/**
 * `/auth/*` (DESIGN.md): log in, refresh, log out, verify, register, password, profile, roles.
 * Over the auth core's interfaces only (src/auth/types.ts). One message for a wrong email and a
 * wrong password; login throttled; every event audited with ids and names, never secrets.
 * API keys are in api-keys.ts.
 */
export interface AuthRouteDeps {
  auth: Auth;
  authn: Authn;
  metrics: Pick<Metrics, 'authLogins'>;
}

export const NO_TOKENS =
  'token sign-in is not configured: set JWT_SECRET (32+ random characters, e.g. `openssl rand -base64 48`), or JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE; API keys work without it';
const WRONG_LOGIN = 'email or password is wrong';

export const emailSchema = z.email({ error: 'expected an email address' }).max(254, 'at most 254 characters');
const password = z.string({ error: 'expected a string' }).min(1, 'required').max(1024, 'at most 1024 characters');
export const userNameSchema = z
  .string({ error: 'expected a string' })
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ - (1-64, starting with a letter or digit)');

const tokenPairSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('seconds until the access token expires'),
});
const userSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(ROLES) });
const profileSchema = userSchema.extend({ created_at: z.string(), updated_at: z.string() });
const tooMany = { description: 'too many failed attempts: wait `Retry-After` seconds', schema: errorSchema };
const noTokens = { description: 'token sign-in is not configured (the message says what to set)', schema: errorSchema };

export function userBody(user: User) {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

function profileBody(user: User) {
  return {
    ...userBody(user),
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
  };
}

/** Claims of a token that was already verified (or that we just issued): no check here. */
function unverifiedClaims(token: string): { sub?: string; sid?: string; exp?: number } {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: string;
      sid?: string;
      exp?: number;
    };
  } catch {
    return {};
  }
}

function tooManyReply(req: FastifyRequest, reply: FastifyReply, retryAfterS: number): FastifyReply {
  const seconds = Math.max(1, Math.ceil(retryAfterS));
  return reply
    .status(429)
    .header('retry-after', String(seconds))
    .send({
      error: 'too_many_requests',
      message: `too many failed attempts; try again in ${seconds} s`,
      request_id: req.id,
    });
}

export function authRoutes(deps: AuthRouteDeps): ApiRoute[] {
  const { auth, authn, metrics } = deps;

  function tokensOr503(req: FastifyRequest, reply: FastifyReply): Tokens | undefined {
    if (auth.tokens) return auth.tokens;
    void reply.status(503).send({ error: 'unavailable', message: NO_TOKENS, request_id: req.id });
    return undefined;
  }

  const login = defineRoute({
    method: 'POST',
    url: '/auth/login',
    tag: 'auth',
    summary: 'Log in with email and password',
    description:
      'A wrong email and a wrong password get the same answer. Repeated failures lock that account from that address, and the address across accounts, with a doubling backoff; many failures from many addresses slow the account down except from the addresses it logged in from (429 with Retry-After).',
    access: 'public',
    body: z.strictObject({
      email: z.string({ error: 'expected a string' }).min(1, 'required').max(254, 'at most 254 characters'),
      password,
    }),
    responses: {
      200: { description: 'tokens', schema: tokenPairSchema },
      401: { description: WRONG_LOGIN, schema: errorSchema },
      429: tooMany,
      503: noTokens,
    },
    handler: async ({ req, reply, body }) => {
      const tokens = tokensOr503(req, reply);
      if (!tokens) return reply;
      const verdict = auth.throttle.reserve(body.email, req.ip);
      if (!verdict.allowed) {
        metrics.authLogins.inc({ outcome: 'locked' });
        auth.audit.record({
          actor: 'anonymous',
          action: 'auth.login',
          outcome: 'denied',
          ip: req.ip,
          ...knownTarget(body.email),
          detail: { reason: 'locked', retry_after_s: verdict.retryAfterS },
        });
        return tooManyReply(req, reply, verdict.retryAfterS);
      }
      const user = await settled(body.email, req.ip, auth.users.verifyPassword(body.email, body.password));
      if (!user) {
        metrics.authLogins.inc({ outcome: 'failed' });
        const target = knownTarget(body.email);
        auth.audit.record({
          actor: 'anonymous',
          action: 'auth.login',
          outcome: 'failed',
          ip: req.ip,
          ...target,
          detail: { reason: target.target ? 'wrong password or disabled' : 'unknown email' },
        });
        return reply
          .status(401)
          .header('www-authenticate', REALM)
          .send({ error: 'unauthorized', message: WRONG_LOGIN, request_id: req.id });
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
      return reply.header('cache-control', 'no-store').send(pair);
    },
  });

  /**
   * Settles the throttle's reservation for a password check: a failure (or a check that threw)
   * counts, a success clears the pair. Every reserved check ends here, exactly once.
   */
  async function settled<T>(email: string, ip: string, check: Promise<T>): Promise<T> {
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
  function knownTarget(email: string): { target?: string } {
    const user = auth.users.findByEmail(email);
    return user ? { target: `user:${user.id}` } : {};
  }

  const logout = defineRoute({
    method: 'POST',
    url: '/auth/logout',
    tag: 'auth',
    summary: 'Log out: revoke the session of the presented access token',
    description:
      'The refresh token and every access token of the session stop working. API keys are revoked with DELETE /auth/api-keys/{id}.',
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
      const tokens = tokensOr503(req, reply);
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

  const refresh = defineRoute({
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
      const tokens = tokensOr503(req, reply);
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

  const verify = defineRoute({
    method: 'GET',
    url: '/auth/verify',
    tag: 'auth',
    summary: 'Who the presented token or API key belongs to, and what it may do',
    access: 'authenticated',
    responses: {
      200: {
        description: 'valid',
        schema: z.object({
          user: userSchema,
          permissions: z.array(z.enum(PERMISSIONS)),
          exp: z
            .number()
            .int()
            .nullable()
            .describe('expiry, seconds since the epoch; null for a key that never expires'),
          via: z.enum(['token', 'api_key']),
        }),
      },
    },
    handler: async ({ req, reply, principal }) => {
      // The principal already carries what the credential check read: no second lookup per call.
      if (!principal.userId || !principal.email)
        return reply
          .status(401)
          .header('www-authenticate', REALM)
          .send({ error: 'unauthorized', message: 'no user behind these credentials', request_id: req.id });
      const viaKey = principal.id.startsWith('apikey:');
      const exp = principal.expiresAt === undefined ? null : Math.floor(principal.expiresAt / 1000);
      return {
        user: {
          id: principal.userId,
          email: principal.email,
          name: viaKey ? (auth.users.get(principal.userId)?.name ?? principal.name) : principal.name,
          role: principal.role,
        },
        permissions: PERMISSIONS.filter((p) => principal.permissions.has(p)),
        exp,
        via: viaKey ? 'api_key' : 'token',
      };
    },
  });

  const register = defineRoute({
    method: 'POST',
    url: '/auth/register',
    tag: 'auth',
    summary: 'Create a user',
    description:
      "Passwords: at least 12 characters, not containing the email. `name` defaults to the email's local part.",
    access: { permission: 'users.manage', by: 'route' },
    body: z.strictObject({
      email: emailSchema,
      password,
      role: z.enum(ROLES, { error: `expected one of ${ROLES.join(', ')}` }),
      name: userNameSchema.optional(),
    }),
    responses: {
      201: { description: 'created', schema: z.object({ user: userSchema }) },
      409: { description: 'the email or name is taken', schema: errorSchema },
    },
    handler: async ({ req, reply, principal, body }) => {
      try {
        const user = await auth.users.create({
          email: body.email,
          password: body.password,
          role: body.role,
          ...(body.name ? { name: body.name } : {}),
        });
        auth.audit.record({
          actor: principal.id,
          action: 'auth.register',
          outcome: 'ok',
          ip: req.ip,
          target: `user:${user.id}`,
          detail: { email: user.email, role: user.role },
        });
        return reply.status(201).send({ user: userBody(user) });
      } catch (err) {
        auth.audit.record({
          actor: principal.id,
          action: 'auth.register',
          outcome: 'failed',
          ip: req.ip,
          detail: { role: body.role, reason: err instanceof AppError ? err.code : 'internal' },
        });
        throw err;
      }
    },
  });

  const changePassword = defineRoute({
    method: 'PUT',
    url: '/auth/password',
    tag: 'auth',
    summary: 'Change your password',
    description: 'Needs a login session (not an API key). Wrong current passwords count toward the login lockout.',
    access: 'authenticated',
    body: z.strictObject({ current_password: password, new_password: password }),
    responses: { 204: { description: 'changed' }, 403: SESSION_REQUIRED, 429: tooMany },
    handler: async ({ req, reply, principal, body }) => {
      const userId = requireSession(authn, req, reply, principal);
      const user = userId ? auth.users.get(userId) : undefined;
      if (!user) return reply;
      const verdict = auth.throttle.reserve(user.email, req.ip);
      if (!verdict.allowed) return tooManyReply(req, reply, verdict.retryAfterS);
      // The current password is checked first: a new password the policy refuses comes after a right one.
      let passed = false;
      try {
        await auth.users.changePassword(user.id, body.current_password, body.new_password);
        passed = true;
      } catch (err) {
        const wrong = err instanceof AppError && err.code === 'unauthorized';
        passed = err instanceof AppError && err.code === 'bad_request';
        auth.audit.record({
          actor: principal.id,
          action: 'auth.password_change',
          outcome: 'failed',
          ip: req.ip,
          target: `user:${user.id}`,
          detail: { reason: wrong ? 'wrong current password' : err instanceof AppError ? err.code : 'internal' },
        });
        if (wrong)
          return reply.status(400).send({
            error: 'bad_request',
            message: 'the current password is wrong',
            fields: { current_password: 'is wrong' },
            request_id: req.id,
          });
        throw err;
      } finally {
        if (passed) auth.throttle.succeeded(user.email, req.ip);
        else auth.throttle.failed(user.email, req.ip);
      }
      auth.audit.record({
        actor: principal.id,
        action: 'auth.password_change',
        outcome: 'ok',
        ip: req.ip,
        target: `user:${user.id}`,
      });
      return reply.status(204).send();
    },
  });

  const getProfile = defineRoute({
    method: 'GET',
    url: '/auth/profile',
    tag: 'auth',
    summary: 'Your profile',
    access: 'authenticated',
    responses: {
      200: { description: 'the user', schema: profileSchema },
      404: { description: 'no user behind these credentials', schema: errorSchema },
    },
    handler: async ({ req, reply, principal }) => {
      const user = principal.userId ? auth.users.get(principal.userId) : undefined;
      return user
        ? profileBody(user)
        : reply
            .status(404)
            .send({ error: 'not_found', message: 'no user behind these credentials', request_id: req.id });
    },
  });

  const putProfile = defineRoute({
    method: 'PUT',
    url: '/auth/profile',
    tag: 'auth',
    summary: 'Change your name or email',
    description: 'Needs a login session (not an API key).',
    access: 'authenticated',
    body: z
      .strictObject({ name: userNameSchema.optional(), email: emailSchema.optional() })
      .refine((b) => b.name !== undefined || b.email !== undefined, { message: 'give name, email or both' }),
    responses: {
      200: { description: 'the updated user', schema: profileSchema },
      403: SESSION_REQUIRED,
      409: { description: 'the email or name is taken', schema: errorSchema },
    },
    handler: async ({ req, reply, principal, body }) => {
      const userId = requireSession(authn, req, reply, principal);
      if (!userId) return reply;
      const user = auth.users.updateProfile(userId, {
        ...(body.name ? { name: body.name } : {}),
        ...(body.email ? { email: body.email } : {}),
      });
      auth.audit.record({
        actor: principal.id,
        action: 'auth.profile_update',
        outcome: 'ok',
        ip: req.ip,
        target: `user:${userId}`,
        detail: { changed: Object.keys(body) },
      });
      return profileBody(user);
    },
  });

  const roles = defineRoute({
    method: 'GET',
    url: '/auth/roles',
    tag: 'auth',
    summary: 'Roles and the permissions each one has',
    access: 'authenticated',
    responses: {
      200: {
        description: 'roles, least to most',
        schema: z.object({
          roles: z.array(z.object({ name: z.enum(ROLES), permissions: z.array(z.enum(PERMISSIONS)) })),
          permissions: z.array(z.enum(PERMISSIONS)),
        }),
      },
    },
    handler: async () => ({
      roles: ROLES.map((name) => ({ name, permissions: PERMISSIONS.filter((p) => ROLE_PERMISSIONS[name].has(p)) })),
      permissions: [...PERMISSIONS],
    }),
  });

  return [login, logout, refresh, verify, register, changePassword, getProfile, putProfile, roles];
}
