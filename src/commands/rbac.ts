import { ROLES, type Role } from '../config/config';
import type { IntentName } from '../intent/schema';
import { COMMANDS } from './catalog';

const RANK: Record<Role, number> = Object.fromEntries(ROLES.map((r, i) => [r, i])) as Record<Role, number>;

export function roleAtLeast(role: Role, floor: Role): boolean {
  return RANK[role] >= RANK[floor];
}

/** The one policy check for a command, whatever it came from (chat, button, REST). */
export function mayRun(role: Role, intent: IntentName): boolean {
  if (intent === 'unknown') return true;
  return roleAtLeast(role, COMMANDS[intent].minRole);
}
