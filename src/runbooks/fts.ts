import Database from 'better-sqlite3';
import { matchTerms } from './query';
import { SNIPPET_MARK, type RunbookDoc, type RunbookMatch } from './types';

/** BM25 column weights: title, tags (tags, alerts, name), body. A word in the title counts most. */
const WEIGHTS = { title: 10, tags: 5, body: 1 } as const;
/**
 * Added to the score per query word found in the title, or in the tags. BM25's IDF is clamped to ~0
 * for a word in more than half of the runbooks ("latency", "deploy" are in most of ten), which would
 * leave "latency after deploy" unranked; a runbook about the words (title, tags) still comes first.
 */
const FIELD_BONUS = { title: 2, tags: 1 } as const;
/** How many BM25 candidates are re-ranked with the bonus. */
const CANDIDATES = 50;

/** The body as indexed: Markdown markers out, so snippets read as text ("Symptoms: Writes fail…"). */
function plainBody(d: RunbookDoc): string {
  return d.body
    .replace(/^#[ \t]+.*\n?/, '') // the first heading repeats the title
    .replace(/^#{1,6}[ \t]+(.+)$/gm, '$1:')
    .replace(/^[ \t]*(?:[-*+]|\d+\.)[ \t]+/gm, '');
}

/**
 * The runbooks in an in-memory SQLite FTS5 table (`porter unicode61`: "leaks" finds "leak"), ranked
 * with BM25. In memory: any process can have one, and the control plane's store holds none of it
 * (it is rebuilt from the folder in milliseconds).
 */
export class RunbookFts {
  private readonly db = new Database(':memory:');
  private docs = new Map<string, RunbookDoc>();

  constructor() {
    this.db.exec(
      `CREATE VIRTUAL TABLE runbooks USING fts5(name UNINDEXED, title, tags, body, tokenize = 'porter unicode61')`,
    );
  }

  /** Replace everything indexed with these runbooks, in one transaction (a search sees before or after). */
  replaceAll(docs: RunbookDoc[]): void {
    const insert = this.db.prepare('INSERT INTO runbooks (name, title, tags, body) VALUES (?, ?, ?, ?)');
    this.db.transaction(() => {
      this.db.exec('DELETE FROM runbooks');
      for (const d of docs) {
        const tags = [...d.tags, ...d.alerts, d.name.replace(/[-_]/g, ' ')].join(' ');
        insert.run(d.name, d.title, tags, plainBody(d));
      }
    })();
    this.docs = new Map(docs.map((d) => [d.name, d]));
  }

  search(query: string, limit: number): RunbookMatch[] {
    const terms = matchTerms(query);
    if (!terms.length || limit < 1) return [];
    const rows = this.db
      .prepare(
        `SELECT name, bm25(runbooks, 0, ?, ?, ?) AS rank,
                snippet(runbooks, 3, ?, ?, '…', 16) AS snippet
           FROM runbooks WHERE runbooks MATCH ? ORDER BY rank, name LIMIT ?`,
      )
      .all(
        WEIGHTS.title,
        WEIGHTS.tags,
        WEIGHTS.body,
        SNIPPET_MARK.open,
        SNIPPET_MARK.close,
        terms.join(' OR '),
        Math.max(limit, CANDIDATES),
      ) as Array<{ name: string; rank: number; snippet: string }>;
    const bonus = this.fieldBonus(terms);
    return rows
      .flatMap((r) => {
        const d = this.docs.get(r.name);
        if (!d) return [];
        const score = -r.rank + (bonus.get(r.name) ?? 0);
        const snippet = r.snippet.replace(/\s+/g, ' ').trim();
        return [{ name: d.name, title: d.title, snippet, score, path: d.path, ...(d.url ? { url: d.url } : {}) }];
      })
      .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
      .slice(0, limit);
  }

  /** Per runbook: FIELD_BONUS for each query word in its title, and in its tags. */
  private fieldBonus(terms: string[]): Map<string, number> {
    const stmt = this.db.prepare('SELECT name FROM runbooks WHERE runbooks MATCH ?');
    const bonus = new Map<string, number>();
    for (const term of terms)
      for (const column of ['title', 'tags'] as const)
        for (const { name } of stmt.all(`{${column}} : ${term}`) as Array<{ name: string }>)
          bonus.set(name, (bonus.get(name) ?? 0) + FIELD_BONUS[column]);
    return bonus;
  }

  get(name: string): RunbookDoc | undefined {
    return this.docs.get(name);
  }

  list(): RunbookDoc[] {
    return [...this.docs.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
