import { z } from 'zod';
import { authorize, PERMISSIONS } from '../../../auth/permissions';
import type { ApiKeyInfo, Auth } from '../../../auth/types';
import { requireSession, type Authn } from '../../authn';
import { defineRoute, errorSchema, SESSION_REQUIRED, type ApiRoute } from '../../route';
import { audited } from './shared';

/**
 * `/auth/api-key(s)`: create (the key is in that answer and never again), list (never a secret),
 * revoke. Creating needs a login session; one's own keys need nothing more, anyone's need
 * `keys.manage`. Audited by id and name, never the key.
 */

const keyId = z
  .string({ error: 'expected a string' })
  .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an API key id (letters, digits, _ -)');
const keyName = z
  .string({ error: 'expected a string' })
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/,
    'letters, digits, spaces, . _ - (1-64, starting with a letter or digit)',
  );

const keyInfoSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  name: z.string(),
  permissions: z.array(z.enum(PERMISSIONS)),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function keyBody(info: ApiKeyInfo): z.infer<typeof keyInfoSchema> {
  return {
    id: info.id,
    user_id: info.userId,
    name: info.name,
    permissions: info.permissions,
    created_at: new Date(info.createdAt).toISOString(),
    expires_at: iso(info.expiresAt),
    last_used_at: iso(info.lastUsedAt),
    revoked_at: iso(info.revokedAt),
  };
}

type KeyRouteDeps = { auth: Auth; authn: Authn };

function createKeyRoute({ auth, authn }: KeyRouteDeps): ApiRoute {
  return defineRoute({
    method: 'POST',
    url: '/auth/api-key',
    tag: 'api keys',
    summary: 'Create an API key for yourself (shown once)',
    description:
      'Needs a login session. `permissions` must be within your role; ' +
      'the key never has more than its owner has at the time of use.',
    access: 'authenticated',
    body: z.strictObject({
      name: keyName,
      permissions: z
        .array(z.enum(PERMISSIONS, { error: `expected one of ${PERMISSIONS.join(', ')}` }))
        .min(1, 'at least one permission')
        .max(PERMISSIONS.length),
      expires_in_days: z
        .number({ error: 'expected a whole number of days' })
        .int('expected a whole number of days')
        .min(1, 'at least 1 day')
        .max(365, 'at most 365 days')
        .optional(),
    }),
    responses: {
      201: {
        description: 'the key: store it now, it is not shown again',
        schema: keyInfoSchema.extend({ key: z.string() }),
      },
      403: SESSION_REQUIRED,
    },
    handler: async ({ req, reply, principal, body }) => {
      const userId = requireSession(authn, req, reply, principal);
      const owner = userId ? auth.users.get(userId) : undefined;
      if (!owner) return reply;
      return audited(
        auth.audit,
        { actor: principal.id, action: 'auth.key_create', ip: req.ip },
        { name: body.name, permissions: body.permissions },
        async (ok) => {
          const { key, info } = auth.apiKeys.create(owner, {
            name: body.name,
            permissions: body.permissions,
            ...(body.expires_in_days ? { expiresInDays: body.expires_in_days } : {}),
          });
          ok({ target: `apikey:${info.id}`, detail: { name: info.name, permissions: info.permissions } });
          return reply
            .status(201)
            .header('cache-control', 'no-store')
            .send({ key, ...keyBody(info) });
        },
      );
    },
  });
}

function listKeysRoute({ auth }: KeyRouteDeps): ApiRoute {
  return defineRoute({
    method: 'GET',
    url: '/auth/api-keys',
    tag: 'api keys',
    summary: "Your API keys (everyone's with keys.manage); never the secrets",
    access: 'authenticated',
    responses: {
      200: { description: 'keys, revoked ones included', schema: z.object({ keys: z.array(keyInfoSchema) }) },
    },
    handler: async ({ principal }) => {
      const keys = authorize(principal, 'keys.manage')
        ? auth.apiKeys.list()
        : principal.userId
          ? auth.apiKeys.list(principal.userId)
          : [];
      return { keys: keys.map(keyBody) };
    },
  });
}

function revokeKeyRoute({ auth, authn }: KeyRouteDeps): ApiRoute {
  return defineRoute({
    method: 'DELETE',
    url: '/auth/api-keys/:id',
    tag: 'api keys',
    summary: "Revoke an API key (yours, or anyone's with keys.manage)",
    description: 'Your own keys need a login session; with `keys.manage` (a session or a key scoped for it) any key.',
    access: 'authenticated',
    params: z.strictObject({ id: keyId }),
    responses: {
      204: { description: 'revoked (or already was)' },
      403: { description: 'not your key, and no keys.manage', schema: errorSchema },
      404: { description: 'no such key', schema: errorSchema },
    },
    handler: async ({ req, reply, principal, params }) => {
      const info = auth.apiKeys.get(params.id);
      if (!info)
        return reply.status(404).send({ error: 'not_found', message: `no API key ${params.id}`, request_id: req.id });
      if (!authorize(principal, 'keys.manage')) {
        if (info.userId !== principal.userId)
          return authn.forbid(
            req,
            reply,
            principal,
            'this key belongs to someone else; revoking it needs keys.manage (admin)',
            { permission: 'keys.manage', key: info.id },
          );
        if (!requireSession(authn, req, reply, principal)) return reply;
      }
      if (auth.apiKeys.revoke(info.id)) {
        auth.audit.record({
          actor: principal.id,
          action: 'auth.key_revoke',
          outcome: 'ok',
          ip: req.ip,
          target: `apikey:${info.id}`,
          detail: { name: info.name, owner: `user:${info.userId}` },
        });
      }
      return reply.status(204).send();
    },
  });
}

export function apiKeyRoutes(deps: KeyRouteDeps): ApiRoute[] {
  return [createKeyRoute(deps), listKeysRoute(deps), revokeKeyRoute(deps)];
}
