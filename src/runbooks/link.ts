import type { RunbookDoc, RunbookSearch } from './types';

/**
 * The indexed runbook an alert's `runbook_url` annotation points at, if any: a relative path
 * (`runbooks/disk-full.md`, `./disk-full.md`, `disk-full.md`, `disk-full`) or any URL whose path
 * ends in `runbooks/NAME.md` (a repository link). Other URLs are someone else's runbooks.
 */
export function runbookOfUrl(url: string, runbooks: Pick<RunbookSearch, 'get'>): RunbookDoc | undefined {
  const value = url.trim();
  let path: string;
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) {
    try {
      path = decodeURIComponent(new URL(value).pathname);
    } catch {
      return undefined;
    }
    const m = /(?:^|\/)runbooks\/([^/]+)\.md$/i.exec(path);
    return m ? runbooks.get(m[1]) : undefined;
  }
  path = value.replace(/[?#].*$/, '');
  const m = /(?:^|\/)([^/]+?)(?:\.md)?$/i.exec(path);
  return m ? runbooks.get(m[1]) : undefined;
}
