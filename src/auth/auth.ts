import { createAuditLog } from '../audit/audit-log';
import type { Clock } from '../clock';
import type { AuthConfig } from './config';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import type { Db } from '../store/store';
import { createApiKeys } from './api-keys';
import type { Principal } from './permissions';
import { userPrincipal } from './principal';
import { createLoginThrottle } from './throttle';
import { createTokens } from './tokens';
import type { Auth } from './types';
import { createUsers } from './users';

/**
 * Everything auth, wired once by the composition root, and the one place that turns request
 * headers into a principal: a JWT or an API key, in `Authorization: Bearer …` or `X-API-Key`.
 * A credential that is presented and fails is an error, never a silent fall-back to anonymous.
 */

export interface AuthDeps {
  db: Db;
  config: AuthConfig;
  clock: Clock;
  log: Logger;
}

const NOT_CONFIGURED =
  'token auth is not configured: set JWT_SECRET (32+ random characters) ' +
  'or JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE';
const BEARER = /^Bearer +([^\s]+) *$/i;

export function createAuth({ db, config, clock, log }: AuthDeps): Auth {
  const audit = createAuditLog({ db, clock });
  const users = createUsers(db, clock);
  const tokens = createTokens({ db, users, config, clock, audit });
  const apiKeys = createApiKeys({ db, users, clock });
  const throttle = createLoginThrottle({
    db,
    clock,
    maxFailures: config.loginMaxFailures,
    lockoutBaseS: config.lockoutBaseS,
  });

  function withKey(key: string): Principal {
    const principal = apiKeys.authenticate(key);
    if (!principal) throw new AppError('unauthorized', 'invalid API key');
    return principal;
  }

  return {
    users,
    tokens,
    apiKeys,
    throttle,
    audit,

    authenticate(headers) {
      const header = headers['x-api-key'];
      if (Array.isArray(header) && header.length > 1)
        throw new AppError('unauthorized', 'send one X-API-Key header, not several');
      const apiKey = Array.isArray(header) ? header[0] : header;
      const authorization = headers.authorization;
      if (apiKey !== undefined && authorization !== undefined)
        throw new AppError('unauthorized', 'send either an Authorization header or X-API-Key, not both');
      if (apiKey !== undefined) return withKey(apiKey.trim());
      if (authorization === undefined) return undefined;
      const match = BEARER.exec(authorization);
      if (!match) throw new AppError('unauthorized', 'malformed Authorization header: expected "Bearer <token>"');
      const credential = match[1];
      if (credential.startsWith('sco_')) return withKey(credential);
      if (!tokens) throw new AppError('unavailable', NOT_CONFIGURED);
      const { claims, user } = tokens.verifyAccess(credential);
      return userPrincipal(user, { expiresAt: claims.exp * 1000, sessionId: claims.sid });
    },

    async bootstrapAdmin(email, password) {
      if (users.list().some((u) => u.role === 'admin' && !u.disabled)) return false;
      const existing = users.findByEmail(email);
      if (existing)
        throw new AppError(
          'conflict',
          `ADMIN_EMAIL ${existing.email} already belongs to ` +
            `a ${existing.disabled ? 'disabled ' : ''}${existing.role}, and no enabled admin exists: ` +
            'make that user an admin with the CLI, or choose another ADMIN_EMAIL',
        );
      let admin;
      try {
        admin = await users.create({ email, password, role: 'admin' });
      } catch (err) {
        if (err instanceof AppError && err.code === 'bad_request')
          throw new AppError('bad_request', `ADMIN_EMAIL / ADMIN_PASSWORD: ${err.message}`, { cause: err });
        throw err;
      }
      audit.record({
        actor: 'system',
        action: 'auth.bootstrap_admin',
        outcome: 'ok',
        target: `user:${admin.id}`,
        detail: { email: admin.email, name: admin.name },
      });
      log.info('created the first admin', { email: admin.email, name: admin.name });
      return true;
    },
  };
}
