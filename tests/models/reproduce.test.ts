import { dirname, join } from 'node:path';
import { BlobStore } from '../../src/models/blobs';
import { buildBundle } from '../../src/models/bundle';
import { fetchHistory } from '../../src/models/history';
import { ModelRegistry } from '../../src/models/registry';
import { reproduce, reproduceJson } from '../../src/models/reproduce';
import { trainModel } from '../../src/models/train';
import { codeVersion } from '../../src/models/version';
import { DemoFleet } from '../../src/sources/demo';
import { openStore, type Store } from '../../src/store/store';
import { tempDbPath } from '../helpers/app';
import { runCli } from '../helpers/cli';

const NOW = Date.UTC(2025, 2, 10, 12, 0, 0);
const params = { trees: 4, sampleSize: 32, window: 16 };
const SEED = 5;
const DEMO_SEED = 7;

const fleet = (seed = DEMO_SEED) => new DemoFleet({ seed, clock: () => NOW });

/** payments-detector v1, trained on one day of the demo fleet, in a real SQLite store and models dir. */
async function registered(path: string, store: Store): Promise<ModelRegistry> {
  const registry = new ModelRegistry(store.db, new BlobStore(join(dirname(path), 'models')));
  const history = await fetchHistory(fleet(), { service: 'payments', windowS: 86_400, toMs: NOW });
  const trained = await trainModel(history, { params, seed: SEED });
  await registry.register({
    service: 'payments',
    params: { ...trained.params },
    seed: trained.seed,
    window: { fromMs: trained.window.fromMs, toMs: trained.window.toMs },
    dataSha256: trained.dataSha256,
    codeVersion: codeVersion(),
    createdBy: 'user:1',
    onnx: buildBundle(trained, { model: 'payments-detector' }),
  });
  return registry;
}

describe('model reproduce', () => {
  const path = tempDbPath();
  let store: Store;
  let registry: ModelRegistry;
  beforeAll(async () => {
    store = openStore(path);
    registry = await registered(path, store);
  });
  afterAll(() => store.close());

  const run = (source = fleet(), version = codeVersion()) =>
    reproduce({ registry, source, codeVersion: version }, 'payments-detector', 1);

  it('retrains from the record to identical ONNX bytes', async () => {
    const r = await run();
    const v = registry.version('payments-detector', 1);
    expect(reproduceJson(r)).toEqual({
      model: 'payments-detector',
      version: 1,
      reproduced: true,
      data_sha256_match: true,
      onnx_sha256: v.onnxSha256,
      rebuilt_sha256: v.onnxSha256,
    });
  }, 60_000);

  it('says the source cannot replay the window when its data differs (another DEMO_SEED)', async () => {
    const r = await run(fleet(DEMO_SEED + 1));
    expect(r).toMatchObject({ reproduced: false, dataSha256Match: false, rebuiltSha256: null });
    expect(r.reason).toMatch(/cannot replay the training window .*hashes to/);
  }, 60_000);

  it('refuses a version trained by another code version', async () => {
    const r = await run(fleet(), '0.0.1+format.1');
    expect(r.reproduced).toBe(false);
    expect(r.reason).toMatch(/code version .* the bytes cannot match across releases/);
  });

  it('reports a tampered record (seed, window) as not reproduced', async () => {
    store.db.prepare('UPDATE model_versions SET seed = seed + 1').run();
    try {
      const r = await run();
      expect(r.reproduced).toBe(false);
      expect(r.reason).toMatch(/disagree on seed \(record 6, file 5\)/);
    } finally {
      store.db.prepare('UPDATE model_versions SET seed = seed - 1').run();
    }
    store.db.prepare('UPDATE model_versions SET data_from = data_from + 3600000').run();
    try {
      const r = await run();
      expect(r.reproduced).toBe(false);
      expect(r.reason).toMatch(/disagree on window/);
    } finally {
      store.db.prepare('UPDATE model_versions SET data_from = data_from - 3600000').run();
    }
    expect((await run()).reproduced).toBe(true);
  }, 60_000);

  it('throws not_found with a did-you-mean for an unknown model or version', async () => {
    await expect(
      reproduce({ registry, source: fleet(), codeVersion: codeVersion() }, 'payment-detector', 1),
    ).rejects.toThrow(/no model called “payment-detector”.*payments-detector/);
    await expect(
      reproduce({ registry, source: fleet(), codeVersion: codeVersion() }, 'payments-detector', 9),
    ).rejects.toThrow(/has no version 9; its versions are 1/);
  });
});

/** Through the built CLI (npm run build), on the same kind of store. */
describe('smartcloudops model (built CLI)', () => {
  const path = tempDbPath();
  const env = { DATABASE_PATH: path, METRICS_SOURCE: 'demo', DEMO_SEED: String(DEMO_SEED) };
  beforeAll(async () => {
    const store = openStore(path);
    try {
      await registered(path, store);
    } finally {
      store.close();
    }
  }, 60_000);

  it('lists models as text and as the registry JSON', async () => {
    const text = await runCli(['model', 'list'], { env });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^MODEL\s+SERVICE\s+CHAMPION\s+CHALLENGER\s+VERSIONS\s+LATEST/);
    expect(text.stdout).toMatch(/payments-detector\s+payments\s+-\s+-\s+1\s+v1 .* by user:1/);
    const json = await runCli(['model', 'list', '--json'], { env });
    expect(json.code).toBe(0);
    const body = JSON.parse(json.stdout) as { models: Array<Record<string, unknown>> };
    expect(body.models).toHaveLength(1);
    expect(body.models[0]).toMatchObject({ name: 'payments-detector', service: 'payments', champion: null });
    expect(body.models[0].versions).toEqual([
      expect.objectContaining({
        version: 1,
        created_by: 'user:1',
        params,
        data: expect.objectContaining({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }),
        onnx_sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
  }, 30_000);

  it('shows a model; an unknown one exits 1 with the did-you-mean on stderr', async () => {
    const shown = await runCli(['model', 'show', 'payments-detector'], { env });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/payments-detector \(service payments\): champion -, challenger -/);
    expect(shown.stdout).toMatch(/v1\s+2\S+\s+user:1\s+2025-03-09T12:00:00Z\.\.2025-03-10T12:00:00Z\s+seed 5/);
    const unknown = await runCli(['model', 'show', 'payment-detector'], { env });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/no model called “payment-detector”.*payments-detector/);
  }, 30_000);

  it('reproduces a version to identical bytes, and not with another DEMO_SEED', async () => {
    const ok = await runCli(['model', 'reproduce', 'payments-detector', '1'], { env, timeoutMs: 60_000 });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^reproduced: identical bytes \(sha256 [0-9a-f]{64}\)$/m);
    const other = await runCli(['model', 'reproduce', 'payments-detector', '1', '--json'], {
      env: { ...env, DEMO_SEED: '8' },
      timeoutMs: 60_000,
    });
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout)).toMatchObject({
      model: 'payments-detector',
      version: 1,
      reproduced: false,
      data_sha256_match: false,
      rebuilt_sha256: null,
      reason: expect.stringMatching(/cannot replay/),
    });
  }, 120_000);
});
