import { presentRunbookMatches } from '../present/runbooks';
import { reply, text } from '../reply/model';
import type { RunbookSearch } from '../runbooks/types';
import type { CommandOutcome } from './context';

/** How many matches a search shows. */
export const RUNBOOK_MATCHES = 5;

/** `search_runbooks`: the runbooks that match the words, best first, or the list when none does. */
export async function searchRunbooks(runbooks: RunbookSearch | undefined, query: string): Promise<CommandOutcome> {
  if (!runbooks)
    return {
      outcome: 'unavailable',
      reply: reply('warning', text('Runbook search is not set up in this process.')),
    };
  const matches = await runbooks.search(query, RUNBOOK_MATCHES);
  return { outcome: 'replied', reply: presentRunbookMatches(query, matches, runbooks.list()) };
}
