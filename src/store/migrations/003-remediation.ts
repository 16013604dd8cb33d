import type { Migration } from './types';

/**
 * Remediation requests and their approvals. `state` moves only by compare-and-set updates
 * (`… WHERE id = ? AND state = ?`), which is what makes execution happen at most once:
 * approved -> executing is claimed by exactly one caller. Freeze is a setting; the breaker counts
 * consecutive failures per action and target.
 */
export const remediationMigration: Migration = {
  version: 3,
  name: 'remediation',
  sql:
    `
    CREATE TABLE remediation_requests (
      id            TEXT PRIMARY KEY,
      action        TEXT NOT NULL,
      target        TEXT NOT NULL,
      params        TEXT NOT NULL,
      requested_by  TEXT NOT NULL,
      origin        TEXT NOT NULL DEFAULT '{}',
      state         TEXT NOT NULL CHECK (state IN ('planned','pending_approval','approved','executing',` +
    `'succeeded','failed','denied','expired','unknown')),
      dry_run       INTEGER NOT NULL DEFAULT 0,
      plan          TEXT NOT NULL,
      approvals_needed INTEGER NOT NULL,
      created_at    INTEGER NOT NULL,
      expires_at    INTEGER NOT NULL,
      decided_by    TEXT,
      decided_at    INTEGER,
      started_at    INTEGER,
      finished_at   INTEGER,
      result        TEXT
    );
    CREATE INDEX remediation_requests_target ON remediation_requests (action, target, created_at);
    CREATE TABLE remediation_approvals (
      request_id TEXT NOT NULL REFERENCES remediation_requests(id),
      approver   TEXT NOT NULL,
      approver_name TEXT NOT NULL,
      at         INTEGER NOT NULL,
      PRIMARY KEY (request_id, approver)
    );
    CREATE TABLE remediation_breakers (
      action     TEXT NOT NULL,
      target     TEXT NOT NULL,
      failures   INTEGER NOT NULL,
      opened_at  INTEGER,
      PRIMARY KEY (action, target)
    );
    CREATE TABLE settings (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};
