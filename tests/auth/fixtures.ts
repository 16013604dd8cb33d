import type { Db } from '../../src/store/store';

/** Shared by the auth suites: hostile strings, and a check that they did no harm to the schema. */

/** Classic SQL injection payloads, each fed to every field the suites exercise. */
export const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  "admin'--",
  '" OR ""="',
  "1; DELETE FROM audit_log WHERE '1'='1",
  "x' UNION SELECT password_hash FROM users --",
];

export const AUTH_TABLES = [
  'users',
  'chat_links',
  'refresh_tokens',
  'sessions',
  'api_keys',
  'login_throttle',
  'audit_log',
];

export function tableNames(db: Db): string[] {
  return db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
}

/** A password that passes the policy for any email these suites use. */
export const GOOD_PASSWORD = 'correct horse battery staple';

/** 2025-01-01T00:00:00Z: the suites' clocks start here. */
export const START = Date.UTC(2025, 0, 1);
