import type { AuditLog } from '../audit/types';
import type { ChatPlatform } from '../ports/chat';
import type { Role } from './roles';
import type { Permission, Principal } from './permissions';

/** A user as the rest of the service sees it (never the password hash). */
export interface User {
  id: string;
  email: string;
  /** Unique short name: the console's `--as NAME`, and how chat replies address the user. */
  name: string;
  role: Role;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface NewUser {
  email: string;
  password: string;
  role: Role;
  /** Defaults to the email's local part, made unique. */
  name?: string;
}

/**
 * Users in SQLite (src/auth/users.ts). Bad input throws AppError('bad_request' | 'conflict' |
 * 'not_found'). Password work (scrypt) is async so it never blocks the event loop.
 */
export interface Users {
  create(input: NewUser): Promise<User>;
  get(id: string): User | undefined;
  findByEmail(email: string): User | undefined;
  findByName(name: string): User | undefined;
  list(): User[];
  count(): number;
  /** The user when the email and password match (and the user is enabled); the same work either way. */
  verifyPassword(email: string, password: string): Promise<User | undefined>;
  /** Checks `current` first (AppError 'unauthorized' when wrong); the new password must pass the policy. */
  changePassword(id: string, current: string, next: string): Promise<void>;
  /** Admin reset, no current password (CLI `user passwd`). */
  setPassword(id: string, next: string): Promise<void>;
  updateProfile(id: string, changes: { name?: string; email?: string }): User;
  setRole(id: string, role: Role): User;
  /** A disabled user cannot log in; their tokens, API keys and chat links stop working at once. */
  setDisabled(id: string, disabled: boolean): User;
  link(userId: string, platform: ChatPlatform, platformUserId: string): void;
  unlink(platform: ChatPlatform, platformUserId: string): boolean;
  resolveLink(platform: ChatPlatform, platformUserId: string): User | undefined;
}

/** POST /auth/login and /auth/refresh answer this (DESIGN.md). */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  /** Seconds until the access token expires. */
  expires_in: number;
}

/** What a verified access token says. */
export interface AccessClaims {
  sub: string;
  /** Session = refresh-token family; logout and reuse revoke it, and its access tokens with it. */
  sid: string;
  jti: string;
  role: Role;
  iat: number;
  exp: number;
}

/** JWT access tokens and rotating refresh tokens (src/auth/tokens.ts). Failures throw AppError('unauthorized'). */
export interface Tokens {
  issue(user: User): TokenPair;
  /** Signature, algorithm, iss, aud, exp, nbf, and that the session and user are still live. */
  verifyAccess(token: string): { claims: AccessClaims; user: User };
  /** Rotates: the old refresh token is spent. A spent token presented again revokes its whole family. */
  refresh(refreshToken: string): TokenPair;
  /** Revokes the session (refresh family) the access token belongs to. */
  revokeSession(sid: string, reason: string): void;
}

export interface ApiKeyInfo {
  id: string;
  userId: string;
  name: string;
  permissions: Permission[];
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** API keys (src/auth/api-keys.ts): `sco_<id>_<secret>`, stored as a hash of the secret only. */
export interface ApiKeys {
  /** The key is in the result once and never again. Permissions must be within the owner's role. */
  create(
    owner: User,
    input: { name: string; permissions: Permission[]; expiresInDays?: number },
  ): { key: string; info: ApiKeyInfo };
  list(userId?: string): ApiKeyInfo[];
  get(id: string): ApiKeyInfo | undefined;
  revoke(id: string): boolean;
  /** The principal for a presented key, or undefined (unknown, wrong secret, revoked, expired, owner disabled). */
  authenticate(key: string): Principal | undefined;
}

export type ThrottleVerdict = { allowed: true } | { allowed: false; retryAfterS: number };

/**
 * Login failures per (account, address), per address and per account, with exponential backoff
 * (src/auth/throttle.ts). Every password check is reserved first and settled after.
 */
export interface LoginThrottle {
  /** Checks every limit and, when allowed, reserves one password check, atomically: call before the check. */
  reserve(email: string, ip: string): ThrottleVerdict;
  /** Settles a reserved check that failed (wrong password, unknown email, or the check threw). */
  failed(email: string, ip: string): void;
  /** Settles a reserved check that passed: clears the pair's failures and remembers the address for the account. */
  succeeded(email: string, ip: string): void;
}

/** Everything auth, built once by the composition root (src/auth/auth.ts). */
export interface Auth {
  users: Users;
  /** Undefined when neither JWT_SECRET nor a key pair is configured: token routes answer 503. */
  tokens: Tokens | undefined;
  apiKeys: ApiKeys;
  throttle: LoginThrottle;
  audit: AuditLog;
  /**
   * The principal behind request headers: `Authorization: Bearer <JWT or API key>` or `X-API-Key`.
   * Undefined when no credential is presented; AppError('unauthorized') when one is presented and fails.
   */
  authenticate(headers: { authorization?: string; 'x-api-key'?: string | string[] }): Principal | undefined;
  /** Creates the first admin from ADMIN_EMAIL / ADMIN_PASSWORD when no admin exists yet; true if it did. */
  bootstrapAdmin(email: string, password: string): Promise<boolean>;
}
