import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../errors';
import { MIGRATIONS, type Migration } from './migrations/index';

export type Db = Database.Database;

export interface Store {
  readonly db: Db;
  readonly path: string;
  /** Highest migration applied. */
  readonly schemaVersion: number;
  /** Cheap liveness probe for /readyz. */
  check(): void;
  close(): void;
}

/**
 * Open (creating if needed) the SQLite store in WAL mode and apply pending migrations in one
 * transaction each. `:memory:` works for tests.
 */
export function openStore(path: string, migrations: readonly Migration[] = MIGRATIONS): Store {
  let db: Db;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (err) {
    throw new AppError(
      'unavailable',
      `cannot open the database at ${path}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL'); // durable across process crashes; WAL fsyncs at checkpoints
  db.pragma('busy_timeout = 5000'); // another process (chat beside serve) may hold the write lock briefly
  db.pragma('foreign_keys = ON');
  const schemaVersion = migrate(db, migrations);
  let closed = false;
  return {
    db,
    path,
    schemaVersion,
    check() {
      db.prepare('SELECT 1').get();
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
    },
  };
}

function migrate(db: Db, migrations: readonly Migration[]): number {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, ' +
      'applied_at INTEGER NOT NULL)',
  );
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (const m of sorted) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        Date.now(),
      );
    }).immediate();
  }
  return sorted.length ? sorted[sorted.length - 1].version : 0;
}
