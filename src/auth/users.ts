import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../clock';
import { ROLES, type Role } from './roles';
import { AppError } from '../errors';
import { CHAT_PLATFORMS, type ChatPlatform } from '../ports/chat';
import type { Db } from '../store/store';
import { DUMMY_HASH, hashPassword, passwordProblem, verifyPasswordHash } from './passwords';
import type { NewUser, User, Users } from './types';

/**
 * Users, their passwords and their chat links, in SQLite. Input is normalised and validated here
 * (emails trimmed and lower-cased, names from a small alphabet) so every caller — HTTP, CLI,
 * bootstrap — gets the same rules; every statement is prepared once and takes parameters.
 */

interface UserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: Role;
  disabled: number;
  created_at: number;
  updated_at: number;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const PLATFORMS: readonly ChatPlatform[] = CHAT_PLATFORMS;
const emailSchema = z.email().max(254);

function toUser(row: UserRow): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled !== 0,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function normalizeEmail(email: unknown): string {
  const value = typeof email === 'string' ? email.trim().toLowerCase() : '';
  if (!emailSchema.safeParse(value).success) throw new AppError('bad_request', 'expected a valid email address');
  return value;
}

function normalizeName(name: unknown): string {
  const value = typeof name === 'string' ? name.trim().toLowerCase() : '';
  if (!NAME.test(value))
    throw new AppError(
      'bad_request',
      'expected a name of 1-64 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter ' +
        'or digit',
    );
  return value;
}

function checkRole(role: unknown): Role {
  if (!(ROLES as readonly unknown[]).includes(role))
    throw new AppError('bad_request', `expected a role: one of ${ROLES.join(', ')}`);
  return role as Role;
}

function checkPassword(password: unknown, email: string): string {
  if (typeof password !== 'string') throw new AppError('bad_request', 'expected a password');
  const problem = passwordProblem(password, email);
  if (problem) throw new AppError('bad_request', problem);
  return password;
}

function checkPlatform(platform: unknown): ChatPlatform {
  if (!PLATFORMS.includes(platform as ChatPlatform))
    throw new AppError('bad_request', `expected a chat platform: one of ${PLATFORMS.join(', ')}`);
  return platform as ChatPlatform;
}

function checkPlatformUserId(id: unknown): string {
  const value = typeof id === 'string' ? id.trim() : '';
  if (value.length < 1 || value.length > 256)
    throw new AppError('bad_request', 'expected a chat user id of 1-256 characters');
  return value;
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE';
}

function prepareUserSql(db: Db) {
  return {
    insert: db.prepare<UserRow>(`
      INSERT INTO users (id, email, name, password_hash, role, disabled, created_at, updated_at)
      VALUES (@id, @email, @name, @password_hash, @role, @disabled, @created_at, @updated_at)`),
    byId: db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?'),
    byEmail: db.prepare<[string], UserRow>('SELECT * FROM users WHERE email = ?'),
    byName: db.prepare<[string], UserRow>('SELECT * FROM users WHERE name = ?'),
    list: db.prepare<[], UserRow>('SELECT * FROM users ORDER BY created_at, email'),
    count: db.prepare<[], number>('SELECT COUNT(*) FROM users').pluck(),
    setHash: db.prepare<[string, number, string]>('UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?'),
    setProfile: db.prepare<[string, string, number, string]>(
      'UPDATE users SET name = ?, email = ?, updated_at = ? WHERE id = ?',
    ),
    setRole: db.prepare<[string, number, string]>('UPDATE users SET role = ?, updated_at = ? WHERE id = ?'),
    setDisabled: db.prepare<[number, number, string]>('UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?'),
    revokeSessions: db.prepare<[number, string]>(
      "UPDATE sessions SET revoked_at = ?, revoke_reason = 'password reset' WHERE user_id = ? AND revoked_at IS NULL",
    ),
    revokeRefresh: db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL',
    ),
    linkOf: db.prepare<[string, string], { user_id: string }>(
      'SELECT user_id FROM chat_links WHERE platform = ? AND platform_user_id = ?',
    ),
    link: db.prepare<[string, string, string, number]>(
      'INSERT INTO chat_links (platform, platform_user_id, user_id, created_at) VALUES (?, ?, ?, ?)',
    ),
    unlink: db.prepare<[string, string]>('DELETE FROM chat_links WHERE platform = ? AND platform_user_id = ?'),
    resolve: db.prepare<[string, string], UserRow>(`
      SELECT u.* FROM chat_links l JOIN users u ON u.id = l.user_id WHERE l.platform = ? AND l.platform_user_id = ?`),
  };
}

/** What the user functions share: the database, its statements and the clock. */
interface UserStore {
  db: Db;
  clock: Clock;
  s: ReturnType<typeof prepareUserSql>;
}

function row({ s }: UserStore, id: string): UserRow {
  const found = s.byId.get(id);
  if (!found) throw new AppError('not_found', `no user with id ${id}`);
  return found;
}

/** The email's local part made into a valid, unused name: `ann.lee`, then `ann.lee-2`, … */
function defaultName({ s }: UserStore, email: string): string {
  const base =
    email
      .split('@')[0]
      .replace(/[^a-z0-9._-]/g, '')
      .replace(/^[._-]+/, '')
      .slice(0, 56) || 'user';
  if (!s.byName.get(base)) return base;
  for (let i = 2; i < 1000; i++) if (!s.byName.get(`${base}-${i}`)) return `${base}-${i}`;
  return `${base}-${randomUUID().slice(0, 6)}`;
}

function update<T>(write: () => T): T {
  try {
    return write();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AppError('conflict', 'that email or name is already taken', { cause: err });
    throw err;
  }
}

