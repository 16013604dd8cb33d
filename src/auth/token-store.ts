/**
 * The tokens' SQL (sessions = refresh-token families, refresh tokens stored as SHA-256) and the
 * cached session + user lookup behind every authenticated request.
 */
import type { Clock } from '../clock';
import type { Db } from '../store/store';
import type { User } from './types';

export interface RefreshRow {
  id: string;
  family_id: string;
  user_id: string;
  expires_at: number;
  used_at: number | null;
  revoked_at: number | null;
  session_revoked_at: number | null;
}

export interface SessionUserRow {
  session_user_id: string;
  session_revoked_at: number | null;
  id: string;
  email: string;
  name: string;
  role: User['role'];
  disabled: number;
  created_at: number;
  updated_at: number;
}

/** At most this many cached sessions (and verified access tokens). */
export const VERIFIED_CACHE_SIZE = 10_000;
/** How stale session rows may be after another process writes (the CLI beside a running server). */
const OTHER_WRITERS_MS = 250;

export function prepareTokenSql(db: Db) {
  return {
    insertSession: db.prepare<[string, string, number]>(
      'INSERT INTO sessions (family_id, user_id, created_at) VALUES (?, ?, ?)',
    ),
    insertRefresh: db.prepare<[string, string, string, string, number, number]>(
      'INSERT INTO refresh_tokens (id, token_hash, family_id, user_id, created_at, expires_at) ' +
        'VALUES (?, ?, ?, ?, ?, ?)',
    ),
    findRefresh: db.prepare<[string], RefreshRow>(`
      SELECT r.id, r.family_id, r.user_id, r.expires_at, r.used_at, r.revoked_at, s.revoked_at AS session_revoked_at
      FROM refresh_tokens r JOIN sessions s ON s.family_id = r.family_id WHERE r.token_hash = ?`),
    markUsed: db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET used_at = ? WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL',
    ),
    revokeSession: db.prepare<[number, string, string]>(
      'UPDATE sessions SET revoked_at = ?, revoke_reason = ? WHERE family_id = ? AND revoked_at IS NULL',
    ),
    revokeFamily: db.prepare<[number, string]>(
      'UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL',
    ),
    /** Refresh tokens a day past their expiry can do nothing (not even prove reuse): drop them. */
    prune: db.prepare<[number]>('DELETE FROM refresh_tokens WHERE expires_at < ?'),
    /** The one lookup behind every authenticated request. */
    sessionUser: db.prepare<[string], SessionUserRow>(`
      SELECT s.user_id AS session_user_id, s.revoked_at AS session_revoked_at,
        u.id, u.email, u.name, u.role, u.disabled, u.created_at, u.updated_at
      FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.family_id = ?`),
    /**
     * Moves when another connection (the CLI, another process) commits; ~3 µs, so read at most
     * every OTHER_WRITERS_MS.
     */
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
    /** Moves when this connection writes; ~0.1 µs, read on every call. */
    totalChanges: db.prepare<[], number>('SELECT total_changes()').pluck(),
  };
}
export type TokenSql = ReturnType<typeof prepareTokenSql>;

/**
 * Session + user rows by session id, dropped whenever the database changes: at once for any
 * write through this process (logout, refresh reuse, a role change over HTTP), and within
 * OTHER_WRITERS_MS for a commit by another process (e.g. `smartcloudops user role` beside a
 * running server). Between writes a request costs one tiny query instead of the join.
 */
export function createSessionCache(s: TokenSql, clock: Clock): (sid: string) => SessionUserRow | undefined {
  const sessionRows = new Map<string, SessionUserRow>();
  let seenChanges = -1;
  let seenVersion = -1;
  let versionCheckedAt = -Infinity;
  return function sessionUser(sid: string): SessionUserRow | undefined {
    const changes = s.totalChanges.get() as number;
    const at = clock();
    let stale = changes !== seenChanges;
    if (at - versionCheckedAt >= OTHER_WRITERS_MS || at < versionCheckedAt) {
      const version = s.dataVersion.get() as number;
      versionCheckedAt = at;
      if (version !== seenVersion) stale = true;
      seenVersion = version;
    }
    if (stale) {
      sessionRows.clear();
      seenChanges = changes;
    }
    let row = sessionRows.get(sid);
    if (row === undefined) {
      row = s.sessionUser.get(sid);
      if (row === undefined) return undefined;
      if (sessionRows.size >= VERIFIED_CACHE_SIZE) sessionRows.clear();
      sessionRows.set(sid, row);
    }
    return row;
  };
}
