import type { Migration } from './types';

/**
 * Every incident of a group, newest first, whatever its status: a notification is compared with
 * the newest known state of each of its alerts (`IncidentStore.latestAlert`), which may be in a
 * resolved incident (004's index covers only the group's unresolved one).
 */
export const incidentGroupsMigration: Migration = {
  version: 8,
  name: 'incident-groups',
  sql: `
    CREATE INDEX incidents_group ON incidents (group_key);
  `,
};
