import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../../src/store/store';
import { tempDbPath } from '../helpers/app';
import { runCli } from '../helpers/cli';

/** `smartcloudops user …`, `apikey …`, `audit verify` against a real SQLite file, through the built CLI. */
describe('admin CLI', () => {
  const db = tempDbPath();
  const env = { DATABASE_PATH: db };
  const cli = (args: string[], input?: string) => runCli(args, { env, ...(input === undefined ? {} : { input }) });

  it('adds users with the password on stdin, enforcing the policy, and never echoes it', async () => {
    const weak = await cli(['user', 'add', '--email', 'ada@example.com', '--role', 'admin'], 'short\n');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/at least 12 characters/);
    const ok = await cli(
      ['user', 'add', '--email', 'ada@example.com', '--role', 'admin'],
      'a long enough pass phrase\n',
    );
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/added ada@example.com \(ada\) as admin/);
    expect(ok.stdout + ok.stderr).not.toContain('a long enough pass phrase');
    const dup = await cli(
      ['user', 'add', '--email', 'ADA@example.com', '--role', 'viewer'],
      'another long pass phrase\n',
    );
    expect(dup.code).toBe(1);
    const noPassword = await cli(['user', 'add', '--email', 'bob@example.com', '--role', 'viewer'], '');
    expect(noPassword.stderr).toMatch(/password as one line on standard input/);
    const badRole = await cli(
      ['user', 'add', '--email', 'bob@example.com', '--role', 'root'],
      'a long enough pass phrase\n',
    );
    expect(badRole.stderr).toMatch(/--role must be one of viewer, operator, approver, admin/);
  }, 30_000);

  it(
    'links chat ids, changes roles, issues API keys shown once, ' + 'revokes them, and verifies the audit chain',
    async () => {
      expect((await cli(['user', 'link', '--email', 'ada@example.com', '--slack', 'U024BE7LH'])).stdout).toMatch(
        /slack U024BE7LH now acts as ada@example.com \(admin\)/,
      );
      expect((await cli(['user', 'role', '--email', 'ada@example.com', '--role', 'approver'])).stdout).toMatch(
        /now approver/,
      );
      const created = await cli([
        'apikey',
        'create',
        '--email',
        'ada@example.com',
        '--name',
        'ci bot',
        '--permissions',
        'read,remediation.request',
        '--expires-days',
        '30',
      ]);
      expect(created.code).toBe(0);
      const key = created.stdout.trim().split('\n').pop() ?? '';
      expect(key).toMatch(/^sco_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
      const id = key.split('_')[1];
      const listed = await cli(['apikey', 'list']);
      expect(listed.stdout).toContain(`${id}  ci bot  active  read,remediation.request`);
      expect(listed.stdout).not.toContain(key.slice('sco_'.length + 13));
      const beyond = await cli([
        'apikey',
        'create',
        '--email',
        'ada@example.com',
        '--name',
        'too much',
        '--permissions',
        'users.manage',
      ]);
      expect(beyond.code).toBe(1);
      expect((await cli(['apikey', 'revoke', id])).stdout).toContain(`revoked ${id}`);
      expect((await cli(['apikey', 'list'])).stdout).toContain(`${id}  ci bot  revoked`);

      const verified = await cli(['audit', 'verify']);
      expect(verified.code).toBe(0);
      expect(verified.stdout).toMatch(/audit log intact: \d+ entries/);

      // Someone edits history behind the bot's back: the chain no longer verifies.
      const raw = new Database(db);
      raw.prepare("UPDATE audit_log SET actor = 'cli:nobody' WHERE seq = 2").run();
      raw.close();
      const broken = await cli(['audit', 'verify']);
      expect(broken.code).toBe(1);
      expect(broken.stdout).toMatch(/audit log BROKEN at entry 2/);
    },
    // 19 CLI processes, one after another: each starts the whole CLI, slow on a loaded machine.
    120_000,
  );

  it('disables and enables a user, audited', async () => {
    expect((await cli(['user', 'disable', '--email', 'ada@example.com'])).stdout).toMatch(
      /ada@example.com is now disabled/,
    );
    expect((await cli(['user', 'list'])).stdout).toMatch(/ada@example.com .*\(disabled\)/);
    expect((await cli(['user', 'enable', '--email', 'ada@example.com'])).stdout).toMatch(
      /ada@example.com is now enabled/,
    );
    expect((await cli(['user', 'list'])).stdout).not.toMatch(/\(disabled\)/);
    const raw = new Database(db, { readonly: true });
    const actions = raw
      .prepare("SELECT action FROM audit_log WHERE action IN ('user.disable', 'user.enable') ORDER BY seq")
      .pluck()
      .all();
    raw.close();
    expect(actions).toEqual(['user.disable', 'user.enable']);
  }, 30_000);

  it('explains an unknown admin command', async () => {
    const result = await cli(['user', 'frobnicate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown command "user frobnicate"/);
  });
});

describe('first admin from the environment', () => {
  it('is created on first start, refused with a weak password or a weak JWT_SECRET, and never duplicated', async () => {
    const db = tempDbPath();
    openStore(db).close(); // an existing store with no users yet: admin commands only work on one
    const weak = await runCli(['user', 'list'], {
      env: { DATABASE_PATH: db, ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'root' },
    });
    expect(weak.code).toBe(0); // admin commands do not bootstrap; the app does
    const chat = (env: Record<string, string>) =>
      runCli(['chat', '--as', 'root'], { env: { DATABASE_PATH: db, ...env }, input: 'help\n' });
    const bad = await chat({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'root' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/ADMIN_EMAIL \/ ADMIN_PASSWORD: .*at least 12 characters/);
    const secret = await runCli(['serve'], { env: { DATABASE_PATH: db, JWT_SECRET: 'secret' } });
    expect(secret.code).toBe(1);
    expect(secret.stderr).toMatch(/JWT_SECRET: too short: use at least 32 random characters/);
    expect(secret.stderr).not.toMatch(/"secret"/);
    for (let i = 0; i < 2; i++)
      expect((await chat({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'a sturdy admin passphrase' })).code).toBe(
        0,
      );
    const list = await runCli(['user', 'list'], { env: { DATABASE_PATH: db } });
    expect(list.stdout.trim().split('\n')).toHaveLength(1);
    expect(list.stdout).toMatch(/root@example.com {2}root {2}admin/);
  }, 30_000);
});

describe('issue 13.18: admin commands that only read never create a database', () => {
  it('refuses a DATABASE_PATH with no file, exit 1 naming the path, and creates nothing', async () => {
    const db = tempDbPath();
    const env = { DATABASE_PATH: db };
    for (const args of [
      ['audit', 'verify'],
      ['user', 'list'],
      ['apikey', 'list'],
      ['user', 'role', '--email', 'a@example.com', '--role', 'admin'],
      ['breaker', 'reset', 'restart', 'payments'],
    ]) {
      const result = await runCli(args, { env });
      expect([args.join(' '), result.code]).toEqual([args.join(' '), 1]);
      expect(result.stderr).toContain(`no database at ${db}: check DATABASE_PATH`);
      expect(result.stdout).not.toMatch(/intact/);
    }
    expect(readdirSync(dirname(db))).toEqual([]);
    const typo = await runCli(['audit', 'verify'], {
      env: { DATABASE_PATH: join(dirname(db), 'no-such-dir', 'x.db') },
    });
    expect(typo.code).toBe(1);
    expect(existsSync(join(dirname(db), 'no-such-dir'))).toBe(false);

    // `user add` is how a store starts; after it, the read-only commands work on it.
    expect(
      (
        await runCli(['user', 'add', '--email', 'ada@example.com', '--role', 'admin'], {
          env,
          input: 'a long enough pass phrase\n',
        })
      ).code,
    ).toBe(0);
    const verified = await runCli(['audit', 'verify'], { env });
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/audit log intact: 1 entries/);
  }, 30_000);
});

describe('issue 13.18: every subcommand answers --help with its usage and exit 0', () => {
  it.each([
    [['user', '--help'], /user add --email E --role ROLE/],
    [['user', 'add', '--help'], /user add --email E --role ROLE/],
    [['apikey', '-h'], /apikey create --email E --name N --permissions/],
    [['audit', '--help'], /audit verify/],
    [['breaker', '--help'], /breaker reset ACTION TARGET/],
  ])('%j', async (args, usage) => {
    const db = tempDbPath();
    // A broken configuration does not stand in the way of help.
    const result = await runCli(args, { env: { DATABASE_PATH: db, PORT: 'not-a-port' } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(usage);
    expect(existsSync(db)).toBe(false);
  });
});
