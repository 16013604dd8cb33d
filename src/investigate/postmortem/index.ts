/**
 * `postmortem INCIDENT` (issue 16 point 8): the facts gathered (gather.ts), the draft written from
 * them alone (draft.ts), then, when an LLM is configured, its wording used if it kept every id and
 * time (polish.ts). Control plane only: the facts are in the store.
 */
import { draftPostmortem } from './draft';
import { gatherPostmortem, type GatherDeps } from './gather';
import type { Polisher } from './polish';
import type { PostmortemDraft, PostmortemFacts, Postmortems } from './types';

export type { PostmortemDraft, PostmortemFacts, Postmortems } from './types';
export { draftPostmortem } from './draft';
export { gatherPostmortem, type GatherDeps } from './gather';

/** The ids a polished text must keep: the incident's, the one it follows, every request's, the investigation's. */
export function idsOf(facts: PostmortemFacts): string[] {
  return [
    facts.incident.id,
    ...(facts.incident.follows ? [facts.incident.follows] : []),
    ...facts.actions.map((a) => a.id),
    ...(facts.investigation ? [facts.investigation.id] : []),
  ];
}

export function createPostmortems(deps: GatherDeps & { polisher?: Polisher }): Postmortems {
  return {
    async write(incidentId) {
      const facts = await gatherPostmortem(incidentId, deps);
      const markdown = draftPostmortem(facts);
      const draft: PostmortemDraft = { incidentId: facts.incident.id, markdown, polished: false, source: 'rules' };
      if (!deps.polisher) return draft;
      const polished = await deps.polisher.polish(markdown, idsOf(facts));
      return polished.ok
        ? { ...draft, markdown: polished.markdown, polished: true, source: 'llm' }
        : { ...draft, unpolished: polished.reason };
    },
  };
}
