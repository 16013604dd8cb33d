import type { Principal } from '../auth/permissions';
import { disabledPrincipal, guestPrincipal, userPrincipal } from '../auth/principal';
import type { Role } from '../auth/roles';
import type { Users } from '../auth/types';
import { isChatPlatform, type MessagePlatform } from '../ports/chat';

/**
 * Chat user -> user + role (DESIGN.md flow). Slack and Teams ids linked with `smartcloudops user
 * link` act as that user; the console's name (`chat --as NAME`) acts as the local user of that
 * name. Anyone else gets the configured default role under their platform id. A disabled user's
 * link acts as that user with no permissions: disabling must not hand them the default role.
 */
export interface Identity {
  resolve(platform: MessagePlatform, platformUserId: string, displayName?: string): Principal;
  /**
   * The person a stored person id (`personOf` when it acted) stands for now: a chat id or console
   * name linked to a user since then is that user. Rules about people compare these, so a link
   * made after someone asked or approved does not make them someone else.
   */
  personNow(person: string): string;
}

export function createIdentity(defaultRole: Role, users?: Users): Identity {
  const userOf = (platform: string, platformUserId: string) =>
    isChatPlatform(platform)
      ? users?.resolveLink(platform, platformUserId)
      : platform === 'console'
        ? users?.findByName(platformUserId)
        : undefined;
  return {
    resolve(platform, platformUserId, displayName) {
      const user = userOf(platform, platformUserId);
      if (user) return user.disabled ? disabledPrincipal(user) : userPrincipal(user);
      return guestPrincipal(`${platform}:${platformUserId}`, displayName ?? platformUserId, defaultRole);
    },
    personNow(person) {
      const colon = person.indexOf(':');
      const user = colon > 0 ? userOf(person.slice(0, colon), person.slice(colon + 1)) : undefined;
      return user ? `user:${user.id}` : person;
    },
  };
}
