import { Writable } from 'node:stream';
import { createAuth } from '../../src/auth/auth';
import type { Auth } from '../../src/auth/types';
import { testConfig } from '../../src/config/config';
import { createLogger } from '../../src/log/logger';
import { openStore, type Store } from '../../src/store/store';
import { GOOD_PASSWORD, START } from './fixtures';

const SECRET = 'hmac-secret-for-tests-0123456789-abcdefghijklmnop';

describe('auth', () => {
  let store: Store;
  let logged: string;
  let now: number;
  const clock = () => now;

  function build(env: Record<string, string> = { JWT_SECRET: SECRET }): Auth {
    const stream = new Writable({ write: (chunk: Buffer, _enc, done) => ((logged += chunk.toString()), done()) });
    const log = createLogger({ level: 'debug', format: 'json', stream });
    return createAuth({ db: store.db, config: testConfig(env).auth, clock, log });
  }

  beforeEach(() => {
    now = START;
    logged = '';
    store = openStore(':memory:');
  });
  afterEach(() => store.close());

  it('bootstraps the first admin once, audited, without logging the password', async () => {
    const auth = build();
    await expect(auth.bootstrapAdmin('root@example.com', 'short')).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('ADMIN_PASSWORD'),
    });
    await expect(auth.bootstrapAdmin('Root@Example.com', GOOD_PASSWORD)).resolves.toBe(true);
    await expect(auth.bootstrapAdmin('other@example.com', GOOD_PASSWORD)).resolves.toBe(false);
    expect(auth.users.list()).toEqual([expect.objectContaining({ email: 'root@example.com', role: 'admin' })]);
    expect(auth.audit.list()).toEqual([
      expect.objectContaining({ actor: 'system', action: 'auth.bootstrap_admin', outcome: 'ok' }),
    ]);
    const everything = JSON.stringify(store.db.prepare('SELECT * FROM audit_log').all()) + logged;
    expect(everything).not.toContain(GOOD_PASSWORD);
    expect(logged).toContain('created the first admin');
  });

  it('turns headers into a principal: JWT or API key, in Authorization or X-API-Key', async () => {
    const auth = build();
    expect(auth.authenticate({})).toBeUndefined();
    const user = await auth.users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'operator' });
    const pair = auth.tokens!.issue(user);
    expect(auth.authenticate({ authorization: `Bearer ${pair.access_token}` })).toMatchObject({
      id: `user:${user.id}`,
      role: 'operator',
      userId: user.id,
    });
    expect(auth.authenticate({ authorization: `bearer  ${pair.access_token} ` })?.id).toBe(`user:${user.id}`);
    const { key, info } = auth.apiKeys.create(user, { name: 'ci', permissions: ['read'] });
    const asKey = { id: `apikey:${info.id}`, permissions: new Set(['read']), userId: user.id };
    expect(auth.authenticate({ authorization: `Bearer ${key}` })).toMatchObject(asKey);
    expect(auth.authenticate({ 'x-api-key': key })).toMatchObject(asKey);
    expect(auth.authenticate({ 'x-api-key': [key] })).toMatchObject(asKey);

    const unauthorized = expect.objectContaining({ code: 'unauthorized' });
    for (const authorization of [
      'Basic YTpi',
      'Bearer',
      'Bearer ',
      `Bearer ${pair.access_token} extra`,
      pair.access_token,
      '',
    ]) {
      expect(() => auth.authenticate({ authorization })).toThrow(unauthorized);
    }
    expect(() => auth.authenticate({ authorization: 'Bearer not.a.jwt' })).toThrow(unauthorized);
    expect(() => auth.authenticate({ authorization: `Bearer ${key}x` })).toThrow(unauthorized);
    expect(() => auth.authenticate({ 'x-api-key': 'sco_nope' })).toThrow(unauthorized);
    expect(() => auth.authenticate({ 'x-api-key': [key, key] })).toThrow(unauthorized);
    expect(() => auth.authenticate({ 'x-api-key': key, authorization: `Bearer ${pair.access_token}` })).toThrow(
      unauthorized,
    );
    auth.tokens!.revokeSession(auth.tokens!.verifyAccess(pair.access_token).claims.sid, 'logout');
    expect(() => auth.authenticate({ authorization: `Bearer ${pair.access_token}` })).toThrow(unauthorized);
  });

  it('without a signing key: token auth answers unavailable with the fix, API keys still work', async () => {
    const auth = build({});
    expect(auth.tokens).toBeUndefined();
    expect(() => auth.authenticate({ authorization: 'Bearer a.b.c' })).toThrow(
      expect.objectContaining({
        code: 'unavailable',
        message: expect.stringContaining(
          'set JWT_SECRET (32+ random characters) or JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE',
        ),
      }),
    );
    const user = await auth.users.create({ email: 'ann@example.com', password: GOOD_PASSWORD, role: 'viewer' });
    const { key } = auth.apiKeys.create(user, { name: 'ci', permissions: ['read'] });
    expect(auth.authenticate({ authorization: `Bearer ${key}` })?.userId).toBe(user.id);
  });
});
