import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/config';
import { createLogger } from '../../src/log/logger';
import { buildCatalog, type CatalogService } from '../../src/sources/catalog';
import { chooseStepMs, evaluationGrid, parseSampleValue, PrometheusSource } from '../../src/sources/prometheus';
import { closedPort, startFakePrometheus, type FakePrometheus } from '../helpers/fake-prometheus';
import { testApp } from '../helpers/app';

const EXAMPLE = resolve(__dirname, '../../config/services.example.yaml');
const MIN = 60_000;
const HOUR = 60 * MIN;
const NOW = Date.UTC(2025, 0, 15, 12, 0, 7); // deliberately not on a step

function exampleCatalog(): CatalogService[] {
  const result = loadConfig({
    METRICS_SOURCE: 'prometheus',
    PROMETHEUS_URL: 'http://127.0.0.1:9090',
    CONFIG_FILE: EXAMPLE,
  });
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return buildCatalog(result.config.file, { requireQueries: true });
}

function capturedLog() {
  const stream = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  stream.on('data', (c: Buffer) => {
    for (const line of c.toString().split('\n'))
      if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { log: createLogger({ level: 'debug', format: 'json', stream }), lines };
}

function sourceFor(fake: { url: string }, extra: Partial<ConstructorParameters<typeof PrometheusSource>[0]> = {}) {
  const { log, lines } = capturedLog();
  const source = new PrometheusSource({ url: fake.url, services: exampleCatalog(), clock: () => NOW, log, ...extra });
  return { source, lines };
}

const lastHour = { service: 'checkout-api', signal: 'latency_p99' as const, startMs: NOW - HOUR, endMs: NOW };

describe('PrometheusSource against a fake Prometheus', () => {
  let fake: FakePrometheus;
  beforeEach(async () => {
    fake = await startFakePrometheus();
  });
  afterEach(async () => {
    await fake.close();
  });

  it('lists the catalog services with their objectives', async () => {
    const { source } = sourceFor(fake);
    const services = await source.services();
    expect(source.kind).toBe('prometheus');
    expect(services.map((s) => s.name)).toEqual(['checkout-api', 'payments', 'inventory', 'search', 'auth-gateway']);
    expect(services[0]).toEqual({
      name: 'checkout-api',
      description: 'Public checkout API - carts, orders and the checkout flow.',
      objectives: { latency_p99_ms: 700, error_rate: 0.01, cpu: 0.8, memory: 0.85, availability: 0.999 },
      dependsOn: ['payments', 'inventory', 'auth-gateway'],
    });
    expect(services.find((s) => s.name === 'payments')).not.toHaveProperty('dependsOn');
  });

  it('sends the rendered query with start, end and step in seconds on a step-aligned grid', async () => {
    fake.respondWith({ generate: () => 250 });
    const { source } = sourceFor(fake);
    const series = await source.query(lastHour);
    const [request] = fake.rangeQueries();
    expect(request.method).toBe('GET');
    expect(request.headers.accept).toBe('application/json');
    expect(request.headers.authorization).toBeUndefined();
    expect(request.params.query).toBe(
      'histogram_quantile(0.99, ' +
        'sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout-api"}[5m]))) * 1000',
    );
    const first = Math.ceil((NOW - HOUR) / 15_000) * 15_000;
    const last = Math.floor(NOW / 15_000) * 15_000;
    expect(request.params).toMatchObject({ start: String(first / 1000), end: String(last / 1000), step: '15' });
    expect(series).toMatchObject({ service: 'checkout-api', signal: 'latency_p99', unit: 'ms', stepMs: 15_000 });
    expect(series.points).toHaveLength(240);
    expect(series.points[0]).toEqual([first, 250]);
    expect(series.points.at(-1)).toEqual([last, 250]);
  });

  it('chooses the step from the window (400-1,000 points, never below 15 s) and honours stepMs', async () => {
    expect(chooseStepMs(HOUR)).toBe(15_000);
    expect(chooseStepMs(6 * HOUR)).toBe(30_000);
    expect(chooseStepMs(24 * HOUR)).toBe(120_000);
    expect(chooseStepMs(7 * 24 * HOUR)).toBe(900_000);
    for (const hours of [5, 12, 24, 48, 24 * 7, 24 * 30, 24 * 365]) {
      const grid = evaluationGrid(NOW - hours * HOUR, NOW);
      expect(grid.points).toBeGreaterThanOrEqual(400);
      expect(grid.points).toBeLessThanOrEqual(1001);
    }

    fake.respondWith({ generate: (t) => t });
    const { source } = sourceFor(fake);
    await source.query({ ...lastHour, startMs: NOW - 24 * HOUR });
    await source.query({ ...lastHour, stepMs: 60_000 });
    expect(fake.rangeQueries().map((r) => r.params.step)).toEqual(['120', '60']);

    // Over Prometheus's 11,000-point limit: refused here, with a way out, before any request.
    await expect(source.query({ ...lastHour, startMs: NOW - 24 * HOUR, stepMs: 1000 })).rejects.toMatchObject({
      code: 'bad_request',
      message:
        'The range holds 86401 points at a 1000 ms step; Prometheus allows at most 11000 per series. ' +
        'Use a shorter range or a larger stepMs.',
    });
    expect(fake.rangeQueries()).toHaveLength(2);
  });

  it('parses [seconds, "value"] pairs; NaN and ±Inf become gaps, with a warning', async () => {
    expect([
      parseSampleValue('1.5'),
      parseSampleValue('1e-05'),
      parseSampleValue('+Inf'),
      parseSampleValue('-Inf'),
    ]).toEqual([1.5, 0.00001, Infinity, -Infinity]);
    expect(parseSampleValue('NaN')).toBeNaN();
    fake.respondWith({
      series: [
        {
          metric: {},
          values: [
            [1700000000.123, '1.5'],
            [1700000015.123, 'NaN'],
            [1700000030.123, '+Inf'],
            [1700000045.123, '0.25'],
            [1700000060.123, '-Inf'],
          ],
        },
      ],
    });
    const { source, lines } = sourceFor(fake);
    const series = await source.query({
      service: 'payments',
      signal: 'error_rate',
      startMs: 1700000000000,
      endMs: 1700000060123,
      stepMs: 15_000,
    });
    expect(series.unit).toBe('ratio');
    expect(series.points).toEqual([
      [1700000000123, 1.5],
      [1700000045123, 0.25],
    ]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'prometheus samples left out',
        service: 'payments',
        signal: 'error_rate',
        nan: 1,
        infinite: 2,
        kept: 2,
      }),
    );
  });

  it('uses the first of several series and says so', async () => {
    fake.respondWith({
      series: [
        { metric: { pod: 'a' }, values: [[1700000000, '1']] },
        { metric: { pod: 'b' }, values: [[1700000000, '2']] },
      ],
    });
    const { source, lines } = sourceFor(fake);
    const series = await source.query({
      service: 'search',
      signal: 'cpu',
      startMs: 1700000000000 - HOUR,
      endMs: 1700000000000,
    });
    expect(series.points).toEqual([[1700000000000, 1]]);
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        service: 'search',
        signal: 'cpu',
        series: 2,
        labels: ['{pod="a"}', '{pod="b"}'],
      }),
    );
  });

  it('logs Prometheus warnings', async () => {
    fake.respondWith({
      series: [{ values: [[1700000000, '1']] }],
      warnings: ['PromQL info: metric might not be a counter'],
    });
    const { source, lines } = sourceFor(fake);
    await source.query({
      service: 'search',
      signal: 'request_rate',
      startMs: 1700000000000 - HOUR,
      endMs: 1700000000000,
    });
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'prometheus warning',
        warning: 'PromQL info: metric might not be a counter',
      }),
    );
  });

  it('an empty result is not_found, naming the window and the query', async () => {
    const { source } = sourceFor(fake);
    await expect(source.query(lastHour)).rejects.toMatchObject({
      code: 'not_found',
      message:
        'no data for checkout-api latency_p99 in the last 1h (query: histogram_quantile(0.99, ' +
        'sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout-api"}[5m]))) * 1000)',
    });
    fake.respondWith({ series: [{ values: [[1700000000, 'NaN']] }] });
    await expect(source.query({ ...lastHour, startMs: NOW - 3 * HOUR, endMs: NOW - 2 * HOUR })).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringMatching(
        new RegExp(
          String.raw`^no data for checkout-api latency_p99 between 2025-01-15T09:00:07.000Z ` +
            String.raw`and 2025-01-15T10:00:07.000Z: ` +
            String.raw`all 1 samples were NaN or ±Inf \(query: `,
        ),
      ),
    });
  });

  it("a 400 with Prometheus's error JSON is bad_request with its message", async () => {
    fake.respondWith({ error: "1:22: parse error: unexpected character inside braces: '!'" });
    const { source } = sourceFor(fake);
    await expect(source.query(lastHour)).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(
        new RegExp(
          String.raw`^Prometheus rejected the query for checkout-api latency_p99: 1:22: parse error: ` +
            String.raw`unexpected character inside braces: '!' \(query: histogram_quantile`,
        ),
      ),
    });
    fake.respondWith({ error: 'found duplicate series for the match group', errorType: 'execution', status: 422 });
    await expect(source.query(lastHour)).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('found duplicate series'),
    });
  });

  it('a 503 from Prometheus is unavailable; so is a server that is not Prometheus', async () => {
    fake.respondWith({ error: 'query timed out in expression evaluation', errorType: 'timeout', status: 503 });
    const { source } = sourceFor(fake);
    await expect(source.query(lastHour)).rejects.toMatchObject({
      code: 'unavailable',
      message:
        `Prometheus at ${fake.url} failed the query for checkout-api latency_p99: ` +
        'query timed out in expression evaluation (HTTP 503, timeout)',
    });
    fake.respondWith({ raw: '<html><body>Bad gateway</body></html>', status: 502 });
    await expect(source.query(lastHour)).rejects.toMatchObject({
      code: 'unavailable',
      message:
        `Prometheus at ${fake.url} answered HTTP 502 without the Prometheus API's JSON ` +
        '(<html><body>Bad gateway</body></html>): is PROMETHEUS_URL right, including any path prefix?',
    });
    const wrongPrefix = new PrometheusSource({ url: `${fake.url}/nope`, services: exampleCatalog() });
    await expect(wrongPrefix.query(lastHour)).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining("answered HTTP 404 without the Prometheus API's JSON (404 page not found)"),
    });
  });

  it('unknown services and signals are refused before any request', async () => {
    const { source } = sourceFor(fake);
    await expect(source.query({ ...lastHour, service: 'checkout' })).rejects.toMatchObject({
      code: 'not_found',
      message: 'unknown service "checkout"; known: checkout-api, payments, inventory, search, auth-gateway',
    });
    await expect(source.query({ ...lastHour, signal: 'p99' as never })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(source.query({ ...lastHour, endMs: lastHour.startMs - 1 })).rejects.toMatchObject({
      code: 'bad_request',
    });
    expect(fake.requests).toHaveLength(0);
  });

  it('times out with PROMETHEUS_TIMEOUT_MS', async () => {
    fake.respondWith({ hang: true });
    const { source } = sourceFor(fake, { timeoutMs: 200 });
    const started = Date.now();
    await expect(source.query(lastHour)).rejects.toMatchObject({
      code: 'unavailable',
      message:
        `Prometheus at ${fake.url} did not answer the query for checkout-api latency_p99 within 200 ms ` +
        '(PROMETHEUS_TIMEOUT_MS)',
    });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('check() asks /-/ready', async () => {
    const { source } = sourceFor(fake);
    await expect(source.check()).resolves.toBeUndefined();
    expect(fake.requests.at(-1)?.path).toBe('/-/ready');
    fake.ready = false;
    await expect(source.check()).rejects.toMatchObject({
      code: 'unavailable',
      message: `Prometheus at ${fake.url} is not ready: HTTP 503 Service Unavailable`,
    });
  });
});

describe('PrometheusSource: auth, prefix, unreachable', () => {
  it('sends a bearer token', async () => {
    const fake = await startFakePrometheus({ auth: { bearer: 'tok-123' } });
    try {
      fake.respondWith({ generate: () => 1 });
      const { source } = sourceFor(fake, { bearerToken: 'tok-123' });
      await source.query(lastHour);
      await source.check();
      expect(fake.requests.map((r) => r.headers.authorization)).toEqual(['Bearer tok-123', 'Bearer tok-123']);

      const wrong = sourceFor(fake, { bearerToken: 'nope' }).source;
      await expect(wrong.query(lastHour)).rejects.toMatchObject({
        code: 'config_invalid',
        message:
          `Prometheus at ${fake.url} refused our credentials (HTTP 401 Unauthorized): ` +
          'check PROMETHEUS_BEARER_TOKEN, or PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD',
      });
    } finally {
      await fake.close();
    }
  });

  it('sends basic auth, also when the credentials are in the URL, and keeps a path prefix', async () => {
    const fake = await startFakePrometheus({
      auth: { username: 'grafana', password: 's3cret:x' },
      prefix: '/prometheus',
    });
    try {
      fake.respondWith({ generate: () => 1 });
      const expected = `Basic ${Buffer.from('grafana:s3cret:x').toString('base64')}`;
      await sourceFor(fake, { username: 'grafana', password: 's3cret:x' }).source.query(lastHour);
      const inUrl = sourceFor({ url: fake.url.replace('http://', 'http://grafana:s3cret%3Ax@') }).source;
      await inUrl.query(lastHour);
      await inUrl.check();
      expect(inUrl.client.url).toBe(fake.url); // no credentials in messages
      expect(fake.requests.map((r) => [r.path, r.headers.authorization])).toEqual([
        ['/api/v1/query_range', expected],
        ['/api/v1/query_range', expected],
        ['/-/ready', expected],
      ]);
    } finally {
      await fake.close();
    }
  });

  it('a closed port is unavailable: not reachable, ECONNREFUSED', async () => {
    const port = await closedPort();
    const source = new PrometheusSource({ url: `http://127.0.0.1:${port}`, services: exampleCatalog() });
    await expect(source.query(lastHour)).rejects.toMatchObject({
      code: 'unavailable',
      message: `Prometheus at http://127.0.0.1:${port} is not reachable: ECONNREFUSED`,
    });
    await expect(source.check()).rejects.toMatchObject({
      code: 'unavailable',
      message: `Prometheus at http://127.0.0.1:${port} is not reachable: ECONNREFUSED`,
    });
  });

  it('refuses a catalog without every query, and contradictory auth', () => {
    const [first] = exampleCatalog();
    const partial = { ...first, queries: { ...first.queries, cpu: undefined } };
    expect(() => new PrometheusSource({ url: 'http://127.0.0.1:9', services: [partial] })).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: expect.stringContaining('missing: checkout-api cpu'),
      }),
    );
    expect(() => new PrometheusSource({ url: 'http://127.0.0.1:9', services: [] })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
    expect(
      () =>
        new PrometheusSource({
          url: 'http://127.0.0.1:9',
          services: [first],
          bearerToken: 't',
          username: 'u',
          password: 'p',
        }),
    ).toThrow(/not both/);
    expect(() => new PrometheusSource({ url: 'ftp://127.0.0.1:9', services: [first] })).toThrow(
      /must be an http\(s\) URL/,
    );
  });
});

describe('createSource wiring (METRICS_SOURCE=prometheus)', () => {
  it('builds a PrometheusSource from the environment and the catalog', async () => {
    const fake = await startFakePrometheus({ auth: { bearer: 'wired-token' } });
    const { app } = await testApp({
      METRICS_SOURCE: 'prometheus',
      PROMETHEUS_URL: fake.url,
      PROMETHEUS_BEARER_TOKEN: 'wired-token',
      CONFIG_FILE: EXAMPLE,
    });
    try {
      fake.respondWith({ generate: () => 0.42 });
      expect(app.source.kind).toBe('prometheus');
      const series = await app.source.query({
        service: 'inventory',
        signal: 'memory',
        startMs: Date.now() - HOUR,
        endMs: Date.now(),
      });
      expect(series.points.length).toBeGreaterThan(200);
      expect(fake.rangeQueries()[0].params.query).toBe(
        'sum(container_memory_working_set_bytes{container="inventory"}) / ' +
          'sum(container_spec_memory_limit_bytes{container="inventory"})',
      );
      await expect(app.source.check()).resolves.toBeUndefined();
    } finally {
      await app.close();
      await fake.close();
    }
  });
});
