import { createHash, createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { createAuditLog } from '../../src/audit/audit-log';
import { createTokens } from '../../src/auth/tokens';
import type { AuditLog } from '../../src/audit/types';
import type { AuthConfig } from '../../src/auth/config';
import type { Tokens, User, Users } from '../../src/auth/types';
import { createUsers } from '../../src/auth/users';
import { testConfig } from '../../src/config/config';
import { openStore, type Store } from '../../src/store/store';
import { GOOD_PASSWORD, START } from './fixtures';

const SECRET = 'hmac-secret-for-tests-0123456789-abcdefghijklmnop';
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const decode = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
const header = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString()) as Record<string, unknown>;

/** An HS256 token made by hand, so nothing in a library stops us from signing what an attacker would. */
function hmacToken(payload: object, secret: string | Buffer, head: object = { alg: 'HS256', typ: 'JWT' }): string {
  const data = `${b64(head)}.${b64(payload)}`;
  return `${data}.${createHmac('sha256', secret).update(data).digest('base64url')}`;
}

function keyFiles(kind: 'rsa' | 'rsa1024' | 'p256' | 'p384' | 'ed25519'): {
  JWT_PRIVATE_KEY_FILE: string;
  JWT_PUBLIC_KEY_FILE: string;
} {
  const pair =
    kind === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : kind === 'rsa1024'
        ? generateKeyPairSync('rsa', { modulusLength: 1024 })
        : kind === 'p256'
          ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          : kind === 'p384'
            ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
            : generateKeyPairSync('ed25519');
  const dir = mkdtempSync(join(tmpdir(), 'sco-keys-'));
  writeFileSync(join(dir, 'private.pem'), pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'public.pem'), pair.publicKey.export({ type: 'spki', format: 'pem' }));
  return { JWT_PRIVATE_KEY_FILE: join(dir, 'private.pem'), JWT_PUBLIC_KEY_FILE: join(dir, 'public.pem') };
}

