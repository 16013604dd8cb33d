import { createApiKeys } from '../../src/auth/api-keys';
import type { ApiKeys, User, Users } from '../../src/auth/types';
import { createUsers } from '../../src/auth/users';
import { openStore, type Store } from '../../src/store/store';
import { AUTH_TABLES, GOOD_PASSWORD, INJECTIONS, START, tableNames } from './fixtures';

const DAY = 86_400_000;

describe('API keys', () => {
  let store: Store;
  let users: Users;
  let keys: ApiKeys;
  let now: number;
  const clock = () => now;
  let operator: User;
  let admin: User;

  beforeAll(async () => {
    now = START;
    store = openStore(':memory:');
    users = createUsers(store.db, clock);
    keys = createApiKeys({ db: store.db, users, clock });
    operator = await users.create({ email: 'op@example.com', password: GOOD_PASSWORD, role: 'operator' });
    admin = await users.create({ email: 'root@example.com', password: GOOD_PASSWORD, role: 'admin' });
  });
  beforeEach(() => {
    now = START;
    store.db.prepare("UPDATE users SET role = 'operator', disabled = 0 WHERE id = ?").run(operator.id);
  });
  afterAll(() => store.close());

  it('creates sco_<id>_<secret> keys and stores only a hash of the secret', () => {
    const { key, info } = keys.create(operator, {
      name: 'ci deploy',
      permissions: ['read', 'remediation.request'],
      expiresInDays: 30,
    });
    const match = /^sco_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(key);
    expect(match).not.toBeNull();
    const [, id, secret] = match!;
    expect(info).toEqual({
      id,
      userId: operator.id,
      name: 'ci deploy',
      permissions: ['read', 'remediation.request'],
      createdAt: START,
      expiresAt: START + 30 * DAY,
      lastUsedAt: null,
      revokedAt: null,
    });
    const row = store.db.prepare('SELECT * FROM api_keys WHERE id = ?').get(id) as Record<string, unknown>;
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(key);
    expect(stored).not.toContain(secret);
    expect(row.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keys.get(id)).toEqual(info);
    expect(keys.list(operator.id).map((k) => k.id)).toContain(id);
    expect(keys.list(admin.id).map((k) => k.id)).not.toContain(id);
  });

  it('authenticates a key as a principal with exactly its scope', () => {
    const { key, info } = keys.create(operator, { name: 'reader', permissions: ['read'] });
    expect(keys.authenticate(key)).toEqual({
      id: `apikey:${info.id}`,
      name: `${operator.name} (API key ${info.id})`,
      role: 'operator',
      permissions: new Set(['read']),
      userId: operator.id,
      email: operator.email,
    });
    const [, id, secret] = /^sco_([0-9a-f]{12})_(.+)$/.exec(key)!;
    const flipped = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    expect(keys.authenticate(`sco_${id}_${flipped}`)).toBeUndefined();
    expect(keys.authenticate(`sco_000000000000_${secret}`)).toBeUndefined();
    for (const bad of ['', 'sco_', key.slice(0, -1), `${key}x`, key.toUpperCase(), ` ${key}`])
      expect(keys.authenticate(bad)).toBeUndefined();
  });

  it('rejects a revoked key', () => {
    const { key, info } = keys.create(operator, { name: 'to revoke', permissions: ['read'] });
    expect(keys.authenticate(key)).toBeDefined();
    now += 1000;
    expect(keys.revoke(info.id)).toBe(true);
    expect(keys.revoke(info.id)).toBe(false);
    expect(keys.revoke('000000000000')).toBe(false);
    expect(keys.get(info.id)?.revokedAt).toBe(START + 1000);
    expect(keys.authenticate(key)).toBeUndefined();
  });

  it('rejects an expired key', () => {
    const { key } = keys.create(operator, { name: 'short lived', permissions: ['read'], expiresInDays: 1 });
    now += DAY - 1;
    expect(keys.authenticate(key)).toBeDefined();
    now += 1;
    expect(keys.authenticate(key)).toBeUndefined();
  });

  it('rejects keys of disabled owners', () => {
    const { key } = keys.create(operator, { name: 'owner goes', permissions: ['read'] });
    store.db.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(operator.id);
    expect(keys.authenticate(key)).toBeUndefined();
  });

  it("keeps a key within its owner's role, when made and when the role later shrinks", () => {
    expect(() => keys.create(operator, { name: 'too much', permissions: ['read', 'users.manage'] })).toThrow(
      expect.objectContaining({ code: 'bad_request', message: expect.stringContaining('"users.manage"') }),
    );
    expect(() => keys.create(operator, { name: 'unknown', permissions: ['read', 'root' as 'read'] })).toThrow(
      expect.objectContaining({ code: 'bad_request', message: expect.stringContaining('"root"') }),
    );
    expect(() => keys.create(operator, { name: 'none', permissions: [] })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    // The role as stored decides, not the User object the caller holds.
    expect(() => keys.create({ ...operator, role: 'admin' }, { name: 'stale', permissions: ['freeze'] })).toThrow(
      expect.objectContaining({ code: 'bad_request', message: expect.stringContaining('"freeze"') }),
    );
    const { key } = keys.create(operator, { name: 'ops', permissions: ['read', 'incidents.manage'] });
    users.setRole(operator.id, 'viewer');
    expect(keys.authenticate(key)?.permissions).toEqual(new Set(['read']));
    expect(
      keys.create(admin, { name: 'admin', permissions: ['users.manage', 'keys.manage', 'freeze'] }).info.permissions,
    ).toEqual(['users.manage', 'keys.manage', 'freeze']);
  });

  it('validates the name and expiry', () => {
    for (const name of ['', '   ', 'x'.repeat(65), 'new\nline']) {
      expect(() => keys.create(operator, { name, permissions: ['read'] })).toThrow(
        expect.objectContaining({ code: 'bad_request' }),
      );
    }
    for (const expiresInDays of [0, 366, 1.5, -1, Number.NaN]) {
      expect(() => keys.create(operator, { name: 'x', permissions: ['read'], expiresInDays })).toThrow(
        expect.objectContaining({ code: 'bad_request' }),
      );
    }
    expect(
      keys.create(operator, { name: ' x'.repeat(32), permissions: ['read'], expiresInDays: 365 }).info,
    ).toMatchObject({ name: Array(32).fill('x').join(' '), expiresAt: START + 365 * DAY });
    expect(() => keys.create({ ...operator, id: 'ghost' }, { name: 'x', permissions: ['read'] })).toThrow(
      expect.objectContaining({ code: 'not_found' }),
    );
  });

  it('records last use at most once a minute', () => {
    const { key, info } = keys.create(operator, { name: 'busy', permissions: ['read'] });
    const changes = () => store.db.prepare('SELECT total_changes()').pluck().get() as number;
    keys.authenticate(key);
    expect(keys.get(info.id)?.lastUsedAt).toBe(START);
    const before = changes();
    now += 59_999;
    for (let i = 0; i < 100; i++) keys.authenticate(key);
    expect(changes()).toBe(before);
    expect(keys.get(info.id)?.lastUsedAt).toBe(START);
    now += 1;
    keys.authenticate(key);
    expect(keys.get(info.id)?.lastUsedAt).toBe(START + 60_000);
  });

  it('treats SQL injection strings as data, and the tables survive', () => {
    const before = tableNames(store.db);
    const made = INJECTIONS.map((name) => keys.create(operator, { name, permissions: ['read'] }));
    for (const [i, { key, info }] of made.entries()) {
      expect(keys.get(info.id)?.name).toBe(INJECTIONS[i]);
      expect(keys.authenticate(key)?.userId).toBe(operator.id);
    }
    for (const bad of INJECTIONS) {
      expect(keys.authenticate(bad)).toBeUndefined();
      expect(keys.authenticate(`sco_${bad}_${bad}`)).toBeUndefined();
      expect(keys.get(bad)).toBeUndefined();
      expect(keys.revoke(bad)).toBe(false);
      expect(keys.list(bad)).toEqual([]);
      expect(() => keys.create(operator, { name: 'x', permissions: [bad as 'read'] })).toThrow(
        expect.objectContaining({ code: 'bad_request' }),
      );
    }
    expect(keys.list().filter((k) => k.revokedAt === null).length).toBeGreaterThanOrEqual(INJECTIONS.length);
    expect(tableNames(store.db)).toEqual(before);
    expect(before).toEqual(expect.arrayContaining(AUTH_TABLES));
  });
});
