/** Users and what they see of themselves: verify, register, password, profile, roles. */
import { z } from 'zod';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../../../auth/permissions';
import { ROLES } from '../../../auth/roles';
import { AppError } from '../../../errors';
import { REALM, requireSession } from '../../authn';
import { defineRoute, errorSchema, SESSION_REQUIRED, type ApiRoute } from '../../route';
import {
  audited,
  emailSchema,
  password,
  profileBody,
  profileSchema,
  tooMany,
  tooManyReply,
  userBody,
  userNameSchema,
  userSchema,
  type AuthRouteDeps,
} from './shared';

export function verifyRoute({ auth }: AuthRouteDeps): ApiRoute {
  return defineRoute({
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
}

export function registerRoute({ auth }: AuthRouteDeps): ApiRoute {
  return defineRoute({
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
    handler: async ({ req, reply, principal, body }) =>
      audited(
        auth.audit,
        { actor: principal.id, action: 'auth.register', ip: req.ip },
        { role: body.role },
        async (ok) => {
          const user = await auth.users.create({
            email: body.email,
            password: body.password,
            role: body.role,
            ...(body.name ? { name: body.name } : {}),
          });
          ok({ target: `user:${user.id}`, detail: { email: user.email, role: user.role } });
          return reply.status(201).send({ user: userBody(user) });
        },
      ),
  });
}

export function changePasswordRoute({ auth, authn }: AuthRouteDeps): ApiRoute {
  return defineRoute({
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
}

export function getProfileRoute({ auth }: AuthRouteDeps): ApiRoute {
  return defineRoute({
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
}

export function putProfileRoute({ auth, authn }: AuthRouteDeps): ApiRoute {
  return defineRoute({
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
}

export function rolesRoute(): ApiRoute {
  return defineRoute({
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
}
