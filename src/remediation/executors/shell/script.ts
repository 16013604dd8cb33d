/** Finding a runbook safely (inside the folder, a regular executable file) and reading its blast radius. */
import { constants } from 'node:fs';
import { access, open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { AppError } from '../../../errors';
import type { RemediationRequest } from '../../types';
import { renderLenient } from '../params';
import { SUMMARY_CHARS } from './process';

export interface Script {
  /** The resolved file that runs. */
  file: string;
  /** As plan and messages show it: `runbooks/restart.sh`. */
  display: string;
}

/** The runbooks folder, resolved: `dir` (realpath) and its name as plans show it. */
export interface RunbooksDir {
  dir: string;
  dirName: string;
}

export async function resolveScript({ dir, dirName }: RunbooksDir, script: string): Promise<Script> {
  const display = `${dirName}/${script}`;
  // eslint-disable-next-line no-control-regex
  if (isAbsolute(script) || /[\u0000-\u001f]/.test(script))
    throw new AppError('forbidden', `Runbook "${script}" must be a file name inside ${dirName}/.`);
  const lexical = relative(dir, join(dir, script));
  if (lexical === '' || lexical === '..' || lexical.startsWith(`..${sep}`))
    throw new AppError('forbidden', `Runbook "${script}" points outside ${dirName}/; only scripts inside it may run.`);
  let file: string;
  try {
    file = await realpath(join(dir, script));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new AppError('not_found', `Runbook ${display} does not exist.`, { cause: err });
    throw new AppError('config_invalid', `Runbook ${display} cannot be resolved: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const inside = relative(dir, file);
  if (inside === '' || inside === '..' || inside.startsWith(`..${sep}`) || isAbsolute(inside)) {
    throw new AppError(
      'forbidden',
      `Runbook ${display} resolves outside ${dirName}/ (a symlink?); only scripts inside it may run.`,
    );
  }
  const st = await stat(file);
  if (!st.isFile()) throw new AppError('config_invalid', `Runbook ${display} is not a regular file.`);
  if ((st.mode & 0o111) === 0)
    throw new AppError('config_invalid', `Runbook ${display} is not executable; chmod +x it if it should run.`);
  if ((st.mode & 0o002) !== 0)
    throw new AppError('forbidden', `Runbook ${display} is writable by anyone; chmod o-w it before it may run.`);
  try {
    await access(file, constants.X_OK);
  } catch (err) {
    throw new AppError('config_invalid', `Runbook ${display} is not executable by this service's user.`, {
      cause: err,
    });
  }
  return { file, display };
}

export async function blastRadius(script: Script, request: RemediationRequest): Promise<string> {
  const fallback = `whatever ${script.display} does to ${request.target}`;
  let head: string;
  const handle = await open(script.file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    head = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  for (const line of head.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#!')) continue;
    if (!trimmed.startsWith('#')) break;
    const m = /^#\s*blast-radius:\s*(.+)$/i.exec(trimmed);
    if (m?.[1]) return renderLenient(m[1].trim(), request).slice(0, SUMMARY_CHARS);
  }
  return fallback;
}
