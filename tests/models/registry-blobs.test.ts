import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../src/errors';
import { BlobStore, ModelBlobError, sha256Hex } from '../../src/models/blobs';

const tempDir = () => mkdtempSync(join(tmpdir(), 'sco-blobs-'));
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('BlobStore', () => {
  it('stores bytes under sha256/<2 hex>/<sha256>.onnx and reads them back', async () => {
    const dir = tempDir();
    const blobs = new BlobStore(dir);
    const data = bytes('onnx model one');
    const { sha256, reused } = await blobs.put(data);
    expect(sha256).toBe(sha256Hex(data));
    expect(reused).toBe(false);
    const path = join(dir, 'sha256', sha256.slice(0, 2), `${sha256}.onnx`);
    expect(blobs.pathOf(sha256)).toBe(path);
    expect(readFileSync(path)).toEqual(data);
    expect(await blobs.get(sha256)).toEqual(data);
    // atomic write: nothing but the final file is left in its folder
    expect(readdirSync(join(dir, 'sha256', sha256.slice(0, 2)))).toEqual([`${sha256}.onnx`]);
  });

  it('reuses an identical blob (touching it) and repairs a corrupt one on put', async () => {
    const dir = tempDir();
    const blobs = new BlobStore(dir);
    const data = bytes('same bytes');
    const first = await blobs.put(data);
    const path = blobs.pathOf(first.sha256);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(path, old, old);
    const second = await blobs.put(data);
    expect(second).toEqual({ sha256: first.sha256, reused: true });
    expect(statSync(path).mtimeMs).toBeGreaterThan(old.getTime() + 1000);
    writeFileSync(path, 'garbage');
    expect((await blobs.put(data)).reused).toBe(false);
    expect(await blobs.get(first.sha256)).toEqual(data);
  });

  it('refuses a missing or corrupt file with a typed error that names the model and the file', async () => {
    const blobs = new BlobStore(tempDir());
    const { sha256 } = await blobs.put(bytes('will be damaged'));
    writeFileSync(blobs.pathOf(sha256), 'tampered');
    const corrupt = await blobs.get(sha256, 'payments-detector v3').catch((e: unknown) => e);
    expect(corrupt).toBeInstanceOf(ModelBlobError);
    expect(corrupt).toBeInstanceOf(AppError);
    expect((corrupt as ModelBlobError).reason).toBe('corrupt');
    expect((corrupt as ModelBlobError).code).toBe('internal');
    expect((corrupt as Error).message).toContain(blobs.pathOf(sha256));
    expect((corrupt as Error).message).toMatch(/payments-detector v3 is corrupt.*cannot be served/);
    expect((corrupt as AppError).userMessage).toMatch(/payments-detector v3 is corrupt.*cannot be served/);

    unlinkSync(blobs.pathOf(sha256));
    const missing = await blobs.get(sha256, 'payments-detector v3').catch((e: unknown) => e);
    expect((missing as ModelBlobError).reason).toBe('missing');
    expect((missing as Error).message).toMatch(/payments-detector v3 is missing .*no such file.*cannot be served/);
  });

  it('refuses a name that is not a sha256', () => {
    expect(() => new BlobStore(tempDir()).pathOf('../../etc/passwd')).toThrow(/not a sha256/);
  });

  it('sweeps unreferenced blobs and crash leftovers only once past the grace period', async () => {
    const dir = tempDir();
    const blobs = new BlobStore(dir);
    const kept = await blobs.put(bytes('referenced'));
    const orphan = await blobs.put(bytes('orphan'));
    const temp = join(dir, 'sha256', orphan.sha256.slice(0, 2), `.${orphan.sha256}.abcdef.tmp`);
    writeFileSync(temp, 'half a write');
    const referenced = new Set([kept.sha256]);
    expect(await blobs.sweep(referenced, Date.now(), 60_000)).toEqual([]);
    const old = new Date(Date.now() - 120_000);
    utimesSync(blobs.pathOf(orphan.sha256), old, old);
    utimesSync(temp, old, old);
    const removed = await blobs.sweep(referenced, Date.now(), 60_000);
    expect(removed.sort()).toEqual([blobs.pathOf(orphan.sha256), temp].sort());
    expect(await blobs.has(kept.sha256)).toBe(true);
    expect(await blobs.has(orphan.sha256)).toBe(false);
  });
});
