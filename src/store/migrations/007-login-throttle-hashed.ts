import type { Migration } from './types';

/**
 * Login throttling without raw login names, and with known addresses (issue 13.5, 13.8).
 * `login_throttle` keys held the typed email as plain text, so a password typed into the email
 * field sat there for a day: those rows are dropped (zeroed on disk: `secure_delete`), which ends
 * any running account lockout once; address rows stay. From now on an account appears only as a
 * keyed hash (HMAC-SHA-256 with `install_secrets.login_throttle`, made on first use).
 * `pending` counts password checks reserved and still running (a check is reserved before
 * scrypt runs, so parallel attempts cannot exceed the allowance). `login_sources` remembers
 * where each account last logged in, so an attack from elsewhere cannot lock its owner out.
 */
export const loginThrottleHashedMigration: Migration = {
  version: 7,
  name: 'login-throttle-hashed',
  sql: `
    PRAGMA secure_delete = ON;
    DELETE FROM login_throttle WHERE key NOT LIKE 'ip:%';
    PRAGMA secure_delete = OFF;
    ALTER TABLE login_throttle ADD COLUMN pending INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE login_throttle ADD COLUMN pending_since INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE install_secrets (
      name  TEXT PRIMARY KEY,
      value BLOB NOT NULL
    );
    CREATE TABLE login_sources (
      account TEXT NOT NULL,
      source  TEXT NOT NULL,
      last_ok INTEGER NOT NULL,
      PRIMARY KEY (account, source)
    );
  `,
};
