import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from '../log/logger';
import type { Metrics } from '../telemetry/metrics';
import { healthRoutes, type ReadinessCheck } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { registerSecurity } from './security';
import { registerHttpTracing } from './tracing';

export interface HttpDeps {
  log: Logger;
  metrics: Metrics;
  bodyLimitBytes: number;
  readiness: ReadinessCheck[];
  /** Origins allowed by CORS; empty = none. */
  corsOrigins?: readonly string[];
  /**
   * Proxies (addresses or CIDRs) whose X-Forwarded-For names the client; empty = none, so the
   * socket's address is the client's and a forged header changes nothing (login throttling and
   * the audit log key on it).
   */
  trustProxy?: readonly string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    log2: Logger;
    startedAt: bigint;
  }
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The HTTP side-app: request ids, access log, metrics, spans, JSON errors, body limits, security
 * headers and CORS. Routes are plugins registered by the caller; this file knows none of their domains.
 */
export function createHttpServer(deps: HttpDeps): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.bodyLimitBytes,
    trustProxy: deps.trustProxy?.length ? [...deps.trustProxy] : false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });

  // First: the span is the request's context for every later hook, the body and the handler.
  registerHttpTracing(app);
  registerSecurity(app, { corsOrigins: deps.corsOrigins ?? [] });
  // The request's child logger is made when first used: most requests never log.
  const childLogs = new WeakMap<FastifyRequest, Logger>();
  app.decorateRequest('log2', {
    getter(this: FastifyRequest): Logger {
      let child = childLogs.get(this);
      if (!child) childLogs.set(this, (child = deps.log.child({ req: this.id })));
      return child;
    },
  });
  app.decorateRequest('startedAt', BigInt(0));

  app.addHook('onRequest', async (req, reply) => {
    req.startedAt = process.hrtime.bigint();
    void reply.header('x-request-id', req.id);
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = routeLabel(req);
    const seconds = Number(process.hrtime.bigint() - req.startedAt) / 1e9;
    deps.metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    deps.metrics.httpDuration.observe({ method: req.method, route }, seconds);
    // winston formats (and redacts) a record before its transports drop it by level: skip the work
    // when nothing keeps it.
    if (deps.log.isLevelEnabled('http'))
      req.log2.http('request', {
        method: req.method,
        url: req.url,
        route,
        status: reply.statusCode,
        ms: Math.round(seconds * 1e4) / 10,
        ip: req.ip,
        headers: req.headers,
      });
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const body = errorBody(status, err, req);
    if (status >= 500) req.log2.error('request failed', { err, url: req.url });
    else req.log2.info('request rejected', { status, code: body.error, url: req.url });
    return reply.status(status).send(body);
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const allowed = METHODS.filter((m) => m !== req.method && app.hasRoute({ url: path, method: m }));
    if (allowed.length) {
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send({
          error: 'method_not_allowed',
          message: `${req.method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
          request_id: req.id,
        });
    }
    return reply
      .status(404)
      .send({ error: 'not_found', message: `no route ${req.method} ${path}`, request_id: req.id });
  });

  void app.register(healthRoutes, { checks: deps.readiness });
  void app.register(metricsRoutes, { metrics: deps.metrics });
  return app;
}

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

function routeLabel(req: FastifyRequest): string {
  // The route pattern, never the raw URL, so ids in paths don't explode label cardinality.
  return req.routeOptions.url ?? 'unmatched';
}

function errorBody(status: number, err: Error & { code?: string; validation?: unknown }, req: FastifyRequest) {
  const base = { request_id: req.id };
  if (status === 413) return { error: 'payload_too_large', message: 'request body is larger than the limit', ...base };
  if (status === 415) return { error: 'unsupported_media_type', message: err.message, ...base };
  // A body that is not JSON at all: the same shape as a schema failure, naming the body.
  if (
    status === 400 &&
    (err.name === 'SyntaxError' ||
      err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
  )
    return {
      error: 'bad_request',
      message: `invalid request body: ${err.message}`,
      fields: { body: err.message },
      ...base,
    };
  if (status === 400) return { error: 'bad_request', message: err.message, ...base };
  if (status < 500) return { error: err.code?.toLowerCase() ?? 'error', message: err.message, ...base };
  return { error: 'internal', message: 'internal error; see the server log for this request id', ...base };
}
