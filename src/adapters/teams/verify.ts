import type { CloudAdapter, Request as SdkRequest } from '@microsoft/agents-hosting';
import { CapturedResponse } from './web';

export type AuthVerdict = { ok: true } | { ok: false; reason: string };

/**
 * The SDK's JWT check (authorizeJWT through the adapter: signature against the issuer's published
 * keys, audience = our app id, issuer, expiry, tenant binding). Signing keys that cannot be
 * fetched in time refuse the request instead of holding it open.
 */
export async function authorize(adapter: CloudAdapter, req: SdkRequest, timeoutMs: number): Promise<AuthVerdict> {
  const res = new CapturedResponse();
  let passed = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([
      adapter.authorizeRequest(req, res, () => {
        passed = true;
      }),
      deadline,
    ]);
    if (outcome === 'timeout')
      return { ok: false, reason: `the token could not be verified within ${timeoutMs} ms (signing keys unreachable)` };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : 'the token could not be verified' };
  } finally {
    clearTimeout(timer);
  }
  if (passed && req.user) return { ok: true };
  const said = (res.body as { 'jwt-auth-error'?: unknown } | undefined)?.['jwt-auth-error'];
  return { ok: false, reason: typeof said === 'string' && said ? said : 'unauthorized' };
}

/**
 * Whether `POST /api/messages` may take this request: with TEAMS_AUTH=off (local development,
 * never production) every request may; otherwise only one whose Bot Framework token `authorize`
 * accepts.
 */
export async function verifyTeamsRequest(
  adapter: CloudAdapter,
  req: SdkRequest,
  options: { authOff: boolean; timeoutMs: number },
): Promise<AuthVerdict> {
  if (options.authOff) return { ok: true };
  return authorize(adapter, req, options.timeoutMs);
}

/** What a refused caller is told: what was wrong with its request, not how our verification failed inside. */
export function refusalMessage(reason: string): string {
  const told = /authorization header|could not be verified within/.test(reason) ? reason : 'the token was not accepted';
  return `a valid Bot Framework token is required: ${told}`;
}
