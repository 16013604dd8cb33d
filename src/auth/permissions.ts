import { ROLES, type Role } from './roles';

/**
 * What a principal may do. Roles are bundles of permissions (DESIGN.md "Roles"); API keys carry a
 * subset of their owner's. `authorize` is the one policy check for HTTP routes, chat commands and
 * buttons alike.
 */
export const PERMISSIONS = [
  'read', // status, anomalies, jobs, incidents, models, runbooks
  'jobs.cancel_any', // cancel someone else's job (one's own needs only read)
  'remediation.request',
  'models.manage', // train, promote, roll back
  'incidents.manage', // ack, resolve
  'remediation.approve', // approve or deny
  'audit.read',
  'users.manage', // register users, change roles, link chat ids
  'keys.manage', // anyone's API keys (one's own need only read)
  'freeze', // stop and resume remediation execution
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const VIEWER: readonly Permission[] = ['read'];
const OPERATOR: readonly Permission[] = [
  ...VIEWER,
  'jobs.cancel_any',
  'remediation.request',
  'models.manage',
  'incidents.manage',
];
const APPROVER: readonly Permission[] = [...OPERATOR, 'remediation.approve', 'audit.read'];
const ADMIN: readonly Permission[] = [...APPROVER, 'users.manage', 'keys.manage', 'freeze'];

export const ROLE_PERMISSIONS: Readonly<Record<Role, ReadonlySet<Permission>>> = Object.freeze({
  viewer: new Set(VIEWER),
  operator: new Set(OPERATOR),
  approver: new Set(APPROVER),
  admin: new Set(ADMIN),
});

/** Who is asking, however they proved it: the permissions are already narrowed (e.g. by an API key's scope). */
export interface Principal {
  /** Stable id for logs and the audit trail: `user:ID`, `apikey:ID`, `slack:U…`, `console:NAME`. */
  id: string;
  name: string;
  role: Role;
  permissions: ReadonlySet<Permission>;
  /** The SQLite user behind it, when there is one, and their email. */
  userId?: string;
  email?: string;
  /** When the credential stops working (ms since the epoch): the token's exp or the key's expiry. */
  expiresAt?: number;
  /** The login session (refresh-token family) an access token belongs to; logout revokes it. */
  sessionId?: string;
  /** A disabled user (through a chat link): allowed nothing, and told why. */
  disabled?: boolean;
}

/**
 * The person behind a principal: `user:ID` whenever there is a user (an access token, any of
 * their API keys, a linked Slack or Teams id, the console as a local user), else the principal's
 * own id (an unlinked chat id). Rules about people ("never the requester", one approval per
 * approver, cancelling one's own job) compare this, never the credential's id.
 */
export function personOf(p: Pick<Principal, 'id' | 'userId'>): string {
  return p.userId ? `user:${p.userId}` : p.id;
}

/** The one policy check. */
export function authorize(principal: Pick<Principal, 'permissions'>, permission: Permission): boolean {
  return principal.permissions.has(permission);
}

/** The least role that has `permission` (for "needs the operator role" messages). */
export function leastRoleWith(permission: Permission): Role {
  return ROLES.find((r) => ROLE_PERMISSIONS[r].has(permission)) ?? 'admin';
}

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}
