import type { Users } from '../../src/auth/types';
import { createUsers } from '../../src/auth/users';
import { openStore, type Store } from '../../src/store/store';
import { AUTH_TABLES, GOOD_PASSWORD, INJECTIONS, START, tableNames } from './fixtures';

describe('users', () => {
  let store: Store;
  let users: Users;
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = START;
    store = openStore(':memory:');
    users = createUsers(store.db, clock);
  });
  afterEach(() => store.close());

  it('creates a user with a normalised email, a name from its local part, and no password in sight', async () => {
    const user = await users.create({ email: '  Ann.Lee+ops@Example.COM ', password: GOOD_PASSWORD, role: 'operator' });
    expect(user).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'ann.lee+ops@example.com',
      name: 'ann.leeops',
      role: 'operator',
      disabled: false,
      createdAt: START,
      updatedAt: START,
    });
    expect(JSON.stringify(user)).not.toContain(GOOD_PASSWORD);
    const row = store.db.prepare('SELECT * FROM users WHERE id = ?').get(user.id) as Record<string, unknown>;
    expect(row.password_hash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(row)).not.toContain(GOOD_PASSWORD);
    expect(users.get(user.id)).toEqual(user);
    expect(users.findByEmail('ANN.LEE+OPS@example.com ')).toEqual(user);
    expect(users.findByName('Ann.LeeOps')).toEqual(user);
    expect(users.count()).toBe(1);
    expect(users.list()).toEqual([user]);
  });

  it('disables and re-enables a user: no login, no chat link while disabled', async () => {
    const ann = await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'operator' });
    users.link(ann.id, 'slack', 'U0ANN');
    now += 1000;
    expect(users.setDisabled(ann.id, true)).toMatchObject({ disabled: true, updatedAt: START + 1000 });
    expect(await users.verifyPassword('ann@example.com', GOOD_PASSWORD)).toBeUndefined();
    expect(users.resolveLink('slack', 'U0ANN')?.disabled).toBe(true);
    expect(users.setDisabled(ann.id, false).disabled).toBe(false);
    expect((await users.verifyPassword('ann@example.com', GOOD_PASSWORD))?.id).toBe(ann.id);
    expect(() => users.setDisabled('no-such-id', true)).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('makes default names unique with a suffix, and takes a given name as is', async () => {
    const a = await users.create({ email: 'sam@one.example', password: GOOD_PASSWORD, role: 'viewer' });
    const b = await users.create({ email: 'sam@two.example', password: GOOD_PASSWORD, role: 'viewer' });
    const c = await users.create({
      email: '_.x@three.example',
      password: GOOD_PASSWORD,
      role: 'viewer',
      name: 'sam-2x',
    });
    const d = await users.create({ email: '_-@four.example', password: GOOD_PASSWORD, role: 'viewer' });
    expect([a.name, b.name, c.name, d.name]).toEqual(['sam', 'sam-2', 'sam-2x', 'user']);
  });

  it('refuses bad input with bad_request and duplicates with conflict', async () => {
    await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer', name: 'ann' });
    const cases: [Parameters<Users['create']>[0], string][] = [
      [{ email: 'not an email', password: GOOD_PASSWORD, role: 'viewer' }, 'bad_request'],
      [{ email: 'bob@example.com', password: 'short', role: 'viewer' }, 'bad_request'],
      [{ email: 'bob@example.com', password: 'bob@example.com and more', role: 'viewer' }, 'bad_request'],
      [{ email: 'bob@example.com', password: GOOD_PASSWORD, role: 'root' as 'admin' }, 'bad_request'],
      [{ email: 'bob@example.com', password: GOOD_PASSWORD, role: 'viewer', name: '-bob' }, 'bad_request'],
      [{ email: 'bob@example.com', password: GOOD_PASSWORD, role: 'viewer', name: 'b'.repeat(65) }, 'bad_request'],
      [{ email: 'ANN@example.com', password: GOOD_PASSWORD, role: 'viewer' }, 'conflict'],
      [{ email: 'bob@example.com', password: GOOD_PASSWORD, role: 'viewer', name: 'ann' }, 'conflict'],
    ];
    for (const [input, code] of cases) await expect(users.create(input)).rejects.toMatchObject({ code });
    expect(users.count()).toBe(1);
  });

  it('verifies passwords, refuses disabled users, and spends the same scrypt work on unknown emails', async () => {
    const user = await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    await expect(users.verifyPassword('ANN@example.com', GOOD_PASSWORD)).resolves.toEqual(user);
    await expect(users.verifyPassword('ann@example.com', 'wrong password here')).resolves.toBeUndefined();

    const time = async (email: string) => {
      const t = process.hrtime.bigint();
      await expect(users.verifyPassword(email, 'wrong password here')).resolves.toBeUndefined();
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    const known = Math.min(await time('ann@example.com'), await time('ann@example.com'));
    const unknown = Math.min(await time('nobody@example.com'), await time('not even an email'));
    // scrypt at N=2^15 takes tens of milliseconds; a skipped hash would take microseconds.
    expect(unknown).toBeGreaterThan(known / 3);

    store.db.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(user.id);
    await expect(users.verifyPassword('ann@example.com', GOOD_PASSWORD)).resolves.toBeUndefined();
  });

  it('changes a password only with the current one, and under the policy', async () => {
    const user = await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    await expect(users.changePassword(user.id, 'not the password', 'a brand new passphrase')).rejects.toMatchObject({
      code: 'unauthorized',
    });
    await expect(users.changePassword(user.id, GOOD_PASSWORD, 'short')).rejects.toMatchObject({ code: 'bad_request' });
    await expect(users.changePassword('no-such-id', GOOD_PASSWORD, 'a brand new passphrase')).rejects.toMatchObject({
      code: 'not_found',
    });
    now += 1000;
    await users.changePassword(user.id, GOOD_PASSWORD, 'a brand new passphrase');
    await expect(users.verifyPassword('ann@example.com', GOOD_PASSWORD)).resolves.toBeUndefined();
    await expect(users.verifyPassword('ann@example.com', 'a brand new passphrase')).resolves.toMatchObject({
      id: user.id,
      updatedAt: START + 1000,
    });
  });

  it("lets an admin reset a password, ending the user's sessions", async () => {
    const user = await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    store.db.prepare('INSERT INTO sessions (family_id, user_id, created_at) VALUES (?, ?, ?)').run('fam', user.id, now);
    await expect(users.setPassword(user.id, 'ann')).rejects.toMatchObject({ code: 'bad_request' });
    await users.setPassword(user.id, 'reset by the admin');
    await expect(users.verifyPassword('ann@example.com', 'reset by the admin')).resolves.toMatchObject({ id: user.id });
    expect(store.db.prepare('SELECT revoke_reason FROM sessions WHERE family_id = ?').pluck().get('fam')).toBe(
      'password reset',
    );
  });

  it('updates name, email and role, with the same validation and conflicts', async () => {
    const ann = await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    await users.create({ email: 'bob@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    now += 5;
    expect(users.updateProfile(ann.id, { name: 'Annie', email: 'Annie@Example.com' })).toMatchObject({
      name: 'annie',
      email: 'annie@example.com',
      updatedAt: START + 5,
    });
    expect(users.findByEmail('ann@example.com')).toBeUndefined();
    expect(() => users.updateProfile(ann.id, { name: 'bob' })).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => users.updateProfile(ann.id, { email: 'bob@example.com' })).toThrow(
      expect.objectContaining({ code: 'conflict' }),
    );
    expect(() => users.updateProfile(ann.id, { email: 'nope' })).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => users.updateProfile('missing', { name: 'x' })).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(users.setRole(ann.id, 'approver')).toMatchObject({ role: 'approver' });
    expect(users.get(ann.id)?.role).toBe('approver');
    expect(() => users.setRole(ann.id, 'superuser' as 'admin')).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => users.setRole('missing', 'admin')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });

  it('links chat ids to one user each', async () => {
    const ann = await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    const bob = await users.create({ email: 'bob@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    users.link(ann.id, 'slack', 'U123');
    users.link(ann.id, 'slack', 'U123'); // again: no-op
    users.link(ann.id, 'teams', 'U123');
    expect(users.resolveLink('slack', 'U123')).toEqual(ann);
    expect(() => users.link(bob.id, 'slack', 'U123')).toThrow(expect.objectContaining({ code: 'conflict' }));
    expect(() => users.link('no-such-user', 'slack', 'U999')).toThrow(expect.objectContaining({ code: 'not_found' }));
    expect(() => users.link(ann.id, 'irc' as 'slack', 'U999')).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => users.link(ann.id, 'slack', '  ')).toThrow(expect.objectContaining({ code: 'bad_request' }));
    expect(users.unlink('slack', 'U123')).toBe(true);
    expect(users.unlink('slack', 'U123')).toBe(false);
    expect(users.resolveLink('slack', 'U123')).toBeUndefined();
    expect(users.resolveLink('teams', 'U123')).toEqual(ann);
    users.link(bob.id, 'slack', 'U123');
    expect(users.resolveLink('slack', 'U123')?.id).toBe(bob.id);
  });

  it('treats SQL injection strings as data in every field, and the tables survive', async () => {
    const before = tableNames(store.db);
    for (const bad of INJECTIONS) {
      await expect(users.create({ email: bad, password: GOOD_PASSWORD, role: 'viewer' })).rejects.toMatchObject({
        code: 'bad_request',
      });
      await expect(
        users.create({ email: 'ok@example.com', password: GOOD_PASSWORD, role: 'viewer', name: bad }),
      ).rejects.toMatchObject({ code: 'bad_request' });
      await expect(
        users.create({ email: 'ok@example.com', password: GOOD_PASSWORD, role: bad as 'viewer' }),
      ).rejects.toMatchObject({ code: 'bad_request' });
      expect(users.findByEmail(bad)).toBeUndefined();
      expect(users.findByName(bad)).toBeUndefined();
      expect(users.get(bad)).toBeUndefined();
      await expect(users.verifyPassword(bad, bad)).resolves.toBeUndefined();
    }
    // A quote is legal in an email's local part: stored and found literally.
    const quoted = await users.create({
      email: "admin'--@example.com",
      password: "'; DROP TABLE users; --",
      role: 'viewer',
    });
    expect(quoted).toMatchObject({ email: "admin'--@example.com", name: 'admin--' });
    await expect(users.verifyPassword("admin'--@example.com", "'; DROP TABLE users; --")).resolves.toMatchObject({
      id: quoted.id,
    });
    await expect(users.verifyPassword("admin'--@example.com", "' OR '1'='1' OR 'x")).resolves.toBeUndefined();
    for (const bad of INJECTIONS) {
      users.link(quoted.id, 'slack', bad);
      expect(users.resolveLink('slack', bad)?.id).toBe(quoted.id);
    }
    expect(store.db.prepare('SELECT platform_user_id FROM chat_links ORDER BY rowid').pluck().all()).toEqual(
      INJECTIONS,
    );
    expect(users.resolveLink('slack', "x' OR '1'='1")).toBeUndefined();
    expect(users.count()).toBe(1);
    expect(tableNames(store.db)).toEqual(before);
    expect(before).toEqual(expect.arrayContaining(AUTH_TABLES));
  });
});
