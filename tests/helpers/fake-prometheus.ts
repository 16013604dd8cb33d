import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { listenOnLoopback } from './loopback';

/**
 * A local stand-in for the Prometheus HTTP API (the far side, not our code): a real HTTP server on
 * 127.0.0.1 speaking Prometheus's wire format, so the real PrometheusSource can be pointed at it.
 * It checks range-query parameters the way Prometheus does (same error texts), records every
 * request, and answers as each test scripts it.
 *
 *   success:
 * {"status":"success","data":{"resultType":"matrix","result":[{"metric":{...},"values":[[1700000000.123,"1.5"],...]}]}}
 *   error:   400 {"status":"error","errorType":"bad_data","error":"..."}
 */

export interface RecordedRequest {
  method: string;
  /** Path without the query string (and without the prefix), e.g. /api/v1/query_range. */
  path: string;
  /** Query-string parameters (last value wins). */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
}

export interface FakeSeries {
  metric?: Record<string, string>;
  /** [unix seconds, value]; a number is formatted the way Prometheus does (NaN, +Inf, -Inf). */
  values: Array<[number, number | string]>;
}

export type FakeReply =
  /** A matrix with these series (none: an empty result). */
  | { series: FakeSeries[]; warnings?: string[] }
  /** One series evaluated on the request's grid (start, start + step, … <= end), like Prometheus. */
  | { generate: (tSeconds: number) => number | string; metric?: Record<string, string> }
  /** Prometheus's error JSON; status defaults to 400 and errorType to bad_data. */
  | { error: string; errorType?: string; status?: number }
  /** Any body as it is (a proxy's HTML page, broken JSON). */
  | { raw: string; status?: number; contentType?: string }
  /** Never answer. */
  | { hang: true };

export type FakeHandler = (request: RecordedRequest, index: number) => FakeReply | Promise<FakeReply>;

export interface FakePrometheusOptions {
  /** Serve under a path prefix, like a Prometheus behind a reverse proxy (e.g. /prometheus). */
  prefix?: string;
  /** Require this Authorization: a bearer token or basic credentials; else 401 as Prometheus's web config does. */
  auth?: { bearer: string } | { username: string; password: string };
}

export interface FakePrometheus {
  /** Base URL for PROMETHEUS_URL, prefix included. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in order (including ones refused by the fake's own checks). */
  readonly requests: RecordedRequest[];
  /** /api/v1/query_range requests only. */
  rangeQueries(): RecordedRequest[];
  /** Script the next range-query answers: a handler, or one reply for every request. */
  respondWith(handler: FakeHandler | FakeReply): void;
  /** What /-/ready says: true -> 200, false -> 503 (starting up). */
  ready: boolean;
  close(): Promise<void>;
}

export const MAX_POINTS = 11_000;

/** Go's strconv.FormatFloat(v, 'f', -1, 64) for the values Prometheus sends. */
export function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, errorType: string, error: string): void {
  sendJson(res, status, { status: 'error', errorType, error });
}

