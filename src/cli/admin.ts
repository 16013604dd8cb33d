import { existsSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createAuth } from '../auth/auth';
import { isPermission, type Permission } from '../auth/permissions';
import type { Auth, User } from '../auth/types';
import { systemClock } from '../clock';
import { ROLES, type Role } from '../auth/roles';
import type { Config } from '../config/config';
import { AppError, errorMessage } from '../errors';
import { createLogger } from '../log/logger';
import { CHAT_PLATFORMS, type ChatPlatform } from '../ports/chat';
import { RemediationStore } from '../remediation/store';
import { ACTIONS, type ActionName } from '../remediation/types';
import { openStore } from '../store/store';
import { osUserName } from './os-user';

/**
 * Administration on the control plane's SQLite store: `user …`, `apikey …`, `audit verify`.
 * Passwords are read from standard input (one line), never from arguments, so they stay out of
 * shell history and `ps`. Every change is written to the audit log as `cli:<os user>`.
 */
export const ADMIN_USAGE = `  user add --email E --role ROLE [--name N]   add a user (password: one line on stdin)
  user list                                   users, roles and linked chat ids
  user role --email E --role ROLE             change a user's role
  user passwd --email E                       set a new password (one line on stdin)
  user disable --email E                      stop a user: login, tokens, API keys and chat links stop working
  user enable --email E                       let a disabled user back in
  user link --email E (--slack ID | --teams ID)   act as this user from that chat id
  user unlink (--slack ID | --teams ID)
  apikey create --email E --name N --permissions P,P [--expires-days D]
  apikey list [--email E]
  apikey revoke ID
  audit verify                                check the audit log's hash chain
  breaker reset ACTION TARGET                 let an action run on a target again after its breaker opened`;

/** The usage lines of one area (`user`, `apikey`, `audit`, `breaker`), or undefined for none. */
export function adminUsage(area: string): string | undefined {
  const lines = ADMIN_USAGE.split('\n').filter((l) => l.trimStart().startsWith(`${area} `));
  return lines.length ? lines.join('\n') : undefined;
}

type Out = (line: string) => void;

/**
 * The only admin command that may start a database: adding the first user. Every other one needs
 * the store to exist.
 */
const CREATES_STORE = 'user add';

const KNOWN = new Set(ADMIN_USAGE.split('\n').map((l) => l.trim().split(/\s+/).slice(0, 2).join(' ')));

export async function runAdmin(
  config: Config,
  argv: string[],
  io: { out: Out; stdin: () => Promise<string> },
): Promise<number> {
  const [area, verb, ...rest] = argv;
  const key = `${area} ${verb ?? ''}`.trim();
  if (!KNOWN.has(key))
    throw new AppError('bad_request', `unknown command "${key}"; one of:\n${adminUsage(area) ?? ADMIN_USAGE}`);
  const path = config.databasePath;
  // Flags first: a typo must not leave a new database behind.
  if (key === CREATES_STORE) userAddArgs(rest);
  assertStore(path, key);
  const store = openStore(path);
  const auth = createAuth({
    db: store.db,
    config: config.auth,
    clock: systemClock,
    log: createLogger({ level: 'error', format: 'json' }),
  });
  const actor = `cli:${osUserName('unknown')}`;
  try {
    switch (key) {
      case 'user add':
        return await userAdd(auth, rest, io, actor);
      case 'user list':
        return userList(auth, io.out);
      case 'user role':
        return userRole(auth, rest, io.out, actor);
      case 'user passwd':
        return await userPasswd(auth, rest, io, actor);
      case 'user disable':
        return userDisable(auth, rest, io.out, actor, true);
      case 'user enable':
        return userDisable(auth, rest, io.out, actor, false);
      case 'user link':
        return userLink(auth, rest, io.out, actor, true);
      case 'user unlink':
        return userLink(auth, rest, io.out, actor, false);
      case 'apikey create':
        return apiKeyCreate(auth, rest, io.out, actor);
      case 'apikey list':
        return apiKeyList(auth, rest, io.out);
      case 'apikey revoke':
        return apiKeyRevoke(auth, rest, io.out, actor);
      case 'audit verify':
        return auditVerify(auth, io.out);
      case 'breaker reset':
        return breakerReset(new RemediationStore(store.db), auth, rest, io.out, actor);
      default:
        throw new AppError('bad_request', `unknown command "${key}"; one of:\n${ADMIN_USAGE}`);
    }
  } finally {
    store.close();
  }
}

/**
 * Opening a path migrates it, so an admin command only opens an existing SmartCloudOps store (or,
 * for `user add`, a new one): a missing or emptied file, or another program's SQLite file, is
 * refused untouched. Otherwise `audit verify` would call a wiped or wrong database intact.
 */
