/** The roles, least first: each has every permission of the ones before it (src/auth/permissions.ts). */
export const ROLES = ['viewer', 'operator', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];
