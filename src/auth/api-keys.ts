import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock';
import { AppError } from '../errors';
import type { Db } from '../store/store';
import { isPermission, ROLE_PERMISSIONS, type Permission } from './permissions';
import { keyPrincipal } from './principal';
import type { ApiKeyInfo, ApiKeys, Users } from './types';

/**
 * API keys for scripts and CI: `sco_<id>_<secret>`. The id finds the row; only SHA-256 of the
 * secret is stored (a 256-bit random secret needs no slow hash), compared in constant time. A key
 * carries a subset of its owner's permissions and is re-narrowed to the owner's role on every use.
 */

interface KeyRow {
  id: string;
  user_id: string;
  name: string;
  secret_hash: string;
  permissions: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
}

const KEY_FORMAT = /^sco_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const DAY_MS = 86_400_000;
/** last_used_at is a hint, not a log: one write per key per minute keeps authentication read-only. */
const LAST_USED_EVERY_MS = 60_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest();

function toInfo(row: KeyRow): ApiKeyInfo {
  return {
    id: row.id,
    userId: row.user_id,
    name: row.name,
    permissions: (JSON.parse(row.permissions) as string[]).filter(isPermission),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}

function checkName(name: unknown): string {
  const value = typeof name === 'string' ? name.trim() : '';
  if (value.length < 1 || value.length > 64)
    throw new AppError('bad_request', 'API key name: expected 1-64 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw new AppError('bad_request', 'API key name: control characters are not allowed');
  return value;
}

function checkExpiry(days: unknown): number | undefined {
  if (days === undefined) return undefined;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 365)
    throw new AppError('bad_request', 'API key expiresInDays: expected a whole number of days, 1-365');
  return days;
}

export function createApiKeys({ db, users, clock }: { db: Db; users: Users; clock: Clock }): ApiKeys {
  const s = {
    insert: db.prepare<KeyRow>(
      `
      INSERT INTO api_keys (id, user_id, name, secret_hash, permissions, created_at, expires_at, ` +
        `last_used_at, revoked_at)
      VALUES (@id, @user_id, @name, @secret_hash, @permissions, @created_at, @expires_at, @last_used_at, @revoked_at)`,
    ),
    get: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?'),
    listAll: db.prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC, id'),
    listFor: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at DESC, id'),
    revoke: db.prepare<[number, string]>('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    touch: db.prepare<[number, string]>('UPDATE api_keys SET last_used_at = ? WHERE id = ?'),
  };

  /** Known, and within what the owner's role allows: the first offender is named. */
  function checkPermissions(permissions: unknown, role: keyof typeof ROLE_PERMISSIONS): Permission[] {
    if (!Array.isArray(permissions) || permissions.length === 0)
      throw new AppError('bad_request', 'API key permissions: expected at least one permission');
    const allowed = ROLE_PERMISSIONS[role];
    for (const p of permissions as unknown[]) {
      if (typeof p !== 'string' || !isPermission(p))
        throw new AppError('bad_request', `API key permissions: unknown permission ${JSON.stringify(p)}`);
      if (!allowed.has(p))
        throw new AppError('bad_request', `API key permissions: "${p}" is beyond the owner's role (${role})`);
    }
    return [...new Set(permissions as Permission[])];
  }

  return {
    create(owner, input) {
      const current = owner && typeof owner.id === 'string' ? users.get(owner.id) : undefined;
      if (!current) throw new AppError('not_found', 'API key owner: no such user');
      if (current.disabled) throw new AppError('forbidden', 'API key owner is disabled');
      const name = checkName(input?.name);
      // The owner's role as stored now, not as the caller last saw it.
      const permissions = checkPermissions(input?.permissions, current.role);
      const days = checkExpiry(input?.expiresInDays);
      const now = clock();
      const secret = randomBytes(32).toString('base64url');
      const row: KeyRow = {
        id: randomBytes(6).toString('hex'),
        user_id: current.id,
        name,
        secret_hash: sha256(secret).toString('hex'),
        permissions: JSON.stringify(permissions),
        created_at: now,
        expires_at: days === undefined ? null : now + days * DAY_MS,
        last_used_at: null,
        revoked_at: null,
      };
      s.insert.run(row);
      return { key: `sco_${row.id}_${secret}`, info: toInfo(row) };
    },

    list: (userId) => (userId === undefined ? s.listAll.all() : s.listFor.all(userId)).map(toInfo),

    get(id) {
      const row = typeof id === 'string' ? s.get.get(id) : undefined;
      return row ? toInfo(row) : undefined;
    },

    revoke: (id) => typeof id === 'string' && s.revoke.run(clock(), id).changes > 0,

    authenticate(key) {
      const match = typeof key === 'string' ? KEY_FORMAT.exec(key) : null;
      if (!match) return undefined;
      const [, id, secret] = match;
      const presented = sha256(secret);
      const row = s.get.get(id);
      if (!row) return undefined;
      const stored = Buffer.from(row.secret_hash, 'hex');
      if (stored.length !== presented.length || !timingSafeEqual(stored, presented)) return undefined;
      const now = clock();
      if (row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return undefined;
      const owner = users.get(row.user_id);
      if (!owner || owner.disabled) return undefined;
      if (row.last_used_at === null || now - row.last_used_at >= LAST_USED_EVERY_MS) s.touch.run(now, id);
      const info = toInfo(row);
      return keyPrincipal(id, owner, info.permissions, info.expiresAt);
    },
  };
}
