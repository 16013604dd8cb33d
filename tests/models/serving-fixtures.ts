import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { App } from '../../src/app/control';
import { buildBundle } from '../../src/models/bundle';
import { fetchHistory } from '../../src/models/history';
import type { ModelVersion } from '../../src/models/registry-types';
import { trainModel } from '../../src/models/train';
import { codeVersion } from '../../src/models/version';
import type { Signal } from '../../src/sources/types';

/** Small and quick, as tests/models/bundle.test.ts trains. */
export const PARAMS = { trees: 8, sampleSize: 64, window: 32 };

/** Trains `payments-detector` on a day of the app's own source, registers it and makes it champion. */
export async function championOnApp(app: App, atMs: number, seed = 3, signals?: Signal[]): Promise<ModelVersion> {
  const req = { service: 'payments', windowS: 86_400, toMs: atMs, ...(signals ? { signals } : {}) };
  const history = await fetchHistory(app.source, req);
  const trained = await trainModel(history, { params: PARAMS, seed });
  const onnx = buildBundle(trained, { model: 'payments-detector' });
  const v = await app.models.register({
    service: 'payments',
    params: { ...trained.params },
    seed: trained.seed,
    window: { fromMs: trained.window.fromMs, toMs: trained.window.toMs },
    dataSha256: trained.dataSha256,
    codeVersion: codeVersion(),
    createdBy: 'user:alice',
    onnx,
  });
  app.models.setAlias(v.name, 'champion', v.version, { by: 'user:alice', at: atMs });
  return v;
}

/** Overwrites a version's ONNX file on disk (beside the database, as src/app/control.ts keeps them). */
export function corruptBlob(app: App, v: ModelVersion): void {
  const dir = join(dirname(app.config.databasePath), 'models', 'sha256', v.onnxSha256.slice(0, 2));
  writeFileSync(join(dir, `${v.onnxSha256}.onnx`), 'not an onnx file');
}
