import type { Migration } from './types';

/**
 * What the remediation notifier has told a request's thread ("approved, running", the result):
 * every `serve` process hears the queue's events, and the first to claim a notice here is the one
 * that posts it, so a shared Slack or Teams thread hears each once.
 */
export const remediationNoticesMigration: Migration = {
  version: 9,
  name: 'remediation-notices',
  sql: `
    CREATE TABLE remediation_notices (
      request_id TEXT NOT NULL,
      kind TEXT NOT NULL,
      at INTEGER NOT NULL,
      PRIMARY KEY (request_id, kind)
    ) WITHOUT ROWID;
  `,
};
