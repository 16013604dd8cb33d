import { existsSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLoginThrottle } from '../../src/auth/throttle';
import { MIGRATIONS } from '../../src/store/migrations/index';
import { openStore, type Store } from '../../src/store/store';
import { httpApp, type HttpApp } from '../http/http-app';
import { START } from './fixtures';

/** Issue 13.8: what auth keeps about a login must never include what was typed into the email field. */

const TYPED = 'Hunter2Hunter2-my-real-password';

/** Everything on disk for the store: the database file and its WAL, checkpointed. */
function onDisk(store: Store): string {
  store.db.pragma('wal_checkpoint(TRUNCATE)');
  return [store.path, `${store.path}-wal`]
    .filter(existsSync)
    .map((p) => readFileSync(p).toString('latin1'))
    .join('\n');
}

describe('issue 13.8: no typed login name stored in plain text', () => {
  let h: HttpApp | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it(
    'keeps a password typed into the email field out of the throttle, the known addresses, ' +
      'the audit log and the database file',
    async () => {
      h = await httpApp();
      for (let i = 0; i < 7; i++) {
        const res = await h.http.inject({
          method: 'POST',
          url: '/auth/login',
          payload: { email: TYPED, password: 'whatever it was' },
          remoteAddress: '203.0.113.5',
        });
        expect([401, 429]).toContain(res.statusCode);
      }
      const db = h.app.store.db;
      const rows = JSON.stringify([
        db.prepare('SELECT * FROM login_throttle').all(),
        db.prepare('SELECT * FROM login_sources').all(),
        db.prepare('SELECT * FROM audit_log').all(),
      ]);
      expect(db.prepare('SELECT COUNT(*) FROM login_throttle').pluck().get()).toBe(3);
      expect(rows).toContain('203.0.113.5');
      expect(rows.toLowerCase()).not.toContain('hunter2');
      expect(onDisk(h.app.store).toLowerCase()).not.toContain('hunter2');
    },
  );

  it('migration 7 drops the raw rows an older version kept, and zeroes them on disk', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sco-migrate-')), 'old.db');
    const old = openStore(
      path,
      MIGRATIONS.filter((m) => m.version < 7),
    );
    const insert = old.db.prepare(
      'INSERT INTO login_throttle (key, failures, last_failure, locked_until) VALUES (?, ?, ?, ?)',
    );
    insert.run(`account:${TYPED.toLowerCase()}`, 3, START, 0);
    insert.run('account:ann@example.com', 5, START, START + 30_000);
    insert.run('ip:203.0.113.5', 8, START, 0);
    old.db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(path).toString('latin1')).toContain(TYPED.toLowerCase());
    old.close();

    const store = openStore(path);
    expect(store.schemaVersion).toBeGreaterThanOrEqual(7);
    expect(store.db.prepare('SELECT key, failures FROM login_throttle').all()).toEqual([
      { key: 'ip:203.0.113.5', failures: 8 },
    ]);
    expect(onDisk(store).toLowerCase()).not.toContain('hunter2');
    expect(onDisk(store)).not.toContain('ann@example.com');
    // The kept address row still counts.
    let now = START;
    const throttle = createLoginThrottle({ db: store.db, clock: () => now, maxFailures: 2, lockoutBaseS: 30 });
    now += 1000;
    expect(throttle.reserve('bob@example.com', '203.0.113.5')).toEqual({ allowed: true });
    throttle.failed('bob@example.com', '203.0.113.5');
    // 9 failures against an address limit of 4 x 2: one doubling past the first 30 s.
    expect(throttle.reserve('carol@example.com', '203.0.113.5')).toEqual({ allowed: false, retryAfterS: 60 });
    store.close();
  });
});
