import type { Migration } from './types';

/**
 * Chat requests already taken (Slack signatures, event and trigger ids; Teams activity ids), as
 * hashes, each until the moment a replay of it would be refused anyway: a replay is dropped after
 * a restart too, and by every process on this store. With Redis, Slack shares them there instead.
 */
export const replaysMigration: Migration = {
  version: 10,
  name: 'replays',
  sql: `
    CREATE TABLE chat_replays (
      id TEXT PRIMARY KEY,
      until INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE INDEX chat_replays_until ON chat_replays (until);
  `,
};
