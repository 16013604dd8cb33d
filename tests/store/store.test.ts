import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/store';
import { MIGRATIONS } from '../../src/store/migrations/index';

describe('store', () => {
  it('opens in WAL mode, applies numbered migrations once, and survives reopening', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sco-store-')), 'nested', 'db.sqlite');
    const store = openStore(path);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.schemaVersion).toBe(Math.max(...MIGRATIONS.map((m) => m.version)));
    const applied = store.db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(applied).toEqual(MIGRATIONS.map((m) => m.version));
    store.close();
    const again = openStore(path);
    expect(again.db.prepare('SELECT COUNT(*) FROM schema_migrations').pluck().get()).toBe(MIGRATIONS.length);
    again.close();
  });

  it('applies a new migration on top, and rolls back a broken one whole', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sco-store-')), 'db.sqlite');
    openStore(path).close();
    const next = { version: 999, name: 'extra', sql: 'CREATE TABLE extra (id INTEGER PRIMARY KEY);' };
    const store = openStore(path, [...MIGRATIONS, next]);
    expect(store.schemaVersion).toBe(999);
    store.close();
    const broken = {
      version: 1000,
      name: 'broken',
      sql: 'CREATE TABLE half (id INTEGER); SELECT * FROM no_such_table;',
    };
    expect(() => openStore(path, [...MIGRATIONS, next, broken])).toThrow(/no_such_table/);
    const after = openStore(path, [...MIGRATIONS, next]);
    expect(after.db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(0);
    after.close();
  });

  it('says where it failed when the path cannot be opened', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sco-store-')), 'a-file');
    openStore(file).close();
    expect(() => openStore(join(file, 'under-a-file.db'))).toThrow(/cannot open the database at .*under-a-file\.db/);
  });
});
