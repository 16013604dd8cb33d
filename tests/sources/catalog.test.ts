import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadConfig, secretValues } from '../../src/config/config';
import { AppError } from '../../src/errors';
import {
  assertSeriesQuery,
  buildCatalog,
  DEFAULT_OBJECTIVES,
  describeWindow,
  formatDuration,
  renderQuery,
  templateProblem,
  type CatalogFile,
} from '../../src/sources/catalog';
import { GOLDEN_SIGNALS } from '../../src/sources/types';

const EXAMPLE = resolve(__dirname, '../../config/services.example.yaml');
const PROM = { METRICS_SOURCE: 'prometheus', PROMETHEUS_URL: 'http://127.0.0.1:9090' };

function tempFile(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sco-catalog-')), name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(env: Record<string, string>): string[] {
  const result = loadConfig(env);
  if (result.ok) throw new Error('expected the config to be refused');
  return result.problems;
}

describe('services catalog: the example file', () => {
  it('is a valid catalog for METRICS_SOURCE=prometheus', () => {
    const result = loadConfig({ ...PROM, CONFIG_FILE: EXAMPLE });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const services = buildCatalog(result.config.file, { requireQueries: true });
    expect(services.map((s) => s.name)).toEqual(['checkout-api', 'payments', 'inventory', 'search', 'auth-gateway']);
    for (const s of services) {
      expect(s.description.length).toBeGreaterThan(10);
      for (const signal of GOLDEN_SIGNALS) {
        expect(s.queries[signal]).toBeDefined();
        expect(s.queries[signal]).not.toContain('{{');
      }
    }
  });

  it('renders {{service}} and applies defaults key by key', () => {
    const result = loadConfig({ ...PROM, CONFIG_FILE: EXAMPLE });
    if (!result.ok) throw new Error(result.problems.join('\n'));
    const byName = new Map(buildCatalog(result.config.file).map((s) => [s.name, s]));
    const checkout = byName.get('checkout-api');
    expect(checkout?.queries.latency_p99).toBe(
      'histogram_quantile(0.99, ' +
        'sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout-api"}[5m]))) * 1000',
    );
    expect(checkout?.queries.error_rate).toBe(
      'sum(rate(http_requests_total{service="checkout-api",code=~"5.."}[5m])) / ' +
        'sum(rate(http_requests_total{service="checkout-api"}[5m]))',
    );
    expect(checkout?.queries.request_rate).toBe('sum(rate(http_requests_total{service="checkout-api"}[5m]))');
    expect(checkout?.queries.cpu).toContain('container_cpu_usage_seconds_total{container="checkout-api"}');
    expect(checkout?.queries.cpu).toContain(
      'kube_pod_container_resource_requests{container="checkout-api",resource="cpu"}',
    );
    expect(checkout?.queries.memory).toBe(
      'sum(container_memory_working_set_bytes{container="checkout-api"}) / ' +
        'sum(container_spec_memory_limit_bytes{container="checkout-api"})',
    );
    expect(checkout?.objectives).toEqual({
      latency_p99_ms: 700,
      error_rate: 0.01,
      cpu: 0.8,
      memory: 0.85,
      availability: 0.999,
    });
    expect(byName.get('payments')?.objectives.availability).toBe(0.9995);
    expect(byName.get('inventory')?.objectives).toMatchObject({ latency_p99_ms: 400, memory: 0.7, cpu: 0.8 });
    // A service's own query wins over the default.
    expect(byName.get('search')?.queries.request_rate).toBe(
      'sum(rate(http_requests_total{job="search-frontend"}[5m]))',
    );
    expect(byName.get('search')?.queries.latency_p50).toContain('service="search"');
  });
});

