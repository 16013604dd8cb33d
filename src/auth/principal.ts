import type { Role } from './roles';
import { ROLE_PERMISSIONS, type Permission, type Principal } from './permissions';
import type { User } from './types';

/** A logged-in user acts with their role's permissions, under one id whatever the channel. */
export function userPrincipal(user: User, session?: { expiresAt: number; sessionId: string }): Principal {
  return {
    id: `user:${user.id}`,
    name: user.name,
    role: user.role,
    permissions: ROLE_PERMISSIONS[user.role],
    userId: user.id,
    email: user.email,
    ...session,
  };
}

/** A disabled user reached through a chat link or the console: still that person, allowed nothing. */
export function disabledPrincipal(user: User): Principal {
  return {
    id: `user:${user.id}`,
    name: user.name,
    role: user.role,
    permissions: new Set(),
    userId: user.id,
    email: user.email,
    disabled: true,
  };
}

/** Someone not linked to a user (a chat id, a console name): the configured default role. */
export function guestPrincipal(id: string, name: string, role: Role): Principal {
  return { id, name, role, permissions: ROLE_PERMISSIONS[role] };
}

/** An API key: its scope, never more than its owner's role allows today. */
export function keyPrincipal(
  keyId: string,
  owner: User,
  scope: readonly Permission[],
  expiresAt?: number | null,
): Principal {
  const allowed = ROLE_PERMISSIONS[owner.role];
  return {
    id: `apikey:${keyId}`,
    name: `${owner.name} (API key ${keyId})`,
    role: owner.role,
    permissions: new Set(scope.filter((p) => allowed.has(p))),
    userId: owner.id,
    email: owner.email,
    ...(expiresAt == null ? {} : { expiresAt }),
  };
}
