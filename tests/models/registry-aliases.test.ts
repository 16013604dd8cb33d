import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AppError } from '../../src/errors';
import { BlobStore } from '../../src/models/blobs';
import { ModelRegistry } from '../../src/models/registry';
import { openStore, type Store } from '../../src/store/store';

const T0 = Date.UTC(2025, 0, 10, 12);
const NAME = 'payments-detector';
const stores: Store[] = [];
afterEach(() => stores.splice(0).forEach((s) => s.close()));

async function registryWith(versions: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sco-aliases-'));
  const store = openStore(join(dir, 'db.sqlite'));
  stores.push(store);
  const blobs = new BlobStore(join(dir, 'models'));
  const registry = new ModelRegistry(store.db, blobs, { clock: () => T0 });
  for (let i = 0; i < versions; i++) {
    await registry.register({
      service: 'payments',
      params: { i },
      seed: i,
      window: { fromMs: T0 - 1000, toMs: T0 },
      dataSha256: 'b'.repeat(64),
      codeVersion: 'test',
      createdBy: 'user:alice',
      onnx: Buffer.from(`version ${i + 1}`),
    });
  }
  return { registry, blobs };
}

const thrown = (f: () => unknown): AppError => {
  try {
    f();
  } catch (e) {
    return e as AppError;
  }
  throw new Error('expected an error');
};
const by = (at: number) => ({ by: 'user:bob', at });

describe('ModelRegistry: aliases', () => {
  it('points champion and challenger at one version each, and records every move', async () => {
    const { registry } = await registryWith(3);
    expect(registry.aliasesOf(NAME)).toEqual({ champion: null, challenger: null });
    expect(registry.setAlias(NAME, 'champion', 1, { expected: null, ...by(T0) })).toEqual({
      alias: 'champion',
      version: 1,
      previous: null,
      at: T0,
      by: 'user:bob',
    });
    registry.setAlias(NAME, 'challenger', 2, by(T0 + 1));
    expect(registry.aliasesOf(NAME)).toEqual({ champion: 1, challenger: 2 });
    expect(registry.resolve(NAME, 'challenger')?.version).toBe(2);
    expect(registry.setAlias(NAME, 'champion', 1, by(T0 + 2))).toBeUndefined(); // already there: no move
    registry.setAlias(NAME, 'champion', 2, { expected: 1, ...by(T0 + 3) });
    expect(registry.clearAlias(NAME, 'challenger', { expected: 2, ...by(T0 + 4) })?.previous).toBe(2);
    expect(registry.clearAlias(NAME, 'challenger', by(T0 + 5))).toBeUndefined();
    expect(registry.aliasesOf(NAME)).toEqual({ champion: 2, challenger: null });
    expect(registry.resolve(NAME, 'challenger')).toBeUndefined();
    expect(registry.aliasHistory(NAME).map((m) => [m.alias, m.version, m.previous, m.at])).toEqual([
      ['challenger', null, 2, T0 + 4],
      ['champion', 2, 1, T0 + 3],
      ['challenger', 2, null, T0 + 1],
      ['champion', 1, null, T0],
    ]);
  });

  it('refuses a compare-and-set when the alias moved meanwhile, and a version that does not exist', async () => {
    const { registry } = await registryWith(3);
    registry.setAlias(NAME, 'champion', 1, { expected: null, ...by(T0) });
    const moved = thrown(() => registry.setAlias(NAME, 'champion', 3, { expected: null, ...by(T0) }));
    expect(moved.code).toBe('conflict');
    expect(moved.message).toBe(
      'the champion of payments-detector moved meanwhile: it points at v1, not unset as expected; ' +
        'look again and retry.',
    );
    registry.setAlias(NAME, 'champion', 2, { expected: 1, ...by(T0) });
    const stale = thrown(() => registry.setAlias(NAME, 'champion', 3, { expected: 1, ...by(T0) }));
    expect(stale.message).toMatch(/it points at v2, not at v1 as expected/);
    expect(thrown(() => registry.clearAlias(NAME, 'champion', { expected: 1, ...by(T0) })).code).toBe('conflict');
    const missing = thrown(() => registry.setAlias(NAME, 'champion', 9, by(T0)));
    expect(missing.code).toBe('not_found');
    expect(missing.message).toBe('payments-detector has no version 9; its versions are 1, 2, 3.');
    expect(thrown(() => registry.setAlias('nope', 'champion', 1, by(T0))).code).toBe('not_found');
    expect(thrown(() => registry.setAlias(NAME, 'production' as 'champion', 1, by(T0))).message).toMatch(
      /not a model alias/,
    );
    expect(registry.aliasesOf(NAME).champion).toBe(2);
  });

  it('knows the champion to roll back to: the one before the current that still exists', async () => {
    const { registry } = await registryWith(4);
    expect(registry.previousChampion(NAME)).toBeUndefined();
    registry.setAlias(NAME, 'champion', 1, by(T0));
    expect(registry.previousChampion(NAME)).toBeUndefined();
    registry.setAlias(NAME, 'champion', 2, by(T0 + 1));
    expect(registry.previousChampion(NAME)).toBe(1);
    registry.setAlias(NAME, 'champion', 3, by(T0 + 2));
    expect(registry.previousChampion(NAME)).toBe(2);
    registry.setAlias(NAME, 'champion', 2, by(T0 + 3)); // a rollback
    expect(registry.previousChampion(NAME)).toBe(3);
    registry.clearAlias(NAME, 'champion', by(T0 + 4));
    expect(registry.previousChampion(NAME)).toBe(2);
  });

  it('keeps the rollback target through prunes while older champions go', async () => {
    const { registry } = await registryWith(4);
    registry.setAlias(NAME, 'champion', 1, by(T0));
    registry.setAlias(NAME, 'champion', 2, by(T0 + 1));
    registry.setAlias(NAME, 'champion', 3, by(T0 + 2));
    // keep 1: v4 newest, v3 champion, v2 the rollback target; v1 goes
    expect((await registry.prune({ keep: 1, graceMs: 0 })).versions).toEqual([`${NAME}@1`]);
    registry.setAlias(NAME, 'champion', 4, by(T0 + 3));
    expect(registry.previousChampion(NAME)).toBe(3);
    await registry.prune({ keep: 1, graceMs: 0 }); // v2 goes now, v3 is the rollback target
    expect(registry.get(NAME).versions.map((v) => v.version)).toEqual([3, 4]);
    registry.setAlias(NAME, 'champion', 3, by(T0 + 4));
    expect(registry.previousChampion(NAME)).toBe(4);
    registry.setAlias(NAME, 'champion', 4, by(T0 + 5));
    expect(registry.previousChampion(NAME)).toBe(3);
  });
});

