import type { Migration } from './types';

/**
 * Microsoft Teams conversation references: what the bot needs to post into a conversation later
 * (service URL, conversation id and type, tenant, the bot's own account), one row per
 * conversation, keyed by the conversation id without a channel thread's `;messageid=` suffix.
 * Refreshed by every activity the bot receives there; removed when the bot is uninstalled.
 */
export const teamsMigration: Migration = {
  version: 6,
  name: 'teams',
  sql: `
    CREATE TABLE teams_conversations (
      conversation_id TEXT PRIMARY KEY,
      reference       TEXT NOT NULL,
      updated_at      INTEGER NOT NULL
    );
  `,
};
