/**
 * Spans around our own seams (chat, intent, commands, queue, HTTP, LLM calls), through the
 * OpenTelemetry API only: with tracing off (./tracing.ts) each call is the API's no-op. Span
 * attributes carry names and ids, never what a person typed nor a secret.
 */
import {
  context,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { AppError, errorMessage } from '../errors';

export { SpanKind, type Attributes, type Span };

let current: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * Our tracer from the provider registered now (the API's no-op one while tracing is off). Looked up
 * per span, not kept from load time: a tracer outlives a provider shut down and started again.
 */
export function tracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (current?.provider !== provider) current = { provider, tracer: provider.getTracer('smartcloudops') };
  return current.tracer;
}

export interface InSpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent: by default the active span (none: a new trace). */
  parent?: Context;
}

/** A failed operation on its span: status ERROR, `error.type`, and the error's one-line message. */
export function markFailed(span: Span, err: unknown): void {
  const type = err instanceof AppError ? err.code : err instanceof Error ? err.name : 'error';
  const message = errorMessage(err).slice(0, 300);
  span.setAttribute('error.type', type);
  span.recordException({ name: type, message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/**
 * Run `work` in a new active span named `name`, ended when it settles; a rejection marks the span
 * failed and is rethrown. Everything `work` starts (awaits, timers, further spans) is inside it.
 */
export function inSpan<T>(name: string, options: InSpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(
    name,
    { kind: options.kind ?? SpanKind.INTERNAL, ...(options.attributes ? { attributes: options.attributes } : {}) },
    parent,
  );
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await work(span);
    } catch (err) {
      markFailed(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** The W3C trace context of the active span, to carry with a job (job meta) or a request. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

/** The active trace context as W3C fields; empty when there is none (or tracing is off). */
export function traceCarrier(): TraceCarrier {
  const fields: Record<string, string> = {};
  propagation.inject(context.active(), fields);
  return {
    ...(fields.traceparent ? { traceparent: fields.traceparent } : {}),
    ...(fields.tracestate ? { tracestate: fields.tracestate } : {}),
  };
}

/** The context a carrier (job meta, request headers) names; a root context when it names none. */
export function contextFrom(carrier: Record<string, unknown>): Context {
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The active span's ids, for log lines; undefined outside a recorded span (and always with tracing off). */
export function activeTraceIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getSpan(context.active());
  if (!span) return undefined;
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : undefined;
}
