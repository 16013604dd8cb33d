import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, stat, unlink, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../errors';

const SHA256 = /^[0-9a-f]{64}$/;
const TEMP = /^\.([0-9a-f]{64})\.[0-9a-f]+\.tmp$/;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A model file that cannot be served: gone from disk, or its bytes no longer hash to its name. */
export class ModelBlobError extends AppError {
  readonly reason: 'missing' | 'corrupt';
  readonly path: string;

  constructor(reason: 'missing' | 'corrupt', path: string, what: string, detail: string, cause?: unknown) {
    const why = reason === 'missing' ? 'is missing' : 'is corrupt';
    super('internal', `the ONNX file of ${what} ${why} (${path}): ${detail}; this model cannot be served`, {
      cause,
      userMessage: `The ONNX file of ${what} ${why} on the control plane's disk, so this model cannot be served.`,
    });
    this.name = 'ModelBlobError';
    this.reason = reason;
    this.path = path;
  }
}

export interface BlobInfo {
  sha256: string;
  path: string;
  mtimeMs: number;
}

/**
 * ONNX files content-addressed by sha256 under `<dir>/sha256/<first 2 hex>/<sha256>.onnx`. A write
 * goes to a temp file beside its final place, is fsynced, then renamed (and the folder fsynced):
 * a crash leaves the old state or the whole file, never half of one. The same bytes are stored
 * once. Reads hash what they read and refuse a file that no longer matches its name.
 */
export class BlobStore {
  constructor(readonly dir: string) {}

  pathOf(sha256: string): string {
    checkSha(sha256);
    return join(this.dir, 'sha256', sha256.slice(0, 2), `${sha256}.onnx`);
  }

  /** Store the bytes; an identical blob already there is reused (and touched, so a sweep spares it). */
  async put(bytes: Uint8Array): Promise<{ sha256: string; reused: boolean }> {
    const sha256 = sha256Hex(bytes);
    const path = this.pathOf(sha256);
    const folder = join(this.dir, 'sha256', sha256.slice(0, 2));
    if (await this.matches(path, sha256)) {
      const now = new Date();
      await utimes(path, now, now);
      return { sha256, reused: true };
    }
    await mkdir(folder, { recursive: true });
    const temp = join(folder, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
    const file = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    try {
      await file.writeFile(bytes);
      await file.sync();
    } catch (err) {
      await file.close();
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    await file.close();
    await rename(temp, path);
    await syncDir(folder);
    return { sha256, reused: false };
  }

  /** The bytes, verified against their sha256; `what` names the model version in the error. */
  async get(sha256: string, what = `blob ${sha256.slice(0, 12)}`): Promise<Buffer> {
    const path = this.pathOf(sha256);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ModelBlobError('missing', path, what, 'no such file', err);
      }
      throw new ModelBlobError('missing', path, what, (err as Error).message, err);
    }
    const actual = sha256Hex(bytes);
    if (actual !== sha256) {
      throw new ModelBlobError('corrupt', path, what, `its sha256 is ${actual}, expected ${sha256}`);
    }
    return bytes;
  }

  async has(sha256: string): Promise<boolean> {
    return (await stat(this.pathOf(sha256)).catch(() => undefined)) !== undefined;
  }

  /** Every stored blob, and (with `sha256` of the blob they were for) temp files left by a crash. */
  async list(): Promise<{ blobs: BlobInfo[]; temps: BlobInfo[] }> {
    const blobs: BlobInfo[] = [];
    const temps: BlobInfo[] = [];
    const root = join(this.dir, 'sha256');
    for (const prefix of await readdir(root).catch(() => [] as string[])) {
      if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
      const folder = join(root, prefix);
      for (const name of await readdir(folder).catch(() => [] as string[])) {
        const path = join(folder, name);
        const blob = /^([0-9a-f]{64})\.onnx$/.exec(name);
        const temp = TEMP.exec(name);
        if (!blob && !temp) continue;
        const st = await stat(path).catch(() => undefined);
        if (!st) continue;
        (blob ? blobs : temps).push({ sha256: (blob ?? temp)![1], path, mtimeMs: st.mtimeMs });
      }
    }
    return { blobs, temps };
  }

  /**
   * Delete blobs no one references and temp files, each only when untouched for `graceMs`: a
   * registration in flight has written (or touched) its blob but not yet its row. Returns the
   * paths removed.
   */
  async sweep(referenced: ReadonlySet<string>, now: number, graceMs: number): Promise<string[]> {
    const { blobs, temps } = await this.list();
    const removed: string[] = [];
    for (const b of [...blobs.filter((x) => !referenced.has(x.sha256)), ...temps]) {
      const st = await stat(b.path).catch(() => undefined); // a reuse may have touched it since list()
      if (!st || now - st.mtimeMs < graceMs) continue;
      await unlink(b.path).catch(() => undefined);
      removed.push(b.path);
    }
    return removed;
  }

  private async matches(path: string, sha256: string): Promise<boolean> {
    const bytes = await readFile(path).catch(() => undefined);
    return bytes !== undefined && sha256Hex(bytes) === sha256;
  }
}

function checkSha(sha256: string): void {
  if (!SHA256.test(sha256)) throw new AppError('bad_request', `not a sha256 (64 lower-case hex digits): ${sha256}`);
}

/** Make a rename durable: fsync the folder that holds the new name (a no-op where folders can't be opened). */
async function syncDir(folder: string): Promise<void> {
  const handle = await open(folder, constants.O_RDONLY).catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } catch {
    // some filesystems refuse fsync on a folder; the rename itself is still atomic
  } finally {
    await handle.close();
  }
}