describe('ModelRegistry: prune', () => {
  it('keeps the newest versions, every aliased version and the rollback target, and deletes their files', async () => {
    const { registry, blobs } = await registryWith(8);
    registry.setAlias(NAME, 'champion', 1, by(T0));
    registry.setAlias(NAME, 'champion', 2, by(T0 + 1));
    registry.setAlias(NAME, 'challenger', 4, by(T0 + 2));
    const before = registry.get(NAME).versions;
    const result = await registry.prune({ keep: 2, graceMs: 0 });
    expect(result.versions).toEqual([`${NAME}@6`, `${NAME}@5`, `${NAME}@3`]);
    expect(registry.get(NAME).versions.map((v) => v.version)).toEqual([1, 2, 4, 7, 8]);
    const gone = before.filter((v) => [3, 5, 6].includes(v.version)).map((v) => blobs.pathOf(v.onnxSha256));
    expect(result.files.sort()).toEqual(gone.sort());
    for (const v of registry.get(NAME).versions) {
      await expect(registry.onnx(NAME, v.version)).resolves.toBeInstanceOf(Buffer);
    }
    expect(registry.aliasesOf(NAME)).toEqual({ champion: 2, challenger: 4 });
  });

  it('never deletes an aliased version, even with keep 1 and many newer versions', async () => {
    const { registry } = await registryWith(5);
    registry.setAlias(NAME, 'champion', 1, by(T0));
    registry.setAlias(NAME, 'challenger', 2, by(T0));
    await registry.prune({ keep: 1, graceMs: 0 });
    expect(registry.get(NAME).versions.map((v) => v.version)).toEqual([1, 2, 5]);
    await expect(registry.onnx(NAME, 1)).resolves.toEqual(Buffer.from('version 1'));
    await expect(registry.onnx(NAME, 2)).resolves.toEqual(Buffer.from('version 2'));
  });

  it('refuses a keep below 1', async () => {
    const { registry } = await registryWith(1);
    await expect(registry.prune({ keep: 0 })).rejects.toThrow(/at least 1 version/);
  });
});
