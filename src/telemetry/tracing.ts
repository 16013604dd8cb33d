/**
 * Tracing with the OpenTelemetry JS SDK: on when the configuration names an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), off otherwise. Off registers
 * nothing: every span our code starts (./spans.ts) is the API's no-op span, and no exporter exists.
 * On, one provider per process (however many composition roots it builds) with the W3C trace
 * context propagator and an AsyncLocalStorage context manager; spans leave in batches over
 * OTLP/HTTP (protobuf, or JSON) and are flushed when the last user shuts it down.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { context, diag, DiagLogLevel, propagation, trace, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../log/logger';

export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** What tracing runs with (src/config/otel.ts builds it from the standard OTEL_* variables). */
export interface TracingOptions {
  /** The OTLP/HTTP traces URL spans are posted to (…/v1/traces). */
  url: string;
  protocol: OtlpProtocol;
  /** Sent with every export (OTEL_EXPORTER_OTLP_HEADERS): credentials, so never logged. */
  headers: Record<string, string>;
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES. */
  resourceAttributes: Record<string, string>;
  sampler: { name: SamplerName; ratio: number };
}

/** This process's tracing, as one user (a composition root) holds it. */
export interface Tracing {
  readonly enabled: boolean;
  /** Flush the spans not sent yet and, when no other user holds it, unregister the provider. */
  shutdown(): Promise<void>;
}

interface Running {
  provider: TracerProvider;
  users: number;
}

let running: Running | undefined;

/** True while this process exports spans (cheap: the HTTP hooks ask it per request). */
export function tracingEnabled(): boolean {
  return running !== undefined;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

function samplerOf({ name, ratio }: TracingOptions['sampler']): Sampler {
  const root = name.endsWith('always_off')
    ? new AlwaysOffSampler()
    : name.endsWith('traceidratio')
      ? new TraceIdRatioBasedSampler(ratio)
      : new AlwaysOnSampler();
  return name.startsWith('parentbased_') ? new ParentBasedSampler({ root }) : root;
}

/** The SDK's own warnings (an export that failed) to our log, each distinct one at most once a minute. */
function diagToLog(log: Logger): DiagLogger {
  const last = new Map<string, number>();
  const say =
    (level: 'warn' | 'debug') =>
    (message: string, ...args: unknown[]) => {
      const now = Date.now();
      if (level === 'warn' && now - (last.get(message) ?? -Infinity) < 60_000) return;
      last.set(message, now);
      log[level](`tracing: ${message}`, args.length ? { details: args.map(String) } : {});
    };
  return { error: say('warn'), warn: say('warn'), info: say('debug'), debug: say('debug'), verbose: say('debug') };
}

export interface StartTracingOptions {
  log: Logger;
  serviceVersion: string;
  /** What this process is (`control`, `worker`): the resource says so. */
  role: string;
}

/**
 * Start tracing in this process, or join it when another composition root started it already
 * (the options of the first one win). `options` undefined: tracing is off, nothing is registered.
 */
export function startTracing(options: TracingOptions | undefined, how: StartTracingOptions): Tracing {
  if (!options) return OFF;
  if (!running) running = { provider: register(options, how), users: 0 };
  const mine = running;
  mine.users += 1;
  let released = false;
  return {
    enabled: true,
    async shutdown() {
      if (released) return;
      released = true;
      mine.users -= 1;
      if (mine.users > 0) {
        await mine.provider.forceFlush();
        return;
      }
      if (running === mine) running = undefined;
      trace.disable();
      context.disable();
      propagation.disable();
      await mine.provider.shutdown().catch((err: unknown) => how.log.warn('tracing: shutdown failed', { err }));
      diag.disable();
    },
  };
}

/** A URL's origin and path: no user, password or query (where a collector's key might be). */
function withoutSecrets(url: string): string {
  const u = new URL(url);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function register(options: TracingOptions, how: StartTracingOptions): TracerProvider {
  const resource = resourceFromAttributes({
    ...options.resourceAttributes,
    [ATTR_SERVICE_NAME]: options.serviceName,
    [ATTR_SERVICE_VERSION]: how.serviceVersion,
    // Incubating attributes (semantic-conventions asks to copy them, not import them).
    'service.instance.id': randomUUID(),
    'host.name': hostname(),
    'process.pid': process.pid,
    'smartcloudops.role': how.role,
  });
  const Exporter = options.protocol === 'http/json' ? JsonTraceExporter : ProtobufTraceExporter;
  const exporter = new Exporter({ url: options.url, headers: { ...options.headers } });
  const provider = new TracerProvider({
    resource,
    sampler: samplerOf(options.sampler),
    spanProcessors: [new BatchSpanProcessor({ exporter })],
  });
  diag.setLogger(diagToLog(how.log), DiagLogLevel.WARN);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  how.log.info('tracing on', {
    url: withoutSecrets(options.url),
    protocol: options.protocol,
    service: options.serviceName,
    sampler: options.sampler.name,
  });
  return provider;
}
