import { createServer, type IncomingHttpHeaders } from 'node:http';
import { parse } from 'protobufjs';
import { listenOnLoopback } from './loopback';

/**
 * A local OTLP/HTTP trace receiver (the far side, not our code): `POST /v1/traces` on 127.0.0.1,
 * decoding both encodings the OTLP exporters send, `application/x-protobuf` (with the field numbers
 * of opentelemetry-proto's trace.proto, common.proto and resource.proto) and `application/json`,
 * into flat spans, each with its resource. Answers 200 with an empty ExportTraceServiceResponse.
 */

/** One span as received, ids in lower-case hex. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Empty for a root span. */
  parentSpanId: string;
  name: string;
  /** OTLP SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, unknown>;
  /** OTLP StatusCode: 0 unset, 1 ok, 2 error. */
  status: { code: number; message?: string };
  resource: Record<string, unknown>;
}

export interface ExportRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
  spans: number;
}

export interface OtlpReceiver {
  /** The base URL (OTEL_EXPORTER_OTLP_ENDPOINT); exporters post to `${url}/v1/traces`. */
  readonly url: string;
  readonly spans: ReceivedSpan[];
  readonly requests: ExportRequest[];
  close(): Promise<void>;
}

const TRACE_PROTO = `
syntax = "proto3";
message AnyValue {
  oneof value {
    string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4;
    ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; }
message InstrumentationScope { string name = 1; string version = 2; }
message Status { string message = 2; int32 code = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5;
  int32 kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; Status status = 15;
}
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; }
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
`;
const ExportTraceServiceRequest = parse(TRACE_PROTO, { keepCase: true }).root.lookupType('ExportTraceServiceRequest');

/** A decoded value, protobuf (snake_case, Long-as-string) or JSON (camelCase) alike. */
type Any = Record<string, unknown> | undefined;

function valueOf(v: Any): unknown {
  if (!v) return undefined;
  const get = (snake: string, camel: string) => (snake in v ? v[snake] : v[camel]);
  const s = get('string_value', 'stringValue');
  if (s !== undefined) return s;
  const b = get('bool_value', 'boolValue');
  if (b !== undefined) return b;
  const i = get('int_value', 'intValue');
  if (i !== undefined) return Number(i);
  const d = get('double_value', 'doubleValue');
  if (d !== undefined) return Number(d);
  const a = get('array_value', 'arrayValue') as { values?: Any[] } | undefined;
  if (a !== undefined) return (a.values ?? []).map(valueOf);
  return undefined;
}

function attributesOf(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of (list ?? []) as Array<{ key: string; value: Any }>) out[kv.key] = valueOf(kv.value);
  return out;
}

const hex = (v: unknown): string =>
  v instanceof Uint8Array ? Buffer.from(v).toString('hex') : typeof v === 'string' ? v.toLowerCase() : '';

type Raw = Record<string, unknown>;
const field = (o: Raw, snake: string, camel: string): unknown => (snake in o ? o[snake] : o[camel]);

function flatten(request: Raw): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (field(request, 'resource_spans', 'resourceSpans') ?? []) as Raw[]) {
    const resource = attributesOf((rs.resource as Raw | undefined)?.attributes);
    for (const ss of (field(rs, 'scope_spans', 'scopeSpans') ?? []) as Raw[]) {
      for (const s of (ss.spans ?? []) as Raw[]) {
        const status = (s.status ?? {}) as Raw;
        out.push({
          traceId: hex(field(s, 'trace_id', 'traceId')),
          spanId: hex(field(s, 'span_id', 'spanId')),
          parentSpanId: hex(field(s, 'parent_span_id', 'parentSpanId')),
          name: String(s.name),
          kind: Number(s.kind ?? 0),
          startNs: BigInt(String(field(s, 'start_time_unix_nano', 'startTimeUnixNano') ?? 0)),
          endNs: BigInt(String(field(s, 'end_time_unix_nano', 'endTimeUnixNano') ?? 0)),
          attributes: attributesOf(s.attributes),
          status: {
            code: Number(status.code ?? 0),
            ...(status.message ? { message: String(status.message) } : {}),
          },
          resource,
        });
      }
    }
  }
  return out;
}

function decode(body: Buffer, contentType: string): ReceivedSpan[] {
  if (contentType.startsWith('application/json')) return flatten(JSON.parse(body.toString('utf8')) as Raw);
  const message = ExportTraceServiceRequest.decode(body);
  return flatten(ExportTraceServiceRequest.toObject(message, { longs: String, defaults: false }) as Raw);
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const requests: ExportRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const contentType = String(req.headers['content-type'] ?? '');
      try {
        const got = decode(Buffer.concat(chunks), contentType);
        spans.push(...got);
        requests.push({ path: req.url ?? '', contentType, headers: req.headers, spans: got.length });
        const json = contentType.startsWith('application/json');
        res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
        res.end(json ? '{}' : Buffer.alloc(0));
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`cannot decode: ${(err as Error).message}`);
      }
    });
  });
  const listening = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${listening.port}`, spans, requests, close: listening.close };
}

/** The spans of one trace, and helpers to walk it. */
export function traceOf(spans: readonly ReceivedSpan[], traceId: string) {
  const mine = spans.filter((s) => s.traceId === traceId);
  const byId = new Map(mine.map((s) => [s.spanId, s]));
  const named = (name: string) => {
    const found = mine.filter((s) => s.name === name);
    if (found.length === 0)
      throw new Error(`no span ${name} in trace ${traceId}: ${mine.map((s) => s.name).join(', ')}`);
    return found;
  };
  return {
    spans: mine,
    /** The one span with this name (throws when there is none, or several). */
    one(name: string): ReceivedSpan {
      const found = named(name);
      if (found.length > 1) throw new Error(`${found.length} spans named ${name}`);
      return found[0];
    },
    all: named,
    parentOf: (s: ReceivedSpan) => byId.get(s.parentSpanId),
  };
}