export function assertStore(path: string, key: string): void {
  if (path === ':memory:') return;
  const size = existsSync(path) ? statSync(path).size : undefined;
  if (size === undefined || size === 0) {
    if (key === CREATES_STORE) return;
    throw new AppError(
      'not_found',
      `${size === 0 ? `the database at ${path} is an empty file` : `no database at ${path}`}: ` +
        `check DATABASE_PATH (serve, chat and \`user add\` create it; \`${key}\` only works on an existing one)`,
    );
  }
  let ours: boolean;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      ours =
        db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get() !==
        undefined;
    } finally {
      db.close();
    }
  } catch (err) {
    throw new AppError(
      'bad_request',
      `${path} is not a SmartCloudOps database (${errorMessage(err)}): check DATABASE_PATH`,
      { cause: err },
    );
  }
  if (!ours)
    throw new AppError(
      'bad_request',
      `${path} is not a SmartCloudOps database (it has no schema_migrations table): check DATABASE_PATH`,
    );
}

function userAddArgs(args: string[]) {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, role: { type: 'string' }, name: { type: 'string' } },
  });
  if (!values.email) throw new AppError('bad_request', '--email is required');
  return { email: values.email, role: role(values.role), name: values.name };
}

function userByEmail(auth: Auth, email: string | undefined): User {
  if (!email) throw new AppError('bad_request', '--email is required');
  const user = auth.users.findByEmail(email);
  if (!user) throw new AppError('not_found', `no user with email ${email}`);
  return user;
}

function role(value: string | undefined): Role {
  if (!value || !(ROLES as readonly string[]).includes(value))
    throw new AppError('bad_request', `--role must be one of ${ROLES.join(', ')}`);
  return value as Role;
}

async function password(io: { stdin: () => Promise<string> }): Promise<string> {
  const line = (await io.stdin()).split(/\r?\n/)[0] ?? '';
  if (!line)
    throw new AppError(
      'bad_request',
      'give the password as one line on standard input, e.g. ' +
        '`read -rs PW && printf "%s\\n" "$PW" | smartcloudops user add …`',
    );
  return line;
}

async function userAdd(
  auth: Auth,
  args: string[],
  io: { out: Out; stdin: () => Promise<string> },
  actor: string,
): Promise<number> {
  const values = userAddArgs(args);
  const user = await auth.users.create({
    email: values.email,
    role: values.role,
    password: await password(io),
    ...(values.name ? { name: values.name } : {}),
  });
  auth.audit.record({
    actor,
    action: 'user.add',
    outcome: 'ok',
    target: `user:${user.id}`,
    detail: { email: user.email, role: user.role },
  });
  io.out(`added ${user.email} (${user.name}) as ${user.role}, id ${user.id}`);
  return 0;
}

function userList(auth: Auth, out: Out): number {
  const users = auth.users.list();
  if (!users.length) out('no users yet: add one with `smartcloudops user add --email E --role admin`');
  for (const u of users) out(`${u.id}  ${u.email}  ${u.name}  ${u.role}${u.disabled ? '  (disabled)' : ''}`);
  return 0;
}

function userRole(auth: Auth, args: string[], out: Out, actor: string): number {
  const { values } = parseArgs({ args, options: { email: { type: 'string' }, role: { type: 'string' } } });
  const user = auth.users.setRole(userByEmail(auth, values.email).id, role(values.role));
  auth.audit.record({
    actor,
    action: 'user.role',
    outcome: 'ok',
    target: `user:${user.id}`,
    detail: { role: user.role },
  });
  out(`${user.email} is now ${user.role}`);
  return 0;
}

function userDisable(auth: Auth, args: string[], out: Out, actor: string, disabled: boolean): number {
  const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
  const user = auth.users.setDisabled(userByEmail(auth, values.email).id, disabled);
  auth.audit.record({
    actor,
    action: disabled ? 'user.disable' : 'user.enable',
    outcome: 'ok',
    target: `user:${user.id}`,
  });
  out(`${user.email} is now ${disabled ? 'disabled' : 'enabled'}`);
  return 0;
}

async function userPasswd(
  auth: Auth,
  args: string[],
  io: { out: Out; stdin: () => Promise<string> },
  actor: string,
): Promise<number> {
  const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
  const user = userByEmail(auth, values.email);
  await auth.users.setPassword(user.id, await password(io));
  auth.audit.record({ actor, action: 'user.password_reset', outcome: 'ok', target: `user:${user.id}` });
  io.out(`password changed for ${user.email}`);
  return 0;
}

