import {
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  randomBytes,
  randomUUID,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import jwt from 'jsonwebtoken';
import type { Clock } from '../clock';
import type { AuthConfig } from './config';
import { jwtSecretWeakness } from './config';
import { AppError } from '../errors';
import type { Db } from '../store/store';
import type { AuditLog } from '../audit/types';
import {
  createSessionCache,
  prepareTokenSql,
  VERIFIED_CACHE_SIZE,
  type RefreshRow,
  type SessionUserRow,
  type TokenSql,
} from './token-store';
import type { AccessClaims, TokenPair, Tokens, User, Users } from './types';

/**
 * Short-lived JWT access tokens and rotating refresh tokens. Exactly one algorithm is accepted,
 * fixed by the configured key (HS256 for JWT_SECRET, RS256 / ES256 for a key pair), so `alg: none`
 * and HMAC-with-the-public-key tokens are refused. Every access token names its session (the
 * refresh-token family): logout or a replayed refresh token revokes the session, and with it the
 * access tokens already handed out. Refresh tokens are stored as SHA-256 only.
 */

type Algorithm = 'HS256' | 'RS256' | 'ES256';
interface Keys {
  algorithm: Algorithm;
  sign: KeyObject;
  verify: KeyObject;
}

const REFRESH_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const PRUNE_EVERY_MS = 3_600_000;
const PRUNE_GRACE_MS = 86_400_000;
const MAX_TOKEN_LENGTH = 8192;

const sha256hex = (value: string) => createHash('sha256').update(value).digest('hex');

function readPem(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError(
      'config_invalid',
      `${variable}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/** The signing and verifying keys and the one algorithm they allow, or undefined when token auth is off. */
export function loadKeys(config: Pick<AuthConfig, 'jwtSecret' | 'privateKeyFile' | 'publicKeyFile'>): Keys | undefined {
  if (config.jwtSecret) {
    const weak = jwtSecretWeakness(config.jwtSecret);
    if (weak) throw new AppError('config_invalid', `JWT_SECRET: ${weak}`);
    const key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
    return { algorithm: 'HS256', sign: key, verify: key };
  }
  if (!config.privateKeyFile && !config.publicKeyFile) return undefined;
  if (!config.privateKeyFile || !config.publicKeyFile)
    throw new AppError(
      'config_invalid',
      'JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE: set both (PEM files of one key pair)',
    );
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  try {
    privateKey = createPrivateKey(readPem(config.privateKeyFile, 'JWT_PRIVATE_KEY_FILE'));
    publicKey = createPublicKey(readPem(config.publicKeyFile, 'JWT_PUBLIC_KEY_FILE'));
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'config_invalid',
      'JWT_PRIVATE_KEY_FILE / JWT_PUBLIC_KEY_FILE: not a readable PEM key: ' +
        (err instanceof Error ? err.message : String(err)),
      { cause: err },
    );
  }
  const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!derived.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
    throw new AppError(
      'config_invalid',
      'JWT_PRIVATE_KEY_FILE and JWT_PUBLIC_KEY_FILE are not the two halves of one key pair',
    );
  }
  const type = privateKey.asymmetricKeyType;
  const details = privateKey.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    if ((details.modulusLength ?? 0) < 2048)
      throw new AppError(
        'config_invalid',
        `JWT_PRIVATE_KEY_FILE: an RSA key of ${details.modulusLength ?? '?'} bits is too small: use 2048 bits or more`,
      );
    return { algorithm: 'RS256', sign: privateKey, verify: publicKey };
  }
  if (type === 'ec' && details.namedCurve === 'prime256v1')
    return { algorithm: 'ES256', sign: privateKey, verify: publicKey };
  const what = type === 'ec' ? `an EC key on curve ${details.namedCurve ?? '?'}` : `a ${type ?? 'unknown'} key`;
  throw new AppError(
    'config_invalid',
    `JWT_PRIVATE_KEY_FILE: ${what} is not supported: use an RSA key (RS256, 2048+ bits) or an EC P-256 key ` +
      '(ES256), e.g. `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt`',
  );
}

function unauthorized(message: string, cause?: unknown): AppError {
  return new AppError('unauthorized', message, cause === undefined ? {} : { cause });
}

/** jsonwebtoken's reasons, said generically (never the token, never which check came close). */
function describeJwtError(err: unknown): AppError {
  if (err instanceof jwt.TokenExpiredError) return unauthorized('token expired', err);
  if (err instanceof jwt.NotBeforeError) return unauthorized('token not yet valid', err);
  return unauthorized('invalid token', err);
}

export interface TokensDeps {
  db: Db;
  users: Users;
  config: AuthConfig;
  clock: Clock;
  audit: AuditLog;
}

/** What the token functions share: the deps, the keys, the SQL and the caches. */
interface TokenState extends TokensDeps {
  keys: Keys;
  verifyOptions: { algorithms: Algorithm[]; issuer: string; audience: string };
  s: TokenSql;
  sessionUser: (sid: string) => SessionUserRow | undefined;
  /**
   * Access tokens whose signature and claims jsonwebtoken has verified, by their exact string:
   * a token is presented on every request, and re-verifying the same bytes only re-checks its
   * expiry (nbf = iat, so a token once valid stays so until exp). Bounded; oldest out first. The
   * session and user are still read on every call, so logout and role changes apply at once.
   */
  verified: Map<string, unknown>;
  prunedAt: number;
}

type Outcome = { pair: TokenPair } | { reuse: RefreshRow } | { error: AppError };

/** A new refresh token in `family` and an access token for `user` in the same session. */
function pair({ s, config, keys }: TokenState, user: User, family: string, now: number): TokenPair {
  const { algorithm } = keys;
  const refresh = randomBytes(32).toString('base64url');
  s.insertRefresh.run(randomUUID(), sha256hex(refresh), family, user.id, now, now + config.refreshTtlS * 1000);
  const iat = Math.floor(now / 1000);
  const payload = {
    iss: config.issuer,
    aud: config.audience,
    sub: user.id,
    sid: family,
    jti: randomUUID(),
    role: user.role,
    iat,
    nbf: iat,
    exp: iat + config.accessTtlS,
  };
  const access = jwt.sign(payload, keys.sign, { algorithm });
  return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: config.accessTtlS };
}

function liveUser({ users }: TokenState, id: string): User {
  const user = users.get(id);
  if (!user || user.disabled) throw unauthorized('account disabled or removed');
  return user;
}

function revoke(s: TokenSql, family: string, reason: string, now: number): void {
  s.revokeSession.run(now, reason, family);
  s.revokeFamily.run(now, family);
}

/** The refresh token's rotation, in one transaction: a new pair, or reuse (the session revoked), or an error. */
function createRotate(t: TokenState): (hash: string, now: number) => Outcome {
  const { s, users } = t;
  const rotate = t.db.transaction((hash: string, now: number): Outcome => {
    const row = s.findRefresh.get(hash);
    if (!row) return { error: unauthorized('invalid refresh token') };
    if (row.used_at !== null || row.revoked_at !== null || row.session_revoked_at !== null) {
      revoke(s, row.family_id, 'refresh token reuse', now);
      return { reuse: row };
    }
    if (row.expires_at <= now) return { error: unauthorized('refresh token expired') };
    const user = users.get(row.user_id);
    if (!user || user.disabled) return { error: unauthorized('account disabled or removed') };
    s.markUsed.run(now, row.id);
    return { pair: pair(t, user, row.family_id, now) };
  });
  return (hash, now) => rotate.immediate(hash, now);
}

function remember({ verified }: TokenState, token: string, payload: unknown): void {
  if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
  verified.set(token, payload);
}

/** At most hourly, on a login: keeps refresh_tokens from growing with every rotation forever. */
function pruneExpired(t: TokenState, now: number): void {
  if (now - t.prunedAt < PRUNE_EVERY_MS) return;
  t.prunedAt = now;
  t.s.prune.run(now - PRUNE_GRACE_MS);
}

function issue(t: TokenState, user: User): TokenPair {
  const { db, s, clock } = t;
  const current = liveUser(t, user.id);
  const now = clock();
  pruneExpired(t, now);
  return db
    .transaction(() => {
      const family = randomUUID();
      s.insertSession.run(family, current.id, now);
      return pair(t, current, family, now);
    })
    .immediate();
}

/** The token's payload: from the cache of verified strings (only time moves on), else verified now. */
function verifiedPayload(t: TokenState, token: string, now: number): unknown {
  const { verified, keys, verifyOptions } = t;
  let payload: unknown = verified.get(token);
  if (payload !== undefined) {
    // Signature, algorithm, iss and aud hold for this exact string; only time moves on.
    const { exp, nbf } = payload as { exp: number; nbf?: number };
    if (exp <= now) {
      verified.delete(token);
      throw unauthorized('token expired');
    }
    if (nbf !== undefined && nbf > now) throw unauthorized('token not yet valid');
  } else {
    try {
      payload = jwt.verify(token, keys.verify, { ...verifyOptions, clockTimestamp: now });
    } catch (err) {
      throw describeJwtError(err);
    }
    remember(t, token, payload);
  }
  return payload;
}

function verifyAccess(t: TokenState, token: string): { claims: AccessClaims; user: User } {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_LENGTH)
    throw unauthorized('invalid token');
  const now = Math.floor(t.clock() / 1000);
  const payload = verifiedPayload(t, token, now);
  const p = payload as Partial<Record<keyof AccessClaims, unknown>>;
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.sub !== 'string' ||
    typeof p.sid !== 'string' ||
    typeof p.jti !== 'string' ||
    typeof p.iat !== 'number' ||
    typeof p.exp !== 'number'
  ) {
    throw unauthorized('invalid token');
  }
  const row = t.sessionUser(p.sid);
  if (!row || row.session_user_id !== p.sub) throw unauthorized('invalid token');
  if (row.session_revoked_at !== null) throw unauthorized('session has ended: log in again');
  if (row.disabled !== 0) throw unauthorized('account disabled');
  const user: User = {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: false,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
  return { claims: { sub: p.sub, sid: p.sid, jti: p.jti, role: user.role, iat: p.iat, exp: p.exp }, user };
}

function refresh(t: TokenState, rotate: (hash: string, now: number) => Outcome, refreshToken: string): TokenPair {
  const { clock, audit } = t;
  if (typeof refreshToken !== 'string' || !REFRESH_FORMAT.test(refreshToken))
    throw unauthorized('invalid refresh token');
  const outcome = rotate(sha256hex(refreshToken), clock());
  if ('pair' in outcome) return outcome.pair;
  if ('error' in outcome) throw outcome.error;
  // Recorded after the revocation has committed: an audit failure must not undo it.
  audit.record({
    actor: `user:${outcome.reuse.user_id}`,
    action: 'auth.refresh_reuse',
    outcome: 'denied',
    detail: { session: outcome.reuse.family_id },
  });
  throw unauthorized('refresh token already used: the session has been ended, log in again');
}

export function createTokens(deps: TokensDeps): Tokens | undefined {
  const { db, config, clock } = deps;
  const loaded = loadKeys(config);
  if (!loaded) return undefined;
  const keys: Keys = loaded;
  const { algorithm } = keys;
  const verifyOptions = { algorithms: [algorithm], issuer: config.issuer, audience: config.audience };
  const s = prepareTokenSql(db);
  const t: TokenState = {
    ...deps,
    keys,
    verifyOptions,
    s,
    sessionUser: createSessionCache(s, clock),
    verified: new Map<string, unknown>(),
    prunedAt: 0,
  };
  const rotate = createRotate(t);
  return {
    issue: (user) => issue(t, user),
    verifyAccess: (token) => verifyAccess(t, token),
    refresh: (refreshToken) => refresh(t, rotate, refreshToken),
    revokeSession(sid, reason) {
      if (typeof sid !== 'string' || !sid) return;
      const why = typeof reason === 'string' && reason.trim() ? reason.trim().slice(0, 200) : 'revoked';
      db.transaction(() => revoke(s, sid, why, clock())).immediate();
    },
  };
}
