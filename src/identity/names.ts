import type { ApiKeys, Users } from '../auth/types';

/** A principal id as people read it. */
export type NameOf = (principalId: string) => string;

/**
 * Principal ids (`user:ID`, `apikey:ID`, `console:NAME`, `slack:U…`; commands/context.ts) as
 * replies show them: a user's name, "owner (API key ID)", the console name typed. Ids stay ids in
 * the store, the audit log and the REST API; only what people read goes through here. A chat id
 * linked to no user, or a user since removed, is shown as it is.
 */
export function createNames(users: Pick<Users, 'get'>, apiKeys: Pick<ApiKeys, 'get'>): NameOf {
  return (principalId) => {
    const colon = principalId.indexOf(':');
    const kind = principalId.slice(0, colon);
    const id = principalId.slice(colon + 1);
    switch (kind) {
      case 'user':
        return users.get(id)?.name ?? principalId;
      case 'apikey': {
        const owner = apiKeys.get(id)?.userId;
        const name = owner ? users.get(owner)?.name : undefined;
        return name ? `${name} (API key ${id})` : principalId;
      }
      case 'console':
        return id;
      default:
        return principalId;
    }
  };
}