function userLink(auth: Auth, args: string[], out: Out, actor: string, link: boolean): number {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, slack: { type: 'string' }, teams: { type: 'string' } },
  });
  const given = CHAT_PLATFORMS.filter((p) => values[p]);
  if (given.length !== 1) throw new AppError('bad_request', 'give exactly one of --slack ID or --teams ID');
  const platform: ChatPlatform = given[0];
  const id = values[platform] as string;
  if (!link) {
    const removed = auth.users.unlink(platform, id);
    if (removed) auth.audit.record({ actor, action: 'user.unlink', outcome: 'ok', target: `${platform}:${id}` });
    out(removed ? `unlinked ${platform} ${id}` : `${platform} ${id} was not linked`);
    return removed ? 0 : 1;
  }
  const user = userByEmail(auth, values.email);
  auth.users.link(user.id, platform, id);
  auth.audit.record({
    actor,
    action: 'user.link',
    outcome: 'ok',
    target: `user:${user.id}`,
    detail: { platform, platformUserId: id },
  });
  out(`${platform} ${id} now acts as ${user.email} (${user.role})`);
  return 0;
}

function apiKeyCreate(auth: Auth, args: string[], out: Out, actor: string): number {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      permissions: { type: 'string' },
      'expires-days': { type: 'string' },
    },
  });
  const owner = userByEmail(auth, values.email);
  const permissions = (values.permissions ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const unknown = permissions.filter((p) => !isPermission(p));
  if (!permissions.length || unknown.length)
    throw new AppError(
      'bad_request',
      '--permissions must list permissions such as ' +
        `read,remediation.request${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`,
    );
  const days = values['expires-days'] === undefined ? undefined : Number(values['expires-days']);
  const { key, info } = auth.apiKeys.create(owner, {
    name: values.name ?? '',
    permissions: permissions as Permission[],
    ...(days === undefined ? {} : { expiresInDays: days }),
  });
  auth.audit.record({
    actor,
    action: 'apikey.create',
    outcome: 'ok',
    target: `apikey:${info.id}`,
    detail: { owner: owner.email, permissions: info.permissions },
  });
  out(
    `API key ${info.id} for ${owner.email} ` +
      `(${info.permissions.join(', ')}${info.expiresAt ? `, expires ${new Date(info.expiresAt).toISOString()}` : ''}).`,
  );
  out('It is shown once; store it now:');
  out(key);
  return 0;
}

function apiKeyList(auth: Auth, args: string[], out: Out): number {
  const { values } = parseArgs({ args, options: { email: { type: 'string' } } });
  const keys = auth.apiKeys.list(values.email ? userByEmail(auth, values.email).id : undefined);
  if (!keys.length) out('no API keys');
  const when = (t: number | null) => (t === null ? '-' : new Date(t).toISOString());
  for (const k of keys) {
    const state =
      k.revokedAt !== null ? 'revoked' : k.expiresAt !== null && k.expiresAt <= Date.now() ? 'expired' : 'active';
    out(
      `${k.id}  ${k.name}  ${state}  ${k.permissions.join(',')}  expires ${when(k.expiresAt)}  ` +
        `last used ${when(k.lastUsedAt)}`,
    );
  }
  return 0;
}

function apiKeyRevoke(auth: Auth, args: string[], out: Out, actor: string): number {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  const id = positionals[0];
  if (!id) throw new AppError('bad_request', 'usage: apikey revoke ID');
  const revoked = auth.apiKeys.revoke(id);
  if (revoked) auth.audit.record({ actor, action: 'apikey.revoke', outcome: 'ok', target: `apikey:${id}` });
  out(revoked ? `revoked ${id}` : `no active API key ${id}`);
  return revoked ? 0 : 1;
}

function breakerReset(remediations: RemediationStore, auth: Auth, args: string[], out: Out, actor: string): number {
  const [action, target] = args;
  if (!action || !target || !(ACTIONS as readonly string[]).includes(action))
    throw new AppError('bad_request', `usage: breaker reset ACTION TARGET, ACTION one of ${ACTIONS.join(', ')}`);
  const was = remediations.breaker(action as ActionName, target);
  remediations.resetBreaker(action as ActionName, target);
  auth.audit.record({
    actor,
    action: 'remediation.breaker_reset',
    outcome: 'ok',
    target: `${action}:${target}`,
    detail: { failures: was.failures },
  });
  out(
    was.openedAt !== null
      ? `breaker for ${action} on ${target} closed (it had ${was.failures} failures in a row)`
      : `the breaker for ${action} on ${target} was not open (${was.failures} failures counted); counter cleared`,
  );
  return 0;
}

function auditVerify(auth: Auth, out: Out): number {
  const result = auth.audit.verify();
  if (result.ok) {
    out(`audit log intact: ${result.entries} entries, hash chain verified`);
    return 0;
  }
  out(`audit log BROKEN at entry ${result.brokenAt} of ${result.entries}: ${result.reason}`);
  return 1;
}
