import { context, header, reply, table, text, type Reply } from '../reply/model';
import { SNIPPET_MARK, type RunbookDoc, type RunbookMatch } from '../runbooks/types';

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MARKED = new RegExp(`${escapeRe(SNIPPET_MARK.open)}(.+?)${escapeRe(SNIPPET_MARK.close)}`, 'g');

/** A snippet as chat shows it: the matched words in bold (`*disk*`). */
export const chatSnippet = (snippet: string) => snippet.replace(MARKED, '*$1*');

const READ_NOT_RUN = 'These are to read; `runbook NAME on SERVICE` runs an executable one (with plan and approval).';

/** `runbooks QUERY`: the matches best first (title, where it is, a snippet), or the runbooks there are. */
export function presentRunbookMatches(query: string, matches: RunbookMatch[], all: RunbookDoc[]): Reply {
  if (!matches.length) return presentNoMatch(query, all);
  const lines = matches.map((m, i) => {
    const where = m.url ? `${m.path} · ${m.url}` : m.path;
    return `${i + 1}. *${m.title}* (${where})\n${chatSnippet(m.snippet)}`;
  });
  return reply(
    'info',
    header(`Runbooks for "${query}"`),
    text(lines.join('\n\n')),
    context(`${matches.length} best of ${all.length} runbooks · ${READ_NOT_RUN}`),
  );
}

function presentNoMatch(query: string, all: RunbookDoc[]): Reply {
  if (!all.length)
    return reply(
      'warning',
      text(`No runbook matches "${query}", and none are indexed: add Markdown runbooks to the runbooks folder.`),
      context('RUNBOOKS_DIR, default ./runbooks: `*.md` files with front matter (title, tags, alerts).'),
    );
  return reply(
    'warning',
    text(`No runbook matches "${query}". These are the runbooks there are:`),
    table(
      ['runbook', 'title', 'path'],
      all.map((d) => [d.name, d.title, d.path]),
    ),
    context('Try other words, e.g. `runbooks disk full`.'),
  );
}
