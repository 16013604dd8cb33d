import { authorize, type Principal } from '../auth/permissions';
import type { IntentName } from '../intent/schema';
import { COMMANDS } from './catalog';

/** The policy check for a command, whatever it came from (chat, button, REST): `authorize` on its permission. */
export function mayRun(principal: Pick<Principal, 'permissions'>, intent: IntentName): boolean {
  if (intent === 'unknown') return true;
  return authorize(principal, COMMANDS[intent].permission);
}