describe('services catalog: validation at start-up', () => {
  it('names the path of every bad field', () => {
    const file = tempFile(
      'services.yaml',
      [
        'defaults:',
        '  objectives: { cpu: 0 }',
        'services:',
        '  - name: checkout-api',
        '    objectives: { error_rate: 5, latency_p99: 300 }',
        '  - name: Payments',
        '  - name: search',
        '    objectives: { availability: 1, latency_p99_ms: "fast" }',
        '    queries: { cpu: "rate(x{service=\\"{{svc}}\\"}[5m])", memory: "", rps: "up" }',
        '  - name: checkout-api',
        '    description: 42',
      ].join('\n'),
    );
    const problems = problemsOf({ CONFIG_FILE: file });
    const prefix = `CONFIG_FILE ${file}: `;
    expect(problems).toEqual(
      expect.arrayContaining([
        `${prefix}defaults.objectives.cpu: expected a ratio of the CPU requested, > 0 (0.8 = 80%)`,
        `${prefix}services.0.objectives: unknown key latency_p99: expected some of latency_p99_ms, error_rate, ` +
          'cpu, memory, availability',
        `${prefix}services.0.objectives.error_rate: expected a ratio of errors to requests, > 0 and <= 1 (0.01 = 1%)`,
        `${prefix}services.1.name: expected a lower-case service name`,
        `${prefix}services.2.objectives.availability: expected an SLO target between 0 and 1, e.g. 0.999`,
        `${prefix}services.2.objectives.latency_p99_ms: expected milliseconds, a number > 0`,
        `${prefix}services.2.queries.cpu: unknown placeholder {{svc}}: only {{service}} is replaced`,
        `${prefix}services.2.queries.memory: expected a PromQL expression, got an empty string`,
        expect.stringMatching(
          new RegExp(
            String.raw`^CONFIG_FILE .*: services\.2\.queries: unknown key rps: ` +
              String.raw`expected some of latency_p50, latency_p99, error_rate, request_rate, cpu, memory$`,
          ),
        ),
        `${prefix}services.3.description: expected a one-line description (a string)`,
      ]),
    );
  });

  it('reports a duplicate name with where it was first seen', () => {
    const file = tempFile(
      'dup.json',
      JSON.stringify({ services: [{ name: 'search' }, { name: 'auth' }, { name: 'search' }] }),
    );
    expect(problemsOf({ CONFIG_FILE: file })).toEqual([
      `CONFIG_FILE ${file}: services.2.name: duplicate service name search (also at services.0)`,
    ]);
  });

  it('for Prometheus, needs CONFIG_FILE and a query for every signal of every service', () => {
    expect(problemsOf(PROM)).toEqual([
      'CONFIG_FILE: required when METRICS_SOURCE=prometheus: ' +
        "a services catalog with each service's PromQL queries (start from config/services.example.yaml)",
    ]);

    const partial = tempFile(
      'partial.yaml',
      'defaults:\n  queries:\n    latency_p50: "1"\n    latency_p99: "2"\n    error_rate: "3"\n' +
        '    request_rate: "4"\nservices:\n  - name: a\n    queries: { cpu: "5" }\n  - name: b\n',
    );
    expect(problemsOf({ ...PROM, CONFIG_FILE: partial })).toEqual([
      `CONFIG_FILE ${partial}: services.0.queries.memory: no PromQL for a memory: ` +
        'set it here or in defaults.queries (see config/services.example.yaml)',
      `CONFIG_FILE ${partial}: services.1.queries.cpu: no PromQL for b cpu: set it here or in defaults.queries ` +
        '(see config/services.example.yaml)',
      `CONFIG_FILE ${partial}: services.1.queries.memory: no PromQL for b memory: ` +
        'set it here or in defaults.queries (see config/services.example.yaml)',
    ]);

    const none = tempFile('none.yaml', 'defaults: {}\n');
    expect(problemsOf({ ...PROM, CONFIG_FILE: none })).toEqual([
      `CONFIG_FILE ${none}: services: required for METRICS_SOURCE=prometheus: ` +
        'list each service with its PromQL queries (see config/services.example.yaml)',
    ]);
  });

  it('a catalog without queries is fine for the other sources', () => {
    const file = tempFile('plain.yaml', 'services:\n  - name: checkout-api\n    description: Checkout.\n');
    const result = loadConfig({ METRICS_SOURCE: 'csv:/tmp', CONFIG_FILE: file });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(buildCatalog(result.config.file)).toEqual([
      { name: 'checkout-api', description: 'Checkout.', objectives: { ...DEFAULT_OBJECTIVES }, queries: {} },
    ]);
  });

  it('buildCatalog refuses bad input given in code too, with every path', () => {
    const bad = { services: [{ name: 'x', objectives: { memory: 2 } }] } as unknown as CatalogFile;
    expect(() => buildCatalog(bad)).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: expect.stringContaining('services.0.objectives.memory: expected a ratio of the memory limit'),
      }),
    );
    expect(() => buildCatalog({ services: [{ name: 'x' }] }, { requireQueries: true })).toThrow(
      /services\.0\.queries\.latency_p50: no PromQL for x latency_p50/,
    );
  });
});

