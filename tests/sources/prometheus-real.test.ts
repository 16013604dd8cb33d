import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog } from '../../src/sources/catalog';
import { PrometheusSource } from '../../src/sources/prometheus';
import { describeIfPrometheus, startPrometheus, type RunningPrometheus } from '../helpers/real-prometheus';

/**
 * PrometheusSource against a real Prometheus (the Debian `prometheus` package): started here on a
 * free loopback port, scraping its own /metrics every second into a temp storage dir. Without the
 * binary the suite fails, saying how to install it.
 */
const NAME = 'PrometheusSource against a real Prometheus';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The `prometheus` job's own metrics, as a service called "prometheus". */
const CATALOG = {
  services: [{ name: 'prometheus', description: 'The test Prometheus, scraping itself.' }],
  defaults: {
    queries: {
      latency_p50:
        'histogram_quantile(0.50, ' +
        'sum by (le) (rate(prometheus_http_request_duration_seconds_bucket{job="{{service}}"}[1m]))) * 1000',
      latency_p99:
        'histogram_quantile(0.99, ' +
        'sum by (le) (rate(prometheus_http_request_duration_seconds_bucket{job="{{service}}"}[1m]))) * 1000',
      error_rate:
        '(sum(rate(prometheus_http_requests_total{job="{{service}}",code=~"5.."}[1m])) or vector(0)) / ' +
        'sum(rate(prometheus_http_requests_total{job="{{service}}"}[1m]))',
      request_rate: 'sum(rate(prometheus_http_requests_total{job="{{service}}"}[1m]))',
      cpu: 'sum(rate(process_cpu_seconds_total{job="{{service}}"}[1m]))',
      memory: 'sum(process_resident_memory_bytes{job="{{service}}"}) / 1e9',
    },
  },
};

describeIfPrometheus(NAME, () => {
  let prometheus: RunningPrometheus | undefined;
  let dir: string;
  let url: string;
  /** When five scrapes were stored: a sample exists at or before this time. */
  let scrapedAtMs = 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sco-prometheus-'));
    prometheus = await startPrometheus({
      dir,
      config: (port) =>
        'global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n' +
        `scrape_configs:\n  - job_name: prometheus\n    static_configs:\n      - targets: ['127.0.0.1:${port}']\n`,
    });
    url = prometheus.url;

    // Ready, then at least five scrapes of itself stored.
    const deadline = Date.now() + 40_000;
    let scrapes = 0;
    while (Date.now() < deadline) {
      if (prometheus.exited()) throw new Error(`prometheus exited:\n${prometheus.output()}`);
      try {
        const res = await fetch(
          `${url}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="prometheus"}[1m])')}`,
          { signal: AbortSignal.timeout(1000) },
        );
        const body = (await res.json()) as { data?: { result?: Array<{ value: [number, string] }> } };
        scrapes = Number(body.data?.result?.[0]?.value[1] ?? 0);
        if (scrapes >= 5) {
          scrapedAtMs = Date.now();
          break;
        }
      } catch {
        // not answering yet
      }
      await sleep(250);
    }
    if (scrapes < 5)
      throw new Error(
        `prometheus at ${url} did not become ready with 5 scrapes in 40 s (${scrapes} scrapes):\n` +
          prometheus.output(),
      );
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 15_000);

  const source = () =>
    new PrometheusSource({ url, services: buildCatalog(CATALOG, { requireQueries: true }), timeoutMs: 5000 });

  it('is ready', async () => {
    await expect(source().check()).resolves.toBeUndefined();
  });

  it('reads a rate from its own counters, on the step grid', async () => {
    const now = Date.now();
    const series = await source().query({
      service: 'prometheus',
      signal: 'request_rate',
      startMs: now - 30_000,
      endMs: now,
      stepMs: 1000,
    });
    expect(series).toMatchObject({ service: 'prometheus', signal: 'request_rate', unit: 'req/s', stepMs: 1000 });
    expect(series.points.length).toBeGreaterThanOrEqual(2);
    for (const [t, v] of series.points) {
      expect(t % 1000).toBe(0);
      expect(t).toBeGreaterThanOrEqual(now - 30_000);
      expect(t).toBeLessThanOrEqual(now);
      expect(Number.isFinite(v) && v > 0).toBe(true); // the readiness polls and scrapes are requests
    }
  });

  it('reports an empty result as not_found with the query (a metric this server does not have)', async () => {
    const example = {
      ...CATALOG.defaults.queries,
      request_rate: 'sum(rate(http_requests_total{service="{{service}}"}[5m]))',
    };
    const other = new PrometheusSource({
      url,
      services: buildCatalog(
        { services: [{ name: 'prometheus' }], defaults: { queries: example } },
        { requireQueries: true },
      ),
    });
    const now = Date.now();
    await expect(
      other.query({ service: 'prometheus', signal: 'request_rate', startMs: now - 60_000, endMs: now, stepMs: 1000 }),
    ).rejects.toMatchObject({
      code: 'not_found',
      message:
        'no data for prometheus request_rate in the last 1m (query: ' +
        'sum(rate(http_requests_total{service="prometheus"}[5m])))',
    });
  });

  it('reads an error ratio written with `or vector(0)` (config/services.example.yaml)', async () => {
    const now = Date.now();
    const series = await source().query({
      service: 'prometheus',
      signal: 'error_rate',
      startMs: now - 30_000,
      endMs: now,
      stepMs: 1000,
    });
    expect(series.unit).toBe('ratio');
    expect(series.points.length).toBeGreaterThanOrEqual(2);
    for (const [, v] of series.points) expect(v >= 0 && v <= 1).toBe(true);
  });

  it("passes on Prometheus's own parse error as bad_request", async () => {
    const broken = new PrometheusSource({
      url,
      services: buildCatalog(
        {
          services: [{ name: 'prometheus' }],
          defaults: {
            queries: { ...CATALOG.defaults.queries, cpu: 'sum(rate(process_cpu_seconds_total{job="{{service}}"}[1m])' },
          },
        },
        { requireQueries: true },
      ),
    });
    const now = Date.now();
    await expect(
      broken.query({ service: 'prometheus', signal: 'cpu', startMs: now - 60_000, endMs: now }),
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringMatching(
        new RegExp(
          String.raw`^Prometheus rejected the query for prometheus cpu: .*parse error.* ` +
            String.raw`\(query: sum\(rate\(process_cpu_seconds_total`,
        ),
      ),
    });
  });

  it('reads gauges with the auto step (15 s grid)', async () => {
    // The last point of a 15 s grid must come after a stored sample.
    while (Math.floor(Date.now() / 15_000) * 15_000 < scrapedAtMs) await sleep(250);
    const now = Date.now();
    const series = await source().query({
      service: 'prometheus',
      signal: 'memory',
      startMs: now - 10 * 60_000,
      endMs: now,
    });
    expect(series.stepMs).toBe(15_000);
    expect(series.points.length).toBeGreaterThanOrEqual(1);
    for (const [t, v] of series.points) {
      expect(t % 15_000).toBe(0);
      expect(v).toBeGreaterThan(0.001); // > 1 MB resident
      expect(v).toBeLessThan(10);
    }
  }, 30_000);
});
