import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Auth, Tokens, User } from '../../../auth/types';
import { ROLES } from '../../../auth/roles';
import { AppError } from '../../../errors';
import type { Metrics } from '../../../telemetry/metrics';
import type { Authn } from '../../authn';
import { errorSchema } from '../../route';

/** What the /auth routes are built from (src/auth/types.ts interfaces only). */
export interface AuthRouteDeps {
  auth: Auth;
  authn: Authn;
  metrics: Pick<Metrics, 'authLogins'>;
}

export const NO_TOKENS =
  'token sign-in is not configured: set JWT_SECRET (32+ random characters, e.g. `openssl rand -base64 48`), ' +
  'or JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE; API keys work without it';
export const WRONG_LOGIN = 'email or password is wrong';

export const emailSchema = z.email({ error: 'expected an email address' }).max(254, 'at most 254 characters');
export const password = z
  .string({ error: 'expected a string' })
  .min(1, 'required')
  .max(1024, 'at most 1024 characters');
export const userNameSchema = z
  .string({ error: 'expected a string' })
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'lower-case letters, digits, . _ - (1-64, starting with a letter or digit)');

export const tokenPairSchema = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int().describe('seconds until the access token expires'),
});
export const userSchema = z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(ROLES) });
export const profileSchema = userSchema.extend({ created_at: z.string(), updated_at: z.string() });
export const tooMany = { description: 'too many failed attempts: wait `Retry-After` seconds', schema: errorSchema };
export const noTokens = {
  description: 'token sign-in is not configured (the message says what to set)',
  schema: errorSchema,
};

export function userBody(user: User) {
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

export function profileBody(user: User) {
  return {
    ...userBody(user),
    created_at: new Date(user.createdAt).toISOString(),
    updated_at: new Date(user.updatedAt).toISOString(),
  };
}

/** Claims of a token that was already verified (or that we just issued): no check here. */
export function unverifiedClaims(token: string): { sub?: string; sid?: string; exp?: number } {
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

export function tooManyReply(req: FastifyRequest, reply: FastifyReply, retryAfterS: number): FastifyReply {
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

export function tokensOr503(auth: Auth, req: FastifyRequest, reply: FastifyReply): Tokens | undefined {
  if (auth.tokens) return auth.tokens;
  void reply.status(503).send({ error: 'unavailable', message: NO_TOKENS, request_id: req.id });
  return undefined;
}

type AuditEvent = Parameters<Auth['audit']['record']>[0];
/** Who did what from where: the part every audit record of one request shares. */
export type AuditWho = Pick<AuditEvent, 'actor' | 'action' | 'ip'>;

/**
 * One audited change: `act` does it and calls `ok` with what the `ok` record names; if anything
 * throws, a `failed` record is written (`failedDetail` plus the error's code as the reason) and
 * the error goes on.
 */
export async function audited<T>(
  audit: Auth['audit'],
  who: AuditWho,
  failedDetail: Record<string, unknown>,
  act: (ok: (what: Pick<AuditEvent, 'target' | 'detail'>) => void) => Promise<T>,
): Promise<T> {
  try {
    return await act((what) => audit.record({ ...who, outcome: 'ok', ...what }));
  } catch (err) {
    audit.record({
      ...who,
      outcome: 'failed',
      detail: { ...failedDetail, reason: err instanceof AppError ? err.code : 'internal' },
    });
    throw err;
  }
}
