import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors';

const MAX_NAME = 100;

/**
 * A safe file name for a chart: letters, digits, '.', '_' and '-' only (so no separators and no
 * '..'), no leading dot, at most 100 characters, ending in '.png'. `../../etc/passwd` becomes
 * `etc-passwd.png`.
 */
export function chartFileName(name: string): string {
  const base = String(name)
    .replace(/\.png$/i, '')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/-{2,}/g, '-')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, MAX_NAME)
    .replace(/[.-]+$/, '');
  return `${base || 'chart'}.png`;
}

/**
 * Write a chart PNG into `dir` (created if missing) under a sanitised `name`; returns the path.
 * Written to a temporary file first and renamed, so a reader never sees half a PNG.
 */
export async function saveChart(png: Buffer, dir: string, name: string): Promise<string> {
  const root = path.resolve(dir);
  const file = path.join(root, chartFileName(name));
  if (path.dirname(file) !== root)
    throw new AppError('bad_request', `chart name escapes the charts directory: ${name}`);
  await mkdir(root, { recursive: true });
  const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, png);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return file;
}
