import type { Request as SdkRequest, WebResponse } from '@microsoft/agents-hosting';
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
