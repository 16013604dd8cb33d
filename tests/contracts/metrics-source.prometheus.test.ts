import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog, serviceInfo } from '../../src/sources/catalog';
import { MAX_POINTS, PrometheusSource } from '../../src/sources/prometheus';
import { closedPort } from '../helpers/fake-prometheus';
import {
  backfill,
  describeIfPrometheus,
  PROMETHEUS_BIN,
  PROMTOOL_BIN,
  startPrometheus,
} from '../helpers/real-prometheus';
import { openMetricsOf, recordDemoFleet } from '../helpers/recorded-metrics';
import { metricsSourceContract } from './metrics-source.contract';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;

/**
 * A real Prometheus holding the recording: promtool writes it as TSDB blocks, then the server
 * starts on them (no scraping), so every value is known before the first query.
 */
describeIfPrometheus(
  'a real Prometheus with the recording backfilled',
  () => {
    metricsSourceContract(
      'Prometheus',
      async () => {
        const recording = await recordDemoFleet({
          seed: 7,
          services: ['checkout-api', 'payments'],
          endMs: NOW,
          points: 60,
        });
        const dir = mkdtempSync(join(tmpdir(), 'sco-contract-prometheus-'));
        backfill(dir, openMetricsOf(recording));
        const prometheus = await startPrometheus({
          dir,
          config: () => 'global:\n  scrape_interval: 1h\n',
          args: ['--storage.tsdb.retention.time=100y'],
        });
        const services = buildCatalog(recording.catalog, { requireQueries: true });
        const source = (url: string) => new PrometheusSource({ url, services, timeoutMs: 5000, clock: () => NOW });
        const closed = `http://127.0.0.1:${await closedPort()}`;
        return {
          source: source(prometheus.url),
          services: services.map((s) => serviceInfo(s)),
          recording,
          emptyWindow: { startMs: recording.startMs - 2 * HOUR, endMs: recording.startMs - HOUR },
          unreachable: () => source(closed),
          async close() {
            await prometheus.stop();
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
      { emptyWindow: 'not_found', offGridWindow: 'one-point-at-end', maxPoints: MAX_POINTS },
    );
  },
  [PROMETHEUS_BIN, PROMTOOL_BIN],
);
