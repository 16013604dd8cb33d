import { context, propagation, ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SpanKind, tracer } from '../telemetry/spans';
import { tracingEnabled } from '../telemetry/tracing';

/** Scraped and probed every few seconds: no spans (they would bury the requests that matter). */
const UNTRACED = new Set(['/metrics', '/healthz', '/readyz']);

/**
 * A SERVER span per request (`METHOD /route`, HTTP semantic-convention attributes), continuing the
 * caller's trace when it sends `traceparent`. The rest of the request (body parsing included: its
 * stream is bound to the span's context) and whatever the handler starts (a chat message handed
 * to Bolt, a job enqueued) run inside it. Nothing at all while tracing is off.
 */
export function registerHttpTracing(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();

  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    if (!tracingEnabled() || (route !== undefined && UNTRACED.has(route))) return done();
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const span = tracer().startSpan(
      route ? `${req.method} ${route}` : req.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': req.url.split('?')[0],
          'url.scheme': req.protocol,
          ...(route ? { 'http.route': route } : {}),
        },
      },
      parent,
    );
    spans.set(req, span);
    const ctx = trace.setSpan(parent, span);
    context.bind(ctx, req.raw);
    context.with(ctx, done);
  });

  const end = (req: FastifyRequest, status: number | undefined) => {
    const span = spans.get(req);
    if (!span) return;
    spans.delete(req);
    if (status === undefined) {
      span.setAttribute('error.type', 'aborted');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'the client went away' });
    } else {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) {
        span.setAttribute('error.type', String(status));
        span.setStatus({ code: SpanStatusCode.ERROR });
      }
    }
    span.end();
  };
  app.addHook('onResponse', (req, reply, done) => {
    end(req, reply.statusCode);
    done();
  });
  app.addHook('onRequestAbort', (req, done) => {
    end(req, undefined);
    done();
  });
}
