import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../../auth/permissions';
import type { Auth, TokenPair } from '../../auth/types';
import { AppError } from '../../errors';
import { parseCookies, serializeCookie } from './cookies';

/**
 * The dashboard's browser session. Logging in on the page issues the same token pair as POST
 * /auth/login, kept in two HttpOnly, SameSite=Strict cookies scoped to `/ui` (Secure over https):
 * the access token and the refresh token. A request whose access token has expired is refreshed
 * with the refresh cookie (rotated as usual; the new pair is set on the answer). Every write from
 * the page must come from the page's own origin and carry the CSRF token: an HMAC of the session
 * id under a key this process drew at start, so it is tied to the session, and a page served by
 * an earlier process gets a new one on its next connection (the stream's `hello`).
 */

export const ACCESS_COOKIE = 'sco_session';
export const REFRESH_COOKIE = 'sco_refresh';
export const CSRF_HEADER = 'x-csrf-token';
const COOKIE_PATH = '/ui';
/** How long a refresh answer is reused for the same old refresh token (requests that raced the new cookies). */
const REUSE_MS = 30_000;

export interface DashboardSessions {
  /**
   * The principal behind the request's cookies, refreshing an expired access token (the new
   * cookies go on `reply`); undefined when there is no live session.
   */
  principal(req: FastifyRequest, reply: FastifyReply): Principal | undefined;
  /** Whether the session that `principal` found for this request is still live: for re-checks of an open stream. */
  stillValid(req: FastifyRequest): boolean;
  /** Put a new session's cookies on the answer. */
  start(req: FastifyRequest, reply: FastifyReply, pair: TokenPair): void;
  /** Revoke the session and clear its cookies. */
  end(req: FastifyRequest, reply: FastifyReply, principal: Principal): void;
  /** The CSRF token of the principal's session. */
  csrf(principal: Principal): string;
  /** Whether the request carries the CSRF token of the principal's session. */
  csrfOk(req: FastifyRequest, principal: Principal): boolean;
}

/**
 * A write from the page: its `Origin` is this server's own (scheme, host and port as the request
 * reached us, through a trusted proxy too), or, when a browser sends no Origin, `Sec-Fetch-Site`
 * says same-origin. Anything else, including no header at all, is refused.
 */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (typeof origin === 'string') return origin === `${req.protocol}://${req.host}`;
  return req.headers['sec-fetch-site'] === 'same-origin';
}

/**
 * Refreshes by the refresh cookie. Requests that left the page together carry the same refresh
 * token: the first rotates it, the others (within 30 s) get the same new pair, instead of
 * presenting a spent token, which would end the session as a replay.
 */
function refresher(auth: Auth, now: () => number): (refreshToken: string) => TokenPair | undefined {
  const recent = new Map<string, { pair: TokenPair; at: number }>();
  return (refreshToken) => {
    const at = now();
    for (const [hash, entry] of recent) if (at - entry.at > REUSE_MS) recent.delete(hash);
    const hash = createHash('sha256').update(refreshToken).digest('hex');
    const seen = recent.get(hash);
    if (seen) return seen.pair;
    if (!auth.tokens) return undefined;
    try {
      const pair = auth.tokens.refresh(refreshToken);
      recent.set(hash, { pair, at });
      return pair;
    } catch (err) {
      if (err instanceof AppError && err.code === 'unauthorized') return undefined;
      throw err;
    }
  };
}

/** The principal an access token (never an API key) stands for, or undefined. */
function fromAccess(auth: Auth, token: string | undefined): Principal | undefined {
  if (!token || token.startsWith('sco_')) return undefined;
  try {
    const principal = auth.authenticate({ authorization: `Bearer ${token}` });
    return principal?.sessionId ? principal : undefined;
  } catch (err) {
    if (err instanceof AppError && err.code === 'unauthorized') return undefined;
    throw err;
  }
}

/** CSRF tokens: an HMAC of the session id under a key drawn at start. */
function csrfTokens() {
  const key = randomBytes(32);
  const of = (p: Principal) =>
    createHmac('sha256', key)
      .update(`csrf:${p.sessionId ?? ''}`)
      .digest('base64url');
  return {
    of,
    ok(req: FastifyRequest, p: Principal): boolean {
      const given = req.headers[CSRF_HEADER];
      if (typeof given !== 'string' || !p.sessionId) return false;
      const want = Buffer.from(of(p));
      const got = Buffer.from(given);
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}

export function createDashboardSessions(
  auth: Auth,
  options: { refreshTtlS: number; now: () => number },
): DashboardSessions {
  const refreshed = refresher(auth, options.now);
  // The access token that authenticated each request (from its cookie, or the pair refreshed for it).
  const tokenOf = new WeakMap<FastifyRequest, string>();
  const csrf = csrfTokens();
  const secure = (req: FastifyRequest) => req.protocol === 'https';
  const cookie = (req: FastifyRequest, name: string, value: string, maxAgeS: number) =>
    serializeCookie(name, value, { path: COOKIE_PATH, maxAgeS, secure: secure(req) });

  function setCookies(req: FastifyRequest, reply: FastifyReply, pair: TokenPair): void {
    void reply.header('set-cookie', [
      cookie(req, ACCESS_COOKIE, pair.access_token, pair.expires_in),
      cookie(req, REFRESH_COOKIE, pair.refresh_token, options.refreshTtlS),
    ]);
    void reply.header('cache-control', 'no-store');
  }

  return {
    principal(req, reply) {
      const cookies = parseCookies(req.headers.cookie);
      let token = cookies.get(ACCESS_COOKIE);
      let found = fromAccess(auth, token);
      if (!found) {
        const refreshToken = cookies.get(REFRESH_COOKIE);
        const pair = refreshToken ? refreshed(refreshToken) : undefined;
        if (!pair) return undefined;
        setCookies(req, reply, pair);
        token = pair.access_token;
        found = fromAccess(auth, token);
      }
      if (found && token) tokenOf.set(req, token);
      return found;
    },
    stillValid: (req) => fromAccess(auth, tokenOf.get(req)) !== undefined,
    start: setCookies,
    end(req, reply, principal) {
      if (principal.sessionId) auth.tokens?.revokeSession(principal.sessionId, 'logout');
      auth.audit.record({
        actor: principal.id,
        action: 'auth.logout',
        outcome: 'ok',
        ip: req.ip,
        target: `session:${principal.sessionId ?? '?'}`,
        detail: { via: 'dashboard' },
      });
      void reply.header('set-cookie', [cookie(req, ACCESS_COOKIE, '', 0), cookie(req, REFRESH_COOKIE, '', 0)]);
    },
    csrf: csrf.of,
    csrfOk: csrf.ok,
  };
}