async function create(u: UserStore, input: NewUser): Promise<User> {
  const { s, clock } = u;
  const email = normalizeEmail(input.email);
  const role = checkRole(input.role);
  const name = input.name === undefined ? undefined : normalizeName(input.name);
  const password = checkPassword(input.password, email);
  if (s.byEmail.get(email)) throw new AppError('conflict', `a user with email ${email} already exists`);
  if (name && s.byName.get(name)) throw new AppError('conflict', `the name ${name} is already taken`);
  const passwordHash = await hashPassword(password);
  const now = clock();
  const record: UserRow = {
    id: randomUUID(),
    email,
    name: name ?? defaultName(u, email),
    password_hash: passwordHash,
    role,
    disabled: 0,
    created_at: now,
    updated_at: now,
  };
  update(() => s.insert.run(record));
  return toUser(record);
}

async function verifyPassword({ s }: UserStore, email: unknown, password: unknown): Promise<User | undefined> {
  const found = typeof email === 'string' ? s.byEmail.get(email.trim().toLowerCase()) : undefined;
  const ok = await verifyPasswordHash(typeof password === 'string' ? password : '', found?.password_hash ?? DUMMY_HASH);
  if (!found || !ok) return undefined;
  // Re-read: the user may have been disabled or removed while scrypt ran.
  const fresh = s.byId.get(found.id);
  return fresh && fresh.disabled === 0 ? toUser(fresh) : undefined;
}

async function changePassword(u: UserStore, id: string, current: unknown, next: unknown): Promise<void> {
  const { s, clock } = u;
  const user = row(u, id);
  if (typeof current !== 'string' || !(await verifyPasswordHash(current, user.password_hash)))
    throw new AppError('unauthorized', 'the current password is not correct');
  const password = checkPassword(next, user.email);
  s.setHash.run(await hashPassword(password), clock(), id);
}

async function setPassword(u: UserStore, id: string, next: unknown): Promise<void> {
  const { db, s, clock } = u;
  const user = row(u, id);
  const password = checkPassword(next, user.email);
  const passwordHash = await hashPassword(password);
  const now = clock();
  // An admin reset is how a compromised account is recovered: end its sessions too.
  db.transaction(() => {
    s.setHash.run(passwordHash, now, id);
    s.revokeSessions.run(now, id);
    s.revokeRefresh.run(now, id);
  }).immediate();
}

function updateProfile(u: UserStore, id: string, changes: { name?: unknown; email?: unknown }): User {
  const { s, clock } = u;
  const user = row(u, id);
  const name = changes.name === undefined ? user.name : normalizeName(changes.name);
  const email = changes.email === undefined ? user.email : normalizeEmail(changes.email);
  if (name !== user.name && s.byName.get(name)) throw new AppError('conflict', `the name ${name} is already taken`);
  if (email !== user.email && s.byEmail.get(email))
    throw new AppError('conflict', `a user with email ${email} already exists`);
  const now = clock();
  update(() => s.setProfile.run(name, email, now, id));
  return toUser({ ...user, name, email, updated_at: now });
}

function link({ db, s, clock }: UserStore, userId: string, platform: unknown, platformUserId: unknown): void {
  const p = checkPlatform(platform);
  const pid = checkPlatformUserId(platformUserId);
  if (typeof userId !== 'string' || !s.byId.get(userId))
    throw new AppError('not_found', `no user with id ${String(userId)}`);
  db.transaction(() => {
    const existing = s.linkOf.get(p, pid);
    if (existing?.user_id === userId) return;
    if (existing) throw new AppError('conflict', `${p} user ${pid} is already linked to another user: unlink it first`);
    s.link.run(p, pid, userId, clock());
  }).immediate();
}

export function createUsers(db: Db, clock: Clock): Users {
  const u: UserStore = { db, clock, s: prepareUserSql(db) };
  const { s } = u;
  return {
    create: (input: NewUser) => create(u, input),
    get: (id) => (typeof id === 'string' ? mapRow(s.byId.get(id)) : undefined),
    findByEmail(email) {
      const value = typeof email === 'string' ? email.trim().toLowerCase() : '';
      return value ? mapRow(s.byEmail.get(value)) : undefined;
    },
    findByName(name) {
      const value = typeof name === 'string' ? name.trim().toLowerCase() : '';
      return value ? mapRow(s.byName.get(value)) : undefined;
    },
    list: () => s.list.all().map(toUser),
    count: () => s.count.get() ?? 0,
    verifyPassword: (email, password) => verifyPassword(u, email, password),
    changePassword: (id, current, next) => changePassword(u, id, current, next),
    setPassword: (id, next) => setPassword(u, id, next),
    updateProfile: (id, changes) => updateProfile(u, id, changes),

    setRole(id, role) {
      const user = row(u, id);
      const checked = checkRole(role);
      const now = clock();
      s.setRole.run(checked, now, id);
      return toUser({ ...user, role: checked, updated_at: now });
    },

    setDisabled(id, disabled) {
      const user = row(u, id);
      const now = clock();
      s.setDisabled.run(disabled ? 1 : 0, now, id);
      return toUser({ ...user, disabled: disabled ? 1 : 0, updated_at: now });
    },

    link: (userId, platform, platformUserId) => link(u, userId, platform, platformUserId),

    unlink(platform, platformUserId) {
      if (!PLATFORMS.includes(platform) || typeof platformUserId !== 'string') return false;
      return s.unlink.run(platform, platformUserId.trim()).changes > 0;
    },

    resolveLink(platform, platformUserId) {
      if (!PLATFORMS.includes(platform) || typeof platformUserId !== 'string') return undefined;
      return mapRow(s.resolve.get(platform, platformUserId.trim()));
    },
  };
}

function mapRow(row: UserRow | undefined): User | undefined {
  return row ? toUser(row) : undefined;
}
