import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCatalog, serviceInfo } from '../../src/sources/catalog';
import { CsvSource } from '../../src/sources/csv';
import { recordDemoFleet, writeCsvRecording } from '../helpers/recorded-metrics';
import { metricsSourceContract } from './metrics-source.contract';

const NOW = Date.UTC(2024, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;

metricsSourceContract(
  'CSV folder',
  async () => {
    const recording = await recordDemoFleet({
      seed: 7,
      services: ['checkout-api', 'payments'],
      endMs: NOW,
      points: 60,
    });
    const dir = mkdtempSync(join(tmpdir(), 'sco-contract-csv-'));
    writeCsvRecording(dir, recording);
    const catalog = buildCatalog(recording.catalog);
    return {
      source: new CsvSource({ dir, services: catalog, clock: () => NOW }),
      services: catalog.map((s) => serviceInfo(s)),
      recording,
      emptyWindow: { startMs: recording.startMs - 2 * HOUR, endMs: recording.startMs - HOUR },
      unreachable: () => {
        // A folder that was there when the source was made, then went away (an unmounted volume).
        const gone = mkdtempSync(join(tmpdir(), 'sco-contract-csv-gone-'));
        const source = new CsvSource({ dir: gone, services: catalog });
        rmSync(gone, { recursive: true });
        return source;
      },
      close: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
  { emptyWindow: 'not_found', offGridWindow: 'not_found' },
);
