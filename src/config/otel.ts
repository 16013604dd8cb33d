/**
 * OpenTelemetry's standard variables, as far as our tracing uses them
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/ and
 * https://opentelemetry.io/docs/specs/otel/protocol/exporter/): checked with the rest of the
 * configuration, so a typo stops start-up instead of silently losing traces.
 */
import { z } from 'zod';
import { OTLP_PROTOCOLS, SAMPLERS, type TracingOptions } from '../telemetry/tracing';

const endpoint = z.url({ error: 'expected an http(s) URL, e.g. http://localhost:4318', protocol: /^https?$/ });
const protocol = z.enum(OTLP_PROTOCOLS, {
  error: 'expected http/protobuf or http/json (grpc is not supported: use the collector’s OTLP/HTTP port, 4318)',
});
/** `key=value` pairs, comma-separated, values percent-encoded (W3C baggage format). */
const keyValues = (what: string) =>
  z
    .string()
    .regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, `expected ${what} as key=value pairs separated by commas`);

export const otelEnvShape = {
  OTEL_SDK_DISABLED: z.enum(['true', 'false'], { error: 'expected true or false' }).default('false'),
  OTEL_EXPORTER_OTLP_ENDPOINT: endpoint.optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: endpoint.optional(),
  OTEL_EXPORTER_OTLP_PROTOCOL: protocol.default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: protocol.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: keyValues('headers').optional(),
  OTEL_EXPORTER_OTLP_TRACES_HEADERS: keyValues('headers').optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('smartcloudops'),
  OTEL_RESOURCE_ATTRIBUTES: keyValues('resource attributes').optional(),
  OTEL_TRACES_SAMPLER: z
    .enum(SAMPLERS, { error: `expected one of ${SAMPLERS.join(', ')}` })
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ error: 'expected a sampling ratio from 0 to 1' })
    .min(0, 'expected a sampling ratio from 0 to 1')
    .max(1, 'expected a sampling ratio from 0 to 1')
    .default(1),
};

type OtelEnv = z.output<z.ZodObject<typeof otelEnvShape>>;

/** `a=1,b=x%20y` -> {a: '1', b: 'x y'}. */
export function parseKeyValues(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const value = pair.slice(at + 1).trim();
    let decoded = value;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      // not percent-encoded after all: taken as written
    }
    out[pair.slice(0, at).trim()] = decoded;
  }
  return out;
}

/**
 * Tracing's options, or undefined (off) when no OTLP endpoint is set or OTEL_SDK_DISABLED=true. The
 * traces endpoint is used as given; the general one gets `v1/traces` appended, as the spec says.
 */
export function tracingOf(e: OtelEnv): TracingOptions | undefined {
  if (e.OTEL_SDK_DISABLED === 'true') return undefined;
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT;
  const url =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base}${base.endsWith('/') ? '' : '/'}v1/traces` : undefined);
  if (!url) return undefined;
  return {
    url,
    protocol: e.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? e.OTEL_EXPORTER_OTLP_PROTOCOL,
    headers: {
      ...parseKeyValues(e.OTEL_EXPORTER_OTLP_HEADERS),
      ...parseKeyValues(e.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    },
    serviceName: e.OTEL_SERVICE_NAME,
    resourceAttributes: parseKeyValues(e.OTEL_RESOURCE_ATTRIBUTES),
    sampler: { name: e.OTEL_TRACES_SAMPLER, ratio: e.OTEL_TRACES_SAMPLER_ARG },
  };
}
