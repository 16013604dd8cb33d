/** `GET /api/v1/runbooks?q=`: the runbook knowledge base searched (src/runbooks/), best first. */
import { z } from 'zod';
import { RUNBOOK_MATCHES } from '../../../commands/runbooks';
import type { RunbookSearch } from '../../../runbooks/types';
import { command, slotsOf, type V1Context } from './command';

const slots = slotsOf('search_runbooks');

const matchSchema = z.object({
  name: z.string().describe('the file name without .md'),
  title: z.string(),
  snippet: z.string().describe('body words around the match, each matched word between ** and **'),
  score: z.number().describe('relevance (negated BM25, title and tags weighted above the body); higher is better'),
  path: z.string().describe('where the file is, under RUNBOOKS_DIR'),
  url: z.string().optional().describe("a link to read it (the runbook's front matter `url`)"),
});
const listedSchema = z.object({ name: z.string(), title: z.string(), path: z.string() });

export function runbookRoutes({ run }: V1Context, runbooks: RunbookSearch) {
  return [
    command('search_runbooks', {
      tag: 'runbooks',
      method: 'GET',
      url: '/api/v1/runbooks',
      summary: 'Search the runbooks',
      description:
        'Full-text search (SQLite FTS5, BM25) over the Markdown runbooks of RUNBOOKS_DIR: any words, punctuation ' +
        'ignored, the last word matched as a prefix. No match: `matches` is empty and `runbooks` lists them all.',
      query: z.strictObject({
        q: slots.query.unwrap().trim().min(1, 'the words to search for').max(200, 'at most 200 characters'),
      }),
      successDoc: {
        description: `the best matches (at most ${RUNBOOK_MATCHES}), best first`,
        schema: z
          .object({
            query: z.string(),
            matches: z.array(matchSchema),
            runbooks: z.array(listedSchema).optional().describe('every runbook, when nothing matched'),
          })
          .meta({ title: 'RunbookMatches' }),
      },
      handler: async ({ req, reply, principal, query }) => {
        // The command checks the caller (RBAC, audit) and answers chat's way; REST answers with the data.
        const matches = await runbooks.search(query.q, RUNBOOK_MATCHES);
        const listed = runbooks.list().map(({ name, title, path }) => ({ name, title, path }));
        const body = { query: query.q, matches, ...(matches.length ? {} : { runbooks: listed }) };
        return run(
          req,
          reply,
          principal,
          'search_runbooks',
          { query: query.q },
          { answer: () => ({ status: 200, body }) },
        );
      },
    }),
  ];
}