describe('tokens', () => {
  let store: Store;
  let users: Users;
  let audit: AuditLog;
  let now: number;
  const clock = () => now;
  let user: User;

  function build(config: AuthConfig): Tokens | undefined {
    return createTokens({ db: store.db, users, config, clock, audit });
  }
  function hs256(): { tokens: Tokens; config: AuthConfig } {
    const config = testConfig({ JWT_SECRET: SECRET, ACCESS_TOKEN_TTL_S: '900', REFRESH_TOKEN_TTL_S: '3600' }).auth;
    return { tokens: build(config)!, config };
  }
  const rejects = (tokens: Tokens, token: string, message: RegExp | string = 'invalid token') => {
    expect(() => tokens.verifyAccess(token)).toThrow(
      expect.objectContaining({ code: 'unauthorized', message: expect.stringMatching(message) }),
    );
  };

  beforeAll(async () => {
    now = START;
    store = openStore(':memory:');
    users = createUsers(store.db, clock);
    audit = createAuditLog({ db: store.db, clock });
    user = await users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
  });
  beforeEach(() => {
    now = START;
    store.db.prepare('UPDATE users SET role = ?, disabled = 0 WHERE id = ?').run('viewer', user.id);
  });
  afterAll(() => store.close());

  it('is off without a secret or a key pair', () => {
    expect(build(testConfig().auth)).toBeUndefined();
  });

  it('issues an HS256 access token with the standard claims, and verifies it', () => {
    const { tokens, config } = hs256();
    const pair = tokens.issue(user);
    expect(pair).toEqual({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      token_type: 'Bearer',
      expires_in: 900,
    });
    expect(header(pair.access_token)).toMatchObject({ alg: 'HS256' });
    const iat = START / 1000;
    expect(decode(pair.access_token)).toEqual({
      iss: config.issuer,
      aud: config.audience,
      sub: user.id,
      sid: expect.any(String),
      jti: expect.any(String),
      role: 'viewer',
      iat,
      nbf: iat,
      exp: iat + 900,
    });
    const { claims, user: who } = tokens.verifyAccess(pair.access_token);
    expect(claims).toEqual({
      sub: user.id,
      sid: decode(pair.access_token).sid,
      jti: decode(pair.access_token).jti,
      role: 'viewer',
      iat,
      exp: iat + 900,
    });
    expect(who).toEqual(user);
  });

  it('rejects alg none, other algorithms, other secrets, and garbage', () => {
    const { tokens } = hs256();
    const claims = decode(tokens.issue(user).access_token);
    rejects(tokens, `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`);
    rejects(tokens, `${b64({ alg: 'none' })}.${b64(claims)}.`);
    rejects(tokens, jwt.sign(claims, SECRET, { algorithm: 'HS512' }));
    rejects(tokens, hmacToken(claims, 'another-secret-of-enough-length-0123456789'));
    for (const junk of ['', 'a.b.c', 'not a token', `${'x'.repeat(9000)}`]) rejects(tokens, junk);
  });

  it('rejects expired, not-yet-valid, wrong-audience, wrong-issuer and tampered tokens', () => {
    const { tokens } = hs256();
    const good = tokens.issue(user).access_token;
    const claims = decode(good);
    const iat = claims.iat as number;
    rejects(tokens, hmacToken({ ...claims, exp: iat - 1 }, SECRET), 'token expired');
    rejects(tokens, hmacToken({ ...claims, nbf: iat + 60 }, SECRET), 'token not yet valid');
    rejects(tokens, hmacToken({ ...claims, aud: 'some-other-api' }, SECRET));
    rejects(tokens, hmacToken({ ...claims, iss: 'someone-else' }, SECRET));
    const [head, , signature] = good.split('.');
    rejects(tokens, `${head}.${b64({ ...claims, role: 'admin' })}.${signature}`);
    rejects(tokens, `${head}.${b64({ ...claims, exp: iat + 86_400 })}.${signature}`);
    // The session must belong to the token's subject, even with a valid signature.
    rejects(tokens, hmacToken({ ...claims, sub: 'someone-else' }, SECRET));
    rejects(tokens, hmacToken({ ...claims, sid: 'no-such-session' }, SECRET));
    // And the real token expires on the injected clock.
    expect(tokens.verifyAccess(good).claims.sub).toBe(user.id);
    now += 899_000;
    expect(tokens.verifyAccess(good).claims.sub).toBe(user.id);
    now += 1000;
    rejects(tokens, good, 'token expired');
  });

  it('reflects the current role and refuses disabled users', () => {
    const { tokens } = hs256();
    const pair = tokens.issue(user);
    users.setRole(user.id, 'admin');
    const { claims, user: who } = tokens.verifyAccess(pair.access_token);
    expect(decode(pair.access_token).role).toBe('viewer');
    expect([claims.role, who.role]).toEqual(['admin', 'admin']);
    store.db.prepare('UPDATE users SET disabled = 1 WHERE id = ?').run(user.id);
    rejects(tokens, pair.access_token, 'disabled');
    expect(() => tokens.refresh(pair.refresh_token)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(() => tokens.issue(user)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
  });

  it('rotates refresh tokens, storing only their hash', () => {
    const { tokens } = hs256();
    const first = tokens.issue(user);
    now += 10_000;
    const second = tokens.refresh(first.refresh_token);
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(decode(second.access_token).sid).toBe(decode(first.access_token).sid);
    expect(tokens.verifyAccess(second.access_token).user.id).toBe(user.id);
    const rows = store.db
      .prepare('SELECT * FROM refresh_tokens WHERE family_id = ?')
      .all(decode(first.access_token).sid);
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(first.refresh_token);
    expect(JSON.stringify(rows)).not.toContain(second.refresh_token);
    expect(rows.map((r) => (r as { token_hash: string }).token_hash)).toContain(
      createHash('sha256').update(second.refresh_token).digest('hex'),
    );
  });

  it('revokes the whole family when a spent refresh token comes back, and audits it', () => {
    const { tokens } = hs256();
    const other = tokens.issue(user); // another device: must survive
    const first = tokens.issue(user);
    const sid = decode(first.access_token).sid as string;
    const second = tokens.refresh(first.refresh_token);
    expect(() => tokens.refresh(first.refresh_token)).toThrow(
      expect.objectContaining({ code: 'unauthorized', message: expect.stringMatching(/already used/) }),
    );
    expect(() => tokens.refresh(second.refresh_token)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    rejects(tokens, second.access_token, 'session has ended');
    rejects(tokens, first.access_token, 'session has ended');
    expect(store.db.prepare('SELECT revoke_reason FROM sessions WHERE family_id = ?').pluck().get(sid)).toBe(
      'refresh token reuse',
    );
    expect(
      store.db
        .prepare('SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ? AND revoked_at IS NULL')
        .pluck()
        .get(sid),
    ).toBe(0);
    const events = audit.list({ action: 'auth.refresh_reuse' });
    expect(events[0]).toMatchObject({ actor: `user:${user.id}`, outcome: 'denied', detail: { session: sid } });
    expect(JSON.stringify(events)).not.toContain(first.refresh_token);
    expect(tokens.verifyAccess(other.access_token).claims.sid).toBe(decode(other.access_token).sid);
    expect(tokens.refresh(other.refresh_token).token_type).toBe('Bearer');
  });

  it('refuses unknown and expired refresh tokens', () => {
    const { tokens } = hs256();
    for (const bad of ['', 'nope', 'A'.repeat(43), "' OR '1'='1"])
      expect(() => tokens.refresh(bad)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    const pair = tokens.issue(user);
    now += 3600 * 1000;
    expect(() => tokens.refresh(pair.refresh_token)).toThrow(
      expect.objectContaining({ code: 'unauthorized', message: 'refresh token expired' }),
    );
  });

  it('drops refresh tokens a day past their expiry (at most hourly, on a login), keeping live ones', () => {
    const { tokens } = hs256();
    const old = tokens.issue(user);
    const oldSid = decode(old.access_token).sid as string;
    const count = (sid: string) =>
      store.db.prepare('SELECT COUNT(*) FROM refresh_tokens WHERE family_id = ?').pluck().get(sid);
    now += 3600 * 1000 + 86_400_000 + 1; // past expiry (1 h TTL) plus the day of grace
    const fresh = tokens.issue(user);
    expect(count(oldSid)).toBe(0);
    expect(count(decode(fresh.access_token).sid as string)).toBe(1);
    expect(tokens.refresh(fresh.refresh_token).token_type).toBe('Bearer');
  });

  it('ends a session on logout: its access and refresh tokens stop working', () => {
    const { tokens } = hs256();
    const pair = tokens.issue(user);
    const sid = tokens.verifyAccess(pair.access_token).claims.sid;
    tokens.revokeSession(sid, 'logout');
    rejects(tokens, pair.access_token, 'session has ended');
    expect(() => tokens.refresh(pair.refresh_token)).toThrow(expect.objectContaining({ code: 'unauthorized' }));
    expect(store.db.prepare('SELECT revoke_reason FROM sessions WHERE family_id = ?').pluck().get(sid)).toBe('logout');
  });

  it('verifies thousands of tokens a second', () => {
    const { tokens } = hs256();
    const token = tokens.issue(user).access_token;
    const start = process.hrtime.bigint();
    for (let i = 0; i < 2000; i++) tokens.verifyAccess(token);
    const perSecond = 2000 / (Number(process.hrtime.bigint() - start) / 1e9);
    expect(perSecond).toBeGreaterThan(2000);
  });

  describe('with a key pair', () => {
    it('signs RS256 with an RSA key, and refuses HS256 tokens keyed with the public key', () => {
      const files = keyFiles('rsa');
      const tokens = build(testConfig(files).auth)!;
      const good = tokens.issue(user).access_token;
      expect(header(good).alg).toBe('RS256');
      expect(tokens.verifyAccess(good).user.id).toBe(user.id);
      const claims = decode(good);
      const publicPem = readFileSync(files.JWT_PUBLIC_KEY_FILE, 'utf8');
      rejects(tokens, hmacToken(claims, publicPem));
      rejects(tokens, hmacToken(claims, publicPem.trim()));
      rejects(tokens, `${b64({ alg: 'none' })}.${b64(claims)}.`);
      rejects(tokens, hmacToken(claims, SECRET));
    });

    it('signs ES256 with an EC P-256 key', () => {
      const tokens = build(testConfig(keyFiles('p256')).auth)!;
      const good = tokens.issue(user).access_token;
      expect(header(good).alg).toBe('ES256');
      expect(tokens.verifyAccess(good).user.id).toBe(user.id);
    });

    it('refuses other key types, small RSA keys, mismatched halves and missing files with config_invalid', () => {
      const fail = (config: AuthConfig, message: RegExp) =>
        expect(() => build(config)).toThrow(
          expect.objectContaining({ code: 'config_invalid', message: expect.stringMatching(message) }),
        );
      fail(testConfig(keyFiles('ed25519')).auth, /ed25519 key is not supported.*RSA.*P-256/);
      fail(testConfig(keyFiles('p384')).auth, /curve secp384r1 is not supported/);
      fail(testConfig(keyFiles('rsa1024')).auth, /1024 bits is too small/);
      const a = keyFiles('p256');
      const b = keyFiles('p256');
      fail(
        testConfig({ JWT_PRIVATE_KEY_FILE: a.JWT_PRIVATE_KEY_FILE, JWT_PUBLIC_KEY_FILE: b.JWT_PUBLIC_KEY_FILE }).auth,
        /not the two halves of one key pair/,
      );
      // A missing file is a configuration problem, reported with the others before anything starts;
      // one that disappears after start-up is still refused here.
      expect(() =>
        testConfig({ JWT_PRIVATE_KEY_FILE: '/no/such/key.pem', JWT_PUBLIC_KEY_FILE: a.JWT_PUBLIC_KEY_FILE }),
      ).toThrow(/JWT_PRIVATE_KEY_FILE: cannot read \/no\/such\/key\.pem/);
      fail(
        { ...testConfig(a).auth, privateKeyFile: '/no/such/key.pem' },
        /JWT_PRIVATE_KEY_FILE: cannot read \/no\/such\/key\.pem/,
      );
      fail({ ...testConfig().auth, jwtSecret: 'short' }, /JWT_SECRET: too short/);
    });
  });

  it(
    'sees changes another process makes (CLI role change, ' + 'revocation) within 250 ms, and its own at once',
    async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'sco-tokens-')), 'db.sqlite');
      const mine = openStore(file);
      const other = openStore(file); // e.g. `smartcloudops user role` while serve runs
      try {
        const config = testConfig({ JWT_SECRET: SECRET }).auth;
        const myUsers = createUsers(mine.db, clock);
        const tokens = createTokens({
          db: mine.db,
          users: myUsers,
          config,
          clock,
          audit: createAuditLog({ db: mine.db, clock }),
        });
        const ann = await myUsers.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
        const { access_token: token } = tokens!.issue(ann);
        for (let i = 0; i < 3; i++) expect(tokens!.verifyAccess(token).claims.role).toBe('viewer');
        createUsers(other.db, clock).setRole(ann.id, 'approver');
        now += 250; // another process's commit is seen within 250 ms
        expect(tokens!.verifyAccess(token).claims.role).toBe('approver');
        other.db.prepare('UPDATE sessions SET revoked_at = 1').run();
        now += 250;
        rejects(tokens!, token, 'session has ended: log in again');
        // A write through this process applies at once.
        const second = tokens!.issue(ann).access_token;
        expect(tokens!.verifyAccess(second).claims.role).toBe('approver');
        myUsers.setRole(ann.id, 'viewer');
        expect(tokens!.verifyAccess(second).claims.role).toBe('viewer');
      } finally {
        other.close();
        mine.close();
      }
    },
  );
});
