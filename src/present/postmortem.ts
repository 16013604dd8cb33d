import type { PostmortemDraft } from '../investigate/postmortem/types';
import { context, header, reply, text, type Reply } from '../reply/model';

/**
 * A postmortem draft in the thread it was asked in: a header, the Markdown itself as text (the
 * adapters split it to their limits), and a footer that says whose words these are.
 */
export function presentPostmortem(draft: PostmortemDraft): Reply {
  const by = draft.polished ? 'polished by LLM' : 'rules';
  const why = draft.unpolished ? ` · kept unpolished: ${draft.unpolished}` : '';
  return reply(
    'info',
    header(`Postmortem draft: incident ${draft.incidentId}`),
    text(draft.markdown),
    context(`draft · ${by}${why} · review before publishing · GET /api/v1/incidents/${draft.incidentId}/postmortem`),
  );
}