describe('Prometheus settings in the environment', () => {
  it('reads auth and timeout, and checks they go together', () => {
    const file = EXAMPLE;
    const ok = loadConfig({
      ...PROM,
      CONFIG_FILE: file,
      PROMETHEUS_BEARER_TOKEN: 'tok-123',
      PROMETHEUS_TIMEOUT_MS: '2500',
    });
    expect(ok.ok && ok.config.metricsSource).toEqual({
      kind: 'prometheus',
      url: 'http://127.0.0.1:9090',
      bearerToken: 'tok-123',
      username: undefined,
      password: undefined,
      timeoutMs: 2500,
    });
    const defaults = loadConfig({ ...PROM, CONFIG_FILE: file });
    expect(
      defaults.ok && defaults.config.metricsSource.kind === 'prometheus' && defaults.config.metricsSource.timeoutMs,
    ).toBe(10_000);

    expect(
      problemsOf({
        ...PROM,
        CONFIG_FILE: file,
        PROMETHEUS_BEARER_TOKEN: 't',
        PROMETHEUS_USERNAME: 'u',
        PROMETHEUS_PASSWORD: 'p',
      }),
    ).toEqual([
      'PROMETHEUS_BEARER_TOKEN: set either PROMETHEUS_BEARER_TOKEN or PROMETHEUS_USERNAME and ' +
        'PROMETHEUS_PASSWORD, not both',
    ]);
    expect(problemsOf({ ...PROM, CONFIG_FILE: file, PROMETHEUS_USERNAME: 'u' })).toEqual([
      'PROMETHEUS_PASSWORD: required with PROMETHEUS_USERNAME',
    ]);
    expect(problemsOf({ ...PROM, CONFIG_FILE: file, PROMETHEUS_TIMEOUT_MS: '0' })).toEqual([
      'PROMETHEUS_TIMEOUT_MS: expected a positive number of milliseconds, got "0"',
    ]);
  });

  it('hands the token, the password and a password in the URL to the log redactor', () => {
    const bearer = loadConfig({ ...PROM, CONFIG_FILE: EXAMPLE, PROMETHEUS_BEARER_TOKEN: 'bearer-secret-1' });
    expect(bearer.ok && secretValues(bearer.config)).toEqual(expect.arrayContaining(['bearer-secret-1']));
    const basic = loadConfig({
      ...PROM,
      PROMETHEUS_URL: 'https://u:url-secret-2@prom.example',
      CONFIG_FILE: EXAMPLE,
      PROMETHEUS_USERNAME: 'me',
      PROMETHEUS_PASSWORD: 'basic-secret-3',
    });
    expect(basic.ok && secretValues(basic.config)).toEqual(expect.arrayContaining(['url-secret-2', 'basic-secret-3']));
  });
});

describe('catalog helpers', () => {
  it('templates only {{service}}', () => {
    expect(renderQuery('up{job="{{service}}",x="{{ service }}"}', 'search')).toBe('up{job="search",x="search"}');
    expect(templateProblem('up{job="{{service}}"}')).toBeUndefined();
    expect(templateProblem('up{job="{{name}}"}')).toBe('unknown placeholder {{name}}: only {{service}} is replaced');
    expect(templateProblem('up{job="{{service"}')).toBe('unclosed {{: write {{service}}');
  });

  it('checks a series query against the known services', () => {
    const q = { service: 'nope', signal: 'cpu' as const, startMs: 0, endMs: 1 };
    expect(() => assertSeriesQuery(q, ['a', 'b'])).toThrow(
      new AppError('not_found', 'unknown service "nope"; known: a, b'),
    );
    expect(() => assertSeriesQuery({ ...q, service: 'a', endMs: -1 }, ['a'])).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => assertSeriesQuery({ ...q, service: 'a', stepMs: 0 }, ['a'])).toThrow(
      expect.objectContaining({ code: 'bad_request' }),
    );
    expect(() => assertSeriesQuery({ ...q, service: 'a', signal: 'p99' as never }, ['a'])).toThrow(
      /Unknown signal "p99"/,
    );
  });

  it('describes a window', () => {
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(9_000_000)).toBe('2h30m');
    expect(formatDuration(86_400_000 * 7)).toBe('7d');
    const now = Date.UTC(2025, 0, 1, 12);
    expect(describeWindow(now - 3_600_000, now, now)).toBe('in the last 1h');
    expect(describeWindow(now - 7_200_000, now - 3_600_000, now)).toBe(
      'between 2025-01-01T10:00:00.000Z and 2025-01-01T11:00:00.000Z',
    );
  });
});
