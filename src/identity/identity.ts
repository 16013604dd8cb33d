import type { Role } from '../config/config';
import type { Actor, Platform } from '../commands/context';

/** Chat user -> user + role. Linked accounts arrive with the users store; until then the default role applies. */
export interface Identity {
  resolve(platform: Platform, platformUserId: string, displayName?: string): Actor;
}

export function createIdentity(defaultRole: Role): Identity {
  return {
    resolve(platform, platformUserId, displayName) {
      return { id: `${platform}:${platformUserId}`, name: displayName ?? platformUserId, role: defaultRole };
    },
  };
}
