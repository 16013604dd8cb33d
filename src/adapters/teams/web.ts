import type { CloudAdapter, Request as SdkRequest, WebResponse } from '@microsoft/agents-hosting';
import type { FastifyRequest } from 'fastify';

/**
 * The SDK writes to an express-like response; this one only records what it was told, so the
 * fastify route decides what goes on the wire (our JSON error shapes, one reply per request).
 * Writes after the route has answered (a check that finished after its deadline) go nowhere.
 */
export class CapturedResponse implements WebResponse {
  statusCode = 200;
  body: unknown = undefined;
  headers: Record<string, string> = {};
  headersSent = false;
  writableEnded = false;

  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }
  send(body?: unknown): this {
    this.body = body;
    this.headersSent = true;
    return this;
  }
  end(): this {
    this.headersSent = true;
    this.writableEnded = true;
    return this;
  }
}

/** Fastify's request as the SDK's Request: the body is already parsed JSON. */
export function sdkRequest(req: FastifyRequest): SdkRequest {
  return { body: req.body as Record<string, unknown>, headers: req.headers, method: req.method };
}

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
