import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../src/errors';
import { BlobStore, ModelBlobError, sha256Hex } from '../../src/models/blobs';
import { ModelRegistry } from '../../src/models/registry';
import { toJson } from '../../src/models/registry-json';
import type { RegisterInput } from '../../src/models/registry-types';
import { openStore, type Store } from '../../src/store/store';

const T0 = Date.UTC(2025, 0, 10, 12);
const DAY = 86_400_000;
const DATA_SHA = 'a'.repeat(64);

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'sco-registry-'));
  const dbPath = join(dir, 'db.sqlite');
  const store = openStore(dbPath);
  const blobs = new BlobStore(join(dir, 'models'));
  let now = T0;
  const clock = () => now;
  const registry = new ModelRegistry(store.db, blobs, { clock });
  return { dir, dbPath, store, blobs, registry, tick: (ms: number) => (now += ms) };
}

function input(over: Partial<RegisterInput> = {}): RegisterInput {
  return {
    service: 'payments',
    params: { trees: 100, sample: 256, features: { window: 30 } },
    seed: 7,
    window: { fromMs: T0 - 7 * DAY, toMs: T0 },
    dataSha256: DATA_SHA,
    codeVersion: '0.1.0+abc123',
    createdBy: 'user:alice',
    onnx: Buffer.from(`model ${Math.random()}`),
    ...over,
  };
}

const errorOf = async (p: Promise<unknown> | (() => unknown)): Promise<AppError> => {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected an error');
};

