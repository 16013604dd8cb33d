/**
 * The runbook knowledge base as its callers see it: the `search_runbooks` command, the incident
 * card (an alert's `runbook_url`) and the investigation tools. No SQLite here, so a caller can take
 * the interface without the index behind it (runbook-index.ts).
 */

/** One Markdown runbook: its front matter and body. */
export interface RunbookDoc {
  /** The file name without `.md`: `disk-full`. */
  name: string;
  title: string;
  /** Services it applies to; `['*']` for any. */
  services: string[];
  tags: string[];
  /** Alert names it answers. */
  alerts: string[];
  severity?: string;
  /** Where the file is, as the runbooks folder was configured: `runbooks/disk-full.md`. */
  path: string;
  /** A link to read it (front matter `url`), when there is one. */
  url?: string;
  /** The Markdown after the front matter. */
  body: string;
}

/** One search hit, best first. */
export interface RunbookMatch {
  name: string;
  title: string;
  /** A few words of the body around the match, each matched word between SNIPPET_MARK.open and .close. */
  snippet: string;
  /** Relevance: the negated BM25 rank (title and tags weighted above the body); higher is better. */
  score: number;
  path: string;
  url?: string;
}

/** How a snippet marks the words that matched: `…the **disk** is **full**…`. */
export const SNIPPET_MARK = { open: '**', close: '**' } as const;

/** What the command and the investigation tools call. */
export interface RunbookSearch {
  /** Ranked matches for the user's words (any punctuation or quotes; the last word is a prefix). */
  search(query: string, limit: number): Promise<RunbookMatch[]>;
  /** One runbook by name, or undefined. */
  get(name: string): RunbookDoc | undefined;
  /** Every runbook indexed, by name. */
  list(): RunbookDoc[];
}

/** The index a composition root owns: search, plus close (stops the watcher, frees the database). */
export interface RunbookIndex extends RunbookSearch {
  close(): void;
}
