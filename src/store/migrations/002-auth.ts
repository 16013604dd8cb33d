import type { Migration } from './types';

/**
 * Identity and audit. Users log in with email + password (scrypt, parameters stored in the hash
 * string); chat ids link to users; refresh tokens rotate inside a family (reuse revokes the
 * family); API keys are stored as a hash only; login throttling survives restarts; the audit log
 * is append-only and hash-chained (each row's hash covers the previous row's).
 */
export const authMigration: Migration = {
  version: 2,
  name: 'auth',
  sql: `
    CREATE TABLE users (
      id            TEXT PRIMARY KEY,
      email         TEXT NOT NULL UNIQUE,
      name          TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      role          TEXT NOT NULL CHECK (role IN ('viewer','operator','approver','admin')),
      disabled      INTEGER NOT NULL DEFAULT 0,
      created_at    INTEGER NOT NULL,
      updated_at    INTEGER NOT NULL
    );
    CREATE TABLE chat_links (
      platform         TEXT NOT NULL CHECK (platform IN ('slack','teams')),
      platform_user_id TEXT NOT NULL,
      user_id          TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at       INTEGER NOT NULL,
      PRIMARY KEY (platform, platform_user_id)
    );
    CREATE TABLE refresh_tokens (
      id          TEXT PRIMARY KEY,
      token_hash  TEXT NOT NULL UNIQUE,
      family_id   TEXT NOT NULL,
      user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at  INTEGER NOT NULL,
      expires_at  INTEGER NOT NULL,
      used_at     INTEGER,
      revoked_at  INTEGER
    );
    CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
    CREATE TABLE sessions (
      family_id   TEXT PRIMARY KEY,
      user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      created_at  INTEGER NOT NULL,
      revoked_at  INTEGER,
      revoke_reason TEXT
    );
    CREATE TABLE api_keys (
      id           TEXT PRIMARY KEY,
      user_id      TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      name         TEXT NOT NULL,
      secret_hash  TEXT NOT NULL,
      permissions  TEXT NOT NULL,
      created_at   INTEGER NOT NULL,
      expires_at   INTEGER,
      last_used_at INTEGER,
      revoked_at   INTEGER
    );
    CREATE TABLE login_throttle (
      key          TEXT PRIMARY KEY,
      failures     INTEGER NOT NULL,
      last_failure INTEGER NOT NULL,
      locked_until INTEGER NOT NULL
    );
    CREATE TABLE audit_log (
      seq       INTEGER PRIMARY KEY AUTOINCREMENT,
      at        INTEGER NOT NULL,
      actor     TEXT NOT NULL,
      action    TEXT NOT NULL,
      outcome   TEXT NOT NULL CHECK (outcome IN ('ok','denied','failed')),
      target    TEXT,
      ip        TEXT,
      detail    TEXT NOT NULL DEFAULT '{}',
      prev_hash TEXT NOT NULL,
      hash      TEXT NOT NULL
    );
    CREATE INDEX audit_log_actor ON audit_log (actor, seq);
    CREATE INDEX audit_log_action ON audit_log (action, seq);
  `,
};
