import type { Clock } from '../clock';
import type { Config } from '../config/config';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { buildCatalog, EXAMPLE_CATALOG } from '../sources/catalog';
import { CsvSource } from '../sources/csv';
import { DemoFleet } from '../sources/demo/fleet';
import { PrometheusSource } from '../sources/prometheus';
import type { MetricsSource } from '../sources/types';

/**
 * The metrics source METRICS_SOURCE names. Prometheus needs the services catalog (CONFIG_FILE) for
 * its queries; CSV uses it, when present, for descriptions and objectives.
 */
export function createSource(config: Config, clock: Clock, log: Logger): MetricsSource {
  const source = config.metricsSource;
  switch (source.kind) {
    case 'demo':
      return new DemoFleet({ seed: config.demo.seed, clock, faults: config.demo.faults });
    case 'prometheus': {
      if (!config.file.services?.length) {
        throw new AppError(
          'config_invalid',
          'METRICS_SOURCE=prometheus needs a services catalog: set CONFIG_FILE to a YAML or JSON file ' +
            `listing each service and the PromQL of its golden signals (start from ${EXAMPLE_CATALOG}).`,
        );
      }
      const { url, bearerToken, username, password, timeoutMs } = source;
      return new PrometheusSource({
        url,
        bearerToken,
        username,
        password,
        timeoutMs,
        services: buildCatalog(config.file, { requireQueries: true }),
        clock,
        log: log.child({ source: 'prometheus' }),
      });
    }
    case 'csv':
      return new CsvSource({
        dir: source.dir,
        services: buildCatalog(config.file),
        clock,
        log: log.child({ source: 'csv' }),
      });
  }
}
