import { systemClock, type Clock } from '../../clock';
import { AppError } from '../../errors';
import { createSilentLogger, type Logger } from '../../log/logger';
import { assertSeriesQuery, describeWindow, serviceInfo, type CatalogService } from '../catalog';
import {
  GOLDEN_SIGNALS,
  SIGNAL_UNITS,
  type MetricsSource,
  type Series,
  type SeriesQuery,
  type ServiceInfo,
} from '../types';
import { PrometheusClient, type PrometheusClientOptions } from './client';
import { evaluationGrid } from './step';
import { labelsOf, parseSamples } from './values';

export interface PrometheusSourceOptions extends PrometheusClientOptions {
  /** The services catalog (buildCatalog(file, { requireQueries: true })): every service needs every query. */
  services: readonly CatalogService[];
  log?: Logger;
  clock?: Clock;
}

/**
 * Golden signals from Prometheus: each service's PromQL from the catalog, run as a range query.
 *
 * - Step: stepMs when given (at most 11,000 points), else chosen from the window (chooseStepMs:
 *   400–1,000 points, never below 15 s); evaluation times are multiples of the step.
 * - One series per query is expected. When a query returns several (a missing `sum`), the first is
 *   used and a warning names them all: aggregate in the query to combine them.
 * - NaN and ±Inf samples are left out of the points (a gap) with a warning; a query with no
 *   finite sample in the range is not_found, with the query in the message.
 */
export class PrometheusSource implements MetricsSource {
  readonly kind = 'prometheus' as const;
  readonly client: PrometheusClient;
  private readonly catalog: Map<string, CatalogService>;
  private readonly log: Logger;
  private readonly clock: Clock;

  constructor(options: PrometheusSourceOptions) {
    const { services, log, clock, ...client } = options;
    if (services.length === 0)
      throw new AppError(
        'config_invalid',
        'PrometheusSource needs at least one service in the catalog (CONFIG_FILE services; ' +
          'see config/services.example.yaml).',
      );
    const missing = services.flatMap((s) =>
      GOLDEN_SIGNALS.filter((signal) => !s.queries[signal]).map((signal) => `${s.name} ${signal}`),
    );
    if (missing.length)
      throw new AppError(
        'config_invalid',
        `PrometheusSource needs a PromQL query for every signal; missing: ${missing.join(', ')} ` +
          `(set them in CONFIG_FILE under the service's queries or defaults.queries).`,
      );
    this.client = new PrometheusClient(client);
    this.catalog = new Map(services.map((s) => [s.name, s]));
    this.log = log ?? createSilentLogger();
    this.clock = clock ?? systemClock;
  }

  async services(): Promise<ServiceInfo[]> {
    return [...this.catalog.values()].map((s) => serviceInfo(s));
  }

  async check(): Promise<void> {
    await this.client.ready();
  }

  async query(query: SeriesQuery): Promise<Series> {
    assertSeriesQuery(query, [...this.catalog.keys()]);
    const { service, signal, startMs, endMs } = query;
    const promql = this.catalog.get(service)?.queries[signal] as string;
    const what = `${service} ${signal}`;
    const grid = evaluationGrid(startMs, endMs, query.stepMs);
    const result = await this.client.queryRange({
      promql,
      startMs: grid.firstMs,
      endMs: grid.lastMs,
      stepMs: grid.stepMs,
      what,
    });
    for (const warning of result.warnings) this.log.warn('prometheus warning', { service, signal, warning });
    const window = describeWindow(startMs, endMs, this.clock());
    const first = result.series[0];
    if (first === undefined) throw new AppError('not_found', `no data for ${what} ${window} (query: ${promql})`);
    if (result.series.length > 1) {
      this.log.warn(
        'prometheus query returned several series; using the first ' +
          '(aggregate with sum/max in the query to combine them)',
        {
          service,
          signal,
          series: result.series.length,
          labels: result.series.slice(0, 5).map((s) => labelsOf(s.metric)),
        },
      );
    }
    const { points, nan, infinite } = parseSamples(first);
    if (nan + infinite > 0)
      this.log.warn('prometheus samples left out', { service, signal, nan, infinite, kept: points.length });
    if (points.length === 0) {
      throw new AppError(
        'not_found',
        `no data for ${what} ${window}: all ${nan + infinite} samples were NaN or ±Inf (query: ${promql})`,
      );
    }
    return { service, signal, unit: SIGNAL_UNITS[signal], stepMs: grid.stepMs, points };
  }
}