const stores: Store[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

describe('ModelRegistry: versions', () => {
  it('numbers versions from 1 per model and records what they were trained from', async () => {
    const { store, registry, tick } = setup();
    stores.push(store);
    const onnx = Buffer.from('onnx bytes v1');
    const v1 = await registry.register(input({ onnx }));
    expect(v1).toEqual({
      name: 'payments-detector',
      version: 1,
      params: { trees: 100, sample: 256, features: { window: 30 } },
      seed: 7,
      window: { fromMs: T0 - 7 * DAY, toMs: T0 },
      dataSha256: DATA_SHA,
      codeVersion: '0.1.0+abc123',
      metrics: null,
      onnxSha256: sha256Hex(onnx),
      createdAt: T0,
      createdBy: 'user:alice',
    });
    tick(1000);
    expect((await registry.register(input())).version).toBe(2);
    expect((await registry.register(input({ service: 'checkout' }))).version).toBe(1);
    expect((await registry.register(input({ service: 'checkout', name: 'checkout-fast' }))).version).toBe(1);
    expect(registry.get('payments-detector').versions.map((v) => [v.version, v.createdAt])).toEqual([
      [1, T0],
      [2, T0 + 1000],
    ]);
    expect(registry.modelsOf('checkout')).toEqual(['checkout-detector', 'checkout-fast']);
    expect(await registry.onnx('payments-detector', 1)).toEqual(onnx);
  });

  it('gives two concurrent registrations of one model distinct versions, also from two connections', async () => {
    const { dbPath, store, blobs, registry } = setup();
    const other = openStore(dbPath);
    stores.push(store, other);
    const second = new ModelRegistry(other.db, blobs);
    const made = await Promise.all([
      registry.register(input()),
      second.register(input()),
      registry.register(input()),
      second.register(input()),
    ]);
    expect(made.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
    expect(registry.get('payments-detector').versions).toHaveLength(4);
  });

  it('stores identical ONNX bytes once and never reuses a version number after a prune', async () => {
    const { store, registry } = setup();
    stores.push(store);
    const onnx = Buffer.from('reproducible bytes');
    const a = await registry.register(input({ onnx }));
    const b = await registry.register(input({ onnx }));
    expect(a.onnxSha256).toBe(b.onnxSha256);
    await registry.register(input());
    await registry.prune({ keep: 1, graceMs: 0 });
    expect(registry.get('payments-detector').versions.map((v) => v.version)).toEqual([3]);
    expect((await registry.register(input())).version).toBe(4);
  });

  it('refuses bad input before writing anything, and a model name taken by another service', async () => {
    const { store, registry } = setup();
    stores.push(store);
    expect((await errorOf(registry.register(input({ name: 'Payments!' })))).message).toMatch(/not a model name/);
    expect((await errorOf(registry.register(input({ createdBy: 'alice' })))).message).toMatch(/user:ID/);
    expect((await errorOf(registry.register(input({ window: { fromMs: T0, toMs: T0 } })))).code).toBe('bad_request');
    expect((await errorOf(registry.register(input({ seed: 1.5 })))).message).toMatch(/seed/);
    await registry.register(input({ name: 'shared' }));
    const clash = await errorOf(registry.register(input({ name: 'shared', service: 'checkout' })));
    expect(clash.code).toBe('conflict');
    expect(clash.message).toMatch(/belongs to the service payments/);
  });

  it('leaves no half-registered version when the transaction fails: only an orphan blob, swept by prune', async () => {
    const { store, registry, blobs } = setup();
    stores.push(store);
    await registry.register(input());
    store.db.exec(
      `CREATE TRIGGER crash BEFORE INSERT ON model_versions BEGIN SELECT RAISE(ABORT, 'killed mid-way'); END;`,
    );
    const onnx = Buffer.from('the crashed one');
    expect((await errorOf(registry.register(input({ onnx })))).message).toMatch(/killed mid-way/);
    store.db.exec('DROP TRIGGER crash');
    expect(registry.get('payments-detector').versions.map((v) => v.version)).toEqual([1]);
    const orphan = sha256Hex(onnx);
    expect(await blobs.has(orphan)).toBe(true);
    expect((await registry.prune({ keep: 5 })).files).toEqual([]); // within the grace period
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(blobs.pathOf(orphan), old, old);
    expect((await registry.prune({ keep: 5 })).files).toEqual([blobs.pathOf(orphan)]);
    expect(await blobs.has(orphan)).toBe(false);
    expect((await registry.register(input())).version).toBe(2);
  });

  it('sets metrics after registration', async () => {
    const { store, registry } = setup();
    stores.push(store);
    await registry.register(input());
    const v = registry.setMetrics('payments-detector', 1, { recall: { spike: 0.9 }, false_alerts_per_day: 0.4 });
    expect(v.metrics).toEqual({ recall: { spike: 0.9 }, false_alerts_per_day: 0.4 });
    expect(registry.version('payments-detector', 1).metrics).toEqual(v.metrics);
    expect((await errorOf(() => registry.setMetrics('payments-detector', 9, {}))).code).toBe('not_found');
  });
});

describe('ModelRegistry: reads and errors', () => {
  it('answers unknown models with a suggestion and unknown versions with the ones there are', async () => {
    const { store, registry } = setup();
    stores.push(store);
    await registry.register(input());
    await registry.register(input());
    const model = await errorOf(() => registry.get('paymnts-detector'));
    expect(model.code).toBe('not_found');
    expect(model.message).toBe('There is no model called “paymnts-detector”. Did you mean “payments-detector”?');
    expect((await errorOf(() => registry.get('zzz'))).message).toBe('There is no model called “zzz”.');
    const version = await errorOf(() => registry.version('payments-detector', 5));
    expect(version.code).toBe('not_found');
    expect(version.message).toBe('payments-detector has no version 5; its versions are 1, 2.');
  });

  it('refuses to serve a corrupt or missing ONNX file, naming the model version', async () => {
    const { store, registry, blobs } = setup();
    stores.push(store);
    const v = await registry.register(input());
    writeFileSync(blobs.pathOf(v.onnxSha256), 'bit rot');
    const err = await errorOf(registry.onnx('payments-detector', 1));
    expect(err).toBeInstanceOf(ModelBlobError);
    expect(err.userMessage).toMatch(/payments-detector v1 is corrupt .* cannot be served/);
  });

  it('compares two versions side by side, marking what differs', async () => {
    const { store, registry } = setup();
    stores.push(store);
    await registry.register(input({ metrics: { score: 0.7, recall: { spike: 0.8 } } }));
    await registry.register(input({ params: { trees: 200, sample: 256, features: { window: 60 } } }));
    registry.setMetrics('payments-detector', 2, { score: 0.75, recall: { spike: 0.8 } });
    const c = registry.compare('payments-detector', 1, 2);
    expect(c.a.version).toBe(1);
    expect(c.b.version).toBe(2);
    expect(c.params).toEqual([
      { key: 'features.window', a: 30, b: 60, differs: true },
      { key: 'sample', a: 256, b: 256, differs: false },
      { key: 'trees', a: 100, b: 200, differs: true },
    ]);
    expect(c.metrics).toEqual([
      { key: 'recall.spike', a: 0.8, b: 0.8, differs: false },
      { key: 'score', a: 0.7, b: 0.75, differs: true },
    ]);
  });

  it('lists every model in the shape of GET /api/v1/models', async () => {
    const { store, registry } = setup();
    stores.push(store);
    const onnx = Buffer.from('list me');
    await registry.register(input({ onnx, metrics: { score: 0.7 } }));
    await registry.register(input({ service: 'checkout' }));
    registry.setAlias('payments-detector', 'champion', 1, { by: 'user:bob', at: T0 });
    const json = toJson(registry.list());
    expect(JSON.parse(JSON.stringify(json))).toEqual({
      models: [
        {
          name: 'checkout-detector',
          service: 'checkout',
          champion: null,
          challenger: null,
          versions: [expect.any(Object)],
        },
        {
          name: 'payments-detector',
          service: 'payments',
          champion: 1,
          challenger: null,
          versions: [
            {
              version: 1,
              created_at: new Date(T0).toISOString(),
              created_by: 'user:alice',
              params: { trees: 100, sample: 256, features: { window: 30 } },
              metrics: { score: 0.7 },
              data: { from: new Date(T0 - 7 * DAY).toISOString(), to: new Date(T0).toISOString(), sha256: DATA_SHA },
              onnx_sha256: sha256Hex(onnx),
            },
          ],
        },
      ],
    });
  });
});
