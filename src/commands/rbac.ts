import { authorize, leastRoleWith, ROLE_PERMISSIONS, type Permission, type Principal } from '../auth/permissions';
import type { IntentName } from '../intent/schema';
import { COMMANDS } from './catalog';

/** The policy check for a command, whatever it came from (chat, button, REST): `authorize` on its permission. */
export function mayRun(principal: Pick<Principal, 'permissions'>, intent: IntentName): boolean {
  if (intent === 'unknown') return true;
  return authorize(principal, COMMANDS[intent].permission);
}

const isApiKey = (principal: Pick<Principal, 'id'>) => principal.id.startsWith('apikey:');

/**
 * Why `principal` may not use `permission`, in one sentence: the one wording of a refusal for
 * commands (`action`, e.g. "`remediate`") and routes (no action) alike. An API key that its owner's
 * role would allow is refused for its scope, and the message says so: naming the owner's role
 * there would send the caller to the wrong fix.
 */
export function refusal(
  principal: Pick<Principal, 'id' | 'role' | 'permissions' | 'disabled'>,
  permission: Permission,
  action?: string,
): string {
  if (principal.disabled) return 'Your account is disabled; an admin can enable it again.';
  if (isApiKey(principal) && ROLE_PERMISSIONS[principal.role].has(permission)) {
    const scope = [...principal.permissions].join(', ') || 'nothing';
    return (
      `This API key's scope (${scope}) does not include ${permission}${action ? `, which ${action} needs` : ''}; ` +
      'use a key scoped for it.'
    );
  }
  const role = leastRoleWith(permission);
  const who = isApiKey(principal) ? `this API key's owner is ${principal.role}` : `you are ${principal.role}`;
  return action
    ? `${action} needs the ${role} role; ${who}.`
    : `needs the ${permission} permission (role ${role} or above); ${who}`;
}
