import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config/config';
import { freePort, runCli } from '../helpers/cli';

const tmp = () => mkdtempSync(join(tmpdir(), 'sco-trial-'));

describe(
  'issue 13.18 (trial): every configuration problem serve would stop on is ' + 'reported in one round, and by doctor',
  () => {
    it('a METRICS_SOURCE=csv:DIR that is not a folder is a configuration problem, with the others', () => {
      const result = loadConfig({ PORT: 'abc', METRICS_SOURCE: 'csv:/nonexistent/sco-metrics' });
      expect(result.ok).toBe(false);
      const problems = result.ok ? [] : result.problems;
      expect(problems).toEqual([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^METRICS_SOURCE: .*\/nonexistent\/sco-metrics is not a directory/),
      ]);
    });

    it('JWT key files that cannot be read are configuration problems, with the others', () => {
      const dir = tmp();
      const result = loadConfig({
        PORT: 'abc',
        JWT_PRIVATE_KEY_FILE: join(dir, 'missing.pem'),
        JWT_PUBLIC_KEY_FILE: join(dir, 'missing.pub'),
      });
      const problems = result.ok ? [] : result.problems;
      expect(problems).toEqual([
        expect.stringMatching(/^PORT: /),
        expect.stringMatching(/^JWT_PRIVATE_KEY_FILE: cannot read .*missing\.pem/),
        expect.stringMatching(/^JWT_PUBLIC_KEY_FILE: cannot read .*missing\.pub/),
      ]);
    });

    it(
      'doctor fails on key files that are not a key pair (serve would refuse ' + 'to start), naming the variable',
      async () => {
        const dir = tmp();
        writeFileSync(join(dir, 'k.pem'), 'not a key\n');
        writeFileSync(join(dir, 'k.pub'), 'not a key\n');
        const res = await runCli(['doctor'], {
          env: {
            DATABASE_PATH: join(dir, 'd.db'),
            JWT_PRIVATE_KEY_FILE: join(dir, 'k.pem'),
            JWT_PUBLIC_KEY_FILE: join(dir, 'k.pub'),
          },
        });
        expect(res.code).toBe(1);
        expect(res.stdout).toMatch(/^FAIL\s+auth\s+JWT_PRIVATE_KEY_FILE/m);
        expect(res.stdout).not.toMatch(/all configured parts answer/);
      },
    );
  },
);

describe('issue 13.18 (trial): admin commands refuse a file that is not a SmartCloudOps store', () => {
  it(
    'audit verify on an empty (truncated) file exits 1 and leaves it ' + 'empty, instead of calling it intact',
    async () => {
      const path = join(tmp(), 'wiped.db');
      writeFileSync(path, '');
      const res = await runCli(['audit', 'verify'], { env: { DATABASE_PATH: path } });
      expect(res.code).toBe(1);
      expect(res.stdout).not.toMatch(/intact/);
      expect(res.stderr).toMatch(/the database at .*wiped\.db is an empty file: check DATABASE_PATH/);
      expect(statSync(path).size).toBe(0);
    },
  );

  it("audit verify on another program's SQLite file exits 1 and does not add our tables to it", async () => {
    const path = join(tmp(), 'other.db');
    const other = new Database(path);
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    other.close();
    const before = readFileSync(path);
    const res = await runCli(['audit', 'verify'], { env: { DATABASE_PATH: path } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/not a SmartCloudOps database/);
    const after = new Database(path, { readonly: true });
    expect(after.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all()).toEqual([
      { name: 'notes' },
    ]);
    after.close();
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('user add with a bad flag creates no database', async () => {
    const path = join(tmp(), 'typo.db');
    const res = await runCli(['user', 'add', '--email', 'ada@example.com', '--role', 'god'], {
      env: { DATABASE_PATH: path },
      input: 'correct-horse-battery\n',
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/--role must be one of/);
    expect(() => statSync(path)).toThrow();
  });
});

describe('issue 13.18 (trial): doctor says why Redis does not answer', () => {
  it(
    'a REDIS_URL nobody listens on: the redis line names the refused ' + 'connection, not "Connection is closed."',
    async () => {
      const port = await freePort();
      const res = await runCli(['doctor'], {
        env: { DATABASE_PATH: join(tmp(), 'd.db'), REDIS_URL: `redis://127.0.0.1:${port}` },
      });
      expect(res.code).toBe(1);
      expect(res.stdout).toMatch(new RegExp(`^FAIL\\s+redis\\s+redis://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`, 'm'));
    },
  );
});
