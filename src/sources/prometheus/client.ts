import { z } from 'zod';
import { AppError } from '../../errors';

/**
 * A small client for the Prometheus HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * range queries, readiness and build info, over global fetch with a timeout per request. Every
 * failure becomes an AppError whose message says what happened in one sentence.
 */

export interface PrometheusClientOptions {
  /** Base URL, with any path prefix (http://prom:9090, https://mimir.example/prometheus). */
  url: string;
  bearerToken?: string;
  username?: string;
  password?: string;
  /** Per request, headers and body together; default 10 s. */
  timeoutMs?: number;
}

export interface MatrixSeries {
  metric: Record<string, string>;
  /** [unix seconds (fractional), "value"] pairs, as Prometheus sends them; "NaN", "+Inf", "-Inf" included. */
  values: Array<[number, string]>;
}

export interface RangeResult {
  series: MatrixSeries[];
  warnings: string[];
}

export interface RangeRequest {
  promql: string;
  startMs: number;
  endMs: number;
  stepMs: number;
  /** For messages, e.g. "checkout-api latency_p99". */
  what: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

const errorSchema = z.looseObject({ status: z.literal('error'), errorType: z.string().optional(), error: z.string() });
const matrixSchema = z.looseObject({
  status: z.literal('success'),
  data: z.looseObject({
    resultType: z.literal('matrix'),
    result: z.array(
      z.looseObject({
        metric: z.record(z.string(), z.string()),
        values: z.array(z.tuple([z.number(), z.string()])).optional(),
      }),
    ),
  }),
  warnings: z.array(z.string()).optional(),
});
const buildInfoSchema = z.looseObject({
  status: z.literal('success'),
  data: z.looseObject({ version: z.string().optional() }),
});

interface Answer {
  status: number;
  statusText: string;
  text: string;
  json: unknown;
}

/** Unix seconds with millisecond precision, the way Prometheus takes times. */
export function toSeconds(ms: number): string {
  return (ms / 1000).toFixed(3).replace(/\.?0+$/, '');
}

function snippet(text: string): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > 120 ? `${one.slice(0, 120)}…` : one || '(empty body)';
}

/** ECONNREFUSED, ENOTFOUND, CERT_HAS_EXPIRED …: the useful part of undici's "fetch failed". */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } } | undefined)
    ?.cause;
  return (
    cause?.code ??
    cause?.errors?.find((e) => e.code)?.code ??
    cause?.message ??
    (err as { message?: string } | undefined)?.message ??
    String(err)
  );
}

/** AbortSignal.timeout's DOMException; by name, as it may come from another realm (jest's globals). */
function isTimeout(err: unknown): boolean {
  const e = err as { name?: unknown; cause?: { name?: unknown } } | undefined;
  return e?.name === 'TimeoutError' || (e?.name === 'AbortError' && e.cause?.name === 'TimeoutError');
}

export class PrometheusClient {
  /** The base URL without credentials or a trailing slash: what messages show. */
  readonly url: string;
  readonly timeoutMs: number;
  private readonly base: URL;
  private readonly headers: Record<string, string>;

