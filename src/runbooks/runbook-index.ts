import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log/logger';
import { RunbookFts } from './fts';
import { parseRunbook, RunbookFormatError } from './parse';
import type { RunbookDoc, RunbookIndex } from './types';

export interface RunbookIndexOptions {
  /** The runbooks folder (RUNBOOKS_DIR): its `*.md` files other than README.md are the runbooks. */
  dir: string;
  log: Logger;
  /** Re-index when the folder changes (fs.watch, debounced). Default true. */
  watch?: boolean;
  /** Quiet time after the last change before re-indexing. Default 200 ms. */
  debounceMs?: number;
}

const isRunbook = (file: string) => /\.md$/i.test(file) && file.toLowerCase() !== 'readme.md';

/** Every runbook in the folder; a file that cannot be read or parsed is logged and left out. */
async function readRunbooks(dir: string, log: Logger): Promise<RunbookDoc[]> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter(isRunbook).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      log.info('no runbooks folder: the runbook index is empty', { dir });
      return [];
    }
    throw err;
  }
  const docs: RunbookDoc[] = [];
  for (const file of files) {
    const path = join(dir, file);
    try {
      docs.push(parseRunbook(path, await readFile(path, 'utf8')));
    } catch (err) {
      // A file removed between readdir and readFile is simply gone; anything else is the author's to fix.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      const reason = err instanceof RunbookFormatError ? err.message : String(err);
      log.warn('runbook skipped: fix the file and it is indexed on save', { path, reason });
    }
  }
  return docs;
}

/**
 * The runbook knowledge base: the folder's Markdown runbooks indexed on start (the promise settles
 * once they are) and again whenever the folder changes, so an added, edited or removed file shows
 * in the next search. A search during a re-index sees the previous state or the new one, never half.
 */
export async function createRunbookIndex(options: RunbookIndexOptions): Promise<RunbookIndex> {
  const { dir, log, debounceMs = 200 } = options;
  const fts = new RunbookFts();
  let closed = false;
  let running: Promise<void> = Promise.resolve();
  const reindex = () => {
    running = running.then(async () => {
      if (closed) return;
      try {
        const docs = await readRunbooks(dir, log);
        if (!closed) fts.replaceAll(docs);
      } catch (err) {
        log.error('runbook index: the folder could not be read; the previous index stays', { dir, err });
      }
    });
    return running;
  };
  await reindex();
  log.info('runbooks indexed', { dir, runbooks: fts.list().length });

  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  if (options.watch !== false) {
    try {
      watcher = watch(dir, { persistent: false }, () => {
        clearTimeout(timer);
        timer = setTimeout(() => void reindex(), debounceMs);
      });
      watcher.on('error', (err) => log.warn('runbook folder watch stopped', { dir, err }));
    } catch (err) {
      // No folder (or no watch support): the index stays as read at start.
      log.debug('runbook folder not watched', { dir, err });
    }
  }

  return {
    search: async (query, limit) => (closed ? [] : fts.search(query, limit)),
    get: (name) => fts.get(name),
    list: () => fts.list(),
    close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      watcher?.close();
      fts.close();
    },
  };
}