/** Prometheus's parseTime: float unix seconds or RFC 3339. */
function parseTime(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/** Prometheus's parseDuration for step: float seconds or a duration like 15s, 1m, 1h. */
function parseStep(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(text);
  if (!m) return undefined;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
}

/** What Prometheus refuses before it evaluates anything (web/api/v1/api.go queryRange). */
function checkRange(params: Record<string, string>): { start: number; end: number; step: number } | string {
  const start = parseTime(params.start);
  if (start === undefined)
    return `invalid parameter "start": cannot parse ${JSON.stringify(params.start ?? '')} to a valid timestamp`;
  const end = parseTime(params.end);
  if (end === undefined)
    return `invalid parameter "end": cannot parse ${JSON.stringify(params.end ?? '')} to a valid timestamp`;
  if (end < start) return 'invalid parameter "end": end timestamp must not be before start time';
  const step = parseStep(params.step);
  if (step === undefined)
    return `invalid parameter "step": cannot parse ${JSON.stringify(params.step ?? '')} to a valid duration`;
  if (step <= 0)
    return (
      'invalid parameter "step": zero or negative query resolution step widths are not accepted. ' +
      'Try a positive integer'
    );
  if ((end - start) / step > MAX_POINTS)
    return (
      'exceeded maximum resolution of 11,000 points per timeseries. ' + 'Try decreasing the query resolution (?step=XX)'
    );
  if (!params.query) return 'invalid parameter "query": 1:1: parse error: no expression found in input';
  return { start, end, step };
}

function authorized(headers: IncomingHttpHeaders, auth: FakePrometheusOptions['auth']): boolean {
  if (auth === undefined) return true;
  const expected =
    'bearer' in auth
      ? `Bearer ${auth.bearer}`
      : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  return headers.authorization === expected;
}

export async function startFakePrometheus(options: FakePrometheusOptions = {}): Promise<FakePrometheus> {
  const prefix = (options.prefix ?? '').replace(/\/$/, '');
  const requests: RecordedRequest[] = [];
  let handler: FakeHandler = () => ({ series: [] });
  let rangeIndex = 0;

  async function answerRange(req: RecordedRequest, res: ServerResponse): Promise<void> {
    const checked = checkRange(req.params);
    if (typeof checked === 'string') return sendError(res, 400, 'bad_data', checked);
    const reply = await handler(req, rangeIndex++);
    if ('hang' in reply) return; // close() destroys the socket
    if ('raw' in reply) {
      res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/html' });
      res.end(reply.raw);
      return;
    }
    if ('error' in reply) return sendError(res, reply.status ?? 400, reply.errorType ?? 'bad_data', reply.error);
    let series: FakeSeries[];
    let warnings: string[] | undefined;
    if ('generate' in reply) {
      const values: FakeSeries['values'] = [];
      for (let i = 0; checked.start + i * checked.step <= checked.end + 1e-9; i += 1) {
        const t = Math.round((checked.start + i * checked.step) * 1000) / 1000;
        values.push([t, reply.generate(t)]);
      }
      series = [{ metric: reply.metric, values }];
    } else {
      series = reply.series;
      warnings = reply.warnings;
    }
    const result = series.map((s) => ({
      metric: s.metric ?? {},
      values: s.values.map(([t, v]) => [t, formatValue(v)]),
    }));
    sendJson(res, 200, {
      status: 'success',
      data: { resultType: 'matrix', result },
      ...(warnings ? { warnings } : {}),
    });
  }

  const fake = {
    ready: true,
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      const path =
        prefix && url.pathname.startsWith(prefix)
          ? url.pathname.slice(prefix.length) || '/'
          : prefix
            ? `(outside ${prefix})${url.pathname}`
            : url.pathname;
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        path,
        params: Object.fromEntries(url.searchParams),
        headers: req.headers,
      };
      requests.push(recorded);
      if (!authorized(req.headers, options.auth))
        return sendText(res, 401, 'Unauthorized\n', { 'www-authenticate': 'Basic' });
      if (recorded.path === '/-/ready')
        return fake.ready
          ? sendText(res, 200, 'Prometheus Server is Ready.\n')
          : sendText(res, 503, 'Service Unavailable');
      if (recorded.path === '/api/v1/status/buildinfo') {
        return sendJson(res, 200, {
          status: 'success',
          data: {
            version: '2.53.0',
            revision: 'fake',
            branch: 'HEAD',
            buildUser: 'fake',
            buildDate: '20240101-00:00:00',
            goVersion: 'go1.22.0',
          },
        });
      }
      if (recorded.path === '/api/v1/query_range' && (recorded.method === 'GET' || recorded.method === 'POST')) {
        answerRange(recorded, res).catch((err: unknown) =>
          sendError(
            res,
            500,
            'internal',
            `fake-prometheus handler failed: ${err instanceof Error ? err.message : String(err)}`,
          ),
        );
        return;
      }
      sendText(res, 404, '404 page not found\n');
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}${prefix}`,
    port,
    requests,
    rangeQueries: () => requests.filter((r) => r.path === '/api/v1/query_range'),
    respondWith(h: FakeHandler | FakeReply) {
      handler = typeof h === 'function' ? h : () => h;
      rangeIndex = 0;
    },
    close,
  });
}

/** A port on 127.0.0.1 with nothing listening (for connection-refused tests). */
export { freePort as closedPort } from './cli';
