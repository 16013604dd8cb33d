/** `runbook_search`: ranked runbooks for a question, from whatever index implements RunbookIndex. */
import { z } from 'zod';
import type { Tool } from '../types';
import { trimText } from './common';

export const RUNBOOKS_MAX = 10;
const SNIPPET_MAX = 300;

export interface RunbookMatch {
  name: string;
  title: string;
  snippet: string;
  path?: string;
  url?: string;
  score: number;
}

/** The runbook knowledge base (src/runbooks/ implements it): best matches first. */
export interface RunbookIndex {
  search(query: string, limit: number): Promise<RunbookMatch[]>;
}

const input = z.strictObject({
  query: z.string().trim().min(2).max(200).describe('What the runbook should cover, in words'),
  limit: z.number().int().min(1).max(RUNBOOKS_MAX).default(5),
});

export function runbookSearchTool(index: RunbookIndex): Tool<typeof input> {
  return {
    name: 'runbook_search',
    description: `Searches the runbook knowledge base; best matches first with a snippet (at most ${RUNBOOKS_MAX}).`,
    input,
    permission: 'read',
    async run(args) {
      const matches = (await index.search(args.query, args.limit)).slice(0, args.limit).map((m) => ({
        name: trimText(m.name, 100),
        title: trimText(m.title, 200),
        snippet: trimText(m.snippet, SNIPPET_MAX),
        ...(m.path ? { path: m.path } : {}),
        ...(m.url ? { url: m.url } : {}),
        score: m.score,
      }));
      return {
        data: { query: args.query, runbooks: matches },
        summary: matches.length
          ? `${matches.length} runbook(s) for “${trimText(args.query, 60)}”: ${matches.map((m) => m.name).join(', ')}`
          : `no runbook matches “${trimText(args.query, 60)}”`,
      };
    },
  };
}