  constructor(options: PrometheusClientOptions) {
    let base: URL;
    try {
      base = new URL(options.url);
    } catch (err) {
      throw new AppError('config_invalid', `PROMETHEUS_URL must be an http(s) URL, got "${options.url}".`, {
        cause: err,
      });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:')
      throw new AppError(
        'config_invalid',
        `PROMETHEUS_URL must be an http(s) URL, got "${base.protocol}" ` +
          `(${options.url.replace(/\/\/[^@/]*@/, '//***@')}).`,
      );
    let { username, password } = options;
    if (base.username || base.password) {
      // fetch refuses URLs with credentials: move them to basic auth unless auth is set explicitly.
      if (!options.bearerToken && !username) {
        username = decodeURIComponent(base.username);
        password = decodeURIComponent(base.password);
      }
      base.username = '';
      base.password = '';
    }
    if (options.bearerToken && (username || password)) {
      throw new AppError(
        'config_invalid',
        'Prometheus takes a bearer token (PROMETHEUS_BEARER_TOKEN) or basic auth (PROMETHEUS_USERNAME, ' +
          'PROMETHEUS_PASSWORD), not both.',
      );
    }
    if (Boolean(username) !== Boolean(password))
      throw new AppError(
        'config_invalid',
        'Prometheus basic auth needs both PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD.',
      );
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0)
      throw new AppError(
        'config_invalid',
        `PROMETHEUS_TIMEOUT_MS must be a positive whole number of milliseconds, got ${String(timeoutMs)}.`,
      );
    base.search = '';
    base.hash = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.url = base.toString().replace(/\/$/, '');
    this.timeoutMs = timeoutMs;
    this.headers = { accept: 'application/json', 'user-agent': 'smartcloudops' };
    if (options.bearerToken) this.headers.authorization = `Bearer ${options.bearerToken}`;
    else if (username && password)
      this.headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  /** GET /api/v1/query_range; the result must be a matrix. */
  async queryRange(request: RangeRequest): Promise<RangeResult> {
    const { promql, startMs, endMs, stepMs, what } = request;
    const params = new URLSearchParams({
      query: promql,
      start: toSeconds(startMs),
      end: toSeconds(endMs),
      step: toSeconds(stepMs),
    });
    const answer = await this.get('api/v1/query_range', params, `the query for ${what}`);
    const failure = errorSchema.safeParse(answer.json);
    if (answer.status === 401 || answer.status === 403) throw this.credentialsError(answer);
    if (failure.success && (answer.status === 400 || answer.status === 422)) {
      throw new AppError(
        'bad_request',
        `Prometheus rejected the query for ${what}: ${failure.data.error} (query: ${promql})`,
      );
    }
    if (failure.success) {
      throw new AppError(
        'unavailable',
        `Prometheus at ${this.url} failed the query for ${what}: ${failure.data.error} ` +
          `(HTTP ${answer.status}${failure.data.errorType ? `, ${failure.data.errorType}` : ''})`,
      );
    }
    const matrix = matrixSchema.safeParse(answer.json);
    if (answer.status !== 200 || !matrix.success) throw this.notPrometheus(answer);
    return {
      series: matrix.data.data.result.map((r) => ({ metric: r.metric, values: r.values ?? [] })),
      warnings: matrix.data.warnings ?? [],
    };
  }

  /** GET /-/ready; a server without it (404: Mimir, some proxies) is asked for its build info instead. */
  async ready(): Promise<void> {
    const answer = await this.get('-/ready', undefined, 'the readiness check');
    if (answer.status === 200) return;
    if (answer.status === 401 || answer.status === 403) throw this.credentialsError(answer);
    if (answer.status === 404) {
      await this.buildInfo();
      return;
    }
    throw new AppError(
      'unavailable',
      `Prometheus at ${this.url} is not ready: HTTP ${answer.status} ${snippet(answer.text)}`,
    );
  }

  /** GET /api/v1/status/buildinfo: the server's version. */
  async buildInfo(): Promise<{ version?: string }> {
    const answer = await this.get('api/v1/status/buildinfo', undefined, 'the build-info request');
    if (answer.status === 401 || answer.status === 403) throw this.credentialsError(answer);
    const info = buildInfoSchema.safeParse(answer.json);
    if (answer.status !== 200 || !info.success) throw this.notPrometheus(answer);
    return { version: info.data.data.version };
  }

  private async get(path: string, params: URLSearchParams | undefined, what: string): Promise<Answer> {
    const url = new URL(path, this.base);
    if (params) url.search = params.toString();
    try {
      const res = await fetch(url, { headers: this.headers, signal: AbortSignal.timeout(this.timeoutMs) });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, statusText: res.statusText, text, json };
    } catch (err) {
      if (isTimeout(err)) {
        throw new AppError(
          'unavailable',
          `Prometheus at ${this.url} did not answer ${what} within ${this.timeoutMs} ms (PROMETHEUS_TIMEOUT_MS)`,
          { cause: err },
        );
      }
      throw new AppError('unavailable', `Prometheus at ${this.url} is not reachable: ${networkReason(err)}`, {
        cause: err,
      });
    }
  }

  private credentialsError(answer: Answer): AppError {
    const how = this.headers.authorization
      ? 'check PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD'
      : 'set PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD';
    return new AppError(
      'config_invalid',
      `Prometheus at ${this.url} refused our credentials (HTTP ${answer.status} ${answer.statusText}): ${how}`,
    );
  }

  private notPrometheus(answer: Answer): AppError {
    return new AppError(
      'unavailable',
      `Prometheus at ${this.url} answered HTTP ${answer.status} without the Prometheus API's JSON ` +
        `(${snippet(answer.text)}): is PROMETHEUS_URL right, including any path prefix?`,
    );
  }
}
