import { guestPrincipal, userPrincipal } from '../auth/principal';
import type { Users } from '../auth/types';
import type { Role } from '../config/config';
import type { Actor, Platform } from '../commands/context';

/**
 * Chat user -> user + role (DESIGN.md flow). Slack and Teams ids linked with `smartcloudops user
 * link` act as that user; the console's name (`chat --as NAME`) acts as the local user of that
 * name. Anyone else gets the configured default role under their platform id.
 */
export interface Identity {
  resolve(platform: Platform, platformUserId: string, displayName?: string): Actor;
}

export function createIdentity(defaultRole: Role, users?: Users): Identity {
  return {
    resolve(platform, platformUserId, displayName) {
      const user =
        platform === 'slack' || platform === 'teams' ? users?.resolveLink(platform, platformUserId)
        : platform === 'console' ? users?.findByName(platformUserId)
        : undefined;
      if (user && !user.disabled) return userPrincipal(user);
      return guestPrincipal(`${platform}:${platformUserId}`, displayName ?? platformUserId, defaultRole);
    },
  };
}
